import BrieferCore
import Foundation
import GRDB
import GRDBSQLite

/// A rejected line on its way to the quarantine.
public struct QuarantinedLine: Sendable {
    public var file: String
    public var line: Int
    public var reason: QuarantineReason
    public var detail: String
    public var raw: [UInt8]
    /// Which call of a batch envelope's line this is (each bad call of one line is kept).
    public var part: Int?
    public init(file: String, line: Int, reason: QuarantineReason, detail: String, raw: [UInt8], part: Int? = nil) {
        self.file = file; self.line = line; self.reason = reason; self.detail = detail; self.raw = raw; self.part = part
    }
}

/// What one batch did.
public struct BatchOutcome: Sendable {
    public var inserted = 0
    public var duplicates = 0
    public var quarantined = 0
    public var quarantineDuplicates = 0
    /// Identity links set aside: the id was linked to another user first.
    public var linkConflicts = 0
    /// Activity events timestamped before retention's horizon: not stored, their duplicates being no longer
    /// told apart (``BrieferStore/compactRawEvents(olderThanDays:now:rowsPerStep:shouldStop:)``).
    public var expired = 0
}

/// Writes ingest batches: events (deduplicated), users' identity clues, the packed per-user-day
/// aggregates, CSV rows and the quarantine, each batch in one transaction.
public final class IngestWriter {
    let store: BrieferStore
    let extraction: ActivityExtraction
    public let ingestId: Int64
    // Id caches and allocation. Used only by the producer side (`prepare`, CSV writes), which runs
    // on one thread at a time; the rows for new ids are inserted by the batch that first uses them.
    private var userIds = IdAllocator<Int64>()
    private var anonIds = IdAllocator<Int64>()
    private var termIds = IdAllocator<UInt32>()
    /// Every stored event's dedup key; used only by the writing side (one thread at a time).
    private var dedup: DedupIndex
    /// The keys of the last batches prepared (by the reading side).
    private var recentKeys: [Set<DedupKey>] = []
    private let bulk: Bool
    /// Batches written since the write-ahead log was last copied into the database file.
    private var uncheckpointed = 0

    /// Starts an ingest run (recorded in `ingests`). Rebuilds the aggregates first if the
    /// configuration they depend on changed.
    /// - Parameter bulk: one ingest of many batches (files): the write-ahead log is checkpointed at the end, not on
    ///   the way. A long-running intake (`briefer serve`) keeps the usual checkpoints.
    public init(store: BrieferStore, configuration: BrieferConfiguration, files: [String], bulk: Bool = true) throws {
        self.store = store
        self.bulk = bulk
        extraction = ActivityExtraction(configuration)
        try store.ensureAggregates(extraction: extraction)
        if bulk { try store.setAutoCheckpoint(pages: 250_000) }
        let now = Timestamp.now.iso8601
        (ingestId, dedup) = try store.write { db in
            try db.execute(sql: "INSERT INTO ingests(started_at, files) VALUES(?, ?)", arguments: [now, files.joined(separator: "\n")])
            return (db.lastInsertedRowID, try DedupIndex(db))
        }
        try loadIds()
    }

    public func finish(read: Int, inserted: Int, duplicates: Int, quarantined: Int) throws {
        try store.write { db in
            try db.execute(
                sql: "UPDATE ingests SET finished_at = ?, lines_read = ?, inserted = ?, duplicates = ?, quarantined = ? WHERE id = ?",
                arguments: [Timestamp.now.iso8601, read, inserted, duplicates, quarantined, ingestId])
        }
        try store.setAutoCheckpoint(pages: BrieferStore.autoCheckpointPages)
        // A large ingest leaves a large WAL: fold it into the database now rather than on the next
        // stage's first commit. A small one is left to SQLite's automatic checkpoints.
        if inserted >= 100_000 {
            var t = clock()
            try store.checkpoint()
            lap("checkpoint", &t)
        }
    }

    private func userId(_ external: String, _ newUsers: inout [(Int64, String)]) -> Int64 { userIds.id(for: external, new: &newUsers) }
    private func termId(_ text: String, _ newTerms: inout [(UInt32, String)]) -> UInt32 { termIds.id(for: text, new: &newTerms) }

    private func anonId(_ anonymous: String, _ newAnons: inout [(Int64, String)]) -> Int64 { anonIds.id(for: anonymous, new: &newAnons) }

    private func insertNew(_ db: Database, users: [(Int64, String)], anons: [(Int64, String)], terms: [(UInt32, String)]) throws {
        // Each id is one this writer believes free: taken (by another process), the whole batch is refused, not written
        // under an id that names someone else.
        func insert(_ sql: String, _ arguments: StatementArguments) throws {
            try db.cachedStatement(sql: sql).execute(arguments: arguments)
            if db.changesCount == 0 { throw StaleIds() }
        }
        for (id, external) in users { try insert("INSERT OR IGNORE INTO users(id, external_id) VALUES(?, ?)", [id, external]) }
        for (id, anonymous) in anons { try insert("INSERT OR IGNORE INTO anonymous_ids(id, anonymous_id) VALUES(?, ?)", [id, anonymous]) }
        for (id, text) in terms { try insert("INSERT OR IGNORE INTO terms(id, text) VALUES(?, ?)", [Int64(id), text]) }
    }

    struct UserDelta {
        mutating func recordTrack(_ ms: Int64, hint: String?) {
            firstEvent = min(firstEvent ?? ms, ms)
            lastEvent = max(lastEvent ?? ms, ms)
            firstSeen = min(firstSeen ?? ms, ms)
            if let hint, IngestWriter.isLater(ms, hint, than: self.hint) { self.hint = (ms, hint) }
        }

        var firstSeen: Int64?
        var firstEvent: Int64?
        var lastEvent: Int64?
        var hint: (ms: Int64, text: String)?
        var identify = IdentifyFields()
    }

    /// Seconds spent per phase of event writes, for `--log-level debug`.
    public private(set) var phaseSeconds: [String: Double] = [:]

    private func clock() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
    private func lap(_ name: String, _ start: inout UInt64) {
        let now = clock()
        phaseSeconds[name, default: 0] += Double(now - start) / 1e9
        start = now
    }

    /// A batch made ready for the database: ids resolved, activity entries built, insert order
    /// chosen. Made by ``prepare(events:quarantine:)`` on the reading thread so that the writing
    /// thread only runs SQL; handed from one to the other, never shared.
    public struct PreparedBatch: @unchecked Sendable {
        var events: [IncomingEvent] = []
        var keys: [DedupKey] = []
        var users: [Int64?] = []
        /// The anonymous id's row, for activity of no user.
        var anons: [Int64?] = []
        var names: [UInt32?] = []
        var entries: [ActivityEntry?] = []
        /// The group hint's term id, for a user's activity.
        var hints: [UInt32?] = []
        var newUsers: [(Int64, String)] = []
        var newAnons: [(Int64, String)] = []
        var newTerms: [(UInt32, String)] = []
        var quarantine: [QuarantinedLine] = []
        /// The batch's activity packed for the store, made while the previous batch is written: used as it is when every
        /// activity event turns out new (the usual case), else packed again for those that are.
        var activity = PackedActivity()
    }

    /// What a batch's stored activity events add: their block, the day rows they merge into, and what they teach of their
    /// users (first and last event, the latest group hint).
    struct PackedActivity {
        /// The events packed, by index in the batch.
        var indices: [Int] = []
        var block: [UInt8] = []
        var span: (first: Int64, last: Int64) = (0, 0)
        var userDays: [PackedDay] = []
        var anonDays: [PackedDay] = []
        var deltas: [Int64: UserDelta] = [:]
    }

    struct PackedDay {
        var owner: Int64
        var day: Int64
        var events: Int
        var entries: [UInt8]
        var hints: [UInt8]?
    }

    /// Packs the batch's activity events at `indices` (in order).
    static func pack(_ batch: PreparedBatch, _ indices: [Int]) -> PackedActivity {
        var packed = PackedActivity()
        packed.indices = indices
        guard !indices.isEmpty else { return packed }
        let block = EventBlock.Writer(capacity: indices.count)
        var days: [UserDay: [ActivityEntry]] = [:]
        var anonDays: [UserDay: [ActivityEntry]] = [:]
        var hintDays: [UserDay: [(milliseconds: Int64, hint: UInt32)]] = [:]
        let events = batch.events
        for index in indices {
            // Fields read in place: an event holds many references, each retained and released by a copy.
            let user = batch.users[index]
            let key = batch.keys[index]
            let kind = events[index].kind
            let ms = events[index].timestamp.milliseconds
            block.append(
                head: key.head, tail: key.tail, kind: kind, user: user, anonymousId: events[index].anonymousId,
                name: batch.names[index] ?? 0, milliseconds: ms, groupHint: events[index].groupHint,
                properties: events[index].propertiesText, traits: kind == .track ? nil : events[index].traits.canonicalText,
                source: events[index].source)
            guard let entry = batch.entries[index] else { continue }
            let day = Timestamp(milliseconds: ms).day
            if let user {
                let key = UserDay(user: user, day: day)
                days[key, default: []].append(entry)
                if let hint = batch.hints[index] { hintDays[key, default: []].append((ms, hint)) }
                packed.deltas[user, default: UserDelta()].recordTrack(ms, hint: events[index].groupHint)  // in place: once per event
            } else if let anon = batch.anons[index] {
                anonDays[UserDay(user: anon, day: day), default: []].append(entry)
            }
        }
        packed.block = block.finish()
        packed.span = block.span
        packed.userDays = packDays(days, hints: hintDays)
        packed.anonDays = packDays(anonDays, hints: [:])
        return packed
    }

    /// Day rows in key order (each upsert then lands next to the previous one in the table's B-tree).
    static func packDays(_ days: [UserDay: [ActivityEntry]], hints: [UserDay: [(milliseconds: Int64, hint: UInt32)]]) -> [PackedDay] {
        Set(days.keys).union(hints.keys).sorted(by: { ($0.user, $0.day) < ($1.user, $1.day) }).map { key in
            let entries = days[key] ?? []
            return PackedDay(
                owner: key.user, day: key.day, events: entries.count,
                entries: ActivityDay(day: key.day, entries: entries.sorted()).encoded(),
                hints: hints[key].map { HintDay.encode(day: key.day, $0) })
        }
    }

    /// Resolves ids, builds activity entries and packs the activity for a batch (call from one thread at a time).
    public func prepare(events input: [IncomingEvent], quarantine: [QuarantinedLine]) -> PreparedBatch {
        var batch = PreparedBatch()
        batch.quarantine = quarantine
        // In file order: of two lines with one key, the first in the file is the one stored.
        batch.events = input
        batch.keys.reserveCapacity(input.count)
        for index in input.indices {
            // Fields read in place: an event holds many references, each retained and released by a copy.
            let user = input[index].userId.map { userId($0, &batch.newUsers) }
            // Activity of no user is kept by anonymous id: it counts for the user the id is linked to (SPEC §2). A
            // vendor's system event is no activity: stored (with the link it carries), never packed into a day.
            let activity =
                input[index].kind.isActivity && !extraction.isSystemEvent(source: input[index].source, name: input[index].name ?? "")
            let anon = user == nil && activity ? input[index].anonymousId.map { anonId($0, &batch.newAnons) } : nil
            let name = input[index].name.map { termId($0, &batch.newTerms) }
            var entry: ActivityEntry?
            if activity, user != nil || anon != nil, let name, let text = input[index].name {
                entry = extraction.entry(
                    milliseconds: input[index].timestamp.milliseconds, nameId: name, name: text,
                    propertiesText: input[index].propertiesText, term: { termId($0, &batch.newTerms) })
            }
            batch.keys.append(DedupKey(head: input[index].dedupHead, tail: input[index].dedupTail))
            batch.users.append(user)
            batch.anons.append(anon)
            batch.names.append(name)
            batch.entries.append(entry)
            batch.hints.append(entry != nil && user != nil ? input[index].groupHint.map { termId($0, &batch.newTerms) } : nil)
        }
        // Packed as if every activity event were new but for a key repeated within the batch (its first line is the one stored)
        // or from the batches just before it (a resent line comes soon after the first).
        var seen = Set<DedupKey>(minimumCapacity: batch.keys.count)
        let firsts = batch.events.indices.filter { i in
            !recentKeys.contains { $0.contains(batch.keys[i]) } && seen.insert(batch.keys[i]).inserted
        }
        recentKeys = Array((recentKeys + [seen]).suffix(2))
        batch.activity = Self.pack(batch, firsts.filter { batch.events[$0].kind.isActivity })
        return batch
    }

    /// Writes one batch of events and rejected lines in a single transaction.
    public func write(events: [IncomingEvent], quarantine: [QuarantinedLine]) throws -> BatchOutcome {
        try write(prepare(events: events, quarantine: quarantine))
    }

    /// Writes a prepared batch in a single transaction.
    public func write(_ batch: PreparedBatch) throws -> BatchOutcome { try write([batch])[0] }

    /// Writes prepared batches, in order, in a single transaction (one commit, one sync to the disk, for all of them),
    /// and says what became of each. After a failure, call ``reloadIds()`` before preparing again: ids this writer
    /// handed out for the batches were rolled back with them.
    /// - Throws: ``StaleIds`` when another process stored users, anonymous ids or terms since this writer read them.
    public func write(_ batches: [PreparedBatch]) throws -> [BatchOutcome] {
        var t = clock()
        let outcomes = try store.write { db in
            // Read in the transaction: a retention pass in another process may have moved it since the last one.
            let horizon = try BrieferStore.retentionHorizonMs(db) ?? .min
            // So may another writer's keys have been stored.
            try dedup.refresh(db)
            return try batches.map { try write($0, in: db, before: horizon, clock: &t) }
        }
        lap("commit", &t)
        // A bulk ingest copies the log into the database file every few batches, on this (the writing) thread while the
        // reading side parses: the copy at the end is then a short one, not one of everything.
        uncheckpointed += batches.count
        if bulk && uncheckpointed >= 4 {
            try store.checkpointPassively()
            uncheckpointed = 0
            lap("checkpoints on the way", &t)
        }
        return outcomes
    }

    /// - Parameter horizon: retention's; an activity event before it is counted as expired, not stored.
    private func write(_ batch: PreparedBatch, in db: Database, before horizon: Int64, clock t: inout UInt64) throws -> BatchOutcome {
        var outcome = BatchOutcome()
        try insertNew(db, users: batch.newUsers, anons: batch.newAnons, terms: batch.newTerms)
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO events(
                    dedup, kind, user_id, anonymous_id, name_id, ts, group_hint, properties, traits, ingest_id, dedup_tail, source)
                VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(dedup) DO NOTHING
                """)
        var links: [(from: String, user: Int64, ms: Int64, via: String)] = []
        // Which events are new: an activity event before retention's horizon is not stored (its duplicate could no longer
        // be told apart), nor is it looked up.
        var current: [Int] = []
        current.reserveCapacity(batch.events.count)
        for index in batch.events.indices {
            if batch.events[index].kind.isActivity && batch.events[index].timestamp.milliseconds < horizon {
                outcome.expired += 1
            } else {
                current.append(index)
            }
        }
        let isNew = try dedup.insert(current.map { batch.keys[$0] }, db)
        lap("dedup", &t)
        var stored: [Int] = []
        stored.reserveCapacity(current.count)
        for (position, index) in current.enumerated() {
            guard isNew[position] else {
                outcome.duplicates += 1
                continue
            }
            outcome.inserted += 1
            if batch.events[index].kind.isActivity { stored.append(index) }
        }
        let activity = stored == batch.activity.indices ? batch.activity : Self.pack(batch, stored)
        var deltas = activity.deltas
        if !activity.indices.isEmpty {
            try BrieferStore.insertBlock(db, activity.block, count: activity.indices.count, span: activity.span, ingestId: ingestId)
        }
        // Calls: each a row of its own, which identity as of any time reads by kind.
        for (position, index) in current.enumerated() where isNew[position] {
            let event = batch.events[index]
            let user = batch.users[index]
            let ms = event.timestamp.milliseconds
            if let user, let from = event.linkFrom { links.append((from, user, ms, event.linkVia ?? event.kind.rawValue)) }
            guard !event.kind.isActivity else { continue }
            // New by its key, so its row goes in (a head another call's row holds, odds 2^-64, moves on to the next free one).
            _ = try insertEvent(
                db, insert, event, head: batch.keys[index].head, user: user, nameId: batch.names[index], traits: event.traits.canonicalText)
            switch event.kind {
            case .track, .page, .screen:
                continue
            case .alias:
                guard let user else { continue }
                var delta = deltas[user] ?? UserDelta()
                delta.firstSeen = min(delta.firstSeen ?? ms, ms)
                deltas[user] = delta
            case .identify:
                guard let user else { continue }
                var delta = deltas[user] ?? UserDelta()
                delta.firstSeen = min(delta.firstSeen ?? ms, ms)
                // Field by field, each the latest call's that gives it, whatever order the calls arrive in.
                let traits = IdentifyTraits(event.traits)
                delta.identify.add(ms: ms, traits)
                if let hint = traits.companyHint, Self.isLater(ms, hint, than: delta.hint) {
                    delta.hint = (ms, hint)
                }
                deltas[user] = delta
            case .group:
                guard let groupId = event.groupHint else { continue }
                try writeGroup(db, groupId: groupId, traits: event.traits, ms: ms)
                if let user {
                    var delta = deltas[user] ?? UserDelta()
                    delta.firstSeen = min(delta.firstSeen ?? ms, ms)
                    if Self.isLater(ms, groupId, than: delta.hint) { delta.hint = (ms, groupId) }
                    deltas[user] = delta
                }
            }
        }
        lap("events", &t)
        try Self.upsertDays(db, activity.userDays, into: "user_days", key: "user_id")
        try Self.upsertDays(db, activity.anonDays, into: "anon_days", key: "anon_id")
        lap("user_days", &t)
        for link in links where try BrieferStore.recordLink(db, from: link.from, user: link.user, ms: link.ms, via: link.via) {
            outcome.linkConflicts += 1
        }
        try applyDeltas(db, deltas)
        lap("users", &t)
        try insertQuarantine(db, batch.quarantine, &outcome)
        return outcome
    }

    /// Reads every user, anonymous id and term the database holds again, forgetting ids handed out for batches that were
    /// not written (a failed transaction) or that another process has since taken.
    public func reloadIds() throws {
        userIds = IdAllocator()
        anonIds = IdAllocator()
        termIds = IdAllocator()
        recentKeys = []
        try loadIds()
        // Runs this writer believed stored may have been rolled back with the failed batch.
        dedup = try store.read { db in try DedupIndex(db) }
    }

    private func loadIds() throws {
        try store.read { db in
            let rows = try Row.fetchCursor(db, sql: "SELECT id, external_id FROM users")
            while let row = try rows.next() { userIds.record(row["external_id"], id: row["id"]) }
            let anons = try Row.fetchCursor(db, sql: "SELECT id, anonymous_id FROM anonymous_ids")
            while let row = try anons.next() { anonIds.record(row["anonymous_id"], id: row["id"]) }
            for (text, id) in try BrieferStore.vocabulary(db).ids { termIds.record(text, id: id) }
        }
    }

    /// Another process stored users, anonymous ids or terms while this writer ran: the ids it handed out may be theirs.
    /// Nothing of the transaction was written.
    public struct StaleIds: BrieferError {
        public var code: BrieferErrorCode { .staleIds }
        public var message: String {
            "another process stored new users or event names in this database during this ingest; nothing of the batch "
                + "was written: run the ingest again (nothing already stored is stored twice)"
        }
    }

    private func insertQuarantine(_ db: Database, _ lines: [QuarantinedLine], _ outcome: inout BatchOutcome) throws {
        let stored = try BrieferStore.insertQuarantine(db, lines, ingestId: ingestId)
        outcome.quarantined += stored.new
        outcome.quarantineDuplicates += stored.duplicates
    }
}

extension BrieferStore {
    /// Stores rejected lines (at most 64 KiB of each one's raw text); a line already stored from the
    /// same file, line number and content counts as a duplicate.
    static func insertQuarantine(_ db: Database, _ lines: [QuarantinedLine], ingestId: Int64?) throws -> (new: Int, duplicates: Int) {
        var counts = (new: 0, duplicates: 0)
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO quarantine(ingest_id, file, line, reason, detail, raw, raw_hash, created_at)
                VALUES(?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(file, line, raw_hash) DO NOTHING
                """)
        let now = Timestamp.now.iso8601
        for line in lines {
            let raw = line.raw.count > 65_536 ? Array(line.raw.prefix(65_536)) : line.raw
            try statement.execute(arguments: [
                ingestId, line.file, line.line, line.reason.rawValue, line.detail, Data(raw),
                StableHash.hex(line.part.map { line.raw + Array("#\($0)".utf8) } ?? line.raw), now,
            ])
            if db.changesCount > 0 { counts.new += 1 } else { counts.duplicates += 1 }
        }
        return counts
    }
}

extension IngestWriter {

    struct UserDay: Hashable { var user: Int64; var day: Int64 }

    /// The latest group hint wins; at the same millisecond the greater text does, so the outcome
    /// does not depend on the order lines arrive in (or on batch boundaries).
    static func isLater(_ ms: Int64, _ hint: String, than current: (ms: Int64, text: String)?) -> Bool {
        guard let current else { return true }
        return ms > current.ms || (ms == current.ms && hint > current.text)
    }

    /// Stores an event unless its dedup key is already stored.
    /// - Returns: false when the event was already stored (same dedup key).
    private func insertEvent(
        _ db: Database, _ statement: Statement, _ event: IncomingEvent, head first: Int64, user: Int64?, nameId: UInt32?,
        traits: String?
    ) throws -> Bool {
        let tail = event.dedupTail
        var head = first
        if try insertEvent(db, statement, event, head: head, tail: tail, user: user, nameId: nameId, traits: traits) { return true }
        // The head is taken: the same key (a duplicate), or, with odds of 2^-64, another key's.
        let lookup = try db.cachedStatement(sql: "SELECT dedup_tail FROM events WHERE dedup = ?")
        while true {
            guard let stored = try Int64.fetchOne(lookup, arguments: [head]) else {
                throw DatabaseError(message: "events: dedup head \(head) conflicted but is not stored")
            }
            if stored == tail { return false }
            head &+= 1
            if try insertEvent(db, statement, event, head: head, tail: tail, user: user, nameId: nameId, traits: traits) { return true }
        }
    }

    /// Binds and steps the event insert directly: the hot path of a million-line ingest, where
    /// building GRDB argument arrays per row costs more than the insert itself.
    private func insertEvent(
        _ db: Database, _ statement: Statement, _ event: IncomingEvent, head: Int64, tail: Int64,
        user: Int64?, nameId: UInt32?, traits: String?
    ) throws -> Bool {
        try RawStatement.execute(db, statement) { b in
            b.integer(1, head)
            b.text(2, event.kind.rawValue)
            b.integer(3, user)
            b.text(4, event.anonymousId)
            b.integer(5, nameId.map { Int64($0) })
            b.integer(6, event.timestamp.milliseconds)
            b.text(7, event.groupHint)
            b.text(8, event.propertiesText)
            b.text(9, traits)
            b.integer(10, ingestId)
            b.integer(11, tail)
            b.text(12, event.source)
        } > 0
    }

    /// Merges new entries (and, for users, group hints) into the packed day rows of users (or anonymous ids): one upsert per
    /// day.
    static func mergeDays(
        _ db: Database, _ days: [UserDay: [ActivityEntry]], hints: [UserDay: [(milliseconds: Int64, hint: UInt32)]] = [:],
        into table: String, key: String
    ) throws {
        try upsertDays(db, packDays(days, hints: hints), into: table, key: key)
    }

    static func upsertDays(_ db: Database, _ days: [PackedDay], into table: String, key: String) throws {
        guard !days.isEmpty else { return }
        let users = table == "user_days"
        let upsert = try db.cachedStatement(
            sql: users
                ? """
                INSERT INTO \(table)(\(key), day, event_count, entries, hints) VALUES(?, ?, ?, ?, ?)
                ON CONFLICT(\(key), day) DO UPDATE SET event_count = event_count + excluded.event_count,
                    entries = merge_activity(entries, excluded.entries), hints = merge_hints(hints, excluded.hints)
                """
                : """
                INSERT INTO \(table)(\(key), day, event_count, entries) VALUES(?, ?, ?, ?)
                ON CONFLICT(\(key), day) DO UPDATE SET event_count = event_count + excluded.event_count,
                    entries = merge_activity(entries, excluded.entries)
                """)
        for day in days {
            try RawStatement.execute(db, upsert) { b in
                b.integer(1, day.owner)
                b.integer(2, day.day)
                b.integer(3, Int64(day.events))
                b.blob(4, day.entries)
                if users { b.blob(5, day.hints) }
            }
        }
    }

    private func applyDeltas(_ db: Database, _ deltas: [Int64: UserDelta]) throws {
        // One statement for what track events teach: first and last event, and the latest group hint.
        let events = try db.cachedStatement(
            sql: """
                UPDATE users SET
                    first_event_ms = CASE WHEN ?1 IS NULL THEN first_event_ms ELSE min(coalesce(first_event_ms, ?1), ?1) END,
                    last_event_ms = CASE WHEN ?2 IS NULL THEN last_event_ms ELSE max(coalesce(last_event_ms, ?2), ?2) END,
                    first_seen_ms = CASE WHEN ?6 IS NULL THEN first_seen_ms ELSE min(coalesce(first_seen_ms, ?6), ?6) END,
                    group_hint = CASE WHEN ?4 IS NOT NULL AND (group_hint_ms IS NULL OR group_hint_ms < ?5
                                      OR (group_hint_ms = ?5 AND group_hint < ?4)) THEN ?4 ELSE group_hint END,
                    group_hint_ms = CASE WHEN ?4 IS NOT NULL AND (group_hint_ms IS NULL OR group_hint_ms < ?5
                                      OR (group_hint_ms = ?5 AND group_hint < ?4)) THEN ?5 ELSE group_hint_ms END
                WHERE id = ?3
                """)
        let identify = try db.cachedStatement(sql: BrieferStore.mergeIdentifySQL)
        for (user, delta) in deltas {
            try RawStatement.execute(db, events) { b in
                b.integer(1, delta.firstEvent)
                b.integer(2, delta.lastEvent)
                b.integer(3, user)
                b.text(4, delta.hint?.text)
                b.integer(5, delta.hint?.ms)
                b.integer(6, delta.firstSeen)
            }
            if delta.identify.ms != nil { try identify.execute(arguments: BrieferStore.mergeIdentifyArguments(delta.identify, user: user)) }
        }
    }

    /// What a group call says of its group: its domain (the `website`/`domain` trait, else the group id
    /// when it is a domain) and company fields. Ingest stores the latest; a backtest reads the calls
    /// made by its time.
    struct GroupFields {
        var domain: String?
        var name: String?
        var industry: String?
        var employees: Int64?
        var revenue: Int64?
        var country: String?

        init(groupId: String, traits: JSONValue) {
            let website = traits["website"]?.stringValue ?? traits["domain"]?.stringValue
            domain = website.map(Identity.normalizedDomain)
            if domain == nil || !(domain.map(Identity.looksLikeDomain) ?? false) {
                let g = Identity.normalizedDomain(groupId)
                domain = Identity.looksLikeDomain(g) ? g : nil
            }
            name = traits["name"]?.stringValue
            industry = traits["industry"]?.stringValue?.lowercased()
            employees = (traits["employees"] ?? traits["employee_count"])?.integerValue
            revenue = (traits["annual_revenue"] ?? traits["estimated_revenue"] ?? traits["revenue"])?.integerValue
            country = traits["country"]?.stringValue
        }
    }

    private func writeGroup(_ db: Database, groupId: String, traits: JSONValue, ms: Int64) throws {
        let g = GroupFields(groupId: groupId, traits: traits)
        try db.execute(
            sql: """
                INSERT INTO groups(group_id, domain, name, industry, employee_count, estimated_revenue, country, traits, updated_ms)
                VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(group_id) DO UPDATE SET domain = excluded.domain, name = excluded.name, industry = excluded.industry,
                    employee_count = excluded.employee_count, estimated_revenue = excluded.estimated_revenue,
                    country = excluded.country, traits = excluded.traits, updated_ms = excluded.updated_ms
                WHERE excluded.updated_ms >= groups.updated_ms
                """, arguments: [groupId, g.domain, g.name, g.industry, g.employees, g.revenue, g.country, traits.canonicalText, ms])
    }

    /// Writes CSV rows (companies, users, subscriptions) and rejected rows in one transaction.
    /// Returns how many rows were new or changed.
    public func write(rows: [CSVRow], quarantine: [QuarantinedLine]) throws -> BatchOutcome {
        var outcome = BatchOutcome()
        try store.write { db in
            for row in rows {
                switch row {
                case let .company(c):
                    let extra =
                        c.extra.isEmpty
                        ? nil : String(decoding: try JSONSerialization.data(withJSONObject: c.extra, options: [.sortedKeys]), as: UTF8.self)
                    try db.cachedStatement(
                        sql: """
                            INSERT INTO companies(domain, name, employee_count, industry, estimated_revenue, country, tech_stack, extra)
                            VALUES(?, ?, ?, ?, ?, ?, ?, ?)
                            ON CONFLICT(domain) DO UPDATE SET name = excluded.name, employee_count = excluded.employee_count,
                                industry = excluded.industry, estimated_revenue = excluded.estimated_revenue, country = excluded.country,
                                tech_stack = excluded.tech_stack, extra = excluded.extra
                            WHERE (name, employee_count, industry, estimated_revenue, country, tech_stack, extra) IS NOT
                                  (excluded.name, excluded.employee_count, excluded.industry, excluded.estimated_revenue,
                                   excluded.country, excluded.tech_stack, excluded.extra)
                            """
                    ).execute(
                        arguments: [
                            c.domain, c.name, c.employeeCount, c.industry, c.estimatedRevenue, c.country,
                            c.techStack.joined(separator: ";"), extra,
                        ])
                case let .user(u):
                    var newUsers: [(Int64, String)] = []
                    let id = userId(u.userId, &newUsers)
                    try insertNew(db, users: newUsers, anons: [], terms: [])
                    try db.cachedStatement(
                        sql: """
                            UPDATE users SET csv_email = ?, csv_title = ?, csv_company_domain = ?, csv_created_ms = ?, csv_seen = 1
                            WHERE id = ? AND (csv_email, csv_title, csv_company_domain, csv_created_ms, csv_seen) IS NOT (?, ?, ?, ?, 1)
                            """
                    ).execute(
                        arguments: [
                            u.email, u.title, u.companyDomain, u.createdAt?.milliseconds, id,
                            u.email, u.title, u.companyDomain, u.createdAt?.milliseconds,
                        ])
                case let .subscription(s):
                    try db.cachedStatement(
                        sql: "INSERT INTO subscriptions(user_external_id, plan, start_ms) VALUES(?, ?, ?) ON CONFLICT DO NOTHING"
                    ).execute(arguments: [s.userId, s.plan, s.start.milliseconds])
                }
                if db.changesCount > 0 { outcome.inserted += 1 } else { outcome.duplicates += 1 }
            }
            try insertQuarantine(db, quarantine, &outcome)
        }
        return outcome
    }
}

extension Timestamp {
    /// The wall clock, to the millisecond.
    public static var now: Timestamp { Timestamp(milliseconds: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))) }
}

/// Binds parameters and steps a prepared statement through SQLite's C API, for the few statements
/// run once per event or per user-day, where GRDB's argument arrays cost more than SQLite does.
enum RawStatement {
    struct Binder {
        let statement: OpaquePointer
        private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

        func integer(_ index: Int32, _ value: Int64?) {
            if let value { sqlite3_bind_int64(statement, index, value) } else { sqlite3_bind_null(statement, index) }
        }

        func text(_ index: Int32, _ value: String?) {
            if let value { sqlite3_bind_text(statement, index, value, -1, Binder.transient) } else { sqlite3_bind_null(statement, index) }
        }

        /// No bytes are an empty blob, not NULL (an empty array may have no address); nil is NULL.
        func blob(_ index: Int32, _ bytes: [UInt8]?) {
            guard let bytes else { return _ = sqlite3_bind_null(statement, index) }
            guard !bytes.isEmpty else { return _ = sqlite3_bind_zeroblob(statement, index, 0) }
            bytes.withUnsafeBytes { _ = sqlite3_bind_blob(statement, index, $0.baseAddress, Int32($0.count), Binder.transient) }
        }
    }

    /// Binds, steps to completion and returns the number of rows changed.
    @discardableResult
    static func execute(_ db: Database, _ statement: Statement, bind: (Binder) -> Void) throws -> Int32 {
        let raw = statement.sqliteStatement
        sqlite3_reset(raw)
        bind(Binder(statement: raw))
        let code = sqlite3_step(raw)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
        }
        return sqlite3_changes(db.sqliteConnection)
    }
}

/// Ids for texts (user ids, terms): known ones from the database, new ones allocated in order
/// and reported so that the batch that first uses them inserts their rows.
struct IdAllocator<ID: FixedWidthInteger> {
    private var ids: [String: ID] = [:]
    private var next: ID = 1

    mutating func record(_ text: String, id: ID) {
        ids[text] = id
        next = max(next, id + 1)
    }

    mutating func id(for text: String, new: inout [(ID, String)]) -> ID {
        if let id = ids[text] { return id }
        let id = next
        next += 1
        ids[text] = id
        new.append((id, text))
        return id
    }
}
