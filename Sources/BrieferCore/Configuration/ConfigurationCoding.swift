import Foundation

/// Why a configuration file was refused. Names the key (dotted path, `[i]` for list items) and,
/// when known, the line.
public struct ConfigurationError: BrieferError, Equatable {
    public var problems: [ConfigurationProblem]
    public var file: String?

    public init(problems: [ConfigurationProblem], file: String? = nil) { self.problems = problems; self.file = file }

    public var code: BrieferErrorCode { .invalidConfiguration }

    public var message: String {
        let prefix = file.map { "\($0): " } ?? ""
        return problems.map { prefix + $0.description }.joined(separator: "\n")
    }
}

/// Turns a parsed configuration tree (from YAML) into a ``BrieferConfiguration``: every key must be
/// one the defaults have, values are laid over the defaults, and types are checked per key.
public enum ConfigurationCoding {
    /// The configuration as canonical JSON: snake_case keys, sorted.
    public static func canonicalJSON(of configuration: BrieferConfiguration) -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        // Encoding a plain value type of strings and integers cannot fail.
        let data = try! encoder.encode(configuration)
        return String(decoding: data, as: UTF8.self)
    }

    /// The defaults as a tree: the schema a file is checked against.
    public static var defaultTree: JSONValue {
        try! JSONParser.parse(canonicalJSON(of: BrieferConfiguration()))
    }

    /// Builds a configuration from `tree` laid over the defaults.
    /// - Parameters:
    ///   - tree: the file's content; an empty file is `.null`.
    ///   - lines: the line of each key path, for messages.
    public static func configuration(from tree: JSONValue, lines: [String: Int] = [:]) throws(ConfigurationError) -> BrieferConfiguration {
        var problems: [ConfigurationProblem] = []
        func located(_ key: String, _ message: String) -> ConfigurationProblem {
            ConfigurationProblem(key: key, message: lines[key].map { "\(message) (line \($0))" } ?? message)
        }
        let merged: JSONValue
        if tree.isNull {
            merged = defaultTree
        } else {
            merged = overlay(tree, on: defaultTree, path: "", problems: &problems, located: located)
        }
        guard problems.isEmpty else { throw ConfigurationError(problems: problems) }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let configuration: BrieferConfiguration
        do {
            configuration = try decoder.decode(BrieferConfiguration.self, from: Data(merged.canonicalText.utf8))
        } catch let error as DecodingError {
            throw ConfigurationError(problems: [describe(error, located: located)])
        } catch {
            throw ConfigurationError(problems: [ConfigurationProblem(key: "(file)", message: "\(error)")])
        }
        let invalid = configuration.validate().map { located($0.key, $0.message) }
        guard invalid.isEmpty else { throw ConfigurationError(problems: invalid) }
        return configuration
    }

    private static func overlay(
        _ value: JSONValue, on base: JSONValue, path: String, problems: inout [ConfigurationProblem],
        located: (String, String) -> ConfigurationProblem
    ) -> JSONValue {
        switch (value, base) {
        case (.null, .object):
            return base  // an empty section (every key commented out) keeps the defaults
        case let (.object(members), .object(baseMembers)):
            var result = baseMembers
            for member in members {
                let key = path.isEmpty ? member.key : "\(path).\(member.key)"
                guard let index = result.firstIndex(where: { $0.key == member.key }) else {
                    let known = baseMembers.map(\.key).joined(separator: ", ")
                    problems.append(located(key, "unknown key; known keys here: \(known)"))
                    continue
                }
                result[index].value = overlay(member.value, on: result[index].value, path: key, problems: &problems, located: located)
            }
            return .object(result)
        case (.object, _):
            problems.append(located(path, "expected \(kind(of: base)), found a mapping"))
            return base
        case let (.array(items), .array(baseItems)):
            // List items are checked against the shape of the default's first item (or, for a list empty by default, of
            // its item's own defaults).
            guard let template = baseItems.first ?? itemTemplates[path] else { return value }
            return .array(
                items.enumerated().map { i, item in
                    let itemPath = "\(path)[\(i)]"
                    if case .object = template, case .object = item {
                        return checkKeys(item, against: template, path: itemPath, problems: &problems, located: located)
                    }
                    return item
                })
        case let (.number(text), .number):
            if !isWholeOrAllowedFraction(text, path: path) { problems.append(located(path, "expected a whole number, found \(text)")) }
            return value
        default:
            return value
        }
    }

    private static func checkKeys(
        _ value: JSONValue, against template: JSONValue, path: String, problems: inout [ConfigurationProblem],
        located: (String, String) -> ConfigurationProblem
    ) -> JSONValue {
        guard case let .object(members) = value, case let .object(templateMembers) = template else { return value }
        var result: [(key: String, value: JSONValue)] = []
        for member in members {
            let key = "\(path).\(member.key)"
            if let t = templateMembers.first(where: { $0.key == member.key }) {
                if case .array(let ts) = t.value, let first = ts.first, case .array(let items) = member.value {
                    let checked = items.enumerated().map { i, item in
                        checkKeys(item, against: first, path: "\(key)[\(i)]", problems: &problems, located: located)
                    }
                    result.append((member.key, .array(checked)))
                } else {
                    if case let .number(text) = member.value, case .number = t.value, !isWholeOrAllowedFraction(text, path: key) {
                        problems.append(located(key, "expected a whole number, found \(text)"))
                    }
                    result.append(member)
                }
            } else if optionalKeys[member.key] != nil {
                result.append(member)
            } else {
                let known = templateMembers.map(\.key).joined(separator: ", ")
                problems.append(located(key, "unknown key; known keys here: \(known)"))
            }
        }
        for (key, value) in optionalKeys
        where templateMembers.contains(where: { $0.key == key }) && !result.contains(where: { $0.key == key }) {
            result.append((key, value))
        }
        return .object(result)
    }

    /// Every number in the configuration is a whole number, except prices, money and the sampling temperature.
    private static func isWholeOrAllowedFraction(_ text: String, path: String) -> Bool {
        if Int64(text) != nil { return true }
        let key = path.split(separator: ".").last.map(String.init) ?? path
        let fractional = key == "temperature" || key.hasSuffix("_usd") || key.hasSuffix("_per_million")
        return fractional && Double(text)?.isFinite == true
    }

    /// Keys of list items that have a default and may be left out.
    private static let optionalKeys: [String: JSONValue] = [
        "within_signup_days": .number("0"), "detail_property": .string(""), "countries": .array([]), "industries": .array([]),
        "min_employees": .number("0"), "max_employees": .number("0"),
    ]

    /// The shape of an item of a list that is empty by default.
    private static let itemTemplates: [String: JSONValue] = [
        "actions.owners.territories": .object([
            ("owner", .string("")), ("countries", .array([])), ("industries", .array([])), ("min_employees", .number("0")),
            ("max_employees", .number("0")),
        ])
    ]

    private static func kind(of value: JSONValue) -> String {
        switch value {
        case .null: return "nothing"
        case .bool: return "true or false"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "a list"
        case .object: return "a mapping"
        }
    }

    private static func describe(_ error: DecodingError, located: (String, String) -> ConfigurationProblem) -> ConfigurationProblem {
        func path(_ codingPath: [any CodingKey]) -> String {
            var out = ""
            for key in codingPath {
                if let index = key.intValue {
                    out += "[\(index)]"
                } else {
                    out += (out.isEmpty ? "" : ".") + snakeCase(key.stringValue)
                }
            }
            return out.isEmpty ? "(file)" : out
        }
        switch error {
        case let .typeMismatch(type, context):
            return located(path(context.codingPath), "wrong type: expected \(describeType(type))")
        case let .valueNotFound(type, context):
            return located(path(context.codingPath), "missing value: expected \(describeType(type))")
        case let .keyNotFound(key, context):
            return located(path(context.codingPath + [key]), "required key is missing")
        case let .dataCorrupted(context):
            if context.codingPath.last?.stringValue == "model" {
                return located(
                    "model", "must be one of: " + BrieferConfiguration.ScoringModel.allCases.map(\.rawValue).joined(separator: ", "))
            }
            return located(path(context.codingPath), "invalid value: \(context.debugDescription)")
        @unknown default:
            return located("(file)", "\(error)")
        }
    }

    private static func describeType(_ type: Any.Type) -> String {
        let name = String(describing: type)
        if name.hasPrefix("Int") { return "a whole number" }
        if name == "String" { return "a string" }
        if name.hasPrefix("Array") { return "a list" }
        if name == "Bool" { return "true or false" }
        if name.contains("ScoringModel") {
            return "one of: " + BrieferConfiguration.ScoringModel.allCases.map(\.rawValue).joined(separator: ", ")
        }
        return "a mapping"
    }

    private static func snakeCase(_ name: String) -> String {
        var out = ""
        for c in name {
            if c.isUppercase { out += "_" + c.lowercased() } else { out.append(c) }
        }
        return out
    }
}
