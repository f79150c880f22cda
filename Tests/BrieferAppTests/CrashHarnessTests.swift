import BrieferApp
import BrieferCore
import BrieferStore
import BrieferTesting
import Foundation
import Testing

/// Crash safety by killing the process (issue 6, SPEC §2, §5, §6): `briefer run` on the fixtures against
/// the fake model server, the fake HubSpot and fake Slack and webhook receivers (actions on) is killed 26 times — at every
/// named crash point, several
/// times each at different hits, and by SIGKILLs at random moments — and each time run again to
/// completion. After each: every valid event stored once, every hot account with exactly one briefing
/// (an account whose briefing was stored before the kill is not asked again), every CRM change received
/// and never under two trace ids.
@Suite(.serialized)
struct CrashHarnessTests {
    struct Kill: CustomStringConvertible {
        var point: String?
        var after: Int
        var delay: Double?
        var description: String { point.map { "\($0) #\(after)" } ?? "SIGKILL after \(String(format: "%.2f", delay ?? 0)) s" }
    }

    static var plan: [Kill] {
        var random = SplitMix64(state: 20_261_125)
        var kills: [Kill] = []
        for (point, hits) in [
            ("ingest-after-batch", [1, 2, 3, 4]), ("enrich-after-answer", [1, 3, 6, 9]),
            ("sync-before-send", [1, 2, 3, 4]), ("sync-after-send", [1, 2, 3, 4]),
            // The actions: the tasks' one batch/create, and the 22 notifications (11 Slack, then 11 webhook events).
            ("actions-before-send", [1]), ("actions-after-send", [1]), ("actions-before-notify", [3, 15]),
            ("actions-after-notify", [4, 16]),
        ] {
            kills += hits.map { Kill(point: point, after: $0, delay: nil) }
        }
        // Random kills: a share of an uninterrupted run's duration (the delay is set from it in the test).
        for _ in 0..<4 { kills.append(Kill(point: nil, after: 0, delay: 0.05 + Double(random.next() % 650) / 1000)) }
        return kills
    }

    static let asOf = "2026-11-20T12:00:00Z"

    /// The fixture configuration with actions on (tasks, Slack and the signed webhook), HubSpot's search lag waited out
    /// for 1 s.
    static func actionsConfig(in directory: URL) throws -> String {
        var text = try String(contentsOf: FixturePaths.config, encoding: .utf8)
        for (from, to) in [
            ("already hot).\n  enabled: false", "already hot).\n  enabled: true"), ("search_lag_seconds: 15", "search_lag_seconds: 1"),
            ("  slack:\n    enabled: false", "  slack:\n    enabled: true"),
            ("  webhook:\n    enabled: false", "  webhook:\n    enabled: true"),
        ] {
            precondition(text.contains(from), "config/briefer.yaml no longer has \(from)")
            text = text.replacingOccurrences(of: from, with: to)
        }
        let path = directory.appendingPathComponent("briefer.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The receivers of one world's notifications.
    struct Receivers {
        let slack: FakeWebhookReceiver
        let hook: FakeWebhookReceiver
        func stop() { slack.stop(); hook.stop() }
    }

    /// Runs `briefer run` once; `kill` arms a crash point or a timed SIGKILL. Returns how it ended.
    static func run(
        db: String, out: String, config: String, llm: FakeOpenAIServer, crm: FakeHubSpotServer, receivers: Receivers, kill: Kill?
    ) async throws -> Process.TerminationReason {
        let binary = BrieferBinary.path
        try #require(FileManager.default.isExecutableFile(atPath: binary), "swift build first: \(binary)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "run", "--db", db, "--config", config, "--inputs", FixturePaths.workspace.path,
            "--as-of", asOf, "--push", "--base-url", llm.baseURL, "--model", "test-model", "--json",
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["HUBSPOT_BASE_URL"] = crm.baseURL
        environment["HUBSPOT_ACCESS_TOKEN"] = crm.token
        environment["OPENAI_API_KEY"] = nil
        environment[NotificationTargets.slackVariable] = receivers.slack.url
        environment[NotificationTargets.webhookURLVariable] = receivers.hook.url
        environment[NotificationTargets.webhookSecretVariable] = receivers.hook.secret
        if let point = kill?.point {
            environment["BRIEFER_TEST_CRASH_AT"] = point
            environment["BRIEFER_TEST_CRASH_AFTER"] = String(kill!.after)
        }
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        if let delay = kill?.delay {
            try await Task.sleep(nanoseconds: UInt64(delay * 1e9))
            if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        }
        let deadline = Date().addingTimeInterval(120)
        while process.isRunning, Date() < deadline { try await Task.sleep(nanoseconds: 20_000_000) }
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        if process.terminationReason == .exit {
            #expect(process.terminationStatus == 0, "briefer run exited \(process.terminationStatus)")
        }
        return process.terminationReason
    }

    /// The rendered company name of each account (what the fake model server reads from a prompt).
    static func renderedNames(_ store: BrieferStore) throws -> [String: String] {
        let cap = BrieferConfiguration().enrichment.briefing.maxUntrustedChars
        return Dictionary(
            try store.briefings(latestOnly: true).map {
                ($0.account, $0.input.placeholderValues(maxUntrustedChars: cap)["company_name"]!)
            }, uniquingKeysWith: { a, _ in a })
    }

    @Test func killedTwentyTimesNothingIsLostOrSentTwice() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("briefer-crash-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }

        // The reference: one uninterrupted run.
        let started = Date()
        let reference = try await Self.world(root.appendingPathComponent("reference"), kill: nil)
        let referenceSeconds = Date().timeIntervalSince(started)
        #expect(reference.killed == false)
        let expectedEvents = reference.events, expectedQuarantine = reference.quarantined
        #expect(expectedEvents > 6000 && reference.hot == 11)
        // Uninterrupted: one task, one Slack message and one webhook event per newly-hot account.
        #expect(reference.tasks == 11 && reference.slackPerAccount == Array(repeating: 1, count: 11) && reference.eventsMissing.isEmpty)

        var killed = 0
        var byPoint: [String: Int] = [:]
        for (index, planned) in Self.plan.enumerated() {
            var kill = planned
            // A random kill lands at that share of half an uninterrupted run's time (ingest, scoring,
            // enrichment or sync); one that misses because the run ended sooner is tried again, sooner.
            if kill.point == nil { kill.delay = (planned.delay ?? 0.5) * referenceSeconds / 2 }
            var world = try await Self.world(root.appendingPathComponent("run-\(index)"), kill: kill)
            var attempt = 0
            // (Up to six times: on a loaded machine the reference run's time says little about this one's.)
            while kill.point == nil && !world.killed && attempt < 6 {
                attempt += 1
                kill.delay = (kill.delay ?? 0) / 2
                world = try await Self.world(root.appendingPathComponent("run-\(index)-\(attempt)"), kill: kill)
            }
            if world.killed { killed += 1; byPoint[kill.point ?? "random", default: 0] += 1 }
            #expect(world.events == expectedEvents, "\(kill): events")
            #expect(world.quarantined == expectedQuarantine, "\(kill): quarantine")
            #expect(world.hot == 11 && world.briefingsPerHotAccount == [1], "\(kill): briefings \(world.briefingsPerHotAccount)")
            #expect(world.reaskedAfterStored.isEmpty, "\(kill): asked again after its briefing was stored: \(world.reaskedAfterStored)")
            #expect(world.undelivered.isEmpty, "\(kill): changes not delivered: \(world.undelivered)")
            #expect(world.twoTraceIds.isEmpty, "\(kill): one change under two trace ids: \(world.twoTraceIds)")
            #expect(world.leases == 0, "\(kill): leases left")
            #expect(world.tasksPerKey == [1] && world.tasks == 11, "\(kill): tasks \(world.tasks), per key \(world.tasksPerKey)")
            #expect(world.eventsMissing.isEmpty, "\(kill): webhook events never delivered: \(world.eventsMissing)")
            #expect(world.slackPerAccount.allSatisfy { $0 <= 1 }, "\(kill): Slack messages per account \(world.slackPerAccount)")
            #expect(world.actionsUnsettled.isEmpty, "\(kill): actions not settled: \(world.actionsUnsettled)")
        }
        // Every named point was reached (the contacts' and the notifications' at least twice), and every run was killed.
        for point in [
            "ingest-after-batch", "enrich-after-answer", "sync-before-send", "sync-after-send", "actions-before-notify",
            "actions-after-notify",
        ] {
            #expect(byPoint[point, default: 0] >= 2, "\(point) killed the process \(byPoint[point, default: 0]) time(s)")
        }
        for point in ["actions-before-send", "actions-after-send"] {
            #expect(byPoint[point, default: 0] >= 1, "\(point) killed the process \(byPoint[point, default: 0]) time(s)")
        }
        #expect(killed == Self.plan.count)
        print("crash harness: \(killed) kills survived of \(Self.plan.count) runs: \(byPoint.sorted { $0.key < $1.key })")
    }

    static func fixtureEmails() throws -> [String] {
        let text = try String(contentsOf: FixturePaths.workspace.appendingPathComponent("users.csv"), encoding: .utf8)
        let words = text.split(whereSeparator: { ",\n\r\"".contains($0) })
        return Array(Set(words.filter { $0.contains("@") && $0.contains(".") }.map { $0.lowercased() }))
    }

    struct World {
        var killed: Bool
        var events: Int
        var quarantined: Int
        var hot: Int
        var briefingsPerHotAccount: Set<Int>
        var reaskedAfterStored: [String]
        var undelivered: [String]
        var twoTraceIds: [String]
        var leases: Int
        /// Tasks the CRM holds, and how many per key (never more than one).
        var tasks: Int
        var tasksPerKey: Set<Int>
        /// Webhook events of hot accounts the receiver never got.
        var eventsMissing: [String]
        /// Slack messages received per hot account (at most once).
        var slackPerAccount: [Int]
        /// Actions neither done nor, for Slack after an unknown outcome, settled as unknown.
        var actionsUnsettled: [String]
    }

    /// A fresh database and fake servers; `briefer run` killed as `kill` says, then run again to completion.
    static func world(_ directory: URL, kill: Kill?) async throws -> World {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let db = directory.appendingPathComponent("db.sqlite").path, out = directory.appendingPathComponent("crm").path
        let llm = try FakeOpenAIServer { _ in .grounded }
        let crm = try FakeHubSpotServer()
        crm.searchLag = 0.5
        let receivers = Receivers(slack: try FakeWebhookReceiver(kind: .slack), hook: try FakeWebhookReceiver(kind: .signed))
        let config = try actionsConfig(in: directory)
        defer { llm.stop(); crm.stop(); receivers.stop() }
        // The CRM knows every fixture user: contacts of accounts that are not hot are updated (three more
        // write batches after the upsert), not only looked up.
        for email in try Self.fixtureEmails() { _ = crm.addContact(email: email) }
        var killed = false
        var storedBeforeRerun: [String: String] = [:]
        var requestsBeforeRerun = 0
        if let kill {
            let reason = try await run(db: db, out: out, config: config, llm: llm, crm: crm, receivers: receivers, kill: kill)
            killed = reason == .uncaughtSignal
            if FileManager.default.fileExists(atPath: db) {
                storedBeforeRerun = try renderedNames(try BrieferStore(path: db))
            }
            requestsBeforeRerun = llm.requests.count
        }
        let reason = try await run(db: db, out: out, config: config, llm: llm, crm: crm, receivers: receivers, kill: nil)
        #expect(reason == .exit)

        let store = try BrieferStore(path: db)
        let hotAccounts = try store.latestRun(model: .weighted).map { try store.accountScores(runId: $0.id, tier: .hot) } ?? []
        let briefings = try store.briefings(latestOnly: false, limit: 10_000)
        let perAccount = Dictionary(grouping: briefings, by: \.account).mapValues(\.count)
        let rerunNames = llm.requests.dropFirst(requestsBeforeRerun).compactMap(\.companyName)
        let reasked = storedBeforeRerun.filter { rerunNames.contains($0.value) }.map(\.key).sorted()
        // Every change recorded is settled, and what was done reached the CRM under its trace id.
        let outbox = try store.outboxItems(destination: nil)
        let received = Set(crm.traceIds)
        let undelivered = outbox.filter { item in
            item.status == .pending || item.status == .rejected || (item.status == .done && !received.contains(item.traceId))
        }.map { "\($0.traceId) \($0.status.rawValue)" }
        // The same contact and properties never arrived under two trace ids.
        var traceIdsByChange: [String: Set<String>] = [:]
        for write in crm.writes {
            let change = write.id + "|" + write.properties.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "&")
            if let traceId = write.traceId { traceIdsByChange[change, default: []].insert(traceId) }
        }
        let asOf = Timestamp.parse(Self.asOf)!.timestamp
        let hotNames = hotAccounts.map(\.score.account)
        let tasksPerKey = Dictionary(grouping: crm.tasks.compactMap(\.traceId), by: { $0 }).mapValues(\.count)
        let events = Set(receivers.hook.eventIds)
        let slackTexts = receivers.slack.taken.map { String(decoding: $0.request.body, as: UTF8.self) }
        let actions = try store.actions()
        return World(
            killed: killed, events: try store.count("events"), quarantined: try store.count("quarantine"), hot: hotAccounts.count,
            briefingsPerHotAccount: Set(hotAccounts.map { perAccount[$0.score.account] ?? 0 }), reaskedAfterStored: reasked,
            undelivered: undelivered, twoTraceIds: traceIdsByChange.filter { $0.value.count > 1 }.map(\.key).sorted(),
            leases: try store.leases().count,
            tasks: crm.tasks.count, tasksPerKey: Set(tasksPerKey.values),
            eventsMissing: hotNames.filter { !events.contains(ActionKind.webhook.key(account: $0, becameHot: asOf)) },
            slackPerAccount: hotNames.map { name in slackTexts.filter { $0.contains("\"Hot account: \(name) (PQL") }.count },
            actionsUnsettled: actions.filter { !($0.status == .done || ($0.kind == .slack && $0.status == .unknown)) }
                .map { "\($0.kind.rawValue) \($0.account) \($0.status.rawValue)" })
    }
}
