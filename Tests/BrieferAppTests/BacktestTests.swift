import BrieferApp
import BrieferCore
import BrieferStore
import BrieferTesting
import Foundation
import GRDB
import Testing
#if canImport(FoundationXML)
    import FoundationXML
#endif

/// `briefer backtest` (issue 7) on stores: labels from the subscriptions CSV, who is left out, the
/// no-leakage rule, a workspace where conversion ignores behaviour (the report must not look good),
/// and the command's text, JSON and HTML.
struct BacktestTests {
    static let day: Int64 = Timestamp.millisecondsPerDay

    func runner(_ store: BrieferStore, _ configuration: BrieferConfiguration = BrieferConfiguration()) -> BacktestRunner {
        BacktestRunner(store: store, configuration: configuration, logger: .quiet)
    }

    func fixtureStore() throws -> TemporaryStore {
        let t = try TemporaryStore()
        _ = try ingest(FixturePaths.workspaceFiles, into: t.store)
        return t
    }

    /// Runs the generator's backtest mode into a temporary folder and ingests it.
    static func generated(users: Int, independent: Bool) throws -> (TemporaryStore, Timestamp) {
        let t = try TemporaryStore()
        let out = t.directory.appendingPathComponent("generated")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            [
                "python3", FixturePaths.root.appendingPathComponent("Fixtures/generator/generate.py").path, "backtest",
                "--out", out.path, "--users", "\(users)",
            ] + (independent ? ["--independent"] : [])
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "the generator failed")
        let files = ["companies.csv", "users.csv", "subscriptions.csv", "events.jsonl"].map { out.appendingPathComponent($0).path }
        let summary = try ingest(files, into: t.store)
        try #require(summary.quarantined == 0)
        let manifest =
            try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("manifest.json"))) as! [String: Any]
        return (t, Timestamp.parse(manifest["as_of"] as! String)!.timestamp)
    }

    // MARK: Labels

    /// Every eligible fixture user is labelled converted exactly when the subscriptions CSV has a paid
    /// plan starting in (as-of, as-of + 30 days]; users on a paid plan at the as-of time are left out.
    @Test func fixtureLabelsFollowTheSubscriptionsCSV() throws {
        let t = try fixtureStore()
        let asOf = try FixturePaths.manifestAsOf()
        let population = try runner(t.store).population(asOf: asOf)
        let rows = try String(contentsOf: FixturePaths.workspace.appendingPathComponent("subscriptions.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
        var paidStarts: [String: [Timestamp]] = [:]
        var inForce: [String: (Timestamp, String)] = [:]
        for row in rows {
            let start = Timestamp.parse(row[2])!.timestamp
            if row[1] != "free" { paidStarts[row[0], default: []].append(start) }
            if start <= asOf, (inForce[row[0]]?.0 ?? Timestamp(milliseconds: .min)) <= start { inForce[row[0]] = (start, row[1]) }
        }
        let until = Timestamp(milliseconds: asOf.milliseconds + 30 * Self.day)
        for user in population.users {
            let expected = paidStarts[user.id, default: []].contains { $0 > asOf && $0 <= until }
            #expect(user.converted == expected, "\(user.id)")
        }
        let scored = Set(population.scores.users.map(\.userId))
        let paying = inForce.filter { scored.contains($0.key) && $0.value.1 != "free" }.count
        #expect(population.exclusions.usersPaying == paying)
        #expect(population.users.count + population.exclusions.usersPaying + population.exclusions.usersFirstSeenAfter == scored.count)
        #expect(population.users.filter(\.converted).count == 11)
        #expect(population.exclusions.usersInternal == 5)
    }

    static let tinyUsers = """
        user_id,email,company_domain,title,created_at
        u1,a@one.com,one.com,CTO,2026-09-01T00:00:00Z
        u2,b@two.com,two.com,CTO,2026-09-01T00:00:00Z
        u3,c@three.com,three.com,CTO,2026-09-01T00:00:00Z
        u4,d@four.com,four.com,CTO,2026-09-01T00:00:00Z
        u5,e@five.com,five.com,CTO,2026-09-01T00:00:00Z
        u6,f@six.com,six.com,CTO,2026-10-02T00:00:00Z
        u7,g@seven.com,seven.com,CTO,2026-09-01T00:00:00Z
        u8,h@eight.com,eight.com,CTO,2026-09-01T00:00:00Z
        u9,i@nine.com,nine.com,CTO,2026-10-05T00:00:00Z
        u10,j@ten.com,ten.com,CTO,2026-09-01T00:00:00Z
        """

    /// As of 2026-10-01: a plan starting at the as-of time is in force then (paying, left out); the
    /// horizon's end belongs to it, a second later does not; a free plan never converts; a
    /// downgrade before the as-of time makes a user eligible again; of a free and a paid plan starting
    /// at the same time the paid one is in force. Who is left out as first seen later: a users-CSV row
    /// created after the as-of time with no call before it (u6), a user known only from later events
    /// (u11); a row created later whose events began earlier (u9) is in.
    @Test func horizonAndPayingBoundaries() throws {
        let t = try TemporaryStore()
        let subscriptions = """
            user_id,plan,subscription_start
            u1,pro,2026-10-01T00:00:00Z
            u2,pro,2026-10-31T00:00:00Z
            u3,pro,2026-10-31T00:00:01Z
            u4,free,2026-10-02T00:00:00Z
            u5,team,2026-10-01T00:00:01Z
            u7,free,2026-09-26T00:00:00Z
            u7,pro,2026-10-03T00:00:00Z
            u8,pro,2026-09-20T00:00:00Z
            u8,free,2026-09-29T00:00:00Z
            u8,pro,2026-10-04T00:00:00Z
            u10,free,2026-09-15T00:00:00Z
            u10,pro,2026-09-15T00:00:00Z
            u11,pro,2026-10-10T00:00:00Z
            """
        let events =
            ([1, 2, 3, 4, 5, 7, 8, 9, 10].map {
                #"{"type":"track","messageId":"m\#($0)","userId":"u\#($0)","event":"project_created","timestamp":"2026-09-20T10:00:00Z"}"#
            }
            + [
                #"{"type":"track","messageId":"m6","userId":"u6","event":"project_created","timestamp":"2026-10-03T10:00:00Z"}"#,
                #"{"type":"track","messageId":"m11","userId":"u11","event":"project_created","timestamp":"2026-10-02T10:00:00Z","context":{"groupId":"eleven.com"}}"#,
            ])
            .joined(separator: "\n")
        _ = try ingest(
            [try t.file("users.csv", Self.tinyUsers), try t.file("subscriptions.csv", subscriptions), try t.file("events.jsonl", events)],
            into: t.store)
        let population = try runner(t.store).population(asOf: Timestamp.parse("2026-10-01T00:00:00Z")!.timestamp, horizonDays: 30)
        #expect(population.exclusions.usersPaying == 2)  // u1, u10
        #expect(population.exclusions.usersFirstSeenAfter == 2)  // u6, u11
        #expect(Set(population.users.filter(\.converted).map(\.id)) == ["u2", "u5", "u7", "u8"])
        #expect(Set(population.users.map(\.id)) == ["u2", "u3", "u4", "u5", "u7", "u8", "u9"])
        // Accounts are made of the users known then: six.com and eleven.com do not exist yet.
        #expect(!population.accounts.contains { ["six.com", "eleven.com"].contains($0.id) })
        #expect(population.exclusions.accountsPaying == 2)
        #expect(population.accounts.filter(\.converted).count == 4)
    }

    @Test func withoutSubscriptionsTheReportSaysSoAndDividesByNothing() throws {
        let t = try TemporaryStore()
        let events = (1...10).map {
            #"{"type":"track","messageId":"m\#($0)","userId":"u\#($0)","event":"login","timestamp":"2026-09-20T10:00:00Z"}"#
        }
        .joined(separator: "\n")
        _ = try ingest([try t.file("users.csv", Self.tinyUsers), try t.file("events.jsonl", events)], into: t.store)
        let report = try runner(t.store).run(asOf: Timestamp.parse("2026-10-01T00:00:00Z")!.timestamp, capacityPerWeek: 5)
        #expect(report.users.eligible == 10 && report.users.converted == 0)
        #expect(report.thresholds.capacity?.suggested == nil)  // no conversions, a week of data, no flow to fill
        #expect(report.users.pqlLift == nil && report.users.hotWarmRecall == nil && report.users.auc == nil)
        #expect(report.warnings.contains { $0.hasPrefix("no subscriptions are stored") })
        #expect(report.warnings.contains { $0.hasPrefix("no eligible user converted") })
        _ = try Reports.backtestJSON(report)
        #expect(Reports.backtest(report).contains("n/a"))
    }

    // MARK: No leakage

    /// Everything that arrives after the as-of time — more activity for every user, identify calls
    /// with new emails and titles, events naming other groups, group calls pointing a group id at
    /// another domain or giving a group-only company new firmographics — leaves a backtest as of that
    /// time unchanged, suggestions included.
    @Test func anEventAfterTheAsOfTimeNeverChangesTheBacktest() throws {
        let asOf = try FixturePaths.manifestAsOf()
        let before = try fixtureStore()
        let after = try fixtureStore()
        let userIds = try after.store.read { db in try String.fetchAll(db, sql: "SELECT external_id FROM users ORDER BY external_id") }
        var lines: [String] = []
        for (i, user) in userIds.enumerated() {
            for (k, event) in [
                "pricing_page_viewed", "plan_limit_reached", "team_invite_sent", "integration_connected", "project_created",
                "core_feature_used", "core_feature_used", "core_feature_used", "checkout_started",
            ].enumerated() {
                let time = Timestamp(milliseconds: asOf.milliseconds + 3_600_000 + Int64(i * 10 + k) * 60_000)
                lines.append(
                    #"{"type":"track","messageId":"late-\#(i)-\#(k)","userId":"\#(user)","event":"\#(event)","timestamp":"\#(time.iso8601)","properties":{"limit":"seats"},"context":{"groupId":"moved-\#(i % 7).com"}}"#
                )
            }
            let time = Timestamp(milliseconds: asOf.milliseconds + 2 * Self.day + Int64(i) * 1000)
            lines.append(
                #"{"type":"identify","messageId":"late-id-\#(i)","userId":"\#(user)","traits":{"email":"\#(user)@gmail.com","title":"CEO","createdAt":"\#(time.iso8601)"},"timestamp":"\#(time.iso8601)"}"#
            )
        }
        let lateGroup = Timestamp(milliseconds: asOf.milliseconds + 3 * Self.day).iso8601
        for (i, group) in ["grp_42", "vandelay.com", "hooli.com", "centralperk.cafe", "dailyplanet.news"].enumerated() {
            lines.append(
                #"{"type":"group","messageId":"late-group-\#(i)","userId":"\#(userIds[i])","groupId":"\#(group)","traits":{"name":"Moved \#(i)","website":"moved-\#(i).com","employees":9000,"industry":"saas","annual_revenue":90000000},"timestamp":"\#(lateGroup)"}"#
            )
        }
        let file = try after.file("late.jsonl", lines.joined(separator: "\n"))
        let summary = try ingest([file], into: after.store)
        #expect(summary.inserted == lines.count)
        let a = try runner(before.store).run(asOf: asOf, capacityPerWeek: 3)
        var b = try runner(after.store).run(asOf: asOf, capacityPerWeek: 3)
        b.dataEnd = a.dataEnd
        b.warnings = a.warnings
        #expect(a == b)
        // ... while a backtest at a time after them sees them.
        let later = Timestamp(milliseconds: asOf.milliseconds + 3 * Self.day)
        #expect(try runner(after.store).run(asOf: later).users != (try runner(before.store).run(asOf: later)).users)
    }

    // MARK: A report that always looks good is caught

    /// Conversion drawn at one rate whatever users do: lift ≈ 1, AUC ≈ 0.5 for users. The same
    /// generator with conversion driven by the users' intent: a clear lift. (Seeded: the numbers are
    /// fixed; the bounds say what a backtest of such data must show, about 3 standard errors wide.)
    @Test func conversionIndependentOfBehaviourShowsNoLift() throws {
        let (t, asOf) = try Self.generated(users: 2500, independent: true)
        let report = try runner(t.store).run(asOf: asOf)
        let u = report.users
        print(
            "backtest independence: users \(u.eligible), converted \(u.converted), PQL lift \(u.pqlLift!), top 20 % lift \(u.top20Lift!), AUC \(u.auc!)"
        )
        #expect(u.converted > 100)
        #expect(abs(u.auc! - 0.5) < 0.05, "AUC \(u.auc!)")
        #expect((0.6...1.4).contains(u.pqlLift!), "PQL lift \(u.pqlLift!)")
        #expect((0.7...1.3).contains(u.top20Lift!), "top 20 % lift \(u.top20Lift!)")
        for signal in report.signals { #expect((0.6...1.6).contains(signal.lift ?? 0), "\(signal.signal.name) lift \(signal.lift ?? -1)") }
        #expect(u.targets.first { $0.name == "PQL lift" }?.status == .redFlag)

        let (driven, drivenAsOf) = try Self.generated(users: 2500, independent: false)
        let d = try runner(driven.store).run(asOf: drivenAsOf).users
        print(
            "backtest intent-driven: users \(d.eligible), converted \(d.converted), PQL lift \(d.pqlLift!), top 20 % lift \(d.top20Lift!), AUC \(d.auc!)"
        )
        #expect(d.auc! > 0.6, "AUC \(d.auc!)")
        #expect(d.pqlLift! > 1.5 && d.top20Lift! > 1.5)
    }

    @Test func thePointsModelUsesItsOwnRanges() throws {
        let t = try fixtureStore()
        let report = try runner(t.store).run(asOf: try FixturePaths.manifestAsOf(), model: .points, capacityPerWeek: 2)
        #expect(report.model == "points")
        #expect(report.users.buckets.map(\.label) == ["[0,30)", "[30,60)", "[60,80)", "[80,150]"])
        #expect(report.users.buckets.reduce(0) { $0 + $1.conversion.count } == report.users.eligible)
        #expect(report.thresholds.currentThreshold == 80 && report.thresholds.range == 61...150)
        #expect(report.signals.contains { $0.signal.name == "velocity burst" })
    }

    // MARK: The command

    @Test func theCommandPrintsTheReportAndWritesTheHTML() throws {
        let t = try TemporaryStore()
        let db = t.directory.appendingPathComponent("briefer.sqlite").path
        let ingested = try BrieferBinary.run(["ingest", "--db", db] + FixturePaths.workspaceFiles)
        #expect(ingested.status == 0, "\(ingested.output)")
        let asOf = try FixturePaths.manifestAsOf().iso8601
        let html = t.directory.appendingPathComponent("backtest.html").path
        let text = try BrieferBinary.run(["backtest", "--db", db, "--as-of", asOf, "--html", html, "--capacity", "3"])
        #expect(text.status == 0, "\(text.output)")
        #expect(text.output.contains("against the seeds' targets"))
        #expect(text.output.contains("conversion by score bucket (users)"))
        #expect(text.output.contains("SDR capacity 3 accounts a week"))

        let json = try BrieferBinary.run(["backtest", "--db", db, "--as-of", asOf, "--json"])
        #expect(json.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as! [String: Any]
        #expect(object["schema_version"] as? Int == 1)
        let users = object["users"] as! [String: Any]
        let eligible = users["eligible"] as! Int
        let lift = users["pql_lift"] as! Double
        let auc = users["auc"] as! Double

        // The page: well-formed (parsed as XML), self-contained, holding the numbers and the charts.
        let page = try String(contentsOfFile: html, encoding: .utf8)
        let document = try XMLDocument(data: Data(page.utf8), options: [])
        #expect(try document.nodes(forXPath: "//svg").count == 4)
        #expect(try document.nodes(forXPath: "//table").count >= 4)
        for forbidden in ["://", "<script", "<link", "src=", "@import", "url("] { #expect(!page.contains(forbidden), "\(forbidden)") }
        #expect(page.contains("<b>\(eligible)</b> users"))
        #expect(page.contains(String(format: "%.2f×", lift)))
        #expect(page.contains(String(format: "%.2f", auc)))
        #expect(
            page.contains("Conversion by score bucket") && page.contains("Tier mix") && page.contains("Lift by signal")
                && page.contains("Score histogram"))

        // Drift between two times, as text and as a page.
        let earlier = Timestamp(milliseconds: try FixturePaths.manifestAsOf().milliseconds - 14 * Self.day).iso8601
        let driftPage = t.directory.appendingPathComponent("drift.html").path
        let drift = try BrieferBinary.run(["backtest", "--db", db, "--compare-as-of", earlier, asOf, "--html", driftPage])
        #expect(drift.status == 0, "\(drift.output)")
        #expect(drift.output.contains("drift from \(earlier) to \(asOf)"))
        #expect(drift.output.contains("stability index"))
        _ = try XMLDocument(data: Data(contentsOf: URL(fileURLWithPath: driftPage)), options: [])

        let missing = try BrieferBinary.run(["backtest", "--db", db])
        #expect(missing.status != 0 && missing.output.contains("give --as-of T, or --compare-as-of T1 T2"))
        let one = try BrieferBinary.run(["backtest", "--db", db, "--compare-as-of", asOf])
        #expect(one.status != 0 && one.output.contains("--compare-as-of takes two times"))
        for horizon in ["soon", "inf", "1e20d", "10m", "3651d"] {
            let bad = try BrieferBinary.run(["backtest", "--db", db, "--as-of", asOf, "--horizon", horizon])
            #expect(
                bad.status == 64 && bad.output.contains("--horizon must be a duration from an hour to 3650 days"),
                "\(horizon): \(bad.output)")
        }
    }
}
