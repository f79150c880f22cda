/// The four sentences a rep reads before a call (SPEC §5): exactly these keys, one sentence each.
public struct Briefing: Sendable, Codable, Equatable {
    public var useCaseHypothesis: String
    public var expansionSignal: String
    public var recommendedOpening: String
    public var riskFactor: String

    public init(useCaseHypothesis: String, expansionSignal: String, recommendedOpening: String, riskFactor: String) {
        self.useCaseHypothesis = useCaseHypothesis; self.expansionSignal = expansionSignal
        self.recommendedOpening = recommendedOpening; self.riskFactor = riskFactor
    }

    /// The JSON keys, in the order the prompt and the CRM use.
    public static let fieldNames = ["use_case_hypothesis", "expansion_signal", "recommended_opening", "risk_factor"]

    /// The fields as (JSON key, text), in ``fieldNames`` order.
    public var fields: [(name: String, text: String)] {
        [
            ("use_case_hypothesis", useCaseHypothesis), ("expansion_signal", expansionSignal),
            ("recommended_opening", recommendedOpening), ("risk_factor", riskFactor),
        ]
    }

    enum CodingKeys: String, CodingKey {
        case useCaseHypothesis = "use_case_hypothesis"
        case expansionSignal = "expansion_signal"
        case recommendedOpening = "recommended_opening"
        case riskFactor = "risk_factor"
    }
}

/// Where a stored briefing came from.
public enum BriefingSource: String, Sendable, Codable {
    /// The model's answer, valid (first time or after repair).
    case llm
    /// The deterministic fallback built from the reason codes, after the model's attempts failed.
    case rules
}

/// One rule a model's answer breaks (SPEC §5 validation): each has its own code.
public enum BriefingErrorCode: String, Sendable, Codable, CaseIterable, Comparable {
    /// The content is not a JSON object (or not JSON at all).
    case notJSON = "not_json"
    /// One of the four keys is absent.
    case missingField = "missing_field"
    /// A key other than the four.
    case extraField = "extra_field"
    /// A field whose value is not a string.
    case nonStringField = "non_string_field"
    /// A field that is empty or only whitespace, or shorter than the minimum length.
    case emptyField = "empty_field"
    /// A field with more than one sentence.
    case multipleSentences = "multiple_sentences"
    /// A field over the length cap.
    case tooLong = "too_long"
    /// Two fields that make the same point (the same words, or the same facts in other words).
    case duplicateFields = "duplicate_fields"
    /// A configured generic phrase ("touch base", …).
    case genericPhrase = "generic_phrase"
    /// Names a feature, integration, limit or tool that is not in the account's input.
    case ungroundedTerm = "ungrounded_term"
    /// States a number (digits, or a number word) that does not follow from the input.
    case ungroundedNumber = "ungrounded_number"
    /// A claim or quantifier that contradicts the input's counts or lists ("active on most days" with 1
    /// active day, "no integrations" with two connected).
    case contradictsInput = "contradicts_input"
    /// Mentions no concrete fact from the input at all.
    case noConcreteFact = "no_concrete_fact"
    /// Personal data (an email address, a phone number) that is not in the input.
    case personalData = "personal_data"
    /// Repeats instructions planted in the data (a prompt injection echoed back), or talks about its prompt.
    case instructionEcho = "instruction_echo"
    /// The answer was cut off (`finish_reason: length`).
    case truncated
    /// The model refused (a `refusal` field, `finish_reason: content_filter`, or a refusal sentence).
    case refusal

    public static func < (a: Self, b: Self) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// One failure of one answer: its code, the field it concerns (if any) and what was wrong, in words
/// a prompt author and the model (in a repair request) can act on.
public struct BriefingError: Sendable, Codable, Equatable, CustomStringConvertible {
    public var code: BriefingErrorCode
    public var field: String?
    public var detail: String
    public init(_ code: BriefingErrorCode, field: String? = nil, _ detail: String) {
        self.code = code; self.field = field; self.detail = detail
    }
    public var description: String { field.map { "\(code.rawValue) (\($0)): \(detail)" } ?? "\(code.rawValue): \(detail)" }
}
