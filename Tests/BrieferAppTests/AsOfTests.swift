import BrieferApp
import BrieferCore
import GRDB
import BrieferTesting
import Foundation
import Testing

@testable import BrieferStore

/// An event after the as-of time never changes a score as of it: not its activity, not who the
/// user is, not which account they belong to.
struct AsOfTests {
    static let events = """
        {"type":"identify","messageId":"i1","userId":"u1","traits":{"email":"ann@alpha.com"},"timestamp":"2026-09-30T09:00:00Z"}
        {"type":"track","messageId":"e1","userId":"u1","event":"project_created","timestamp":"2026-10-01T10:00:00Z","context":{"groupId":"alpha.com"}}
        {"type":"track","messageId":"e2","userId":"u1","event":"login","timestamp":"2026-10-20T10:00:00Z","context":{"groupId":"beta.com"}}
        {"type":"identify","messageId":"i2","userId":"u1","traits":{"email":"ann@beta.com","title":"CTO","createdAt":"2026-10-15T00:00:00Z"},"timestamp":"2026-10-20T11:00:00Z"}
        {"type":"track","messageId":"e3","userId":"u2","event":"login","timestamp":"2026-10-21T10:00:00Z","context":{"groupId":"beta.com"}}
        """

    func scored(at time: String, in t: TemporaryStore) throws -> ScoringOutcome {
        try ScoringRunner(store: t.store, configuration: BrieferConfiguration(), logger: .quiet).run(asOf: Timestamp.parse(time)!.timestamp)
    }

    /// A user's account as of a past time is read again from the calls made by then: only from what gives a hint at
    /// ingest too — activity (not a vendor's system event), identify traits, group calls — never an alias call's context,
    /// so a score as of that time is the one a store that never saw the later calls gives.
    @Test func aPastAccountIsReadFromTheCallsThatGiveHints() throws {
        let calls = """
            {"type":"track","messageId":"h1","userId":"u9","event":"project_created","timestamp":"2026-10-01T10:00:00Z","context":{"groupId":"alpha.com"}}
            {"type":"alias","messageId":"h2","userId":"u9","previousId":"old-9","timestamp":"2026-10-02T10:00:00Z","context":{"groupId":"gamma.com"}}
            """
        let later =
            #"{"type":"track","messageId":"h3","userId":"u9","event":"login","timestamp":"2026-10-20T10:00:00Z","context":{"groupId":"beta.com"}}"#
        // A store that never saw the later call, and one that did, scored as of between them: the same account.
        let before = try TemporaryStore()
        _ = try ingest([try before.file("e.jsonl", calls)], into: before.store)
        let then = try scored(at: "2026-10-05T00:00:00Z", in: before)
        #expect(then.users.first { $0.userId == "u9" }?.account == "alpha.com")
        let after = try TemporaryStore()
        _ = try ingest([try after.file("e.jsonl", calls + "\n" + later)], into: after.store)
        let backtest = try scored(at: "2026-10-05T00:00:00Z", in: after)
        #expect(backtest.users.first { $0.userId == "u9" }?.account == "alpha.com")
    }

    /// Each identify field is the latest call's that gives it — a later call without an email keeps the one before —
    /// whatever order the calls arrive in, in one batch or many; at the same millisecond the greater value wins. Before
    /// v14 one time served all fields, and a later empty call could leave the oldest email standing.
    @Test func identifyFieldsAreEachTheLatestCallsThatGivesThem() throws {
        let calls = [
            #"{"type":"identify","messageId":"i1","userId":"u5","traits":{"email":"a@alderpoint.com","title":"Analyst","createdAt":"2026-02-02T00:00:00Z"},"timestamp":"2026-02-04T10:00:00Z"}"#,
            #"{"type":"identify","messageId":"i2","userId":"u5","traits":{"email":"a@birchmoor.com","title":"VP Sales","createdAt":"2026-01-30T00:00:00Z"},"timestamp":"2026-02-15T10:00:00Z"}"#,
            #"{"type":"identify","messageId":"i3","userId":"u5","traits":{},"timestamp":"2026-02-23T10:00:00Z"}"#,
            #"{"type":"identify","messageId":"i4","userId":"u6","traits":{"email":"b@oakridge.com"},"timestamp":"2026-02-10T10:00:00Z"}"#,
            #"{"type":"identify","messageId":"i5","userId":"u6","traits":{"email":"b@ivybridge.com"},"timestamp":"2026-02-10T10:00:00Z"}"#,
            #"{"type":"track","messageId":"t5","userId":"u5","event":"login","timestamp":"2026-02-24T10:00:00Z"}"#,
            #"{"type":"track","messageId":"t6","userId":"u6","event":"login","timestamp":"2026-02-24T10:00:00Z"}"#,
        ]
        for order in [[0, 1, 2, 3, 4], [2, 0, 1, 4, 3], [1, 2, 0, 3, 4]] {
            for batched in [true, false] {
                let t = try TemporaryStore()
                let lines = order.map { calls[$0] } + calls[5...]
                if batched {
                    _ = try ingest([try t.file("e.jsonl", lines.joined(separator: "\n"))], into: t.store)
                } else {
                    for (i, line) in lines.enumerated() { _ = try ingest([try t.file("e\(i).jsonl", line)], into: t.store) }
                }
                let stored = try t.store.read { db in
                    try Row.fetchOne(
                        db, sql: "SELECT identify_email, identify_title, identify_created_ms FROM users WHERE external_id = 'u5'")
                }
                #expect(stored?["identify_email"] == "a@birchmoor.com", "\(order) batched \(batched)")
                #expect(stored?["identify_title"] == "VP Sales")
                #expect(stored?["identify_created_ms"] == Timestamp.parse("2026-01-30T00:00:00Z")!.timestamp.milliseconds)
                let now = try scored(at: "2026-03-01T00:00:00Z", in: t)
                #expect(now.users.first { $0.userId == "u5" }?.account == "birchmoor.com")
                #expect(now.users.first { $0.userId == "u6" }?.account == "oakridge.com")
                // As of a past time, from the calls made by then.
                #expect(try scored(at: "2026-02-20T00:00:00Z", in: t).users.first { $0.userId == "u5" }?.account == "birchmoor.com")
                #expect(try scored(at: "2026-02-12T00:00:00Z", in: t).users.first { $0.userId == "u5" }?.account == "alderpoint.com")
            }
        }
        // A database whose fields were merged the old way is read again from its calls by the v14 migration.
        let t = try TemporaryStore()
        _ = try ingest([try t.file("e.jsonl", calls.joined(separator: "\n"))], into: t.store)
        try t.store.write { db in
            try db.execute(sql: "UPDATE users SET identify_email = 'a@alderpoint.com', identify_title = 'Analyst' WHERE external_id = 'u5'")
            try BrieferStore.refoldIdentifyFields(db)
        }
        #expect(try scored(at: "2026-03-01T00:00:00Z", in: t).users.first { $0.userId == "u5" }?.account == "birchmoor.com")
    }

    /// Two groups naming one domain in the same millisecond: the greater group id's call is the company's, in whichever
    /// order they arrive, now and as of a past time alike (the SQL script reads them so too).
    @Test func groupsOfOneDomainAtOneMillisecondAreReadInOneOrder() throws {
        let a =
            #"{"type":"group","messageId":"g1","userId":"u7","groupId":"org_a","traits":{"website":"tie.com","employees":3000},"timestamp":"2026-10-01T10:00:00Z"}"#
        let b =
            #"{"type":"group","messageId":"g2","userId":"u7","groupId":"org_b","traits":{"website":"tie.com","employees":30},"timestamp":"2026-10-01T10:00:00Z"}"#
        let track = #"{"type":"track","messageId":"t1","userId":"u7","event":"login","timestamp":"2026-10-02T10:00:00Z"}"#
        var firmographics: Set<Int> = []
        for lines in [[a, b, track], [b, a, track]] {
            for asOf in ["2026-10-05T00:00:00Z", "2026-10-01T12:00:00Z"] {
                let t = try TemporaryStore()
                // One ingest per call: each arrives in its own batch, in this order.
                for (i, line) in lines.enumerated() { _ = try ingest([try t.file("e\(i).jsonl", line)], into: t.store) }
                let user = try scored(at: asOf, in: t).users.first { $0.userId == "u7" }
                #expect(user?.account == "tie.com")
                firmographics.insert(user?.firmographic ?? -1)
            }
        }
        // org_b's 30 employees (20 points), never org_a's 3000 (30 points).
        #expect(firmographics.count == 1)
    }

    @Test func identityAndUsersAreThoseKnownAtTheAsOfTime() throws {
        let t = try TemporaryStore()
        _ = try ingest([try t.file("e.jsonl", Self.events)], into: t.store)
        let early = try scored(at: "2026-10-05T00:00:00Z", in: t)
        #expect(early.users.map(\.userId) == ["u1"])  // u2 is first seen later
        #expect(early.users.first?.account == "alpha.com")
        #expect(early.users.first?.activation == 30)  // project_created within 14 days of the first event
        let explained = try Explainer(store: t.store, configuration: BrieferConfiguration()).explain(
            account: "alpha.com", runId: early.run.id)
        #expect(explained.matches)
        let late = try scored(at: "2026-10-25T00:00:00Z", in: t)
        #expect(late.users.map(\.userId) == ["u1", "u2"])
        #expect(Set(late.users.map(\.account)) == ["beta.com"])
        // The earlier run still explains the same way after the later data arrived.
        #expect(
            try Explainer(store: t.store, configuration: BrieferConfiguration()).explain(account: "alpha.com", runId: early.run.id).matches)
    }

    @Test func aBacktestGivesTheScoresOfAStoreThatNeverSawTheLaterEvents() throws {
        let all = try TemporaryStore()
        _ = try ingest(FixturePaths.workspaceFiles, into: all.store)
        let asOf = "2026-11-01T00:00:00Z"
        let backtest = try scored(at: asOf, in: all)
        // The same workspace with every event after the as-of time left out.
        let cut = try TemporaryStore()
        let lines = try String(contentsOfFile: FixturePaths.workspace.appendingPathComponent("events.jsonl").path, encoding: .utf8)
            .split(separator: "\n").filter { line in
                guard let value = try? JSONParser.parse(String(line)), let time = value["timestamp"]?.stringValue,
                    let parsed = Timestamp.parse(time)
                else { return true }
                return parsed.timestamp <= Timestamp.parse(asOf)!.timestamp
            }
        let earlier = try cut.file("events.jsonl", lines.joined(separator: "\n"))
        _ = try ingest(FixturePaths.workspaceFiles.filter { !$0.hasSuffix(".jsonl") } + [earlier], into: cut.store)
        let reference = try scored(at: asOf, in: cut)
        #expect(backtest.users == reference.users)
        #expect(backtest.accounts == reference.accounts)
    }

    /// A signup date sent after the as-of time is not the signup as of it: the activation window
    /// is the one from the first event, even when it lies far before the scoring look-back.
    @Test func aLaterSignupDateDoesNotMoveAnEarlierActivationWindow() throws {
        let t = try TemporaryStore()
        _ = try ingest(
            [
                try t.file(
                    "e.jsonl",
                    """
                    {"type":"track","messageId":"a1","userId":"u3","event":"project_created","timestamp":"2026-10-01T10:00:00Z"}
                    {"type":"identify","messageId":"a2","userId":"u3","traits":{"createdAt":"2026-10-15T00:00:00Z"},"timestamp":"2026-11-20T10:00:00Z"}
                    """)
            ], into: t.store)
        let before = try scored(at: "2026-11-10T00:00:00Z", in: t)
        #expect(before.users.first?.activation == 30)
        let after = try scored(at: "2026-11-21T00:00:00Z", in: t)
        #expect(after.users.first?.activation == 0)  // signup now 10-15: project_created came before it
    }
}
