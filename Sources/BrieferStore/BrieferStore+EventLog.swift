import BrieferCore
import Foundation
import GRDB

/// Where each stored event is: the raw activity events (track, page, screen) in blocks of `event_blocks`, one per batch
/// (``EventBlock``); identify, group and alias calls, which identity as of any time reads by kind, as rows of `events`.
/// Every event's dedup key, of either kind, is in one ``DedupIndex``.
///
/// A database from before (schema v15: every event a row of `events` under a unique index) is moved over when opened, a
/// step of 50,000 rows per transaction, after the copy made before migrating: a move stopped by a crash carries on at the
/// next open from where it was.
extension BrieferStore {
    static let eventLogSchema = """
        -- The raw activity events, a batch's to a block (EventBlock): the earliest and latest event time in it, and how many.
        CREATE TABLE event_blocks(
            id INTEGER PRIMARY KEY AUTOINCREMENT, ingest_id INTEGER, events INTEGER NOT NULL, first_ms INTEGER NOT NULL,
            last_ms INTEGER NOT NULL, data BLOB NOT NULL);
        -- Every stored event's dedup key (DedupIndex).
        \(DedupIndex.schema);
        """

    static let eventLogMovedKey = "event_log_moved_through"
    static let eventLogReadyKey = "event_log_ready"

    /// Stores activity events as one block.
    static func insertBlock(_ db: Database, _ events: [RawEvent], ingestId: Int64?) throws {
        guard !events.isEmpty else { return }
        let (bytes, span) = pack(events)
        try insertBlock(db, bytes, count: events.count, span: span, ingestId: ingestId)
    }

    /// A block of `events`, and the earliest and latest event time in it.
    private static func pack(_ events: [RawEvent]) -> (bytes: [UInt8], span: (first: Int64, last: Int64)) {
        let writer = EventBlock.Writer(capacity: events.count)
        for e in events {
            writer.append(
                head: e.head, tail: e.tail, kind: e.kind, user: e.user, anonymousId: e.anonymousId, name: e.name,
                milliseconds: e.milliseconds,
                groupHint: e.groupHint, properties: e.properties, traits: e.traits, source: e.source)
        }
        return (writer.finish(), writer.span)
    }

    /// Stores a block already packed: `count` events, from `span.first` to `span.last`.
    static func insertBlock(_ db: Database, _ bytes: [UInt8], count: Int, span: (first: Int64, last: Int64), ingestId: Int64?) throws {
        let insert = try db.cachedStatement(
            sql: "INSERT INTO event_blocks(ingest_id, events, first_ms, last_ms, data) VALUES(?, ?, ?, ?, ?)")
        try RawStatement.execute(db, insert) { b in
            b.integer(1, ingestId)
            b.integer(2, Int64(count))
            b.integer(3, span.first)
            b.integer(4, span.last)
            b.blob(5, bytes)
        }
    }

    /// Calls `body` with every stored activity event, block by block in the order they were stored (one block in memory
    /// at a time).
    /// - Parameters:
    ///   - from, through: only blocks holding an event in this time range (their other events are passed too).
    static func forEachRawEvent(
        _ db: Database, from: Int64 = .min, through: Int64 = .max, _ body: (RawEvent) throws -> Void
    ) throws {
        let rows = try Row.fetchCursor(
            db, sql: "SELECT data FROM event_blocks WHERE last_ms >= ? AND first_ms <= ? ORDER BY id", arguments: [from, through])
        while let row = try rows.next() {
            let events = try (row[0] as Data).withUnsafeBytes { try EventBlock.decode($0) }
            for event in events { try body(event) }
        }
    }

    /// Rewrites the blocks `change` changes: it may edit events or remove them (a block left empty is deleted). The removed
    /// events' dedup keys leave the index. One block in memory at a time.
    /// - Parameter ids: the blocks to look at (all when nil).
    /// - Returns: the events removed.
    @discardableResult
    static func rewriteBlocks(_ db: Database, ids: [Int64]? = nil, _ change: (inout [RawEvent]) throws -> Void) throws -> Int {
        var removed = 0
        var removedKeys = Set<DedupKey>()
        let blockIds = try ids ?? Int64.fetchAll(db, sql: "SELECT id FROM event_blocks ORDER BY id")
        for id in blockIds {
            guard let data = try Data.fetchOne(db, sql: "SELECT data FROM event_blocks WHERE id = ?", arguments: [id]) else { continue }
            let before = try data.withUnsafeBytes { try EventBlock.decode($0) }
            var after = before
            try change(&after)
            guard after != before else { continue }
            let kept = Set(after.map { DedupKey(head: $0.head, tail: $0.tail) })
            for event in before where !kept.contains(DedupKey(head: event.head, tail: event.tail)) {
                removedKeys.insert(DedupKey(head: event.head, tail: event.tail))
            }
            removed += before.count - after.count
            if after.isEmpty {
                try db.execute(sql: "DELETE FROM event_blocks WHERE id = ?", arguments: [id])
            } else {
                let (bytes, span) = pack(after)
                try db.execute(
                    sql: "UPDATE event_blocks SET events = ?, first_ms = ?, last_ms = ?, data = ? WHERE id = ?",
                    arguments: [after.count, span.first, span.last, Data(bytes), id])
            }
        }
        if !removedKeys.isEmpty { try DedupIndex(db).remove(removedKeys, db) }
        return removed
    }

    /// How many events are stored: activity events in blocks, and calls.
    static func storedEventCount(_ db: Database) throws -> Int {
        let blocks = try Int.fetchOne(db, sql: "SELECT coalesce(sum(events), 0) FROM event_blocks") ?? 0
        let calls = try Int.fetchOne(db, sql: "SELECT count(*) FROM events WHERE kind NOT IN ('forgotten', 'compacted')") ?? 0
        return blocks + calls
    }

    /// How many events are stored: activity events in blocks, and calls.
    public func storedEventCount() throws -> Int { try read(Self.storedEventCount) }

    /// Every stored activity event, in the order stored (all in memory: for tests and tools on small stores).
    public func rawEvents() throws -> [RawEvent] {
        try read { db in
            var events: [RawEvent] = []
            try Self.forEachRawEvent(db) { events.append($0) }
            return events
        }
    }

    /// Moves a database from before the event log (schema v15) over to it: `events` rows of activity into blocks, every
    /// row's dedup key into the index, a step per transaction; progress is recorded with each step.
    /// - Parameter steps: at most this many steps (a test's stand-in for a crash midway).
    static func moveEventsIntoBlocks(_ queue: DatabaseQueue, rowsPerStep: Int = 50_000, steps: Int = .max) throws {
        if try queue.read({ db in try meta(db, Self.eventLogReadyKey) }) != nil { return }
        var index: DedupIndex?
        for _ in 0..<steps {
            let done = try queue.write { db -> Bool in
                if try meta(db, Self.eventLogReadyKey) != nil { return true }
                if index == nil { index = try DedupIndex(db) } else { try index!.refresh(db) }
                let after = try meta(db, Self.eventLogMovedKey).flatMap { Int64($0) } ?? 0
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT id, dedup, dedup_tail, kind, user_id, anonymous_id, name_id, ts, group_hint, properties, traits, ingest_id,
                            source
                        FROM events WHERE id > ? ORDER BY id LIMIT ?
                        """, arguments: [after, rowsPerStep])
                guard let last = rows.last else {
                    try setMeta(db, eventLogReadyKey, "1")
                    return true
                }
                var keys: [DedupKey] = []
                var block: [RawEvent] = []
                var blockIngest: Int64?
                func flush() throws {
                    try Self.insertBlock(db, block, ingestId: blockIngest)
                    block.removeAll()
                }
                for row in rows {
                    keys.append(DedupKey(head: row["dedup"], tail: row["dedup_tail"]))
                    guard let kind = IncomingEvent.Kind(rawValue: row["kind"]), kind.isActivity else { continue }
                    let ingest: Int64? = row["ingest_id"]
                    if ingest != blockIngest && !block.isEmpty { try flush() }
                    blockIngest = ingest
                    block.append(
                        RawEvent(
                            head: row["dedup"], tail: row["dedup_tail"], kind: kind, user: row["user_id"], anonymousId: row["anonymous_id"],
                            name: UInt32((row["name_id"] as Int64?) ?? 0), milliseconds: row["ts"], groupHint: row["group_hint"],
                            properties: row["properties"], traits: row["traits"], source: row["source"]))
                }
                try flush()
                _ = try index!.insert(keys, db)
                // Activity rows are in blocks now, and tombstones (kept only for the old index's probe chains) are not needed.
                let activity = IncomingEvent.Kind.activityKinds.map { "'\($0)'" }.joined(separator: ", ")
                try db.execute(
                    sql: "DELETE FROM events WHERE id > ? AND id <= ? AND kind IN (\(activity), 'forgotten', 'compacted')",
                    arguments: [after, last["id"] as Int64])
                try setMeta(db, eventLogMovedKey, String(last["id"] as Int64))
                return false
            }
            if done { return }
        }
    }
}

/// Where the stored events end: a pipeline run takes it before ingesting, to tell the events stored since.
public struct EventWatermark: Sendable, Equatable {
    public var block: Int64
    public var call: Int64
}
