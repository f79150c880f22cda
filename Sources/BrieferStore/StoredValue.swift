import GRDB

/// A stored value none of its type's values: the row was written by a newer version or edited by hand. Never
/// read as some other state (a corrupt outbox status read as `pending` would send a change twice).
public struct UnknownStoredValue: Error, CustomStringConvertible, Equatable {
    public let table: String
    public let column: String
    /// The row's key (its id, or what identifies it).
    public let row: String
    public let value: String
    public var description: String {
        "\(table) row \(row): \(column) is '\(value)', which this version of briefer does not know (written by a newer "
            + "version, or edited by hand): restore the database from a backup or upgrade briefer"
    }
}

extension Row {
    /// The column's text as `T` (an enum stored as text), or ``UnknownStoredValue`` naming the table and row.
    func decode<T: RawRepresentable>(_ column: String, as type: T.Type, table: String, row key: @autoclosure () -> String) throws -> T
    where T.RawValue == String {
        let text: String = self[column]
        guard let value = T(rawValue: text) else { throw UnknownStoredValue(table: table, column: column, row: key(), value: text) }
        return value
    }

    /// The same for a column that may be NULL.
    func decodeIfPresent<T: RawRepresentable>(_ column: String, as type: T.Type, table: String, row key: @autoclosure () -> String) throws
        -> T?
    where T.RawValue == String {
        guard let text: String = self[column] else { return nil }
        guard let value = T(rawValue: text) else { throw UnknownStoredValue(table: table, column: column, row: key(), value: text) }
        return value
    }
}

/// A SELECT prepared once, whose rows a loop over many reads by column name at positional speed: each name
/// is looked up in the result's columns once, and a name the SELECT lacks is an error, never another column.
struct NamedColumns {
    let statement: Statement

    init(_ db: Database, sql: String) throws { statement = try db.makeStatement(sql: sql) }

    /// Where `name` is in each row.
    func position(_ name: String) throws -> Int {
        guard let index = statement.index(ofColumn: name) else {
            throw DatabaseError(resultCode: .SQLITE_ERROR, message: "no column \(name) in the result", sql: statement.sql)
        }
        return index
    }

    func rows(arguments: StatementArguments = StatementArguments()) throws -> RowCursor {
        try Row.fetchCursor(statement, arguments: arguments)
    }
}
