import BrieferCore
import Foundation
import GRDB

/// A quarantined line as listed by `briefer quarantine`.
public struct QuarantineEntry: Sendable {
    public var file: String
    public var line: Int
    public var reason: String
    public var detail: String
    public var raw: String
    public var rawBytes: Int
    public var createdAt: String
}

extension BrieferStore {
    public func quarantine(reason: String? = nil, file: String? = nil, limit: Int = 100) throws -> (
        entries: [QuarantineEntry], total: Int, byReason: [String: Int]
    ) {
        try read { db in
            var filters: [String] = []
            var arguments: StatementArguments = []
            if let reason { filters.append("reason = ?"); arguments += [reason] }
            if let file { filters.append("file LIKE ?"); arguments += ["%" + file] }
            let whereSQL = filters.isEmpty ? "" : " WHERE " + filters.joined(separator: " AND ")
            let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM quarantine" + whereSQL, arguments: arguments) ?? 0
            var byReason: [String: Int] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT reason, count(*) AS lines FROM quarantine\(whereSQL) GROUP BY reason", arguments: arguments)
            {
                byReason[row["reason"]] = row["lines"]
            }
            let rows = try Row.fetchAll(
                db, sql: "SELECT * FROM quarantine\(whereSQL) ORDER BY file, line LIMIT ?", arguments: arguments + [limit])
            let entries = rows.map { row -> QuarantineEntry in
                let raw: Data = row["raw"]
                return QuarantineEntry(
                    file: row["file"], line: row["line"], reason: row["reason"], detail: row["detail"],
                    raw: String(decoding: raw.prefix(200), as: UTF8.self), rawBytes: raw.count, createdAt: row["created_at"])
            }
            return (entries, total, byReason)
        }
    }
}
