import Foundation

/// The SQL engines `briefer sql` writes for (SPEC §10), and what differs between them. Everything the scoring
/// script needs beyond standard SQL goes through here, so the script itself is written once.
public enum SQLDialect: String, Sendable, CaseIterable, Codable {
    case duckdb, postgres, spark, bigquery, snowflake

    /// A string literal. Spark, BigQuery and Snowflake read backslashes in literals as escapes; DuckDB and PostgreSQL
    /// take them as they are. A quote is doubled, except in BigQuery, which takes only `\'`.
    func literal(_ text: String) -> String {
        var escaped = text
        if backslashEscapes { escaped = escaped.replacingOccurrences(of: "\\", with: "\\\\") }
        escaped = escaped.replacingOccurrences(of: "'", with: self == .bigquery ? "\\'" : "''")
        return "'" + escaped + "'"
    }

    private var backslashEscapes: Bool { self == .spark || self == .bigquery || self == .snowflake }

    /// Milliseconds since the epoch (UTC) of a TIMESTAMP column, floored.
    func epochMilliseconds(_ ts: String) -> String {
        switch self {
        case .duckdb: return "epoch_ms(\(ts))"
        case .postgres: return "CAST(FLOOR(EXTRACT(EPOCH FROM \(ts)) * 1000) AS BIGINT)"
        case .spark: return "unix_millis(\(ts))"
        case .bigquery: return "UNIX_MILLIS(\(ts))"
        case .snowflake: return "DATE_PART(EPOCH_MILLISECOND, \(ts))"
        }
    }

    /// The current time in milliseconds since the epoch (the as-of time when none is given).
    var nowMilliseconds: String { epochMilliseconds("CURRENT_TIMESTAMP") }

    /// `a / b` for a non-negative `a` and a positive `b`, as an integer (`/` gives a double in Spark and BigQuery and a
    /// decimal in Snowflake).
    func divide(_ a: String, _ b: String) -> String {
        switch self {
        case .duckdb: return "((\(a)) // (\(b)))"
        case .postgres: return "((\(a)) / (\(b)))"
        case .spark: return "((\(a)) div (\(b)))"
        case .bigquery: return "DIV((\(a)), (\(b)))"
        case .snowflake: return "CAST(FLOOR((\(a)) / (\(b))) AS BIGINT)"
        }
    }

    /// An integer as text.
    func text(_ value: String) -> String {
        switch self {
        case .duckdb, .postgres: return "CAST(\(value) AS VARCHAR)"
        case .spark, .bigquery: return "CAST(\(value) AS STRING)"
        case .snowflake: return "CAST(\(value) AS VARCHAR)"
        }
    }

    /// A set union without duplicates (BigQuery needs the DISTINCT spelled out).
    var union: String { self == .bigquery ? "UNION DISTINCT" : "UNION" }

    var bigint: String { self == .bigquery ? "INT64" : "BIGINT" }
    var string: String {
        switch self {
        case .duckdb, .postgres, .snowflake: return "VARCHAR"
        case .spark, .bigquery: return "STRING"
        }
    }

    /// Whether all of `value` matches `pattern` (a regular expression without backslashes: POSIX, RE2 and Java read
    /// bracket expressions alike).
    func matches(_ value: String, _ pattern: String) -> String {
        let anchored = literal("^" + pattern + "$")
        switch self {
        case .duckdb: return "regexp_matches(\(value), \(anchored))"
        case .postgres: return "(\(value) ~ \(anchored))"
        case .spark: return "(\(value) RLIKE \(anchored))"
        case .bigquery: return "REGEXP_CONTAINS(\(value), \(anchored))"
        case .snowflake: return "REGEXP_LIKE(\(value), \(literal(pattern)))"
        }
    }

    /// `value` with every match of `pattern` replaced (DuckDB and PostgreSQL replace the first one unless told `g`).
    func replace(_ value: String, _ pattern: String, _ replacement: String) -> String {
        switch self {
        case .duckdb, .postgres: return "REGEXP_REPLACE(\(value), \(literal(pattern)), \(literal(replacement)), 'g')"
        case .spark, .bigquery, .snowflake: return "REGEXP_REPLACE(\(value), \(literal(pattern)), \(literal(replacement)))"
        }
    }

    /// The text after the last `@` of an email, or NULL (empty when there is none, in some engines).
    func afterLastAt(_ email: String) -> String {
        switch self {
        case .duckdb, .spark: return "regexp_extract(\(email), '@([^@]*)$', 1)"
        case .postgres: return "substring(\(email) from '@([^@]*)$')"
        case .bigquery: return "REGEXP_EXTRACT(\(email), '@([^@]*)$')"
        case .snowflake: return "REGEXP_SUBSTR(\(email), '@([^@]*)$', 1, 1, 'e', 1)"
        }
    }

    /// Whether `haystack` contains `needle` (no pattern characters: tool names may hold `_`).
    func contains(_ haystack: String, _ needle: String) -> String {
        switch self {
        case .duckdb: return "contains(\(haystack), \(needle))"
        case .postgres: return "(strpos(\(haystack), \(needle)) > 0)"
        case .spark: return "(instr(\(haystack), \(needle)) > 0)"
        case .bigquery: return "(STRPOS(\(haystack), \(needle)) > 0)"
        case .snowflake: return "CONTAINS(\(haystack), \(needle))"
        }
    }

    /// The first `count` characters of `value`.
    func prefix(_ value: String, _ count: Int) -> String { "SUBSTR(\(value), 1, \(count))" }

    /// Which JSON values a read takes.
    enum JSONKind { case scalar, string, number }

    /// A top-level key of a JSON column as text: a string as it is, a number as written, `true` / `false`; NULL for
    /// an object, an array, null or no such key (as Briefer reads an event property). `kind` narrows it to strings or
    /// numbers where the engine can tell them apart (DuckDB, PostgreSQL; the README says what the others do).
    func jsonScalar(_ column: String, _ key: String, _ kind: JSONKind = .scalar) -> String {
        let path = jsonPath(key)
        switch self {
        case .duckdb:
            let types = jsonTypes(kind, string: ["VARCHAR"], number: ["BIGINT", "UBIGINT", "DOUBLE"], boolean: ["BOOLEAN"])
            return "CASE WHEN json_type(\(column), \(path)) IN \(types) THEN json_extract_string(\(column), \(path)) END"
        case .postgres:
            let k = literal(key)
            let types = jsonTypes(kind, string: ["string"], number: ["number"], boolean: ["boolean"])
            return "CASE WHEN json_typeof(CAST(\(column) AS JSON) -> \(k)) IN \(types) THEN CAST(\(column) AS JSON) ->> \(k) END"
        case .spark:
            // get_json_object gives an object or array as its JSON text: those start with a bracket, which a value
            // Briefer reads could too (a string such as "[beta]"); the difference is written down in the README.
            let v = "get_json_object(\(column), \(path))"
            return "CASE WHEN SUBSTR(\(v), 1, 1) NOT IN ('{', '[') THEN \(v) END"
        case .bigquery:
            return "JSON_VALUE(\(column), \(path))"
        case .snowflake:
            // JSON text (VARCHAR, or a VARIANT cast to its text); an object or array comes back as its text, as in Spark.
            let v = "JSON_EXTRACT_PATH_TEXT(CAST(\(column) AS VARCHAR), \(literal(jsonPathKey(key))))"
            return "CASE WHEN SUBSTR(\(v), 1, 1) NOT IN ('{', '[') THEN \(v) END"
        }
    }

    /// The engine's names of the JSON types a read of `kind` takes, as an SQL list.
    private func jsonTypes(_ kind: JSONKind, string: [String], number: [String], boolean: [String]) -> String {
        let names: [String]
        switch kind {
        case .scalar: names = string + number + boolean
        case .string: names = string
        case .number: names = number
        }
        return "(" + names.map(literal).joined(separator: ", ") + ")"
    }

    /// Whether a JSON column has `key`, null or not (a present null key stops Briefer's fallback to the next name).
    func jsonHas(_ column: String, _ key: String) -> String {
        let path = jsonPath(key)
        switch self {
        case .duckdb: return "(json_type(\(column), \(path)) IS NOT NULL)"
        case .postgres: return "((CAST(\(column) AS JSON) -> \(literal(key))) IS NOT NULL)"
        case .spark: return "COALESCE(array_contains(json_object_keys(\(column)), \(literal(key))), FALSE)"
        case .bigquery: return "(JSON_QUERY(\(column), \(path)) IS NOT NULL)"
        // JSON_EXTRACT_PATH_TEXT cannot tell a null value from a missing key: the next name is read then (README).
        case .snowflake: return "(JSON_EXTRACT_PATH_TEXT(CAST(\(column) AS VARCHAR), \(literal(jsonPathKey(key)))) IS NOT NULL)"
        }
    }

    /// A top-level key in the engine's JSON path syntax (after `$.` in DuckDB and BigQuery; Spark's brackets take any
    /// key; Snowflake's paths have no `$.`).
    private func jsonPathKey(_ key: String) -> String {
        if key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) { return key }
        return self == .spark ? "['" + key + "']" : "\"" + key + "\""
    }

    private func jsonPath(_ key: String) -> String {
        let k = jsonPathKey(key)
        return literal(k.hasPrefix("[") ? "$" + k : "$." + k)
    }

    /// The texts of a group joined by `separator` in the order of `rank` (an integer), '' for none.
    func orderedJoin(_ text: String, rank: String, separator: String) -> String {
        let sep = literal(separator)
        switch self {
        case .duckdb, .postgres: return "COALESCE(STRING_AGG(\(text), \(sep) ORDER BY \(rank)), '')"
        case .spark:
            return "COALESCE(array_join(transform(array_sort(collect_list(struct(\(rank) AS r, \(text) AS t))), x -> x.t), \(sep)), '')"
        case .bigquery: return "COALESCE(STRING_AGG(\(text), \(sep) ORDER BY \(rank)), '')"
        case .snowflake: return "COALESCE(LISTAGG(\(text), \(sep)) WITHIN GROUP (ORDER BY \(rank)), '')"
        }
    }

    /// A text sort key that orders by code point (UTF-8 byte order), as Briefer does: PostgreSQL sorts by the
    /// database's locale unless told otherwise.
    func binary(_ expression: String) -> String {
        self == .postgres ? "\(expression) COLLATE \"C\"" : expression
    }

    /// Replaces a table with the rows of a query.
    func createTable(_ name: String, _ query: String) -> String {
        switch self {
        case .duckdb, .bigquery, .snowflake: return "CREATE OR REPLACE TABLE \(name) AS\n\(query);"
        case .postgres: return "DROP TABLE IF EXISTS \(name);\nCREATE TABLE \(name) AS\n\(query);"
        case .spark: return "DROP TABLE IF EXISTS \(name);\nCREATE TABLE \(name) USING parquet AS\n\(query);"
        }
    }

    /// The characters Briefer's reason codes turn into `_` (SPEC §3.3): `;`, `:`, control characters and Unicode
    /// white space, as one text value (control characters written by code point, never raw in the script).
    func reasonSeparators() -> String {
        characters(
            [0x3B, 0x3A] + Array(1...0x20) + Array(0x7F...0xA0) + [0x1680] + Array(0x2000...0x200A) + [
                0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
            ])
    }

    /// Unicode's White_Space characters (what Swift's `Character.isWhitespace` and Briefer's trimming go by).
    static let whitespace: [UInt32] =
        Array(0x09...0x0D) + [0x20, 0x85, 0xA0, 0x1680] + Array(0x2000...0x200A) + [0x2028, 0x2029, 0x202F, 0x205F, 0x3000]

    /// Text of these code points: `\u` escapes in Spark's and BigQuery's literals (Spark's CHR wraps above 255,
    /// BigQuery has none), CHR elsewhere.
    func characters(_ codePoints: [UInt32]) -> String {
        switch self {
        case .bigquery, .spark:
            return "'"
                + codePoints.map { "\\u" + String(repeating: "0", count: 4 - String($0, radix: 16).count) + String($0, radix: 16) }.joined()
                + "'"
        default: return codePoints.map { "CHR(\($0))" }.joined(separator: " || ")
        }
    }

    /// `trimmedWhitespace`: Unicode white space off both ends (SQL's TRIM takes spaces only). Visible ASCII at both ends
    /// needs no pattern, as in Swift.
    func trimmed(_ x: String) -> String {
        let ws = characters(Self.whitespace)
        let regex = "REGEXP_REPLACE(REGEXP_REPLACE(\(x), '^[' || \(ws) || ']+', ''), '[' || \(ws) || ']+$', '')"
        let visible = { (c: String) in "\(binary(c)) BETWEEN '!' AND '~'" }
        return "CASE WHEN \(visible("SUBSTR(\(x), 1, 1)")) AND \(visible("RIGHT(\(x), 1)")) THEN \(x) ELSE \(regex) END"
    }

    static let reasonSeparatorCount = 2 + 0x20 + (0xA0 - 0x7F + 1) + 1 + 11 + 5
}

extension SQLDialect {
    /// The remainder of an integer division (sign of the dividend, as `%` in every engine).
    func mod(_ a: String, _ b: String) -> String {
        self == .duckdb ? "((\(a)) % (\(b)))" : "MOD(\(a), \(b))"
    }
}
