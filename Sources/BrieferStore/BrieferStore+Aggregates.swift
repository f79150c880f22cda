import BrieferCore
import Foundation
import GRDB

extension BrieferStore {
    static let aggregateSignatureKey = "aggregate_signature"

    /// Makes sure the packed aggregates were built with the terms this configuration extracts
    /// (feature property, signal details); rebuilds them from the raw events when not.
    /// - Returns: true when a rebuild happened.
    @discardableResult
    public func ensureAggregates(extraction: ActivityExtraction) throws -> Bool {
        let stored = try read { db in try meta(db, Self.aggregateSignatureKey) }
        if stored == extraction.signature { return false }
        let hasEvents = try read { db in try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM events)") ?? false }
        if stored == nil && !hasEvents {
            try write { db in try setMeta(db, Self.aggregateSignatureKey, extraction.signature) }
            return false
        }
        try rebuildAggregates(extraction: extraction)
        return true
    }

    /// Rebuilds every user-day and anonymous-day row from the raw events, page and screen calls named by the
    /// rules in force. Days before retention's horizon, whose raw events were compacted away, keep what they were
    /// built with.
    public func rebuildAggregates(extraction: ActivityExtraction) throws {
        try write { db in
            let horizon = try Self.retentionHorizonMs(db) ?? .min
            let firstDay = horizon == .min ? Int64.min : Timestamp(milliseconds: horizon).day
            var vocabulary = try Self.vocabulary(db).ids
            func term(_ text: String) throws -> UInt32 {
                if let id = vocabulary[text] { return id }
                try db.execute(sql: "INSERT INTO terms(text) VALUES(?)", arguments: [text])
                let id = UInt32(db.lastInsertedRowID)
                vocabulary[text] = id
                return id
            }
            // Page and screen calls are stored with what names them: renamed when the rules changed. Read a page of rows
            // at a time (memory stays flat however many there are), none of them revisited by its own update.
            let rename = try db.makeStatement(sql: "UPDATE events SET name_id = ? WHERE id = ?")
            var after: Int64 = .min
            while true {
                let rows = try Row.fetchAll(
                    db,
                    sql: "SELECT id, kind, name_id, traits FROM events WHERE kind IN ('page', 'screen') AND id > ? ORDER BY id LIMIT 10000",
                    arguments: [after])
                guard let last = rows.last else { break }
                after = last["id"]
                for row in rows {
                    guard let kind = IncomingEvent.Kind(rawValue: row["kind"]) else { continue }
                    let call = (row["traits"] as String?).flatMap { try? JSONParser.parse($0) } ?? .object([])
                    let name = try term(EventLineParser.pageEventName(kind, call: call, rules: extraction.pageEvents))
                    if Int64(name) != row["name_id"] { try rename.execute(arguments: [Int64(name), row["id"]]) }
                }
            }
            let names = try Self.vocabulary(db).texts
            let activity = IncomingEvent.Kind.activityKinds.map { "'\($0)'" }.joined(separator: ", ")
            try db.execute(
                sql: """
                    DELETE FROM user_days WHERE day >= \(firstDay);
                    DELETE FROM anon_days WHERE day >= \(firstDay);
                    INSERT OR IGNORE INTO anonymous_ids(anonymous_id)
                        SELECT DISTINCT anonymous_id FROM events WHERE user_id IS NULL AND anonymous_id IS NOT NULL AND kind IN (\(activity));
                    """)
            /// Packs the rows of `sql` (owner, name_id, ts, properties; by owner, then time) into `table`'s days.
            func aggregate(_ sql: String, into table: String, key: String) throws {
                var current: (owner: Int64, days: [Int64: [ActivityEntry]])?
                let upsert = try db.makeStatement(sql: "INSERT INTO \(table)(\(key), day, event_count, entries) VALUES(?, ?, ?, ?)")
                func flush() throws {
                    guard let c = current else { return }
                    for (day, entries) in c.days {
                        let packed = ActivityDay(day: day, entries: entries.sorted())
                        try upsert.execute(arguments: [c.owner, day, entries.count, Data(packed.encoded())])
                    }
                }
                let select = try NamedColumns(db, sql: sql)
                let (ownerAt, nameAt, tsAt, propertiesAt, sourceAt) = try (
                    select.position("owner"), select.position("name_id"), select.position("ts"), select.position("properties"),
                    select.position("source")
                )
                let rows = try select.rows()
                while let row = try rows.next() {
                    let owner: Int64 = row[ownerAt]
                    if current?.owner != owner {
                        try flush()
                        current = (owner, [:])
                    }
                    let nameId = UInt32(row[nameAt] as Int64)
                    if let source: String = row[sourceAt], extraction.isSystemEvent(source: source, name: names[nameId] ?? "") { continue }
                    let ms: Int64 = row[tsAt]
                    let entry = try extraction.entry(
                        milliseconds: ms, nameId: nameId, name: names[nameId] ?? "",
                        properties: { BrieferStore.properties(row[propertiesAt]) }, term: term)
                    current!.days[Timestamp(milliseconds: ms).day, default: []].append(entry)
                }
                try flush()
            }
            try aggregate(
                """
                SELECT user_id AS owner, name_id, ts, properties, source FROM events
                WHERE kind IN (\(activity)) AND user_id IS NOT NULL AND ts >= \(horizon) ORDER BY user_id, ts
                """, into: "user_days", key: "user_id")
            try aggregate(
                """
                SELECT a.id AS owner, e.name_id, e.ts, e.properties, e.source FROM events e JOIN anonymous_ids a ON a.anonymous_id = e.anonymous_id
                WHERE e.kind IN (\(activity)) AND e.user_id IS NULL AND e.ts >= \(horizon) ORDER BY a.id, e.ts
                """, into: "anon_days", key: "anon_id")
            try setMeta(db, Self.aggregateSignatureKey, extraction.signature)
        }
    }
}
