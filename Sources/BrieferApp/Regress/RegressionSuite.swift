import BrieferCore
import Foundation
import Yams

/// The regression suite's folder (SPEC §7), `Fixtures/regress` by default:
///
/// - `cases/NAME.yaml`: one case each (description, input, vocabulary, threshold, assert).
/// - `golden/NAME.txt`: the accepted rendered prompt of each case (system and user messages).
/// - `cassettes/KEY.json`: recorded answers, KEY being a hash of the full request body.
/// - `baseline.json`: each case's accepted outcome, per assertion.
public struct RegressionSuite: Sendable {
    public let root: String

    public init(root: String) { self.root = root }

    public var casesDirectory: String { root + "/cases" }
    public var goldenDirectory: String { root + "/golden" }
    public var cassettesDirectory: String { root + "/cassettes" }
    public var baselinePath: String { root + "/baseline.json" }

    public func casePath(_ name: String) -> String { casesDirectory + "/\(name).yaml" }
    public func goldenPath(_ name: String) -> String { goldenDirectory + "/\(name).txt" }

    // MARK: Cases

    /// Every case (sorted by name), or those named in `only`; a file that does not parse is an error
    /// naming the file and what is wrong in it.
    public func loadCases(only: [String] = []) throws -> [RegressionCase] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: casesDirectory)
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        } catch {
            throw RegressionError(
                "no regression cases: cannot read \(casesDirectory) (use --suite, or `briefer regress capture DOMAIN` to make one)",
                code: .invalidSuite)
        }
        var cases = try names.map { try Self.loadCase(path: casesDirectory + "/" + $0) }
        var seen: Set<String> = []
        if let twice = cases.first(where: { !seen.insert($0.name).inserted }) {
            throw RegressionError(
                "two case files are named '\(twice.name)' in \(casesDirectory) (.yaml and .yml): keep one", code: .invalidSuite)
        }
        if !only.isEmpty {
            let known = Set(cases.map(\.name))
            if let unknown = only.first(where: { !known.contains($0) }) {
                throw RegressionError("no case named '\(unknown)' in \(casesDirectory)", code: .invalidSuite)
            }
            cases = cases.filter { only.contains($0.name) }
        }
        if cases.isEmpty { throw RegressionError("no regression cases in \(casesDirectory)", code: .invalidSuite) }
        return cases
    }

    static let caseKeys: Set<String> = ["description", "input", "vocabulary", "threshold", "assert"]
    static let assertionKeys: Set<String> = ["type", "field", "value", "values", "weight", "ignore"]
    /// The keys a case's input may have: those of the prompt input (as `briefer prompt render --json` prints them).
    static let inputKeys: Set<String> = {
        let full = PromptInput(account: "", companyName: "", industry: "", employeeCount: 0, country: "", score: 0, tier: "")
        let object = (try? JSONSerialization.jsonObject(with: JSONEncoder().encode(full))) as? [String: Any]
        return Set(object.map { Array($0.keys) } ?? [])
    }()

    /// Reads one case file.
    public static func loadCase(path: String) throws -> RegressionCase {
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        func bad(_ message: String) -> RegressionError { RegressionError("\(path): \(message)", code: .invalidSuite) }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw bad("cannot read the file") }
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else { throw bad("the file is empty") }
            root = node
        } catch let error as RegressionError { throw error } catch { throw bad("not valid YAML: \(error)") }
        guard let map = root.mapping else { throw bad("expected a mapping with description, input, vocabulary, threshold and assert") }
        try checkKeys(map, known: caseKeys, where: "", bad)
        guard let inputNode = map["input"], let inputMap = inputNode.mapping else { throw bad("'input' is missing or not a mapping") }
        try checkKeys(inputMap, known: inputKeys, where: "input: ", bad)
        let input: PromptInput
        do { input = try YAMLDecoder().decode(PromptInput.self, from: inputNode) } catch { throw bad("input: \(describe(error))") }
        let vocabulary = try strings(map["vocabulary"], "vocabulary", bad)
        var threshold = 1.0
        if let node = map["threshold"] {
            guard let value = node.float else { throw bad("threshold must be a number between 0 and 1") }
            threshold = value
        }
        guard let list = map["assert"]?.sequence else { throw bad("'assert' is missing or not a list") }
        var assertions: [RegressionAssertion] = []
        for (index, node) in list.enumerated() {
            assertions.append(try assertion(node, where: "assert item \(index + 1)", bad))
        }
        let regressionCase = RegressionCase(
            name: name, description: map["description"]?.string ?? "", input: input,
            vocabulary: vocabulary, threshold: threshold, assertions: assertions)
        if let problem = regressionCase.problem { throw bad(problem) }
        return regressionCase
    }

    static func assertion(_ node: Node, where place: String, _ bad: (String) -> RegressionError) throws -> RegressionAssertion {
        guard let map = node.mapping else { throw bad("\(place): expected a mapping with type (and field, value, values, weight)") }
        try checkKeys(map, known: assertionKeys, where: "\(place): ", bad)
        guard let type = map["type"]?.string else { throw bad("\(place): 'type' is missing") }
        var negated = false
        var base = type
        if type.hasPrefix("not-"), RegressionAssertion.negatableTypes.contains(String(type.dropFirst(4))) {
            negated = true
            base = String(type.dropFirst(4))
        }
        func value() throws -> String {
            guard let v = map["value"]?.string, !v.isEmpty else { throw bad("\(place): \(type) needs a 'value'") }
            return v
        }
        func number() throws -> Double {
            guard let v = map["value"]?.float else { throw bad("\(place): \(type) needs a numeric 'value'") }
            return v
        }
        func integer() throws -> Int {
            guard let v = map["value"]?.int else { throw bad("\(place): \(type) needs a whole-number 'value'") }
            return v
        }
        let kind: RegressionAssertion.Kind
        switch base {
        case "valid":
            var ignored: Set<BriefingErrorCode> = []
            for code in try strings(map["ignore"], "\(place): ignore", bad) {
                guard let c = BriefingErrorCode(rawValue: code) else {
                    throw bad(
                        "\(place): unknown error code '\(code)'; codes: \(BriefingErrorCode.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                ignored.insert(c)
            }
            kind = .valid(ignoring: ignored)
        case "contains": kind = .contains(try value())
        case "icontains": kind = .icontains(try value())
        case "regex": kind = .regex(try value())
        case "mentions-any": kind = .mentionsAny(try strings(map["values"], "\(place): values", bad))
        case "max-chars": kind = .maxChars(try integer())
        case "grounded": kind = .grounded
        case "no-generic": kind = .noGeneric
        case "max-latency-ms": kind = .maxLatencyMs(try integer())
        case "max-cost": kind = .maxCost(try number())
        default: throw bad("\(place): unknown type '\(type)'; types: \(RegressionAssertion.types.joined(separator: ", "))")
        }
        var weight = 1.0
        if let node = map["weight"] {
            guard let w = node.float else { throw bad("\(place): weight must be a number") }
            weight = w
        }
        return RegressionAssertion(kind, field: map["field"]?.string, negated: negated, weight: weight)
    }

    static func checkKeys(_ map: Node.Mapping, known: Set<String>, where place: String, _ bad: (String) -> RegressionError) throws {
        for key in map.keys {
            guard let k = key.string, known.contains(k) else {
                throw bad("\(place)unknown key '\(key.string ?? "?")'; known keys: \(known.sorted().joined(separator: ", "))")
            }
        }
    }

    static func strings(_ node: Node?, _ what: String, _ bad: (String) -> RegressionError) throws -> [String] {
        guard let node else { return [] }
        guard let items = node.sequence else { throw bad("\(what) must be a list") }
        return try items.map { item in
            guard let s = item.string else { throw bad("\(what) must be a list of text") }
            return s
        }
    }

    static func describe(_ error: any Error) -> String {
        switch error as? DecodingError {
        case let .keyNotFound(key, _)?: return "missing key '\(key.stringValue)'"
        case let .typeMismatch(_, context)?, let .valueNotFound(_, context)?, let .dataCorrupted(context)?:
            let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            return "\(path.isEmpty ? "" : "'\(path)': ")\(context.debugDescription)"
        default: return "\(error)"
        }
    }

    /// A new case file for `input`: the workspace's other names as vocabulary and the assertions every
    /// case starts from, which a prompt author then sharpens.
    public static func caseText(description: String, input: PromptInput, vocabulary: [String]) throws -> String {
        let inputYAML = try YAMLEncoder().encode(input)
        let names = Set(input.mentionedNames.map { $0.lowercased() })
        let others = vocabulary.filter { !names.contains($0.lowercased()) }
        let facts = (input.topFeatures.map(\.name) + input.integrations + input.limitsHit).prefix(6)
        var lines = [
            "# A regression case (SPEC §7), captured by `briefer regress capture`. Sharpen the assertions:",
            "# types: \(RegressionAssertion.types.joined(separator: ", ")).",
            "description: \(RegressionAssertion.quoted(description))",
            "input:",
        ]
        lines += inputYAML.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }.map { "  " + $0 }
        lines.append("# Names elsewhere in the workspace: a briefing naming one of them for this account is ungrounded.")
        lines.append("vocabulary: [" + others.map(RegressionAssertion.quoted).joined(separator: ", ") + "]")
        lines.append("threshold: 1")
        lines.append("assert:")
        lines.append("  - {type: valid}")
        lines.append("  - {type: grounded}")
        lines.append("  - {type: no-generic}")
        if !facts.isEmpty {
            lines.append("  - {type: mentions-any, values: [" + facts.map(RegressionAssertion.quoted).joined(separator: ", ") + "]}")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: Goldens

    /// The text a golden copy holds for a rendered prompt.
    public static func goldenText(_ prompt: RenderedPrompt) -> String {
        "# ---- system ----\n\(prompt.system)\n# ---- user ----\n\(prompt.user)\n"
    }

    /// The accepted rendered prompt of a case, or nil when there is none yet.
    public func golden(_ name: String) -> String? {
        try? String(contentsOfFile: goldenPath(name), encoding: .utf8)
    }

    public func writeGolden(_ name: String, _ text: String) throws {
        try FileManager.default.createDirectory(atPath: goldenDirectory, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: goldenPath(name)), options: .atomic)
    }

    // MARK: Baseline

    /// The committed outcomes (case name → outcome); empty when there is no baseline yet.
    public func baseline() throws -> RegressionBaseline? {
        guard let data = FileManager.default.contents(atPath: baselinePath) else { return nil }
        do { return try JSONDecoder().decode(RegressionBaseline.self, from: data) } catch {
            throw RegressionError("\(baselinePath) is not a regression baseline: \(Self.describe(error))", code: .invalidSuite)
        }
    }

    public func writeBaseline(_ baseline: RegressionBaseline) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(baseline)
        data.append(0x0A)
        try data.write(to: URL(fileURLWithPath: baselinePath), options: .atomic)
    }
}

/// The committed baseline: each case's accepted outcome, and what it was accepted with.
public struct RegressionBaseline: Codable, Sendable, Equatable {
    public var promptVersion: String
    public var promptHash: String
    public var model: String
    public var cases: [String: CaseOutcome]

    public init(promptVersion: String, promptHash: String, model: String, cases: [String: CaseOutcome]) {
        self.promptVersion = promptVersion; self.promptHash = promptHash; self.model = model; self.cases = cases
    }

    enum CodingKeys: String, CodingKey {
        case promptVersion = "prompt_version"
        case promptHash = "prompt_hash"
        case model, cases
    }
}

/// A regression run, capture or baseline change that cannot go on.
public struct RegressionError: BrieferError {
    public var code: BrieferErrorCode
    public var message: String
    public init(_ message: String, code: BrieferErrorCode) { self.message = message; self.code = code }
}
