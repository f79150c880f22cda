/// The HubSpot task a newly-hot account gets (SPEC §6.1): one `batch/create` input, due by the configured SLA, its body the
/// briefing and the reasons, assigned to the account's owner, associated with its best contact and its company, and
/// carrying the transition's key as its `objectWriteTraceId` (so that an answer names it, and a search finds it after an
/// unknown outcome).
public enum HubSpotTask {
    public static let createPath = "/crm/v3/objects/tasks/batch/create"
    /// HubSpot-defined association types: task to contact, task to company.
    public static let toContact = 204
    public static let toCompany = 192

    /// What a task says and where it goes.
    public struct Content: Sendable, Equatable {
        /// The transition's stable key (account and the time it became hot).
        public var key: String
        public var account: String
        public var score: Int
        public var becameHot: Timestamp
        public var reasons: [ReasonCode]
        /// Nil while no briefing is ready (the rules' briefing is used once the wait is over).
        public var briefing: Briefing?
        public var ownerId: String?
        public var contactRecordId: String?
        public var companyRecordId: String?

        public init(
            key: String, account: String, score: Int, becameHot: Timestamp, reasons: [ReasonCode], briefing: Briefing?,
            ownerId: String?, contactRecordId: String?, companyRecordId: String?
        ) {
            (self.key, self.account, self.score, self.becameHot, self.reasons, self.briefing) = (
                key, account, score, becameHot, reasons, briefing
            )
            (self.ownerId, self.contactRecordId, self.companyRecordId) = (ownerId, contactRecordId, companyRecordId)
        }
    }

    /// The stable key of an account's transition to hot: the same on every rerun, another for a later transition.
    public static func key(account: String, becameHot: Timestamp) -> String {
        "briefer-task-" + StableHash.hex(account + "|" + becameHot.iso8601).prefix(24)
    }

    /// The task's properties, in the order HubSpot's documentation lists them.
    public static func properties(_ c: Content, settings: BrieferConfiguration.Tasks) -> [(name: String, value: String)] {
        var body: [String] = ["\(c.account) became hot at \(c.becameHot.iso8601) with a PQL score of \(c.score)."]
        if let b = c.briefing {
            body += [
                "Use case: \(b.useCaseHypothesis)", "Expansion signal: \(b.expansionSignal)", "Opening: \(b.recommendedOpening)",
                "Risk: \(b.riskFactor)",
            ]
        }
        if !c.reasons.isEmpty { body.append("Reasons: " + ReasonCode.joined(c.reasons)) }
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

    /// One input of a `batch/create` request.
    public static func input(_ c: Content, settings: BrieferConfiguration.Tasks) -> JSONValue {
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
}
