/// Why a line or row was refused. Each is stored with the file, line number and raw text.
public enum QuarantineReason: String, Sendable, Codable, CaseIterable, Comparable {
    case malformedJSON = "malformed_json"
    case invalidUTF8 = "invalid_utf8"
    case oversizedLine = "oversized_line"
    case missingUserId = "missing_user_id"
    case missingEventName = "missing_event_name"
    case missingGroupId = "missing_group_id"
    case missingField = "missing_field"
    case badTimestamp = "bad_timestamp"
    case futureTimestamp = "future_timestamp"
    case wrongType = "wrong_type"
    case unsupportedType = "unsupported_type"
    case unknownShape = "unknown_shape"
    case wrongColumnCount = "wrong_column_count"
    case badNumber = "bad_number"
    case unterminatedQuote = "unterminated_quote"
    /// A warehouse output row whose key was already read (`briefer import-scores`).
    case duplicateRow = "duplicate_row"
    /// A warehouse output row naming a user or account the scores do not have.
    case missingReference = "missing_reference"

    public static func < (lhs: QuarantineReason, rhs: QuarantineReason) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A refused line: the reason and a human detail (which field, what was found).
public struct Rejection: Error, Sendable, Equatable {
    public var reason: QuarantineReason
    public var detail: String
    public init(_ reason: QuarantineReason, _ detail: String) { self.reason = reason; self.detail = detail }
}
