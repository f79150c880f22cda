import BrieferCore
import BrieferStore
import BrieferTesting
import Foundation
import Testing

struct StoreTests {
    let parser = EventLineParser(now: Timestamp.parse("2026-11-25T00:00:00Z")!.timestamp, futureToleranceSeconds: 300)

    func event(_ id: String, user: String = "u1", name: String = "login", at time: String = "2026-11-01T10:00:00Z") throws -> IncomingEvent
    {
        try parser.parse(#"{"type":"track","messageId":"\#(id)","userId":"\#(user)","event":"\#(name)","timestamp":"\#(time)"}"#).get()
    }

    @Test func reopeningAMigratedDatabaseKeepsItsData() throws {
        let t = try TemporaryStore()
        let writer = try IngestWriter(store: t.store, configuration: BrieferConfiguration(), files: ["x"])
        _ = try writer.write(events: [try event("a")], quarantine: [])
        let again = try BrieferStore(path: t.store.path)
        #expect(try again.count("events") == 1)
    }

    /// Two different dedup keys that share their first 64 bits (odds 2^-64 in real data) are both
    /// stored; each is still recognised as a duplicate when it comes again.
    @Test func dedupKeysSharingTheirHeadAreToldApartByTheirTail() throws {
        let t = try TemporaryStore()
        var a = try event("a", at: "2026-11-01T10:00:00Z")
        var b = try event("b", at: "2026-11-01T11:00:00Z")
        var c = try event("c", at: "2026-11-01T12:00:00Z")
        a.dedupKey = [1, 2, 3, 4, 5, 6, 7, 8] + [0, 0, 0, 0, 0, 0, 0, 1]
        b.dedupKey = [1, 2, 3, 4, 5, 6, 7, 8] + [0, 0, 0, 0, 0, 0, 0, 2]
        c.dedupKey = [1, 2, 3, 4, 5, 6, 7, 9] + [0, 0, 0, 0, 0, 0, 0, 3]  // the head b is moved onto
        let writer = try IngestWriter(store: t.store, configuration: BrieferConfiguration(), files: ["x"])
        let first = try writer.write(events: [a, b, c], quarantine: [])
        #expect(first.inserted == 3)
        let second = try writer.write(events: [c, b, a], quarantine: [])
        #expect(second.inserted == 0)
        #expect(second.duplicates == 3)
        #expect(try t.store.count("events") == 3)
        // Aggregates count each event once.
        #expect(try t.store.scalar("SELECT sum(event_count) FROM user_days") == "3")
    }

    @Test func theFirstOfTwoLinesWithOneMessageIdIsTheOneKept() throws {
        let t = try TemporaryStore()
        let writer = try IngestWriter(store: t.store, configuration: BrieferConfiguration(), files: ["x"])
        let outcome = try writer.write(events: [try event("same", name: "first"), try event("same", name: "second")], quarantine: [])
        #expect(outcome.inserted == 1)
        #expect(outcome.duplicates == 1)
        #expect(try t.store.eventsScalar("SELECT t.text FROM events e JOIN terms t ON t.id = e.name_id") == "first")
    }

    @Test func userDaysPackEveryEventOfADayInTimeOrder() throws {
        let t = try TemporaryStore()
        let writer = try IngestWriter(store: t.store, configuration: BrieferConfiguration(), files: ["x"])
        _ = try writer.write(
            events: [try event("2", at: "2026-11-01T12:00:00Z"), try event("1", at: "2026-11-01T09:00:00Z")], quarantine: [])
        _ = try writer.write(
            events: [try event("3", at: "2026-11-01T10:00:00Z"), try event("4", at: "2026-11-02T10:00:00Z")], quarantine: [])
        let context = ScoringContext(
            asOf: Timestamp.parse("2026-11-03T00:00:00Z")!.timestamp, configuration: BrieferConfiguration(),
            vocabulary: try t.store.vocabulary())
        let input = try t.store.scoringInput(context: context)
        let days = try #require(input.days["u1"]).sorted { $0.day < $1.day }
        #expect(days.map(\.entries.count) == [3, 1])
        #expect(
            days[0].entries.map(\.milliseconds)
                == ["09", "10", "12"].map { Timestamp.parse("2026-11-01T\($0):00:00Z")!.timestamp.milliseconds })
    }
}
