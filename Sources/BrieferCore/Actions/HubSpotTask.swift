/// The HubSpot task a newly-hot account gets (SPEC §6.1): one `batch/create` input, due by the configured SLA, its body the
/// briefing and the reasons, assigned to the account's owner, associated with its best contact and its company, and
/// carrying the transition's key twice: as its `objectWriteTraceId` (so that an answer names it) and as the last line of
/// its body (so that a search finds it after an unknown outcome: HubSpot has no unique property on tasks).
public enum HubSpotTask {
    public static let createPath = "/crm/v3/objects/tasks/batch/create"
    public static let searchPath = "/crm/v3/objects/tasks/search"
    /// HubSpot-defined association types: task to contact, task to company.
    public static let toContact = 204
    public static let toCompany = 192
    /// The most inputs a `batch/create` may carry.
    public static let maxBatch = 100
    /// HubSpot's search takes at most 5 filter groups (ORed): one key each.
    public static let keysPerSearch = 5
    /// The body's last line, before the key.
    public static let keyLabel = "Briefer key: "

    /// The task's properties, in the order HubSpot's documentation lists them.
    public static func properties(_ c: ActionContent, settings: BrieferConfiguration.Tasks) -> [(name: String, value: String)] {
        var body: [String] = ["\(c.account) became hot at \(c.becameHot.iso8601) with a PQL score of \(c.score)."]
        if let b = c.briefing {
            body += [
                "Use case: \(b.useCaseHypothesis)", "Expansion signal: \(b.expansionSignal)", "Opening: \(b.recommendedOpening)",
                "Risk: \(b.riskFactor)",
            ]
        }
        if !c.reasons.isEmpty { body.append("Reasons: " + ReasonCode.joined(c.reasons)) }
        body.append(keyLabel + c.key)
        var properties: [(name: String, value: String)] = [
            ("hs_timestamp", c.becameHot.adding(hours: Int64(settings.slaHours)).iso8601),
            ("hs_task_subject", "Hot account: \(c.account) (PQL \(c.score))"),
            ("hs_task_body", body.joined(separator: "\n")),
            ("hs_task_status", "NOT_STARTED"),
            ("hs_task_priority", settings.priority),
            ("hs_task_type", settings.type),
        ]
        if let owner = c.ownerId { properties.append(("hubspot_owner_id", owner)) }
        return properties
    }

    /// One input of a `batch/create` request. In files, where record ids are not known, `contactRecordId` may be the
    /// contact's email and `companyRecordId` the account's domain (the manifest says to resolve them first).
    public static func input(_ c: ActionContent, settings: BrieferConfiguration.Tasks) -> JSONValue {
        func association(_ id: String, _ type: Int) -> JSONValue {
            .object([
                ("to", .object([("id", .string(id))])),
                (
                    "types",
                    .array([
                        .object([("associationCategory", .string("HUBSPOT_DEFINED")), ("associationTypeId", .number(String(type)))])
                    ])
                ),
            ])
        }
        var associations: [JSONValue] = []
        if let contact = c.contactRecordId { associations.append(association(contact, toContact)) }
        if let company = c.companyRecordId { associations.append(association(company, toCompany)) }
        return .object([
            ("properties", .object(properties(c, settings: settings).map { ($0.name, .string($0.value)) })),
            ("associations", .array(associations)),
            ("objectWriteTraceId", .string(c.key)),
        ])
    }

    /// A `batch/create` body.
    public static func createBody(_ inputs: [JSONValue]) -> JSONValue { .object([("inputs", .array(inputs))]) }

    /// A search for the tasks carrying these keys (at most ``keysPerSearch``): one filter group per key, the key a
    /// token of `hs_task_body`.
    public static func searchBody(keys: [String]) -> JSONValue {
        .object([
            (
                "filterGroups",
                .array(
                    keys.map { key in
                        .object([
                            (
                                "filters",
                                .array([
                                    .object([
                                        ("propertyName", .string("hs_task_body")), ("operator", .string("CONTAINS_TOKEN")),
                                        ("value", .string(key)),
                                    ])
                                ])
                            )
                        ])
                    })
            ),
            ("properties", .array([.string("hs_task_body")])),
            ("limit", .number("100")),
        ])
    }

    /// Which of `keys` a search answer's tasks carry (a body holding the key: the search matched it as a token, whatever a
    /// rep or HubSpot did to the rest of the body), by key; nil when the answer is not a search answer (then nothing may
    /// be taken as not found).
    public static func found(keys: [String], in answer: JSONValue?) -> [String: String]? {
        guard case let .array(results)? = answer?["results"] else { return nil }
        var ids: [String: String] = [:]
        for result in results {
            guard let id = result["id"]?.stringValue ?? result["id"]?.integerValue.map(String.init),
                let body = result["properties"]?["hs_task_body"]?.stringValue
            else { continue }
            for key in keys where body.contains(key) && ids[key] == nil { ids[key] = id }
        }
        return ids
    }

    /// The same input without its associations (a contact merged or deleted since refuses the whole create).
    public static func withoutAssociations(_ input: JSONValue) -> JSONValue {
        guard case let .object(members) = input else { return input }
        return .object(members.map { $0.key == "associations" ? ($0.key, .array([])) : $0 })
    }

    /// The key a found task carries (its body's last line), if any.
    public static func key(inBody body: String) -> String? {
        guard let line = body.split(separator: "\n").last, line.hasPrefix(keyLabel) else { return nil }
        return String(line.dropFirst(keyLabel.count))
    }
}
