import BrieferCore
import CLibPQ
import Foundation

/// The output tables of `briefer sql` read straight from PostgreSQL through libpq: `postgresql://…` or
/// `host=… dbname=…` (libpq's own syntax; a password is best given by PGPASSWORD or ~/.pgpass, and never appears in a
/// message). Each table is read with one `SELECT *`, as text.
public final class PostgresTables: WarehouseTableSource, @unchecked Sendable {
    private let connection: OpaquePointer
    private let prefix: String
    public let name: String

    /// Whether `text` names a PostgreSQL database rather than a folder.
    public static func isConnection(_ text: String) -> Bool {
        text.hasPrefix("postgresql://") || text.hasPrefix("postgres://") || text.contains("dbname=") || text.contains("host=")
    }

    public init(connection info: String, prefix: String) throws {
        // Parsed first: libpq's own message for a string that does not parse quotes the offending part, which may be the
        // password. The password is also kept to be blotted out of any later message.
        var parseError: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(info, &parseError) else {
            if let parseError { PQfreemem(parseError) }
            throw WarehouseImportError(.unreadableInput, "the PostgreSQL connection string does not parse (postgresql://user@host:port/db)")
        }
        var password: String?
        var option = options
        while let keyword = option.pointee.keyword {
            if String(cString: keyword) == "password", let value = option.pointee.val { password = String(cString: value) }
            option += 1
        }
        PQconninfoFree(options)
        func scrubbed(_ message: String) -> String {
            guard let password, !password.isEmpty else { return message }
            return message.replacingOccurrences(of: password, with: "****")
        }
        guard let conn = PQconnectdb(info) else { throw WarehouseImportError(.unreadableInput, "libpq could not allocate a connection") }
        func text(_ p: UnsafeMutablePointer<CChar>?) -> String { p.map { String(cString: $0) } ?? "?" }
        let where_ = "PostgreSQL database \(text(PQdb(conn))) on \(text(PQhost(conn)))"
        guard PQstatus(conn) == CONNECTION_OK else {
            let reason = scrubbed(String(cString: PQerrorMessage(conn)).trimmingCharacters(in: .whitespacesAndNewlines))
            PQfinish(conn)
            throw WarehouseImportError(.unreadableInput, "cannot connect to the \(where_): \(reason)")
        }
        connection = conn
        self.prefix = prefix
        name = where_
    }

    deinit { PQfinish(connection) }

    public func rows(_ table: String) throws -> [WarehouseRow]? {
        let qualified = prefix + table
        // Whether the table is there, by name (the prefix may carry a schema; PostgreSQL folds unquoted names to lower case).
        let parts = qualified.lowercased().split(separator: ".").map(String.init)
        let exists = try query(
            "SELECT 1 FROM information_schema.tables WHERE table_name = $1" + (parts.count > 1 ? " AND table_schema = $2" : ""),
            parts.count > 1 ? [parts.last!, parts[parts.count - 2]] : [parts.last!])
        if exists.isEmpty { return nil }
        // The name was checked at configuration load (letters, digits, `_`, dots): safe to write into the statement.
        return try query("SELECT * FROM \(qualified)", [])
    }

    private func query(_ sql: String, _ parameters: [String]) throws -> [WarehouseRow] {
        let cParameters = parameters.map { strdup($0) }
        defer { cParameters.forEach { free($0) } }
        let pointers = cParameters.map { UnsafePointer<CChar>($0) }
        guard let result = PQexecParams(connection, sql, Int32(parameters.count), nil, pointers, nil, nil, 0) else {
            throw WarehouseImportError(.unreadableInput, "\(name): no answer to a query")
        }
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_TUPLES_OK else {
            let reason = String(cString: PQresultErrorMessage(result)).trimmingCharacters(in: .whitespacesAndNewlines)
            throw WarehouseImportError(.unreadableInput, "\(name): \(reason)")
        }
        let columns = (0..<PQnfields(result)).map { String(cString: PQfname(result, $0)).lowercased() }
        return (0..<PQntuples(result)).map { r in
            var values: [String: String?] = [:]
            for (c, column) in columns.enumerated() {
                values[column] = PQgetisnull(result, r, Int32(c)) == 1 ? .some(nil) : String(cString: PQgetvalue(result, r, Int32(c)))
            }
            let raw = columns.map { "\($0)=\(values[$0].flatMap { $0 } ?? "NULL")" }.joined(separator: ", ")
            return WarehouseRow(number: Int(r) + 1, values: values, raw: raw)
        }
    }
}
