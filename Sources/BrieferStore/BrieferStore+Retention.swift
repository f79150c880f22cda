import BrieferCore
import Foundation
import GRDB

/// One pass of retention (``BrieferStore/compactRawEvents(olderThanDays:now:rowsPerStep:shouldStop:)``).
public struct RetentionPass: Sendable, Equatable {
    public var id: Int64
    /// The start of the first UTC day whose raw activity events are all kept.
    public var horizon: Timestamp
    public var startedMs: Int64
    /// Nil while the pass is under way, or stopped before the end (the next pass carries on).
    public var finishedMs: Int64?
    /// Raw activity events removed.
    public var eventsRemoved: Int
    /// Activity events kept without their properties, for the group hint they carry (scoring reads a user's hints
    /// as of any time): per user, UTC day and hint, the first and the last.
    public var eventsTrimmed: Int
    /// Quarantined lines removed.
    public var quarantineRemoved: Int
}

/// What retention has done to the database, for `briefer status`.
public struct RetentionState: Sendable, Equatable {
    public var horizon: Timestamp?
    public var lastPass: RetentionPass?
    /// Summed over every pass.
    public var eventsRemoved = 0
    public var eventsTrimmed = 0
    public var quarantineRemoved = 0
}

/// The database file's size and what it holds, for `briefer status`.
public struct StoreSize: Sendable, Equatable {
    public var bytes: Int64
    /// Free pages inside the file: reused by later writes before the file grows again.
    public var freeBytes: Int64
    /// The write-ahead log beside it.
    public var walBytes: Int64
    public var events: Int
}

extension BrieferStore {
    static let retentionHorizonKey = "retention_horizon_ms"

    /// The start of the first UTC day whose raw activity events are all kept; nil when retention never ran.
    public func retentionHorizon() throws -> Timestamp? {
        try read { db in try Self.retentionHorizonMs(db).map(Timestamp.init(milliseconds:)) }
    }

    static func retentionHorizonMs(_ db: Database) throws -> Int64? {
        try meta(db, retentionHorizonKey).flatMap { Int64($0) }
    }

    /// Compacts away the raw activity events (track, page, screen) and quarantined lines older than `days` whole UTC
    /// days before `now` (SPEC §8). The packed daily aggregates scoring reads are kept, so no score changes; so are
    /// identify, group and alias calls and, without their properties, per user, UTC day and group hint, the first and
    /// the last activity event carrying it (the identity history scoring reads as of any time: a backtest as of a time
    /// inside a compacted day sees a user's hints as they stood, unless the user went back and forth between two groups
    /// more than once within that day). From the first step on, ingest stores no
    /// activity event timestamped before the horizon: its duplicate could no longer be told apart.
    ///
    /// The work is done `rowsPerStep` event ids at a time, each step its own transaction (an intake writing beside it
    /// waits for one step at most), its progress recorded with it: a pass stopped by `shouldStop` or a crash carries on
    /// where it was at the next call.
    /// - Returns: the pass, finished unless `shouldStop` said stop; nil when there was nothing to do (the horizon
    ///   is where it was and the last pass finished).
    public func compactRawEvents(
        olderThanDays days: Int, now: Timestamp, rowsPerStep: Int = 20_000, shouldStop: () -> Bool = { false }
    ) throws -> RetentionPass? {
        let horizonMs = (now.day - Int64(days)) * Timestamp.millisecondsPerDay
        guard
            let pass = try write({ db -> RetentionPass? in
                let stored = try Self.retentionHorizonMs(db)
                if var open = try Self.retentionPasses(db, limit: 1).first, open.finishedMs == nil {
                    // A pass that was stopped: carried on, from the start again if the horizon moved since.
                    if open.horizon.milliseconds < horizonMs {
                        try db.execute(
                            sql: "UPDATE retention_passes SET horizon_ms = ?, scanned_id = 0 WHERE id = ?", arguments: [horizonMs, open.id])
                        open.horizon = Timestamp(milliseconds: horizonMs)
                    }
                    try setMeta(db, Self.retentionHorizonKey, String(open.horizon.milliseconds))
                    return open
                }
                if let stored, stored >= horizonMs { return nil }
                try setMeta(db, Self.retentionHorizonKey, String(horizonMs))
                try db.execute(
                    sql: "INSERT INTO retention_passes(horizon_ms, started_ms) VALUES(?, ?)",
                    arguments: [horizonMs, Timestamp.now.milliseconds])
                return try Self.retentionPasses(db, limit: 1).first
            })
        else { return nil }
        /// The pass as stored now (returned when stopped, or at the end).
        func stored() throws -> RetentionPass { try read { db in try Self.retentionPass(db, id: pass.id) } }
        let horizon = pass.horizon.milliseconds
        // Events stored from now on before the horizon are refused by ingest: the last block now bounds the scan.
        let lastId = try read { db in try Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) FROM event_blocks") } ?? 0
        var scanned =
            try read { db in try Int64.fetchOne(db, sql: "SELECT scanned_id FROM retention_passes WHERE id = ?", arguments: [pass.id]) }
            ?? 0
        // Of the events carrying a group hint, scoring as of a time before the horizon reads a user's hint history: per
        // user, UTC day and hint, the first and the last event carrying it are kept (the hint's place in the day, whatever
        // came between); the others go, and so does an anonymous id's (never read for hints). Found once for the pass,
        // over all of it (the same again after a stop, the kept ones being kept).
        struct Group: Hashable {
            var user: Int64
            var day: Int64
            var hint: String
        }
        var bounds: [Group: (first: Int64, last: Int64)] = [:]
        try read { db in
            try Self.forEachRawEvent(db, through: horizon - 1) { event in
                guard event.milliseconds < horizon, let user = event.user, let hint = event.groupHint else { return }
                let group = Group(user: user, day: Timestamp(milliseconds: event.milliseconds).day, hint: hint)
                let b = bounds[group] ?? (event.milliseconds, event.milliseconds)
                bounds[group] = (min(b.first, event.milliseconds), max(b.last, event.milliseconds))
            }
        }
        var keptFirst = Set<Group>(), keptLast = Set<Group>()
        while scanned < lastId {
            if shouldStop() { return try stored() }
            try write { db in
                // Blocks holding old events, up to about rowsPerStep events a step.
                let blocks = try Row.fetchAll(
                    db, sql: "SELECT id, events FROM event_blocks WHERE id > ? AND id <= ? AND first_ms < ? ORDER BY id",
                    arguments: [scanned, lastId, horizon])
                var ids: [Int64] = []
                var events = 0
                for block in blocks where ids.isEmpty || events + (block["events"] as Int) <= rowsPerStep {
                    ids.append(block["id"])
                    events += block["events"] as Int
                }
                let upper = ids.last ?? lastId
                var trimmed = 0
                let removed = try Self.rewriteBlocks(db, ids: ids) { events in
                    events = events.compactMap { event in
                        guard event.milliseconds < horizon else { return event }
                        guard let user = event.user, let hint = event.groupHint else { return nil }
                        let group = Group(user: user, day: Timestamp(milliseconds: event.milliseconds).day, hint: hint)
                        guard let b = bounds[group] else { return nil }
                        // One event for the first time and one for the last (the same one when they are one time).
                        var keep = false
                        if event.milliseconds == b.first && keptFirst.insert(group).inserted {
                            keep = true
                            if b.first == b.last { keptLast.insert(group) }
                        } else if event.milliseconds == b.last && keptLast.insert(group).inserted {
                            keep = true
                        }
                        guard keep else { return nil }
                        var kept = event
                        if kept.properties != nil {
                            kept.properties = nil
                            trimmed += 1
                        }
                        return kept
                    }
                }
                try db.execute(
                    sql: """
                        UPDATE retention_passes SET scanned_id = ?, events_removed = events_removed + ?, events_trimmed = events_trimmed + ?
                        WHERE id = ?
                        """, arguments: [upper, removed, trimmed, pass.id])
                scanned = upper
            }
        }
        // Quarantined lines by the day they were stored (created_at is an ISO 8601 UTC time).
        let day = Timestamp(milliseconds: horizon).isoDate
        while true {
            if shouldStop() { return try stored() }
            let removed = try write { db -> Int in
                try db.execute(
                    sql: "DELETE FROM quarantine WHERE id IN (SELECT id FROM quarantine WHERE substr(created_at, 1, 10) < ? LIMIT ?)",
                    arguments: [day, rowsPerStep])
                let removed = db.changesCount
                try db.execute(
                    sql: "UPDATE retention_passes SET quarantine_removed = quarantine_removed + ? WHERE id = ?",
                    arguments: [removed, pass.id])
                return removed
            }
            if removed < rowsPerStep { break }
        }
        try write { db in
            try db.execute(
                sql: "UPDATE retention_passes SET finished_ms = ?, scanned_id = ? WHERE id = ?",
                arguments: [Timestamp.now.milliseconds, lastId, pass.id])
        }
        return try stored()
    }

    /// The horizon, the last pass and what every pass removed.
    public func retentionState() throws -> RetentionState {
        try read { db in
            var state = RetentionState(horizon: try Self.retentionHorizonMs(db).map(Timestamp.init(milliseconds:)))
            state.lastPass = try Self.retentionPasses(db, limit: 1).first
            if let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT coalesce(sum(events_removed), 0) AS removed, coalesce(sum(events_trimmed), 0) AS trimmed,
                        coalesce(sum(quarantine_removed), 0) AS quarantine FROM retention_passes
                    """)
            {
                (state.eventsRemoved, state.eventsTrimmed, state.quarantineRemoved) = (row["removed"], row["trimmed"], row["quarantine"])
            }
            return state
        }
    }

    /// The database file's size, its free pages, its write-ahead log and how many raw events it holds.
    public func size() throws -> StoreSize {
        try read { db in
            let pageSize = try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
            let pages = try Int64.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            let free = try Int64.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
            let wal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int64) ?? nil
            return StoreSize(
                bytes: pages * pageSize, freeBytes: free * pageSize, walBytes: wal ?? 0,
                events: try Self.storedEventCount(db))
        }
    }

    static func retentionPasses(_ db: Database, limit: Int) throws -> [RetentionPass] {
        try Row.fetchAll(db, sql: "SELECT * FROM retention_passes ORDER BY id DESC LIMIT ?", arguments: [limit]).map(retentionPass)
    }

    static func retentionPass(_ db: Database, id: Int64) throws -> RetentionPass {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM retention_passes WHERE id = ?", arguments: [id]) else {
            throw DatabaseError(message: "retention_passes: pass \(id) is not stored")
        }
        return retentionPass(row)
    }

    static func retentionPass(_ row: Row) -> RetentionPass {
        RetentionPass(
            id: row["id"], horizon: Timestamp(milliseconds: row["horizon_ms"]), startedMs: row["started_ms"],
            finishedMs: row["finished_ms"],
            eventsRemoved: row["events_removed"], eventsTrimmed: row["events_trimmed"], quarantineRemoved: row["quarantine_removed"])
    }

    /// Removes the events matching `condition`. Events are keyed by a 64-bit dedup head, a collision probing on to the
    /// next head: a row with another right after it may be in the middle of such a chain, and removing it would let
    /// that other event be stored twice. Such a row is emptied to a tombstone of kind `tombstone` (its key hashes kept,
    /// nothing else); any other row is deleted.
    /// - Returns: the rows removed or emptied.
    static func removeEvents(_ db: Database, where condition: String, _ arguments: StatementArguments, tombstone: String) throws -> Int {
        try db.execute(
            sql: """
                UPDATE events SET kind = '\(tombstone)', user_id = NULL, anonymous_id = NULL, name_id = NULL, ts = 0,
                    group_hint = NULL, properties = NULL, traits = NULL, source = NULL
                WHERE \(condition) AND EXISTS (SELECT 1 FROM events n WHERE n.dedup = events.dedup + 1)
                """, arguments: arguments)
        let tombstoned = db.changesCount
        try db.execute(sql: "DELETE FROM events WHERE \(condition)", arguments: arguments)
        return tombstoned + db.changesCount
    }
}
