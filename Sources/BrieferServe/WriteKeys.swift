import BrieferCore
import Foundation

/// The write keys `briefer serve` accepts, each naming its source (Segment sends a source's write key as the Basic-auth
/// user name, with an empty password). Read from the environment or a file, never from the configuration file, never
/// logged or stored.
public struct WriteKeys: Sendable {
    public struct Key: Sendable {
        public var source: String
        let bytes: [UInt8]
    }

    public let keys: [Key]

    /// `text`: keys separated by commas or new lines, each `key` or `source=key` (blank lines and `#` comments skipped).
    public init(_ text: String) {
        keys = text.split(whereSeparator: { $0 == "," || $0 == "\n" || $0 == "\r" }).compactMap { item in
            let entry = item.trimmingCharacters(in: .whitespaces)
            guard !entry.isEmpty, !entry.hasPrefix("#") else { return nil }
            if let equals = entry.firstIndex(of: "=") {
                let key = entry[entry.index(after: equals)...].trimmingCharacters(in: .whitespaces)
                return key.isEmpty
                    ? nil : Key(source: String(entry[..<equals]).trimmingCharacters(in: .whitespaces), bytes: Array(key.utf8))
            }
            return Key(source: "segment", bytes: Array(entry.utf8))
        }
    }

    /// The source whose key an `Authorization` header carries (`Basic base64(key:)`), nil when none matches. Every key
    /// is compared, each in time independent of where it differs.
    public func source(authorization: String?) -> String? {
        guard let authorization, authorization.lowercased().hasPrefix("basic "),
            let decoded = Data(base64Encoded: String(authorization.dropFirst(6)).trimmingCharacters(in: .whitespaces))
        else { return nil }
        let user = Array(decoded.prefix { $0 != UInt8(ascii: ":") })
        var found: String?
        for key in keys where HMAC.constantTimeEqual(key.bytes, user) && found == nil { found = key.source }
        return found
    }
}
