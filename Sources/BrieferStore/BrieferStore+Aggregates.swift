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

    /// Rebuilds every user-day row from the raw events.
    public func rebuildAggregates(extraction: ActivityExtraction) throws {
        try write { db in
            try db.execute(sql: "DELETE FROM user_days")
            var vocabulary = try Self.vocabulary(db).ids
            func term(_ text: String) throws -> UInt32 {
                if let id = vocabulary[text] { return id }
                try db.execute(sql: "INSERT INTO terms(text) VALUES(?)", arguments: [text])
                let id = UInt32(db.lastInsertedRowID)
                vocabulary[text] = id
                return id
            }
            let names = try Self.vocabulary(db).texts
            var current: (user: Int64, days: [Int64: [ActivityEntry]])?
            let upsert = try db.makeStatement(sql: "INSERT INTO user_days(user_id, day, event_count, entries) VALUES(?, ?, ?, ?)")
            func flush() throws {
                guard let c = current else { return }
                for (day, entries) in c.days {
                    let packed = ActivityDay(day: day, entries: entries.sorted())
                    try upsert.execute(arguments: [c.user, day, entries.count, Data(packed.encoded())])
                }
            }
            let select = try NamedColumns(
                db,
                sql: """
                    SELECT user_id, name_id, ts, properties FROM events
                    WHERE kind = 'track' AND user_id IS NOT NULL ORDER BY user_id, ts
                    """)
            let (userAt, nameAt, tsAt, propertiesAt) = try (
                select.position("user_id"), select.position("name_id"), select.position("ts"), select.position("properties")
            )
            let rows = try select.rows()
            while let row = try rows.next() {
                let user: Int64 = row[userAt]
                if current?.user != user {
                    try flush()
                    current = (user, [:])
                }
                let nameId = UInt32(row[nameAt] as Int64)
                let ms: Int64 = row[tsAt]
                let entry = try extraction.entry(
                    milliseconds: ms, nameId: nameId, name: names[nameId] ?? "",
                    properties: { BrieferStore.properties(row[propertiesAt]) }, term: term)
                current!.days[Timestamp(milliseconds: ms).day, default: []].append(entry)
            }
            try flush()
            try setMeta(db, Self.aggregateSignatureKey, extraction.signature)
        }
    }
}
