import BrieferCore
import Foundation
import Yams

/// Where a prompt template comes from: a file, or the default compiled into the binary (``BuiltInPrompt``).
public enum PromptSource: Sendable, Equatable, CustomStringConvertible {
    case builtIn
    case file(String)

    /// The configuration's `enrichment.prompt`: empty for the built-in default, else a path read relative to
    /// the directory of the configuration file that gave it (`../Prompts/briefing.v3.yaml` in
    /// `config/briefer.yaml`), or to the working directory when no file was read. An absolute path is itself.
    public static func configured(_ prompt: String, configurationFile: String?) -> PromptSource {
        guard !prompt.isEmpty else { return .builtIn }
        guard !prompt.hasPrefix("/"), let configurationFile else { return .file(prompt) }
        let directory = URL(fileURLWithPath: configurationFile).deletingLastPathComponent()
        return .file(directory.appendingPathComponent(prompt).standardizedFileURL.path)
    }

    /// How reports name it: the path, or "built-in briefing.v3.yaml".
    public var description: String {
        switch self {
        case .builtIn: return "built-in \(BuiltInPrompt.name)"
        case let .file(path): return path
        }
    }
}

/// Reads a prompt template (`Prompts/*.yaml`: version, system, user, repair) and checks its placeholders.
public enum PromptLoader {
    public static func load(_ source: PromptSource) throws(PromptTemplateError) -> PromptTemplate {
        switch source {
        case .builtIn: return try parse(BuiltInPrompt.text, name: source.description)
        case let .file(path): return try load(path: path)
        }
    }

    public static func load(path: String) throws(PromptTemplateError) -> PromptTemplate {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw .invalidFile("cannot read the prompt template \(path)")
        }
        return try parse(text, name: path)
    }

    /// Parses a template's text; `name` says where it came from in messages.
    public static func parse(_ text: String, name: String) throws(PromptTemplateError) -> PromptTemplate {
        let node: Any?
        do { node = try Yams.load(yaml: text) } catch { throw .invalidFile("\(name) is not valid YAML: \(error)") }
        guard let map = node as? [String: Any] else {
            throw .invalidFile("\(name): expected a mapping with version, system, user and repair")
        }
        let known: Set<String> = ["version", "system", "user", "repair"]
        if let unknown = map.keys.filter({ !known.contains($0) }).sorted().first {
            throw .invalidFile("\(name): unknown key '\(unknown)'; known keys: repair, system, user, version")
        }
        func part(_ key: String) throws(PromptTemplateError) -> String {
            guard let value = map[key] as? String, !value.allSatisfy(\.isWhitespace) else {
                throw .invalidFile("\(name): '\(key)' is missing or not text")
            }
            return value
        }
        let template = PromptTemplate(
            version: try part("version").trimmingCharacters(in: .whitespacesAndNewlines),
            system: try part("system"), user: try part("user"), repair: try part("repair"))
        do { try template.check() } catch { throw .invalidFile("\(name): \(error)") }
        return template
    }
}
