/// One expectation of a regression case about the briefing a prompt produced (SPEC §7), in the manner of
/// promptfoo's assertions: a type, the field it looks at (or the whole briefing), a value, a weight.
///
/// Every assertion has a ``label`` that names it in reports and in the committed baseline, so the same
/// assertion is recognised from one run to the next.
public struct RegressionAssertion: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// The enrichment validator finds nothing wrong (every code), except the codes in the set.
        case valid(ignoring: Set<BriefingErrorCode>)
        /// The text contains the value (case-sensitive).
        case contains(String)
        /// The text contains the value, ignoring case.
        case icontains(String)
        /// The text matches the regular expression (Swift `Regex` syntax; `(?i)` for case-insensitive).
        case regex(String)
        /// The text mentions at least one of the terms, compared word by word as the validator compares
        /// names (`report_builder` is mentioned by "report builder" and "Report-Builders").
        case mentionsAny([String])
        /// The text (each field, or the one field) is at most this many characters.
        case maxChars(Int)
        /// No `ungrounded_term`, `ungrounded_number`, `no_concrete_fact` or `personal_data` error.
        case grounded
        /// No `generic_phrase` error.
        case noGeneric
        /// The model's answers for the case took at most this long, all attempts together.
        case maxLatencyMs(Int)
        /// The case's calls cost at most this much (US dollars, from the configured price table).
        case maxCost(Double)
    }

    public var kind: Kind
    /// One of ``Briefing/fieldNames``, or nil for the whole briefing (every field).
    public var field: String?
    /// `not-contains`, `not-icontains`, `not-regex`, `not-mentions-any`: passes when the text does not.
    public var negated: Bool
    public var weight: Double

    public init(_ kind: Kind, field: String? = nil, negated: Bool = false, weight: Double = 1) {
        self.kind = kind; self.field = field; self.negated = negated; self.weight = weight
    }

    /// The codes `grounded` looks for.
    public static let groundingCodes: Set<BriefingErrorCode> = [.ungroundedTerm, .ungroundedNumber, .noConcreteFact, .personalData]

    /// The type names of a case file, negatable ones first.
    public static let negatableTypes = ["contains", "icontains", "regex", "mentions-any"]
    public static let types =
        negatableTypes + negatableTypes.map { "not-" + $0 }
        + ["valid", "max-chars", "grounded", "no-generic", "max-latency-ms", "max-cost"]

    /// The type as written in a case file.
    public var typeName: String {
        let base: String
        switch kind {
        case .valid: base = "valid"
        case .contains: base = "contains"
        case .icontains: base = "icontains"
        case .regex: base = "regex"
        case .mentionsAny: base = "mentions-any"
        case .maxChars: base = "max-chars"
        case .grounded: base = "grounded"
        case .noGeneric: base = "no-generic"
        case .maxLatencyMs: base = "max-latency-ms"
        case .maxCost: base = "max-cost"
        }
        return negated ? "not-" + base : base
    }

    /// A short stable name: type, field and value, e.g. `icontains(expansion_signal) "api_requests"`.
    public var label: String {
        var text = typeName + (field.map { "(\($0))" } ?? "")
        switch kind {
        case let .valid(ignoring) where !ignoring.isEmpty: text += " except " + ignoring.sorted().map(\.rawValue).joined(separator: ",")
        case .valid, .grounded, .noGeneric: break
        case let .contains(value), let .icontains(value), let .regex(value): text += " " + Self.quoted(value)
        case let .mentionsAny(values): text += " [" + values.joined(separator: ", ") + "]"
        case let .maxChars(limit): text += " \(limit)"
        case let .maxLatencyMs(limit): text += " \(limit)"
        case let .maxCost(limit): text += " \(limit)"
        }
        return text
    }

    /// `s` as a JSON string (also a YAML double-quoted scalar).
    public static func quoted(_ s: String) -> String {
        var out = ""
        JSONValue.writeQuoted(s, into: &out)
        return out
    }

    /// Checks that a regex compiles; nil when it does (or the assertion is not a regex), else why not.
    public var problem: String? {
        switch kind {
        case let .regex(pattern):
            do { _ = try Regex(pattern) } catch { return "the regex \(Self.quoted(pattern)) does not compile: \(error)" }
        case let .mentionsAny(values) where values.isEmpty: return "mentions-any needs at least one value"
        case let .mentionsAny(values) where values.contains { BriefingValidator.words(in: $0).isEmpty }:
            return "every mentions-any value needs a letter or a digit (it is compared word by word)"
        case let .maxChars(limit) where limit <= 0: return "max-chars must be positive"
        case let .maxLatencyMs(limit) where limit <= 0: return "max-latency-ms must be positive"
        case let .maxCost(limit) where limit < 0: return "max-cost must not be negative"
        default: break
        }
        if let field, !Briefing.fieldNames.contains(field) {
            return "unknown field '\(field)'; fields: \(Briefing.fieldNames.joined(separator: ", "))"
        }
        if weight < 0 || !weight.isFinite { return "weight must be a non-negative number" }
        return nil
    }
}

/// What the assertions look at: the validation of the model's final answer for a case, and what the
/// case's calls took.
public struct AnswerUnderTest: Sendable, Equatable {
    /// The validator's verdict on the final answer; nil when no answer came (a transport failure).
    public var validation: BriefingValidation?
    public var latencyMs: Int
    public var costUsd: Double
    /// Why no answer came, when none did.
    public var failure: String?

    public init(validation: BriefingValidation?, latencyMs: Int = 0, costUsd: Double = 0, failure: String? = nil) {
        self.validation = validation; self.latencyMs = latencyMs; self.costUsd = costUsd; self.failure = failure
    }
}

/// One assertion's verdict on one answer.
public struct AssertionResult: Sendable, Equatable {
    public var label: String
    public var weight: Double
    public var passed: Bool
    /// Why it failed, or what it saw when it passed.
    public var message: String
}

extension RegressionAssertion {
    /// The verdict of this assertion on `answer`.
    public func evaluate(_ answer: AnswerUnderTest) -> AssertionResult {
        func result(_ passed: Bool, _ message: String) -> AssertionResult {
            AssertionResult(label: label, weight: weight, passed: passed, message: message)
        }
        switch kind {
        case let .maxLatencyMs(limit):
            return result(answer.latencyMs <= limit, "took \(answer.latencyMs) ms (limit \(limit))")
        case let .maxCost(limit):
            return result(answer.costUsd <= limit, "cost $\(answer.costUsd) (limit $\(limit))")
        default: break
        }
        guard let validation = answer.validation else {
            return result(false, "no answer: \(answer.failure ?? "the model was not asked")")
        }
        let errors = validation.errors.filter { field == nil || $0.field == nil || $0.field == field }
        func codeCheck(_ codes: Set<BriefingErrorCode>, _ what: String) -> AssertionResult {
            let found = errors.filter { codes.contains($0.code) }
            return found.isEmpty ? result(true, what) : result(false, found.map(\.description).joined(separator: "; "))
        }
        if case let .valid(ignoring) = kind {
            // The whole answer: shape errors have no field, and a field-scoped `valid` still needs the shape.
            return codeCheck(Set(BriefingErrorCode.allCases).subtracting(ignoring), "a valid briefing")
        }
        // Every other assertion judges a briefing: without one there is nothing that could pass.
        guard let briefing = validation.briefing else {
            let why = validation.codes.map(\.rawValue).joined(separator: ", ")
            return result(false, "no briefing to check (\(why))")
        }
        switch kind {
        case .grounded: return codeCheck(Self.groundingCodes, "every name and number is in the data")
        case .noGeneric: return codeCheck([.genericPhrase], "no generic phrase")
        default: break
        }
        let texts = briefing.fields.filter { field == nil || $0.name == field }
        if case let .maxChars(limit) = kind {
            let over = texts.filter { $0.text.count > limit }
            return over.isEmpty
                ? result(true, "every field within \(limit) characters")
                : result(false, over.map { "\($0.name) has \($0.text.count) characters" }.joined(separator: "; ") + " (limit \(limit))")
        }
        let text = texts.map(\.text).joined(separator: "\n")
        let where_ = field ?? "the briefing"
        let found: String?
        switch kind {
        case let .contains(value): found = text.contains(value) ? value : nil
        case let .icontains(value): found = text.lowercased().contains(value.lowercased()) ? value : nil
        case let .regex(pattern):
            guard let regex = try? Regex(pattern) else { return result(false, "the regex does not compile") }
            found = (try? regex.firstMatch(in: text)).flatMap { $0.map { String(text[$0.range]) } }
        case let .mentionsAny(values):
            let words = BriefingValidator.words(in: text).map { BriefingValidator.stem($0.text) }
            found = values.first { value in
                BriefingValidator.firstOccurrence(of: BriefingValidator.words(in: value).map { BriefingValidator.stem($0.text) }, in: words)
                    != nil
            }
        default: found = nil
        }
        let quotedFound = found.map { BriefingValidator.quote($0, max: 60) } ?? ""
        if negated {
            return found == nil
                ? result(true, "\(where_) does not have it")
                : result(false, "\(where_) has \(quotedFound)")
        }
        return found != nil ? result(true, "\(where_) has \(quotedFound)") : result(false, "\(where_) does not have it")
    }
}
