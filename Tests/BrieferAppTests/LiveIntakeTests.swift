import BrieferApp
import BrieferCore
import BrieferStore
import BrieferTesting
import Foundation
import GRDB
import Testing

/// Serve's intake without HTTP: requests committed together still answer each for itself, and an intake that another
/// process wrote beside (new users, event names) carries on without storing anything under another's id.
@Suite struct LiveIntakeTests {
    static func batch(_ calls: [String]) -> [UInt8] { Array(("{\"batch\":[" + calls.joined(separator: ",") + "]}").utf8) }

    static func track(_ id: String, user: String, event: String = "report_viewed") -> String {
        #"{"type":"track","messageId":"\#(id)","userId":"\#(user)","event":"\#(event)","timestamp":"2026-11-19T10:00:00Z"}"#
    }

    @Test func requestsCommittedTogetherAnswerEachForItself() async throws {
        let t = try TemporaryStore()
        let intake = try LiveIntake(store: try BrieferStore(path: t.store.path, durable: true), configuration: BrieferConfiguration())
        // 40 requests at once: request n sends calls n-0 … n-4, and the odd ones repeat the previous request's last call.
        let outcomes = try await withThrowingTaskGroup(of: (Int, LiveIntake.Outcome).self) { group in
            for n in 0..<40 {
                group.addTask {
                    var calls = (0..<5).map { Self.track("r\(n)-\($0)", user: "u\(n % 7)") }
                    if n % 2 == 1 { calls.append(Self.track("r\(n - 1)-4", user: "u\((n - 1) % 7)")) }
                    if n == 7 { calls.append(#"{"type":"track","messageId":"bad","userId":"u1"}"#) }  // no event name
                    return (n, try await intake.accept(.batch, body: Self.batch(calls)))
                }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        try intake.finish()
        for n in 0..<40 {
            let outcome = try #require(outcomes[n])
            #expect(outcome.received == 5 + n % 2 + (n == 7 ? 1 : 0))
            #expect(outcome.quarantined == (n == 7 ? 1 : 0))
            // The repeated call is stored by whichever of the two requests committed first: once in all.
            #expect(outcome.stored + outcome.duplicates == 5 + n % 2)
        }
        #expect(outcomes.values.reduce(0) { $0 + $1.stored } == 200)
        #expect(outcomes.values.reduce(0) { $0 + $1.duplicates } == 20)
        #expect(try t.store.eventsScalar("SELECT count(*) FROM events") == "200")
        #expect(try t.store.scalar("SELECT inserted FROM ingests WHERE files = 'serve'") == "200")
    }

    @Test func anotherWriterOfTheSameDatabaseTakesNoIdOfTheIntakes() async throws {
        let t = try TemporaryStore()
        let intake = try LiveIntake(store: try BrieferStore(path: t.store.path, durable: true), configuration: BrieferConfiguration())
        #expect(try await intake.accept(.batch, body: Self.batch([Self.track("a1", user: "alice")])).stored == 1)
        // Another process (here a file ingest on its own connection) stores new users and a new event name: the ids
        // the intake would hand out next.
        let other = try BrieferStore(path: t.store.path)
        let file = try t.file("more.jsonl", Self.track("b1", user: "bob", event: "project_created") + "\n")
        _ = try ingest([file], into: other)
        // The intake's next new user and name: refused as stale inside, ids read again, stored under their own.
        let outcome = try await intake.accept(.batch, body: Self.batch([Self.track("c1", user: "carol", event: "pricing_page_viewed")]))
        #expect(outcome.stored == 1)
        try intake.finish()
        let users = try t.store.read { db in try String.fetchAll(db, sql: "SELECT external_id FROM users ORDER BY id") }
        #expect(users == ["alice", "bob", "carol"])
        let rows = try t.store.eventsScalar(
            """
            SELECT group_concat(u.external_id || ':' || t.text, ' ') FROM events e JOIN users u ON u.id = e.user_id
            JOIN terms t ON t.id = e.name_id ORDER BY e.id
            """)
        #expect(rows == "alice:report_viewed bob:project_created carol:pricing_page_viewed")
    }
}
