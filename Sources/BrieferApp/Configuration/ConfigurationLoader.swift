import BrieferCore
import Foundation
import Yams

/// Finds and reads the configuration file: `--config PATH`, else `BRIEFER_CONFIG`, else the first that exists of
/// `./config/briefer.yaml`, `$XDG_CONFIG_HOME/briefer/briefer.yaml` (else `~/.config/briefer/briefer.yaml`) and
/// `/etc/briefer/briefer.yaml`, else the built-in defaults.
public enum ConfigurationLoader {
    public static let defaultPath = "config/briefer.yaml"

    /// The files looked for, in order, when neither `--config` nor `BRIEFER_CONFIG` names one.
    /// - Parameters:
    ///   - workingDirectory: what `config/briefer.yaml` is relative to (nil: the process's, and the path stays relative).
    ///   - systemDirectory: `/etc`, or another in tests.
    public static func searchPaths(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        workingDirectory: String? = nil, systemDirectory: String = "/etc"
    ) -> [String] {
        var paths = [workingDirectory.map { URL(fileURLWithPath: $0).appendingPathComponent(defaultPath).path } ?? defaultPath]
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") {
            paths.append(URL(fileURLWithPath: xdg).appendingPathComponent("briefer/briefer.yaml").path)
        } else if let home = environment["HOME"], !home.isEmpty {
            paths.append(URL(fileURLWithPath: home).appendingPathComponent(".config/briefer/briefer.yaml").path)
        }
        paths.append(URL(fileURLWithPath: systemDirectory).appendingPathComponent("briefer/briefer.yaml").path)
        return paths
    }

    /// The file that applies, or nil for the built-in defaults. (`--config` and `BRIEFER_CONFIG` name a file that
    /// must exist: loading it reports one that does not.)
    public static func resolvePath(
        flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
        workingDirectory: String? = nil, systemDirectory: String = "/etc"
    ) -> String? {
        if let flag, !flag.isEmpty { return flag }
        if let env = environment["BRIEFER_CONFIG"], !env.isEmpty { return env }
        return searchPaths(environment: environment, workingDirectory: workingDirectory, systemDirectory: systemDirectory)
            .first { FileManager.default.fileExists(atPath: $0) }
    }

    public static func load(flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> (
        BrieferConfiguration, String?
    ) {
        guard let path = resolvePath(flag: flag, environment: environment) else { return (BrieferConfiguration(), nil) }
        return (try load(path: path), path)
    }

    public static func load(path: String) throws -> BrieferConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(problems: [ConfigurationProblem(key: "(file)", message: "cannot read the file")], file: path)
        }
        do {
            return try parse(String(decoding: data, as: UTF8.self))
        } catch var error as ConfigurationError {
            error.file = path
            throw error
        }
    }

    /// Parses YAML text into a configuration laid over the defaults.
    public static func parse(_ yaml: String) throws -> BrieferConfiguration {
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigurationError(problems: [ConfigurationProblem(key: "(file)", message: "not valid YAML: \(error)")])
        }
        var lines: [String: Int] = [:]
        let tree = try node.map { try value(of: $0, path: "", lines: &lines) } ?? .null
        return try ConfigurationCoding.configuration(from: tree, lines: lines)
    }

    private static func value(of node: Node, path: String, lines: inout [String: Int]) throws -> JSONValue {
        if let mark = node.mark, !path.isEmpty { lines[path] = mark.line }
        switch node {
        case let .scalar(scalar):
            if scalar.style == .plain {
                let s = scalar.string
                if ["null", "~", ""].contains(s) { return .null }
                // YAML 1.2 core schema: only true/false are booleans (so NO, the country, stays a string).
                if ["true", "True", "TRUE"].contains(s) { return .bool(true) }
                if ["false", "False", "FALSE"].contains(s) { return .bool(false) }
                let digits = s.replacingOccurrences(of: "_", with: "")
                // Numbers are written back in JSON's own form (`+5`, `007` and `.5` are not JSON).
                if let integer = Int64(digits) { return .number(String(integer)) }
                if digits.contains("."), let double = Double(digits), double.isFinite { return .number(String(double)) }
            }
            return .string(scalar.string)
        case let .mapping(mapping):
            var members: [(key: String, value: JSONValue)] = []
            for (keyNode, valueNode) in mapping {
                guard let key = keyNode.scalar?.string else {
                    throw ConfigurationError(problems: [
                        ConfigurationProblem(key: path.isEmpty ? "(file)" : path, message: "keys must be plain names")
                    ])
                }
                let childPath = path.isEmpty ? key : "\(path).\(key)"
                if let mark = keyNode.mark { lines[childPath] = mark.line }
                members.append((key, try value(of: valueNode, path: childPath, lines: &lines)))
            }
            return .object(members)
        case let .sequence(sequence):
            return .array(try sequence.enumerated().map { i, item in try value(of: item, path: "\(path)[\(i)]", lines: &lines) })
        case .alias:
            throw ConfigurationError(problems: [ConfigurationProblem(key: path, message: "YAML aliases are not supported")])
        }
    }
}
