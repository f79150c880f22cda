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
}
