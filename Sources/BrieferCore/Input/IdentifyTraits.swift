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

/// What a user's identify calls say, field by field: each field is the latest call's that gives it (at the same
/// millisecond the greater value), so a later call without an email keeps the earlier email, and the outcome does not
/// depend on the order calls arrive in. Ingest folds a batch's calls so, the store merges them into what it holds so,
/// and a backtest folds the calls made by its time so.
public struct IdentifyFields: Sendable, Equatable {
    public struct Field<Value: Comparable & Sendable>: Sendable, Equatable where Value: Equatable {
        public var ms: Int64
        public var value: Value
        public init(ms: Int64, value: Value) { self.ms = ms; self.value = value }
        func isLater(than other: Field?) -> Bool { other.map { (ms, value) > ($0.ms, $0.value) } ?? true }
    }

    public var email: Field<String>?
    public var title: Field<String>?
    public var created: Field<Int64>?
    /// The latest identify call's time.
    public var ms: Int64?

    public init(email: Field<String>? = nil, title: Field<String>? = nil, created: Field<Int64>? = nil, ms: Int64? = nil) {
        self.email = email; self.title = title; self.created = created; self.ms = ms
    }

    /// Folds in one identify call.
    public mutating func add(ms: Int64, _ traits: IdentifyTraits) {
        merge(
            IdentifyFields(
                email: traits.email.map { Field(ms: ms, value: $0) }, title: traits.title.map { Field(ms: ms, value: $0) },
                created: traits.createdAt.map { Field(ms: ms, value: $0.milliseconds) }, ms: ms))
    }

    /// Folds in what other calls said.
    public mutating func merge(_ other: IdentifyFields) {
        if let e = other.email, e.isLater(than: email) { email = e }
        if let t = other.title, t.isLater(than: title) { title = t }
        if let c = other.created, c.isLater(than: created) { created = c }
        if let m = other.ms { ms = max(ms ?? m, m) }
    }
}
