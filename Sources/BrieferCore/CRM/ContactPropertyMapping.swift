/// What an account's latest briefing contributes to its contacts' properties.
public struct SyncedBriefing: Sendable, Equatable {
    public var briefing: Briefing
    public var source: BriefingSource
    public var promptVersion: String
    /// The as-of time of the scoring run it was written for.
    public var asOf: Timestamp?
    public init(briefing: Briefing, source: BriefingSource, promptVersion: String, asOf: Timestamp? = nil) {
        self.briefing = briefing; self.source = source; self.promptVersion = promptVersion; self.asOf = asOf
    }
}

/// An account's score, tier, reasons and briefing as one contact's CRM properties (SPEC §6), every value
/// a string in HubSpot's encoding, names from the configuration.
public struct ContactPropertyMapping: Sendable {
    public let names: [CRMProperty: String]

    public init(_ configuration: BrieferConfiguration.CRM = .init()) {
        var names = Dictionary(uniqueKeysWithValues: CRMProperty.allCases.map { ($0, $0.rawValue) })
        for override in configuration.propertyNames {
            if let property = CRMProperty(rawValue: override.property) { names[property] = override.name }
        }
        self.names = names
    }

    /// The properties of one contact of `account`, in ``CRMProperty`` order.
    ///
    /// The component scores are those of the run's model. Briefing properties come only with a briefing:
    /// an account that is not hot (or dropped out of hot) gets its score and tier, and its contacts keep
    /// the last briefing they were sent. `becameHotAt` is sent when the account has been hot.
    public func properties(
        account: AccountScore, model: BrieferConfiguration.ScoringModel, contactScore: Int?,
        briefing: SyncedBriefing?, becameHotAt: Timestamp?, calculatedAt: Timestamp
    ) -> [(name: String, value: String)] {
        var values: [CRMProperty: String] = [
            .score: CRMValue.number(account.score),
            .tier: account.tier.rawValue,
            .reasonCodes: CRMValue.text(ReasonCode.joined(account.reasons)),
            .lastCalculated: CRMValue.datetime(calculatedAt),
        ]
        let components: [CRMProperty: Int] = [
            .activationScore: account.activation, .engagementScore: account.engagement, .firmographicScore: account.firmographic,
            .fitScore: account.fit, .behaviorScore: account.behaviour,
        ]
        for property in CRMProperty.components(of: model) { values[property] = CRMValue.number(components[property] ?? 0) }
        if let contactScore { values[.contactScore] = CRMValue.number(contactScore) }
        if let briefing {
            let b = briefing.briefing
            values[.useCase] = CRMValue.text(b.useCaseHypothesis)
            values[.expansionSignal] = CRMValue.text(b.expansionSignal)
            values[.recommendedOpening] = CRMValue.text(b.recommendedOpening)
            values[.riskFactor] = CRMValue.text(b.riskFactor)
            values[.briefingSource] = briefing.source.rawValue
            values[.promptVersion] = CRMValue.text(briefing.promptVersion)
        }
        if let becameHotAt { values[.becameHotAt] = CRMValue.datetime(becameHotAt) }
        return CRMProperty.allCases.compactMap { property in values[property].map { (names[property]!, $0) } }
    }
}
