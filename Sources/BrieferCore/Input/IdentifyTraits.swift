/// What an `identify` call's traits say about a user: read the same way at ingest and when a
/// backtest reads the calls made by its as-of time.
public struct IdentifyTraits: Sendable, Equatable {
    public var email: String?
    public var title: String?
    /// `createdAt` (or `created_at`): the signup time when the users CSV has none.
    public var createdAt: Timestamp?
    /// `company.id`, else `company.domain`, else `company.website`: a group hint.
    public var companyHint: String?

    public init(_ traits: JSONValue) {
        email = traits["email"]?.stringValue?.trimmedWhitespace.lowercased()
        title = traits["title"]?.stringValue
        createdAt = (traits["createdAt"] ?? traits["created_at"])?.stringValue.flatMap(Timestamp.parse)?.timestamp
        let company = traits["company"]
        companyHint = company?["id"]?.stringValue ?? company?["domain"]?.stringValue ?? company?["website"]?.stringValue
    }
}
