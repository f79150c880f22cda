import BrieferCore
import BrieferTesting
import Foundation
import GRDB
import Testing

@testable import BrieferStore

/// The raw event log's parts: blocks of packed events, and the log-structured dedup index.
struct EventLogTests {
    func sample(_ random: inout SplitMix64, count: Int) -> [RawEvent] {
        let texts: [String?] = [nil, "", "acme.com", "{\"plan\":\"pro\",\"seats\":3}", "é中🙂", String(repeating: "x", count: 300)]
        var ms: Int64 = 1_780_000_000_000
        return (0..<count).map { i in
            ms += Int64(random.int(-5_000...90_000))
            return RawEvent(
                head: Int64(bitPattern: random.next()), tail: Int64(bitPattern: random.next()),
                kind: random.pick([.track, .page, .screen]),
                user: random.int(0...3) == 0 ? nil : Int64(random.int(1...2_000_000)), anonymousId: random.pick(texts),
                name: UInt32(random.int(0...70_000)), milliseconds: i == 3 ? -86_400_123 : ms, groupHint: random.pick(texts),
                properties: random.pick(texts), traits: random.pick(texts), source: random.pick([nil, "posthog", "amplitude"]))
        }
    }

    @Test func aBlockGivesBackWhatWasPackedInOrder() throws {
        var random = SplitMix64(state: 7)
        let events = sample(&random, count: 5_000)
        let bytes = EventBlock.encode(events)
        #expect(try EventBlock.decode(bytes) == events)
        #expect(try EventBlock.decode(EventBlock.encode([])) == [])
        // Text compresses: far fewer bytes than the 16-byte keys plus the text itself.
        let textBytes = events.reduce(0) { $0 + [$1.groupHint, $1.properties, $1.traits].reduce(0) { $0 + ($1?.utf8.count ?? 0) } }
        #expect(bytes.count < events.count * 16 + textBytes / 4)
    }

    @Test func aDamagedBlockIsRefusedNeverMisread() throws {
        var random = SplitMix64(state: 8)
        let bytes = EventBlock.encode(sample(&random, count: 40))
        for length in 0..<bytes.count {
            #expect(throws: EventBlock.Damaged.self) { try EventBlock.decode(Array(bytes.prefix(length))) }
        }
        #expect(throws: EventBlock.Damaged.self) { try EventBlock.decode(bytes + [0]) }
        var otherVersion = bytes
        otherVersion[0] = 1  // deflated, as no release wrote
        #expect(throws: EventBlock.Damaged.self) { try EventBlock.decode(otherVersion) }
        // Flipped bytes in the compressed part: refused, or read as some events, never a crash.
        for offset in stride(from: 1 + 1 + 40 * 16, to: bytes.count, by: 7) {
            var flipped = bytes
            flipped[offset] ^= 0x5A
            _ = try? EventBlock.decode(flipped)
        }
    }

    func database() throws -> DatabaseQueue {
        let queue = try DatabaseQueue()
        try queue.write { db in try db.execute(sql: DedupIndex.schema) }
        return queue
    }

    func keys(_ random: inout SplitMix64, _ count: Int) -> [DedupKey] {
        (0..<count).map { _ in DedupKey(head: Int64(bitPattern: random.next()), tail: Int64(bitPattern: random.next())) }
    }

    /// Batches of new keys mixed with stored ones and repeats: the index answers exactly as a set of every key would, through
    /// the merges that keep its runs few.
    @Test func theIndexAnswersAsASetOfEveryStoredKey() throws {
        let queue = try database()
        var random = SplitMix64(state: 9)
        var model = Set<DedupKey>()
        var stored: [DedupKey] = []
        try queue.write { db in
            let index = try DedupIndex(db)
            for batch in 0..<60 {
                var keys = keys(&random, random.int(1...6_000))
                for _ in 0..<random.int(0...300) where !stored.isEmpty { keys.insert(random.pick(stored), at: random.int(0...keys.count)) }
                for _ in 0..<random.int(0...20) where !keys.isEmpty { keys.append(random.pick(keys)) }
                let isNew = try index.insert(keys, db)
                var seen = Set<DedupKey>()
                for (key, new) in zip(keys, isNew) {
                    #expect(new == (!model.contains(key) && seen.insert(key).inserted), "batch \(batch)")
                }
                for (key, new) in zip(keys, isNew) where new {
                    model.insert(key)
                    stored.append(key)
                }
            }
            #expect(try Int.fetchOne(db, sql: "SELECT sum(keys) FROM dedup_runs") == model.count)
            // Merged as it went: at most three runs of each size tier.
            let runs = try Int.fetchOne(db, sql: "SELECT count(*) FROM dedup_runs") ?? 0
            #expect(runs <= 3 * 4, "\(runs) runs")
            // A key is stored once: the runs together hold no key twice.
            var all: [DedupKey] = []
            for id in try Int64.fetchAll(db, sql: "SELECT id FROM dedup_runs") { try DedupIndex.forEachKey(db, run: id) { all.append($0) } }
            #expect(all.count == Set(all).count)
            #expect(Set(all) == model)
        }
    }

    /// Another process's index on the same database takes in what this one stored before its next batch.
    @Test func anotherWriterSeesTheKeysStoredMeanwhile() throws {
        let queue = try database()
        var random = SplitMix64(state: 10)
        let (first, second, third) = (keys(&random, 1_000), keys(&random, 1_000), keys(&random, 10))
        try queue.write { db in
            let a = try DedupIndex(db)
            let b = try DedupIndex(db)
            #expect(try a.insert(first, db).allSatisfy { $0 })
            try b.refresh(db)
            #expect(try b.insert(first + second, db) == Array(repeating: false, count: 1_000) + Array(repeating: true, count: 1_000))
            try a.refresh(db)
            #expect(try a.insert(second + third, db) == Array(repeating: false, count: 1_000) + Array(repeating: true, count: 10))
        }
    }

    /// Keys removed (forget, retention) are new again; the others stay stored.
    @Test func removedKeysAreNewAgain() throws {
        let queue = try database()
        var random = SplitMix64(state: 11)
        try queue.write { db in
            let index = try DedupIndex(db)
            var all: [DedupKey] = []
            for _ in 0..<10 {
                let batch = keys(&random, 3_000)
                _ = try index.insert(batch, db)
                all += batch
            }
            let removed = Set(all.enumerated().filter { $0.offset % 7 == 0 }.map(\.element))
            try index.remove(removed, db)
            #expect(try Int.fetchOne(db, sql: "SELECT sum(keys) FROM dedup_runs") == all.count - removed.count)
            let again = try DedupIndex(db)
            let isNew = try again.insert(all, db)
            for (key, new) in zip(all, isNew) { #expect(new == removed.contains(key)) }
        }
    }
}

/// A database from before the event log (schema v15: every event a row of `events`) moves over when opened, resumably.
struct EventLogMigrationTests {
    let parser = EventLineParser(now: Timestamp.parse("2026-11-25T00:00:00Z")!.timestamp, futureToleranceSeconds: 300)

    func lines() -> [String] {
        (0..<9).map { i in
            switch i % 3 {
            case 0:
                #"{"type":"track","messageId":"t\#(i)","userId":"u\#(i % 2)","event":"report_exported","timestamp":"2026-11-0\#(i + 1)T10:00:00Z","properties":{"n":\#(i)},"context":{"groupId":"acme.com"}}"#
            case 1:
                #"{"type":"page","messageId":"p\#(i)","anonymousId":"anon-\#(i)","name":"Pricing","properties":{"path":"/pricing"},"timestamp":"2026-11-0\#(i + 1)T11:00:00Z"}"#
            default:
                #"{"type":"identify","messageId":"i\#(i)","userId":"u\#(i % 2)","anonymousId":"anon-\#(i - 1)","traits":{"email":"x\#(i)@acme.com"},"timestamp":"2026-11-0\#(i + 1)T12:00:00Z"}"#
            }
        }
    }

    @Test func anOldEventsTableMovesIntoBlocksResumably() throws {
        let t = try TemporaryStore()
        let path = t.directory.appendingPathComponent("v15.sqlite").path
        let migrations = BrieferStore.migrator.migrations
        let v15 = migrations.firstIndex { $0.hasPrefix("v16") }! - 1
        let old = try DatabaseQueue(path: path)
        try BrieferStore.migrator.migrate(old, upTo: migrations[v15])
        let events = try lines().map { try parser.parse($0).get() }
        // As v15 stored them: one row each, a tombstone among them.
        try old.write { db in
            try db.execute(sql: "INSERT INTO users(id, external_id) VALUES(1, 'u0'), (2, 'u1')")
            try db.execute(sql: "INSERT INTO terms(id, text) VALUES(1, 'report_exported'), (2, 'pricing_page_viewed')")
            for e in events {
                try db.execute(
                    sql: """
                        INSERT INTO events(dedup, dedup_tail, kind, user_id, anonymous_id, name_id, ts, group_hint, properties, traits, ingest_id, source)
                        VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, NULL)
                        """,
                    arguments: [
                        e.dedupHead, e.dedupTail, e.kind.rawValue, e.userId.map { $0 == "u0" ? 1 : 2 }, e.anonymousId,
                        e.kind == .track ? 1 : e.kind == .page ? 2 : nil, e.timestamp.milliseconds, e.groupHint, e.propertiesText,
                        e.kind == .track ? nil : e.traits.canonicalText,
                    ])
            }
            try db.execute(sql: "INSERT INTO events(dedup, dedup_tail, kind, ts) VALUES(42, 43, 'forgotten', 0)")
        }
        // The schema is upgraded, then the move stops after its first step (a crash).
        try BrieferStore.migrator.migrate(old)
        try BrieferStore.moveEventsIntoBlocks(old, rowsPerStep: 4, steps: 1)
        let midway = try old.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT count(*) FROM events WHERE kind IN ('track', 'page')"),
                try Int.fetchOne(db, sql: "SELECT sum(events) FROM event_blocks")
            )
        }
        #expect(midway.0 == 3 && midway.1 == 3)
        try old.close()

        let store = try BrieferStore(path: path)
        let activity = events.filter(\.kind.isActivity)
        let moved = try store.rawEvents()
        #expect(moved.map(\.head) == activity.map(\.dedupHead) && moved.map(\.tail) == activity.map(\.dedupTail))
        #expect(moved.map(\.properties) == activity.map(\.propertiesText))
        #expect(moved.map(\.anonymousId) == activity.map(\.anonymousId) && moved.map(\.groupHint) == activity.map(\.groupHint))
        #expect(moved.map(\.user) == activity.map { $0.userId.map { $0 == "u0" ? 1 : 2 } })
        #expect(try store.eventsScalar("SELECT count(*) FROM events WHERE kind = 'identify'") == "3")
        #expect(try store.count("events") == events.count)
        #expect(try store.scalar("SELECT count(*) FROM events") == "3")  // the calls; the tombstone is gone
        // Every key moved into the index: the same lines again are all duplicates, the tombstone's key too.
        let writer = try IngestWriter(store: store, configuration: BrieferConfiguration(), files: ["again"])
        let again = try writer.write(events: events, quarantine: [])
        #expect(again.inserted == 0 && again.duplicates == events.count)
        var tombstoned = events[0]
        tombstoned.dedupKey = [0, 0, 0, 0, 0, 0, 0, 42, 0, 0, 0, 0, 0, 0, 0, 43]
        #expect(try writer.write(events: [tombstoned], quarantine: []).duplicates == 1)
    }
}
