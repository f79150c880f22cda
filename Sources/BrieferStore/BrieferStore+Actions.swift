import BrieferCore
import Foundation
import GRDB

/// One action of the actions' outbox (SPEC §6.1).
public struct ActionRecord: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable, Codable {
        /// Recorded, waiting for the account's briefing (`actions.briefing_wait_minutes`).
        case waiting
        /// Its body fixed, to be written or sent (again, after a failure or a crash).
        case pending
        case done
        /// Refused by the receiver (its message says why); not sent again.
        case rejected
        /// Not acted on: the cool-down, the daily cap, or the account no longer hot when its wait ended.
        case skipped
        /// A Slack message whose send ended without an answer: it may have arrived, and Slack cannot drop a repeat.
        case unknown
    }

    public var id: Int64
    public var kind: ActionKind
    public var destination: String
    public var key: String
    public var account: String
    public var becameHot: Timestamp
    public var runId: Int64
    public var status: Status
    /// What is written or sent, JSON (nil while waiting or skipped).
    public var body: String?
    public var briefingSource: String?
    public var attempts: Int
    /// A send began and no answer said it did not arrive.
    public var inFlight: Bool
    public var httpStatus: Int?
    public var message: String?
    /// The receiver's id for it (a HubSpot task's record id).
    public var resultId: String?
    public var createdMs: Int64
    public var sentMs: Int64?
    public var settledMs: Int64?
}

/// What became of one action's delivery.
public struct ActionOutcome: Sendable, Equatable {
    public var id: Int64
    public var status: ActionRecord.Status
    /// Whether it may have arrived without its answer saying so (kept for the next pass to find out).
    public var inFlight: Bool
    public var httpStatus: Int?
    public var message: String?
    public var resultId: String?
    public init(
        id: Int64, status: ActionRecord.Status, inFlight: Bool = false, httpStatus: Int? = nil, message: String? = nil,
        resultId: String? = nil
    ) {
        (self.id, self.status, self.inFlight, self.httpStatus, self.message, self.resultId) = (
            id, status, inFlight, httpStatus, message, resultId
        )
    }
}

/// A transition to record for one kind of action.
public struct NewAction: Sendable {
    public var kind: ActionKind
    public var destination: String
    public var account: String
    public var becameHot: Timestamp
    public var runId: Int64
    /// `.waiting`, or `.skipped` with why; `.pending` with its body.
    public var status: ActionRecord.Status
    public var message: String?
    public var body: String?
    public init(
        kind: ActionKind, destination: String, account: String, becameHot: Timestamp, runId: Int64, status: ActionRecord.Status,
        message: String? = nil, body: String? = nil
    ) {
        (self.kind, self.destination, self.account, self.becameHot, self.runId, self.status, self.message, self.body) = (
            kind, destination, account, becameHot, runId, status, message, body
        )
    }
    public var key: String { kind.key(account: account, becameHot: becameHot) }
}

extension BrieferStore {
    /// The as-of time of the first run that saw this kind of action enabled for `destination` (a kind turned on later, or
    /// a new destination, starts from its own first run); set to `candidate` the first time (nil: do not set).
    public func actionsEnabledFrom(kind: ActionKind, destination: String, settingTo candidate: Timestamp?) throws -> Timestamp? {
        let key = Self.actionsEnabledKey(kind.rawValue, destination)
        if let stored = try read({ db in try meta(db, key) }).flatMap(Int64.init) { return Timestamp(milliseconds: stored) }
        guard let candidate else { return nil }
        try write { db in if try meta(db, key) == nil { try setMeta(db, key, String(candidate.milliseconds)) } }
        return try actionsEnabledFrom(kind: kind, destination: destination, settingTo: nil)
    }

    /// The keys of this kind recorded for `destination`.
    public func actionKeys(kind: ActionKind, destination: String) throws -> Set<String> {
        try read { db in
            Set(
                try String.fetchAll(
                    db, sql: "SELECT key FROM crm_actions WHERE kind = ? AND destination = ?", arguments: [kind.rawValue, destination]))
        }
    }

    /// What was acted on of this kind at `destination`: each account's last transition acted on, and how many were
    /// recorded to act on since `dayStart`.
    public func actionHistory(kind: ActionKind, destination: String, dayStart: Timestamp) throws -> ActionPolicy.History {
        try read { db in
            var history = ActionPolicy.History()
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT account, MAX(became_hot_ms) AS last FROM crm_actions WHERE kind = ? AND destination = ? AND status != 'skipped'
                    GROUP BY account
                    """, arguments: [kind.rawValue, destination])
            {
                history.lastActed[row["account"]] = Timestamp(milliseconds: row["last"])
            }
            history.actedToday =
                try Int.fetchOne(
                    db,
                    sql: "SELECT COUNT(*) FROM crm_actions WHERE kind = ? AND destination = ? AND status != 'skipped' AND created_ms >= ?",
                    arguments: [kind.rawValue, destination, dayStart.milliseconds]) ?? 0
            return history
        }
    }

    /// Records transitions, each once (a key already recorded is left as it is). Returns how many were new.
    @discardableResult
    public func recordActions(_ actions: [NewAction], at now: Timestamp) throws -> Int {
        var recorded = 0
        for chunk in actions.chunked(Self.outboxRowsPerTransaction) {
            recorded += try write { db in
                var count = 0
                for a in chunk {
                    try db.execute(
                        sql: """
                            INSERT OR IGNORE INTO crm_actions(kind, destination, key, account, became_hot_ms, run_id, status, message,
                                body, created_ms, settled_ms) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [
                            a.kind.rawValue, a.destination, a.key, a.account, a.becameHot.milliseconds, a.runId, a.status.rawValue,
                            a.message, a.body, now.milliseconds, a.status == .skipped ? now.milliseconds : nil,
                        ])
                    count += db.changesCount
                }
                return count
            }
        }
        return recorded
    }

    /// Actions of `destination` (every one when nil) and kind, in these statuses (all when empty), oldest first.
    public func actions(
        destination: String? = nil, kind: ActionKind? = nil, statuses: Set<ActionRecord.Status> = [], account: String? = nil,
        newestFirst: Bool = false, limit: Int = Int.max
    ) throws -> [ActionRecord] {
        try read { db in
            var filters: [String] = []
            var arguments: StatementArguments = []
            if let destination { filters.append("destination = ?"); arguments += [destination] }
            if let kind { filters.append("kind = ?"); arguments += [kind.rawValue] }
            if let account { filters.append("account = ?"); arguments += [account] }
            if !statuses.isEmpty {
                filters.append("status IN (\(statuses.map { _ in "?" }.joined(separator: ",")))")
                for status in statuses.sorted(by: { $0.rawValue < $1.rawValue }) { arguments += [status.rawValue] }
            }
            let whereSQL = filters.isEmpty ? "" : " WHERE " + filters.joined(separator: " AND ")
            return try Row.fetchAll(
                db, sql: "SELECT * FROM crm_actions\(whereSQL) ORDER BY id \(newestFirst ? "DESC" : "ASC") LIMIT ?",
                arguments: arguments + [min(limit, Int(Int32.max))]
            ).map { row in
                ActionRecord(
                    id: row["id"], kind: try row.decode("kind", as: ActionKind.self, table: "crm_actions", row: "\(row["id"] as Int64)"),
                    destination: row["destination"], key: row["key"], account: row["account"],
                    becameHot: Timestamp(milliseconds: row["became_hot_ms"]), runId: row["run_id"],
                    status: try row.decode("status", as: ActionRecord.Status.self, table: "crm_actions", row: "\(row["id"] as Int64)"),
                    body: row["body"], briefingSource: row["briefing_source"], attempts: row["attempts"], inFlight: row["in_flight"],
                    httpStatus: row["http_status"], message: row["message"], resultId: row["result_id"], createdMs: row["created_ms"],
                    sentMs: row["sent_ms"], settledMs: row["settled_ms"])
            }
        }
    }

    /// Fixes a waiting action's body: from now on it is pending and sent as it is.
    public func fixActionBodies(_ bodies: [(id: Int64, body: String, briefingSource: String?)]) throws {
        for chunk in bodies.chunked(Self.outboxRowsPerTransaction) {
            try write { db in
                for b in chunk {
                    try db.execute(
                        sql: "UPDATE crm_actions SET status = 'pending', body = ?, briefing_source = ? WHERE id = ? AND status = 'waiting'",
                        arguments: [b.body, b.briefingSource, b.id])
                }
            }
        }
    }

    /// Forgets the values last written to these records at `destination` (a company replaced by another): the next plan
    /// writes every property anew.
    public func forgetSyncedValues(destination: String, emails: [String]) throws {
        guard !emails.isEmpty else { return }
        try write { db in
            for email in emails {
                try db.execute(
                    sql: "DELETE FROM crm_synced WHERE destination = ? AND email = ?", arguments: [destination, email.lowercased()])
            }
        }
    }

    /// The `meta` key of a kind's enabled moment at a destination ("%" for a LIKE pattern over them).
    static func actionsEnabledKey(_ kind: String, _ destination: String) -> String { "actions_enabled_from_ms \(kind) \(destination)" }

    /// Forgets when these kinds of action were first seen enabled (every destination), so that turned on again they start
    /// from the run that sees them then, not from a transition made while they were off.
    public func forgetActionsEnabled(kinds: [ActionKind]) throws {
        guard !kinds.isEmpty else { return }
        try write { db in
            for kind in kinds {
                try db.execute(sql: "DELETE FROM meta WHERE key LIKE ?", arguments: [Self.actionsEnabledKey(kind.rawValue, "%")])
            }
        }
    }

    /// Puts done or rejected actions back to pending, their body and key kept (a company made and since deleted).
    public func reopenActions(_ ids: [Int64]) throws {
        guard !ids.isEmpty else { return }
        try write { db in
            for id in ids {
                try db.execute(
                    sql: "UPDATE crm_actions SET status = 'pending', in_flight = 0, settled_ms = NULL, result_id = NULL WHERE id = ?",
                    arguments: [id])
            }
        }
    }

    /// When each of these contacts was first written at `destination` (its earliest change done), by email.
    public func firstWritten(destination: String, emails: [String]) throws -> [String: Int64] {
        guard !emails.isEmpty else { return [:] }
        return try read { db in
            var out: [String: Int64] = [:]
            for chunk in emails.chunked(500) {
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT email, MIN(settled_ms) AS first FROM crm_outbox WHERE destination = ? AND status = 'done'
                        AND email IN (\(chunk.map { _ in "?" }.joined(separator: ","))) GROUP BY email
                        """, arguments: StatementArguments([destination] + chunk.map { $0.lowercased() }))
                for row in rows { if let first: Int64 = row["first"] { out[row["email"]] = first } }
            }
            return out
        }
    }

    /// Notes sends about to begin, before they begin: until an answer says otherwise, each may arrive.
    public func noteActionAttempt(ids: [Int64], at now: Timestamp) throws {
        try write { db in
            for id in ids {
                try db.execute(
                    sql: "UPDATE crm_actions SET attempts = attempts + 1, in_flight = 1, sent_ms = ? WHERE id = ?",
                    arguments: [now.milliseconds, id])
            }
        }
    }

    /// Records what became of sends (a done action stays done).
    public func settleActions(_ outcomes: [ActionOutcome], at now: Timestamp) throws {
        for chunk in outcomes.chunked(Self.outboxRowsPerTransaction) {
            try write { db in
                for o in chunk {
                    let settled: Int64? = o.status == .pending || o.status == .waiting ? nil : now.milliseconds
                    try db.execute(
                        sql: """
                            UPDATE crm_actions SET status = ?, in_flight = ?, http_status = ?, message = ?,
                                result_id = COALESCE(?, result_id), settled_ms = ? WHERE id = ? AND status != 'done'
                            """, arguments: [o.status.rawValue, o.inFlight, o.httpStatus, o.message, o.resultId, settled, o.id])
                }
            }
        }
    }

    /// Which company each contact was associated with at `destination`.
    public func companyLinks(destination: String) throws -> [String: String] {
        try read { db in
            var links: [String: String] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT email, company_id FROM crm_company_contacts WHERE destination = ?", arguments: [destination])
            {
                links[row["email"]] = row["company_id"]
            }
            return links
        }
    }

    /// Notes contacts associated with their company.
    public func saveCompanyLinks(destination: String, _ links: [(email: String, companyId: String)], at now: Timestamp) throws {
        guard !links.isEmpty else { return }
        try write { db in
            for link in links {
                try db.execute(
                    sql: """
                        INSERT INTO crm_company_contacts(destination, email, company_id, linked_ms) VALUES(?, ?, ?, ?)
                        ON CONFLICT(destination, email) DO UPDATE SET company_id = excluded.company_id, linked_ms = excluded.linked_ms
                        """, arguments: [destination, link.email.lowercased(), link.companyId, now.milliseconds])
            }
        }
    }
}

extension BrieferStore {
    /// Stores feedback values read from `destination` (a value already stored for that record and time is kept once).
    /// Returns how many were new.
    @discardableResult
    public func saveFeedback(destination: String, _ entries: [FeedbackEntry], at now: Timestamp) throws -> Int {
        guard !entries.isEmpty else { return 0 }
        return try write { db in
            var added = 0
            for e in entries {
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO crm_feedback(destination, object, record, account, value, set_ms, read_ms)
                        VALUES(?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        destination, e.object.rawValue, e.record.lowercased(), e.account, e.value, e.setAt.milliseconds, now.milliseconds,
                    ])
                added += db.changesCount
            }
            return added
        }
    }

    /// Every feedback value read back (of every destination), newest first; one account's when given.
    public func feedback(account: String? = nil) throws -> [FeedbackEntry] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT object, record, account, value, set_ms FROM crm_feedback"
                    + (account == nil ? "" : " WHERE account = ?") + " ORDER BY set_ms DESC, record",
                arguments: account.map { [$0] } ?? []
            ).compactMap { row in
                guard let object = FeedbackEntry.Object(rawValue: row["object"]) else { return nil }
                return FeedbackEntry(
                    object: object, record: row["record"], account: row["account"], value: row["value"],
                    setAt: Timestamp(milliseconds: row["set_ms"]))
            }
        }
    }
}
