/// A versioned briefing prompt (SPEC §5): a system part, a user part and a repair part with named
/// `{{placeholders}}`. Rendering is strict: an unknown placeholder, one without a value, or a `{{`
/// that does not close is an error naming it, never an empty string.
public struct PromptTemplate: Sendable, Equatable {
    public var version: String
    public var system: String
    public var user: String
    public var repair: String

    public init(version: String, system: String, user: String, repair: String) {
        self.version = version; self.system = system; self.user = user; self.repair = repair
    }

    /// The placeholders the system and user parts may use: the account's values and the length bounds.
    public static let accountPlaceholders: Set<String> = Set(
        PromptInput(account: "", companyName: "", score: 0, tier: "").placeholderValues(maxUntrustedChars: 1).keys
    ).union(["min_chars", "max_chars"])
    /// The repair part may also list the errors.
    public static let repairPlaceholders: Set<String> = accountPlaceholders.union(["errors"])

    /// A short stable hash of the whole template (every part and the version), stored with each briefing.
    public var hash: String {
        StableHash.hex([version, system, user, repair].joined(separator: "\u{1F}")).prefix(16).description
    }

    /// Checks every placeholder of every part against the known names, before any account is rendered.
    public func check() throws(PromptTemplateError) {
        let any = Dictionary(uniqueKeysWithValues: Self.repairPlaceholders.map { ($0, "") })
        _ = try Self.fill(system, part: "system", values: any, known: Self.accountPlaceholders)
        _ = try Self.fill(user, part: "user", values: any, known: Self.accountPlaceholders)
        _ = try Self.fill(repair, part: "repair", values: any, known: Self.repairPlaceholders)
    }

    /// The system and user messages for one account.
    public func render(_ input: PromptInput, rules: BrieferConfiguration.BriefingRules) throws(PromptTemplateError) -> RenderedPrompt {
        let values = Self.values(input, rules: rules)
        return RenderedPrompt(
            system: try Self.fill(system, part: "system", values: values, known: Self.accountPlaceholders),
            user: try Self.fill(user, part: "user", values: values, known: Self.accountPlaceholders))
    }

    /// The repair message listing `errors`, one per line.
    public func renderRepair(_ input: PromptInput, errors: [BriefingError], rules: BrieferConfiguration.BriefingRules)
        throws(PromptTemplateError) -> String
    {
        var values = Self.values(input, rules: rules)
        values["errors"] = errors.map { "- \($0.description)" }.joined(separator: "\n")
        return try Self.fill(repair, part: "repair", values: values, known: Self.repairPlaceholders)
    }

    static func values(_ input: PromptInput, rules: BrieferConfiguration.BriefingRules) -> [String: String] {
        var values = input.placeholderValues(maxUntrustedChars: rules.maxUntrustedChars)
        values["min_chars"] = String(rules.minFieldChars)
        values["max_chars"] = String(rules.maxFieldChars)
        return values
    }

    static func fill(_ text: String, part: String, values: [String: String], known: Set<String>) throws(PromptTemplateError) -> String {
        var out = ""
        var rest = Substring(text)
        while let open = rest.firstRange(of: "{{") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstRange(of: "}}") else {
                throw .unclosed(part: part, line: line(of: open.lowerBound, in: text))
            }
            let name = rest[open.upperBound..<close.lowerBound].trimmingSpaces
            guard known.contains(name) else {
                throw .unknownPlaceholder(name, part: part, line: line(of: open.lowerBound, in: text), known: known.sorted())
            }
            guard let value = values[name] else { throw .missingValue(name, part: part) }
            out += value
            rest = rest[close.upperBound...]
        }
        out += rest
        return out
    }

    private static func line(of index: String.Index, in text: String) -> Int {
        text[..<index].reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
    }
}

/// What is sent for one account: the system and user messages.
public struct RenderedPrompt: Sendable, Equatable, Codable {
    public var system: String
    public var user: String
    public init(system: String, user: String) { self.system = system; self.user = user }
}

public enum PromptTemplateError: BrieferError, Equatable {
    case unknownPlaceholder(String, part: String, line: Int, known: [String])
    case missingValue(String, part: String)
    case unclosed(part: String, line: Int)
    case invalidFile(String)

    public var code: BrieferErrorCode { .invalidPrompt }

    public var message: String {
        switch self {
        case let .unknownPlaceholder(name, part, line, known):
            return
                "unknown placeholder {{\(name)}} in the \(part) part (line \(line) of that part); known: \(known.joined(separator: ", "))"
        case let .missingValue(name, part):
            return "placeholder {{\(name)}} in the \(part) part has no value"
        case let .unclosed(part, line):
            return "'{{' without '}}' in the \(part) part (line \(line) of that part)"
        case let .invalidFile(message):
            return message
        }
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
