import BrieferCore
import Foundation
import GRDB

/// What a destination knows of a contact.
public struct CRMContactRecord: Sendable, Equatable {
    public var recordId: String?
    public var missingMs: Int64?
    public init(recordId: String?, missingMs: Int64?) { self.recordId = recordId; self.missingMs = missingMs }
}

extension BrieferStore {
    // MARK: What to sync

    /// The people of each account of `runId` who have an email address, with their own score.
    public func contactCandidates(runId: Int64) throws -> [String: [ContactSelection.Candidate]] {
        try read { db in
            var candidates: [String: [ContactSelection.Candidate]] = [:]
            // A run scored in a warehouse brought its contacts (the same rule, applied there).
            let imported = try String.fetchOne(db, sql: "SELECT source FROM scoring_runs WHERE id = ?", arguments: [runId]) != nil
            let rows = try Row.fetchCursor(
                db,
                sql: imported
                    ? "SELECT account, user_id, score, email FROM warehouse_contacts WHERE run_id = ? ORDER BY account, user_id"
                    : """
                    SELECT s.account, s.user_id, s.score, COALESCE(u.csv_email, u.identify_email) AS email
                    FROM user_scores s JOIN users u ON u.external_id = s.user_id
                    WHERE s.run_id = ? AND COALESCE(u.csv_email, u.identify_email) IS NOT NULL ORDER BY s.account, s.user_id
                    """, arguments: [runId])
            let forgotten = try Self.forgottenPeople(db)
            while let row = try rows.next() {
                let email: String = row["email"]
                if forgotten.contains(email: email) { continue }
                candidates[row["account"], default: []].append(.init(userId: row["user_id"], email: email, score: row["score"]))
            }
            return candidates
        }
    }

    /// Each account's latest briefing with text (written by the model or by the rules; one left for
    /// review has none and does not replace an earlier one).
    public func latestBriefingsWithText() throws -> [String: SyncedBriefing] {
        try read { db in
            var briefings: [String: SyncedBriefing] = [:]
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT account, outcome, prompt_version, as_of_ms, use_case_hypothesis, expansion_signal, recommended_opening, risk_factor
                    FROM briefings b WHERE b.id = (SELECT id FROM briefings x WHERE x.account = b.account AND x.outcome IN ('llm', 'rules')
                                                   ORDER BY x.created_ms DESC, x.id DESC LIMIT 1)
                    """)
            while let row = try rows.next() {
                guard let source = BriefingSource(rawValue: row["outcome"]),
                    let a: String = row["use_case_hypothesis"], let b: String = row["expansion_signal"],
                    let c: String = row["recommended_opening"], let d: String = row["risk_factor"]
                else { continue }
                briefings[row["account"]] = SyncedBriefing(
                    briefing: Briefing(useCaseHypothesis: a, expansionSignal: b, recommendedOpening: c, riskFactor: d),
                    source: source, promptVersion: row["prompt_version"], asOf: Timestamp(milliseconds: row["as_of_ms"]))
            }
            return briefings
        }
    }

    /// By email, the last successfully synced value of each property at `destination`, and the id of
    /// the outbox item that delivered it.
    public func syncedValues(destination: String) throws -> (values: [String: [String: String]], by: [String: [String: Int64]]) {
        try read { db in
            var values: [String: [String: String]] = [:]
            var by: [String: [String: Int64]] = [:]
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT s.email, s.property, s.value, o.id FROM crm_synced s LEFT JOIN crm_outbox o ON o.trace_id = s.trace_id
                    WHERE s.destination = ?
                    """, arguments: [destination])
            while let row = try rows.next() {
                let (email, property): (String, String) = (row["email"], row["property"])
                values[email, default: [:]][property] = row["value"]
                by[email, default: [:]][property] = row["id"] ?? 0
            }
            return (values, by)
        }
    }

    // MARK: The outbox

    /// Outbox items of `destination` (every destination when nil) in these statuses (all when empty), oldest first.
    public func outboxItems(
        destination: String?, statuses: Set<OutboxItem.Status> = [], email: String? = nil,
        account: String? = nil, newestFirst: Bool = false, limit: Int = Int.max
    ) throws -> [OutboxItem] {
        try read { db in
            try Self.outboxItems(
                db, destination: destination, statuses: statuses, email: email, account: account,
                newestFirst: newestFirst, limit: limit)
        }
    }

    static func outboxItems(
        _ db: Database, destination: String?, statuses: Set<OutboxItem.Status>, email: String? = nil,
        account: String? = nil, newestFirst: Bool = false, limit: Int = Int.max
    ) throws -> [OutboxItem] {
        var filters: [String] = []
        var arguments: StatementArguments = []
        if let destination { filters.append("destination = ?"); arguments += [destination] }
        if !statuses.isEmpty {
            filters.append("status IN (\(statuses.map { _ in "?" }.joined(separator: ",")))")
            for status in statuses.sorted(by: { $0.rawValue < $1.rawValue }) { arguments += [status.rawValue] }
        }
        if let email { filters.append("email = ?"); arguments += [email.lowercased()] }
        if let account { filters.append("account = ?"); arguments += [account] }
        let whereSQL = filters.isEmpty ? "" : " WHERE " + filters.joined(separator: " AND ")
        return try Row.fetchAll(
            db, sql: "SELECT * FROM crm_outbox\(whereSQL) ORDER BY id \(newestFirst ? "DESC" : "ASC") LIMIT ?",
            arguments: arguments + [min(limit, Int(Int32.max))]
        ).map(outboxItem)
    }

    static func outboxItem(_ row: Row) throws -> OutboxItem {
        var properties: [(name: String, value: String)] = []
        if case let .object(members)? = try? JSONParser.parse(row["properties"] as String) {
            properties = members.map { ($0.key, $0.value.stringValue ?? "") }
        }
        return OutboxItem(
            id: row["id"], destination: row["destination"], traceId: row["trace_id"], email: row["email"], account: row["account"],
            properties: properties,
            status: try row.decode("status", as: OutboxItem.Status.self, table: "crm_outbox", row: "\(row["id"] as Int64)"),
            attempts: row["attempts"],
            operation: row["operation"], httpStatus: row["http_status"], message: row["message"], request: row["request"],
            createdMs: row["created_ms"], sentMs: row["sent_ms"], settledMs: row["settled_ms"])
    }

    /// Changes recorded, or outcomes settled, per transaction: each contact's item stands on its own (a crash between two
    /// transactions leaves the rest to be planned again by the next sync), and an intake writing beside a sync of thousands
    /// of contacts waits for one transaction of these at most, not for all of them.
    static let outboxRowsPerTransaction = 100

    /// Records new changes as pending items, each with its own trace id, ``outboxRowsPerTransaction`` at a time: from
    /// here on every write of a change carries that id.
    @discardableResult
    public func recordChanges(
        destination: String, _ changes: [(contact: ContactState, properties: [(name: String, value: String)])],
        at now: Timestamp
    ) throws -> [OutboxItem] {
        guard !changes.isEmpty else { return [] }
        var items: [OutboxItem] = []
        for chunk in changes.chunked(Self.outboxRowsPerTransaction) {
            items += try recordChanges(destination: destination, chunk: chunk, at: now)
        }
        return items
    }

    private func recordChanges(
        destination: String, chunk changes: [(contact: ContactState, properties: [(name: String, value: String)])],
        at now: Timestamp
    ) throws -> [OutboxItem] {
        try write { db in
            let prefix = try traceIdPrefix(db)
            var items: [OutboxItem] = []
            for change in changes {
                let properties = JSONValue.object(change.properties.map { ($0.name, .string($0.value)) })
                try db.execute(
                    sql: """
                        INSERT INTO crm_outbox(destination, trace_id, email, account, properties, status, created_ms)
                        VALUES(?, ?, ?, ?, ?, 'pending', ?)
                        """,
                    arguments: [
                        destination, UUID().uuidString, change.contact.email, change.contact.account,
                        properties.compactText, now.milliseconds,
                    ])
                let id = db.lastInsertedRowID
                // The row id makes it unique within this database, the prefix across databases.
                let traceId = "briefer-\(prefix)-\(id)"
                try db.execute(sql: "UPDATE crm_outbox SET trace_id = ? WHERE id = ?", arguments: [traceId, id])
                items.append(
                    OutboxItem(
                        id: id, destination: destination, traceId: traceId, email: change.contact.email,
                        account: change.contact.account, properties: change.properties, createdMs: now.milliseconds))
            }
            return items
        }
    }

    /// A random prefix, made once per database, that keeps two databases' trace ids apart.
    private func traceIdPrefix(_ db: Database) throws -> String {
        if let prefix = try meta(db, "crm_trace_prefix") { return prefix }
        let prefix = String(UUID().uuidString.lowercased().prefix(8))
        try setMeta(db, "crm_trace_prefix", prefix)
        return prefix
    }

    /// Notes a write about to happen (file written, request sent), before it happens.
    public func noteAttempt(itemIds: [Int64], operation: String, request: String, at now: Timestamp) throws {
        try write { db in
            for id in itemIds {
                try db.execute(
                    sql: "UPDATE crm_outbox SET attempts = attempts + 1, operation = ?, request = ?, sent_ms = ? WHERE id = ?",
                    arguments: [operation, request, now.milliseconds, id])
            }
        }
    }

    /// Records what became of writes, ``outboxRowsPerTransaction`` at a time: a done item's values become the contact's
    /// synced values (with its trace id); missing, rejected and failed ones keep the CRM's message.
    public func settle(_ outcomes: [OutboxOutcome], at now: Timestamp) throws {
        for chunk in outcomes.chunked(Self.outboxRowsPerTransaction) { try settle(chunk: chunk, at: now) }
    }

    private func settle(chunk outcomes: [OutboxOutcome], at now: Timestamp) throws {
        try write { db in
            for outcome in outcomes {
                guard let row = try Row.fetchOne(db, sql: "SELECT * FROM crm_outbox WHERE id = ?", arguments: [outcome.itemId]) else {
                    continue
                }
                let item = try Self.outboxItem(row)
                guard item.status != .done else { continue }
                let settled: Int64? = outcome.status == .pending ? nil : now.milliseconds
                try db.execute(
                    sql: "UPDATE crm_outbox SET status = ?, http_status = ?, message = ?, settled_ms = ? WHERE id = ?",
                    arguments: [outcome.status.rawValue, outcome.httpStatus, outcome.message, settled, item.id])
                guard outcome.status == .done else { continue }
                for property in item.properties {
                    // A value delivered by a newer change stays: an older one arriving late does not replace it.
                    try db.execute(
                        sql: """
                            INSERT INTO crm_synced(destination, email, property, value, trace_id, synced_ms) VALUES(?, ?, ?, ?, ?, ?)
                            ON CONFLICT(destination, email, property) DO UPDATE SET value = excluded.value, trace_id = excluded.trace_id,
                                synced_ms = excluded.synced_ms
                            WHERE COALESCE((SELECT id FROM crm_outbox WHERE trace_id = crm_synced.trace_id), 0) < ?
                            """,
                        arguments: [item.destination, item.email, property.name, property.value, item.traceId, now.milliseconds, item.id])
                }
            }
        }
    }

    /// Puts settled items of `status` (missing or rejected) back to pending, keeping their trace ids;
    /// only those of `emails` when given. An item a newer item of the same contact has since been
    /// recorded after is left as it is: sending it would put an older value over a newer one.
    /// Returns how many.
    @discardableResult
    public func reopen(destination: String, status: OutboxItem.Status, emails: Set<String>? = nil) throws -> Int {
        try write { db in
            let items = try Self.outboxItems(db, destination: destination, statuses: [status])
            var count = 0
            for item in items where emails?.contains(item.email) ?? true {
                let newer =
                    try Bool.fetchOne(
                        db, sql: "SELECT EXISTS(SELECT 1 FROM crm_outbox WHERE destination = ? AND email = ? AND id > ?)",
                        arguments: [destination, item.email, item.id]) ?? false
                if newer && status == .rejected { continue }
                try db.execute(sql: "UPDATE crm_outbox SET status = 'pending', settled_ms = NULL WHERE id = ?", arguments: [item.id])
                count += 1
            }
            return count
        }
    }

    /// Rejected items of `destination` a newer item of the same contact was recorded after.
    public func supersededRejected(destination: String) throws -> Set<Int64> {
        try read { db in
            Set(
                try Int64.fetchAll(
                    db,
                    sql: """
                        SELECT r.id FROM crm_outbox r WHERE r.destination = ? AND r.status = 'rejected'
                        AND EXISTS(SELECT 1 FROM crm_outbox n WHERE n.destination = r.destination AND n.email = r.email AND n.id > r.id)
                        """, arguments: [destination]))
        }
    }

    // MARK: Record ids

    /// What `destination` is known to hold, by email.
    public func crmContacts(destination: String) throws -> [String: CRMContactRecord] {
        try read { db in
            var contacts: [String: CRMContactRecord] = [:]
            let rows = try Row.fetchCursor(
                db, sql: "SELECT email, record_id, missing_ms FROM crm_contacts WHERE destination = ?",
                arguments: [destination])
            while let row = try rows.next() {
                contacts[row["email"]] = CRMContactRecord(recordId: row["record_id"], missingMs: row["missing_ms"])
            }
            return contacts
        }
    }

    /// Caches record ids (the contact is no longer missing).
    public func saveRecordIds(destination: String, _ ids: [String: String], at now: Timestamp) throws {
        guard !ids.isEmpty else { return }
        try write { db in
            for (email, id) in ids {
                try db.execute(
                    sql: """
                        INSERT INTO crm_contacts(destination, email, record_id, missing_ms, checked_ms) VALUES(?, ?, ?, NULL, ?)
                        ON CONFLICT(destination, email) DO UPDATE SET record_id = excluded.record_id, missing_ms = NULL, checked_ms = excluded.checked_ms
                        """, arguments: [destination, email.lowercased(), id, now.milliseconds])
            }
        }
    }

    /// Notes contacts the destination does not know (forgetting any cached record id).
    public func markMissing(destination: String, emails: [String], at now: Timestamp) throws {
        guard !emails.isEmpty else { return }
        try write { db in
            for email in emails {
                try db.execute(
                    sql: """
                        INSERT INTO crm_contacts(destination, email, record_id, missing_ms, checked_ms) VALUES(?, ?, NULL, ?, ?)
                        ON CONFLICT(destination, email) DO UPDATE SET record_id = NULL, missing_ms = excluded.missing_ms, checked_ms = excluded.checked_ms
                        """, arguments: [destination, email.lowercased(), now.milliseconds, now.milliseconds])
            }
        }
    }

    // MARK: Sync runs

    public func startSync(destination: String, mode: String, at now: Timestamp) throws -> Int64 {
        try write { db in
            try db.execute(
                sql: "INSERT INTO crm_syncs(destination, mode, started_ms) VALUES(?, ?, ?)",
                arguments: [destination, mode, now.milliseconds])
            return db.lastInsertedRowID
        }
    }

    public func finishSync(id: Int64, summary: String, at now: Timestamp) throws {
        try write { db in
            try db.execute(
                sql: "UPDATE crm_syncs SET finished_ms = ?, summary = ? WHERE id = ?", arguments: [now.milliseconds, summary, id])
        }
    }
}

extension BrieferStore {
    /// Every destination's recorded portal.
    public func crmPortals() throws -> [(destination: String, portalId: String)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT destination, portal_id FROM crm_portals ORDER BY destination").map {
                ($0["destination"], $0["portal_id"])
            }
        }
    }

    /// The portal a destination's synced state belongs to, if one was recorded.
    public func crmPortal(destination: String) throws -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT portal_id FROM crm_portals WHERE destination = ?", arguments: [destination]) }
    }

    /// Records the destination's portal. When it had another one, what was synced there, the record ids
    /// cached, the settled changes and the syncs (sync-log's history) are filed under "DESTINATION
    /// (portal OLD until TIME)", and the changes not yet delivered are dropped: the next plan, made against
    /// nothing synced, covers every value anew for the new portal.
    public func setCRMPortal(destination: String, portalId: String, at now: Timestamp) throws {
        try write { db in
            if let old = try String.fetchOne(db, sql: "SELECT portal_id FROM crm_portals WHERE destination = ?", arguments: [destination]),
                old != portalId
            {
                // The contacts' state and the companies' (kept under "<destination> companies"), the actions, owners read,
                // contacts associated and feedback read: all of the old portal, filed under its name.
                for name in [destination, destination + " companies"] {
                    let archive = "\(name) (portal \(old) until \(now.iso8601))"
                    try db.execute(sql: "DELETE FROM crm_outbox WHERE destination = ? AND status = 'pending'", arguments: [name])
                    for table in [
                        "crm_synced", "crm_contacts", "crm_outbox", "crm_syncs", "crm_actions", "crm_owners", "crm_company_contacts",
                        "crm_feedback",
                    ] {
                        try db.execute(sql: "UPDATE \(table) SET destination = ? WHERE destination = ?", arguments: [archive, name])
                    }
                }
                // The new portal's actions start from the run that sees it, not from the old portal's first.
                try db.execute(sql: "DELETE FROM meta WHERE key LIKE ?", arguments: [Self.actionsEnabledKey("%", destination)])
            }
            try db.execute(
                sql: "INSERT OR REPLACE INTO crm_portals(destination, portal_id, seen_ms) VALUES(?, ?, ?)",
                arguments: [destination, portalId, now.milliseconds])
        }
    }
}
