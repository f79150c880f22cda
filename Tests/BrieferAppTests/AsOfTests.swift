import BrieferApp
import BrieferCore
import BrieferStore
import BrieferTesting
import Foundation
import Testing

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
