/// Reps' word on an account (SPEC §6.1): a value of the feedback enumeration set on a contact or a company, and when.
public struct FeedbackEntry: Sendable, Equatable, Codable {
    public enum Object: String, Sendable, Codable { case contact, company }

    public var object: Object
    /// The contact's email, or the company's account domain.
    public var record: String
    public var account: String
    public var value: String
    /// When HubSpot says it was set.
    public var setAt: Timestamp

    public init(object: Object, record: String, account: String, value: String, setAt: Timestamp) {
        (self.object, self.record, self.account, self.value, self.setAt) = (object, record, account, value, setAt)
    }
}

/// Reading feedback back from HubSpot: a `batch/read` by record id asking for the property's history, and its answer.
public enum FeedbackRead {
    public static func path(_ object: FeedbackEntry.Object) -> String {
        object == .contact ? "/crm/v3/objects/contacts/batch/read" : "/crm/v3/objects/companies/batch/read"
    }

    /// `{"properties": [p], "propertiesWithHistory": [p], "inputs": [{"id"}]}` (record ids: no idProperty).
    public static func body(recordIds: [String], property: String) -> JSONValue {
        .object([
            ("properties", .array([.string(property)])), ("propertiesWithHistory", .array([.string(property)])),
            ("inputs", .array(recordIds.map { .object([("id", .string($0))]) })),
        ])
    }

    /// Each record's history of the property, by record id: every value with the time it was set (HubSpot lists it newest
    /// first), a value cleared as "" (it ends the one before). A record without history has none to give: its `updatedAt`
    /// moves with every write, so it is no time of a rep's.
    public static func history(_ answer: JSONValue?, property: String) -> [String: [(value: String, at: Timestamp)]] {
        guard case let .array(results)? = answer?["results"] else { return [:] }
        var out: [String: [(value: String, at: Timestamp)]] = [:]
        for result in results {
            guard let id = result["id"]?.stringValue ?? result["id"]?.integerValue.map(String.init) else { continue }
            var entries: [(value: String, at: Timestamp)] = []
            if case let .array(history)? = result["propertiesWithHistory"]?[property] {
                for h in history {
                    guard let at = h["timestamp"]?.stringValue.flatMap({ Timestamp.parse($0)?.timestamp }) else { continue }
                    entries.append((h["value"]?.stringValue?.trimmedWhitespace ?? "", at))
                }
            }
            // A record's first value is no clear: a history that starts empty says nothing.
            while entries.last?.value == "" { entries.removeLast() }
            out[id] = entries
        }
        return out
    }

    /// An option's label: `not_relevant` → "Not relevant".
    public static func label(_ value: String) -> String {
        let words = value.split(separator: "_").joined(separator: " ")
        return words.prefix(1).uppercased() + words.dropFirst()
    }
}
