import BrieferCore
import Foundation

/// Machine-readable output (SPEC §1): snake_case keys, ISO-8601 UTC times, a `schema_version`.
public enum JSONOutput {
    public static let schemaVersion = 1

    public static func render(_ object: [String: Any]) -> String {
        var wrapped = object
        wrapped["schema_version"] = schemaVersion
        let data = try! JSONSerialization.data(withJSONObject: wrapped, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    /// `value` indented for reading, members in their given order.
    public static func pretty(_ value: JSONValue, indent: String = "") -> String {
        let inner = indent + "  "
        switch value {
        case let .array(items) where !items.isEmpty:
            return "[\n" + items.map { inner + pretty($0, indent: inner) }.joined(separator: ",\n") + "\n\(indent)]"
        case let .object(members) where !members.isEmpty:
            return "{\n"
                + members.map { member -> String in
                    var key = ""
                    JSONValue.writeQuoted(member.key, into: &key)
                    return inner + key + ": " + pretty(member.value, indent: inner)
                }.joined(separator: ",\n") + "\n\(indent)}"
        default:
            return value.canonicalText
        }
    }
}
