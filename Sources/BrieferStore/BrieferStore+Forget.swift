import BrieferCore
import Foundation
import GRDB

/// What `forget` removed, table by table.
public struct ForgetReport: Sendable, Equatable {
    /// The people (user ids) the email named.
    public var users: [String] = []
    /// Rows removed (or, for account scores, anonymised) per table.
    public var rows: [String: Int] = [:]
    public var total: Int { rows.values.reduce(0, +) }
}

extension BrieferStore {
    /// The key `forgotten` keeps for an email: a hash of the trimmed, lowercased address.
    static func forgottenHash(_ email: String) -> String {
        StableHash.hex(email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased())
    }

    /// Removes a person (a deletion request, SPEC §8): every user whose email (users CSV or identify) or
    /// user id is `email`, with their events, daily aggregates, scores, subscriptions, quarantined lines
    /// that name them, their personal account's scores, briefings and model calls if they had one, and
    /// every CRM record of the address; then remembers a hash of the address so no later sync writes it.
    /// One transaction: all of it or nothing. Deleted content is overwritten in the file (`secure_delete`)
    /// and the write-ahead log is checkpointed and truncated, so the address is not left in free pages.
    public func forget(email: String) throws -> ForgetReport {
        let address = email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA secure_delete = ON") }
        defer { try? queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA secure_delete = OFF") } }
        let report = try write { db in
            var report = ForgetReport()
            func delete(_ table: String, _ sql: String, _ arguments: StatementArguments) throws {
                try db.execute(sql: sql, arguments: arguments)
                if db.changesCount > 0 { report.rows[table, default: 0] += db.changesCount }
            }
            let people = try Row.fetchAll(db, sql: """
                SELECT id, external_id FROM users
                WHERE lower(csv_email) = ? OR lower(identify_email) = ? OR lower(external_id) = ?
                """, arguments: [address, address, address])
            for person in people {
                let id: Int64 = person["id"], externalId: String = person["external_id"]
                report.users.append(externalId)
                let personalAccount = "user:" + externalId
                try delete("events", "DELETE FROM events WHERE user_id = ?", [id])
                try delete("user_days", "DELETE FROM user_days WHERE user_id = ?", [id])
                try delete("user_scores", "DELETE FROM user_scores WHERE user_id = ?", [externalId])
                try delete("subscriptions", "DELETE FROM subscriptions WHERE user_external_id = ?", [externalId])
                try delete("account_scores", "DELETE FROM account_scores WHERE account = ?", [personalAccount])
                try delete("account_scores", "UPDATE account_scores SET best_user_id = '(forgotten)' WHERE best_user_id = ?", [externalId])
                for table in ["briefings", "llm_calls", "deferrals", "leases"] {
                    try delete(table, "DELETE FROM \(table) WHERE account = ?", [personalAccount])
                }
                // Bad lines that carried the user id (as a JSON or CSV value).
                // Bad lines that carried the user id: a JSON value, or the first column of a users/subscriptions row.
                try delete("quarantine", "DELETE FROM quarantine WHERE instr(CAST(raw AS TEXT), ?) > 0 OR instr(CAST(raw AS TEXT), ?) = 1",
                           ["\"\(externalId)\"", "\(externalId),"])
                try delete("users", "DELETE FROM users WHERE id = ?", [id])
            }
            try delete("quarantine", "DELETE FROM quarantine WHERE instr(lower(CAST(raw AS TEXT)), ?) > 0", [address])
            // Events that carry the address as their anonymous id are the person's.
            try delete("events", "DELETE FROM events WHERE lower(anonymous_id) = ?", [address])
            // Other people's events and groups that name the address (an invitation sent to it): redacted, in any
            // letter case (each pass replaces the spelling it finds first, until none is left).
            for (table, column) in [("events", "properties"), ("events", "traits"), ("groups", "traits")] {
                for _ in 0..<16 {
                    try db.execute(sql: """
                        UPDATE \(table) SET \(column) = replace(\(column), substr(\(column), instr(lower(\(column)), ?1), length(?1)), '[forgotten]')
                        WHERE instr(lower(\(column)), ?1) > 0
                        """, arguments: [address])
                    guard db.changesCount > 0 else { break }
                    report.rows["\(table) (\(column) redacted)", default: 0] += db.changesCount
                }
            }
            for table in ["crm_outbox", "crm_synced", "crm_contacts"] {
                try delete(table, "DELETE FROM \(table) WHERE lower(email) = ?", [address])
            }
            try db.execute(sql: "INSERT OR REPLACE INTO forgotten(email_hash, forgotten_ms) VALUES(?, ?)",
                           arguments: [Self.forgottenHash(address), Timestamp.now.milliseconds])
            return report
        }
        // Best effort: a reader holding the log open (a worker) keeps some pages until its next checkpoint.
        try? checkpoint()
        return report
    }
}
