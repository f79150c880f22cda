/// A parsed JSON value. Objects keep their members in document order.
///
/// Briefer parses event lines itself (rather than through `JSONDecoder`) so that it can tell
/// a wrong type from a missing field, keep numbers exactly as written, and stay fast enough
/// to ingest a million lines in seconds.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// A number, kept as its source text so that no precision is lost.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// The member named `key` of an object (the last one, as most parsers do), or nil.
    public subscript(key: String) -> JSONValue? {
        guard case let .object(members) = self else { return nil }
        for member in members.reversed() where member.key == key { return member.value }
        return nil
    }

    public var stringValue: String? {
        if case let .string(s) = self { return s }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The value as an integer when it is a number without a fraction (or a numeric string).
    public var integerValue: Int64? {
        switch self {
        case let .number(text):
            if let v = Int64(text) { return v }
            if let d = Double(text), d.rounded() == d, abs(d) < 9.0e15 { return Int64(d) }
            return nil
        case let .string(text):
            return Int64(text.trimmingCharacters(in: " "))
        default:
            return nil
        }
    }

    /// Canonical text: object keys sorted, no insignificant whitespace, numbers as written.
    /// Two lines with the same content have the same canonical text, whatever their key order.
    public var canonicalText: String {
        var out = ""
        writeCanonical(into: &out)
        return out
    }

    private func writeCanonical(into out: inout String) {
        switch self {
        case .null: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .number(n): out += n
        case let .string(s): JSONValue.writeQuoted(s, into: &out)
        case let .array(items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.writeCanonical(into: &out)
            }
            out += "]"
        case let .object(members):
            out += "{"
            // A key given twice: its last value.
            var unique: [(key: String, value: JSONValue)] = []
            if members.count <= 16 {
                for (i, member) in members.enumerated() where !members[(i + 1)...].contains(where: { $0.key == member.key }) {
                    unique.append(member)
                }
            } else {
                var seen = Set<String>()
                for member in members.reversed() where seen.insert(member.key).inserted { unique.append(member) }
            }
            for (i, member) in unique.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }).enumerated() {
                if i > 0 { out += "," }
                JSONValue.writeQuoted(member.key, into: &out)
                out += ":"
                member.value.writeCanonical(into: &out)
            }
            out += "}"
        }
    }

    /// Compact JSON text with object members in their given order.
    public var compactText: String {
        switch self {
        case let .array(items): return "[" + items.map(\.compactText).joined(separator: ",") + "]"
        case let .object(members):
            return "{"
                + members.map { member in
                    var key = ""
                    JSONValue.writeQuoted(member.key, into: &key)
                    return key + ":" + member.value.compactText
                }.joined(separator: ",") + "}"
        default: return canonicalText
        }
    }

    /// Appends `s` as a JSON string literal.
    public static func writeQuoted(_ s: String, into out: inout String) {
        out += "\""
        // Most text needs no escape: appended whole.
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            out += s
            out += "\""
            return
        }
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}

private extension String {
    func trimmingCharacters(in set: Character) -> Substring {
        var s = self[...]
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return s
    }
}

private extension Int64 {
    init?(_ text: Substring) { self.init(String(text)) }
}
