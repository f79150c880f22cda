import BrieferCore
import Foundation
import Yams

/// Reads a prompt template file (`Prompts/*.yaml`: version, system, user, repair) and checks its placeholders.
public enum PromptLoader {
    public static func load(path: String) throws(PromptTemplateError) -> PromptTemplate {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw .invalidFile("cannot read the prompt template \(path)")
        }
        let node: Any?
        do { node = try Yams.load(yaml: text) } catch { throw .invalidFile("\(path) is not valid YAML: \(error)") }
        guard let map = node as? [String: Any] else { throw .invalidFile("\(path): expected a mapping with version, system, user and repair") }
        let known: Set<String> = ["version", "system", "user", "repair"]
        if let unknown = map.keys.filter({ !known.contains($0) }).sorted().first {
            throw .invalidFile("\(path): unknown key '\(unknown)'; known keys: repair, system, user, version")
        }
        func part(_ key: String) throws(PromptTemplateError) -> String {
            guard let value = map[key] as? String, !value.allSatisfy(\.isWhitespace) else {
                throw .invalidFile("\(path): '\(key)' is missing or not text")
            }
            return value
        }
        let template = PromptTemplate(version: try part("version").trimmingCharacters(in: .whitespacesAndNewlines),
                                      system: try part("system"), user: try part("user"), repair: try part("repair"))
        do { try template.check() } catch { throw .invalidFile("\(path): \(error)") }
        return template
    }
}
