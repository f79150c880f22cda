/// The contact properties Briefer writes to the CRM (SPEC §6), in the order they are listed.
///
/// Each has a default name (configurable, `crm.property_names`), a HubSpot type and field type, a label
/// and a description for the property definitions `briefer crm properties` emits.
public enum CRMProperty: String, Sendable, CaseIterable, Codable {
    case score = "pql_score"
    case tier = "pql_tier"
    case activationScore = "pql_activation_score"
    case engagementScore = "pql_engagement_score"
    case firmographicScore = "pql_firmographic_score"
    case fitScore = "pql_fit_score"
    case behaviorScore = "pql_behavior_score"
    case contactScore = "pql_contact_score"
    case reasonCodes = "pql_reason_codes"
    case useCase = "pql_use_case"
    case expansionSignal = "pql_expansion_signal"
    case recommendedOpening = "pql_recommended_opening"
    case riskFactor = "pql_risk_factor"
    case briefingSource = "pql_briefing_source"
    case promptVersion = "pql_prompt_version"
    case becameHotAt = "pql_became_hot_at"
    case lastCalculated = "pql_last_calculated"

    /// How a value is encoded: every value is a string in HubSpot's encoding.
    public enum Kind: Sendable, Equatable {
        case number, text, longText, datetime, tier
    }

    public var kind: Kind {
        switch self {
        case .score, .activationScore, .engagementScore, .firmographicScore, .fitScore, .behaviorScore, .contactScore: return .number
        case .tier: return .tier
        case .reasonCodes, .useCase, .expansionSignal, .recommendedOpening, .riskFactor: return .longText
        case .briefingSource, .promptVersion: return .text
        case .becameHotAt, .lastCalculated: return .datetime
        }
    }

    /// HubSpot's `type` and `fieldType` for the property definition.
    public var hubSpotType: (type: String, fieldType: String) {
        switch kind {
        case .number: return ("number", "number")
        case .tier: return ("enumeration", "select")
        case .longText: return ("string", "textarea")
        case .text: return ("string", "text")
        case .datetime: return ("datetime", "date")
        }
    }

    public var label: String {
        switch self {
        case .score: return "PQL score"
        case .tier: return "PQL tier"
        case .activationScore: return "PQL activation score"
        case .engagementScore: return "PQL engagement score"
        case .firmographicScore: return "PQL firmographic score"
        case .fitScore: return "PQL fit score"
        case .behaviorScore: return "PQL behavior score"
        case .contactScore: return "PQL contact score"
        case .reasonCodes: return "PQL reason codes"
        case .useCase: return "PQL use case hypothesis"
        case .expansionSignal: return "PQL expansion signal"
        case .recommendedOpening: return "PQL recommended opening"
        case .riskFactor: return "PQL risk factor"
        case .briefingSource: return "PQL briefing source"
        case .promptVersion: return "PQL prompt version"
        case .becameHotAt: return "PQL became hot at"
        case .lastCalculated: return "PQL last calculated"
        }
    }

    public var description: String {
        switch self {
        case .score: return "The account's product-qualified-lead score (weighted model 0-100; points model up to its cap)."
        case .tier: return "The account's tier: hot, warm, nurture or monitor."
        case .activationScore: return "Weighted model: the account's activation component (0-100)."
        case .engagementScore: return "Weighted model: the account's engagement component (0-100)."
        case .firmographicScore: return "Weighted model: the account's firmographic component (0-100)."
        case .fitScore: return "Points model: the account's fit score."
        case .behaviorScore: return "Points model: the account's behaviour score."
        case .contactScore: return "This contact's own score."
        case .reasonCodes: return "Why the account scored as it did, most points first (code:detail:+points)."
        case .useCase: return "Briefing: what problem the account is solving with the product."
        case .expansionSignal: return "Briefing: why the account is ready to upgrade."
        case .recommendedOpening: return "Briefing: how to start the conversation."
        case .riskFactor: return "Briefing: what might prevent conversion."
        case .briefingSource: return "Who wrote the briefing: llm (the model, validated) or rules (built from the reason codes)."
        case .promptVersion: return "The prompt version the briefing was written with."
        case .becameHotAt: return "When the account last became hot."
        case .lastCalculated: return "When the score was calculated (the scoring run's time)."
        }
    }

    /// The component properties of one scoring model (the others are not sent).
    public static func components(of model: BrieferConfiguration.ScoringModel) -> [CRMProperty] {
        model == .weighted ? [.activationScore, .engagementScore, .firmographicScore] : [.fitScore, .behaviorScore]
    }

    /// The briefing's properties.
    public static let briefingProperties: [CRMProperty] = [
        .useCase, .expansionSignal, .recommendedOpening, .riskFactor, .briefingSource, .promptVersion,
    ]
}

/// Values in HubSpot's encoding (SPEC §6): every value a string; numbers as decimal strings, datetimes
/// ISO-8601 UTC, dates `YYYY-MM-DD`, text at most 65,536 characters.
public enum CRMValue {
    /// HubSpot's limit on a string property's value, in characters.
    public static let maxTextCharacters = 65_536

    public static func number(_ value: Int) -> String { String(value) }

    public static func datetime(_ time: Timestamp) -> String { time.iso8601 }

    public static func date(_ time: Timestamp) -> String { String(time.iso8601.prefix(10)) }

    /// `text` cut to HubSpot's limit (at a character boundary, ending in `…` when cut). The limit is
    /// counted in UTF-16 code units, as HubSpot's Java side counts characters: never more than the
    /// characters Swift counts, so an emoji-heavy text cannot slip over it.
    public static func text(_ text: String) -> String {
        guard text.utf16.count > maxTextCharacters else { return text }
        var kept = Substring()
        var units = 0
        for character in text {
            let size = character.utf16.count
            if units + size > maxTextCharacters - 1 { break }
            units += size
            kept.append(character)
        }
        return String(kept) + "…"
    }
}
