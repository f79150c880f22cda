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
        let hasEvents = try read { db in try Self.storedEventCount(db) > 0 }
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
            // Page and screen calls are stored with what names them: renamed when the rules changed, block by block.
            try Self.rewriteBlocks(db) { events in
                for i in events.indices where events[i].kind == .page || events[i].kind == .screen {
                    let call = events[i].traits.flatMap { try? JSONParser.parse($0) } ?? .object([])
                    events[i].name = try term(EventLineParser.pageEventName(events[i].kind, call: call, rules: extraction.pageEvents))
                }
            }
            let names = try Self.vocabulary(db).texts
            // Days before the horizon keep their entries; their hints are read again from the events kept for them.
            try db.execute(
                sql: """
                    DELETE FROM user_days WHERE day >= \(firstDay); DELETE FROM anon_days WHERE day >= \(firstDay);
                    UPDATE user_days SET hints = NULL;
                    """)
            var anonIds: [String: Int64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, anonymous_id FROM anonymous_ids") { anonIds[row["anonymous_id"]] = row["id"] }
            // Packed as ingest packs them, a bounded number of entries at a time merged into the day rows.
            var days: [IngestWriter.UserDay: [ActivityEntry]] = [:]
            var anonDays: [IngestWriter.UserDay: [ActivityEntry]] = [:]
            var hints: [IngestWriter.UserDay: [(milliseconds: Int64, hint: UInt32)]] = [:]
            var held = 0
            func flush() throws {
                try IngestWriter.mergeDays(db, days, hints: hints, into: "user_days", key: "user_id")
                try IngestWriter.mergeDays(db, anonDays, into: "anon_days", key: "anon_id")
                (days, anonDays, hints, held) = ([:], [:], [:], 0)
            }
            try Self.forEachRawEvent(db) { event in
                guard event.name != 0 else { return }
                if let source = event.source, extraction.isSystemEvent(source: source, name: names[event.name] ?? "") { return }
                let day = Timestamp(milliseconds: event.milliseconds).day
                if let user = event.user, let hint = event.groupHint {
                    hints[IngestWriter.UserDay(user: user, day: day), default: []].append((event.milliseconds, try term(hint)))
                    held += 1
                }
                guard event.milliseconds >= horizon else { return }
                let entry = try extraction.entry(
                    milliseconds: event.milliseconds, nameId: event.name, name: names[event.name] ?? "",
                    propertiesText: event.properties, term: term)
                if let user = event.user {
                    days[IngestWriter.UserDay(user: user, day: day), default: []].append(entry)
                } else if let anonymous = event.anonymousId {
                    if anonIds[anonymous] == nil {
                        try db.execute(sql: "INSERT INTO anonymous_ids(anonymous_id) VALUES(?)", arguments: [anonymous])
                        anonIds[anonymous] = db.lastInsertedRowID
                    }
                    anonDays[IngestWriter.UserDay(user: anonIds[anonymous]!, day: day), default: []].append(entry)
                } else {
                    return
                }
                held += 1
                if held >= 500_000 { try flush() }
            }
            try flush()
            try setMeta(db, Self.aggregateSignatureKey, extraction.signature)
        }
    }
}
