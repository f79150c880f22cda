import ArgumentParser
import BrieferApp
import BrieferCore
import BrieferStore
import Foundation
import Logging

@main
struct Briefer: AsyncParsableCommand {
    /// Parses, runs the command, and maps what it throws to an exit status in one place (``ExitStatus``).
    static func main() async {
        var command: any ParsableCommand
        do { command = try parseAsRoot() } catch { exit(withError: error) }  // usage errors, --help, --version
        do {
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: ExitStatus.error(for: error))
        }
    }

    static let configuration = CommandConfiguration(
        commandName: "briefer",
        abstract: "Turns product usage events into PQL scores, tiers and reasons, and hot accounts into four-sentence sales briefings.",
        discussion: "Every stage reads and writes one SQLite database (--db, BRIEFER_DB, default ./briefer.sqlite) and uses one "
            + "configuration file (--config, else BRIEFER_CONFIG, else the first of ./config/briefer.yaml, "
            + "$XDG_CONFIG_HOME/briefer/briefer.yaml or ~/.config/briefer/briefer.yaml, and /etc/briefer/briefer.yaml; else "
            + "the built-in defaults: `briefer config print` says which).\n\n"
            + "Exit status: 0 success (bad input lines are quarantined and reported as a warning); 1 an error; "
            + "2 an invalid configuration; 3 --strict ingest found bad lines; 4 explain found a stored score that differs "
            + "from its recomputation; 5 sync --push stopped early or left changes for the next run; 6 regress found a regression, an unaccepted golden prompt change or a missing cassette.",
        version: BrieferVersion.string,
        subcommands: [
            Run.self, Worker.self, Status.self, Compact.self, Forget.self, Ingest.self, Score.self, Accounts.self, Owners.self,
            Explain.self,
            Select.self,
            PromptCommand.self, Enrich.self, Briefings.self,
            Sync.self, SyncLog.self, ActionsCommand.self, FeedbackCommand.self, Regress.self, Backtest.self, QuarantineCommand.self,
            CRMCommand.self, SQLCommand.self, ImportScores.self, Config.self,
            Serve.self,
        ]
    )
}

/// Options every subcommand takes.
struct GlobalOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The SQLite database.", discussion: "Also read from BRIEFER_DB.", valueName: "path"))
    var db: String?

    @Option(help: ArgumentHelp("The configuration file (YAML).", discussion: "Also read from BRIEFER_CONFIG.", valueName: "path"))
    var config: String?

    @Option(help: ArgumentHelp("trace, debug, info, notice, warning, error or critical.", valueName: "level"))
    var logLevel: String = "warning"

    @Option(help: ArgumentHelp("text or json (one JSON object per line on standard error).", valueName: "format"))
    var logFormat: String = "text"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        guard ["text", "json"].contains(logFormat) else { throw ValidationError("--log-format must be text or json") }
    }

    var databasePath: String {
        if let db, !db.isEmpty { return db }
        if let env = ProcessInfo.processInfo.environment["BRIEFER_DB"], !env.isEmpty { return env }
        return "briefer.sqlite"
    }

    /// Bootstraps logging (once) and returns the logger libraries receive.
    func logger() -> Logger {
        let level = Logger.Level(rawValue: logLevel) ?? .warning
        let json = logFormat == "json"
        LoggingBootstrap.once {
            LoggingSystem.bootstrap { label in
                if json { return JSONLogHandler(label: label, level: level) }
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
        return Logger(label: "briefer")
    }

    /// The session the command works in: this configuration and database, and the prompt and endpoint
    /// overrides the command takes.
    /// (`database: false` for a command that works on no database.)
    func session(prompt: PromptOptions? = nil, endpoint: EndpointOptions? = nil, mustExist: Bool = false, database: Bool = true) throws
        -> BrieferSession
    {
        let (configuration, file) = try ConfigurationLoader.load(flag: config)
        return BrieferSession(
            configuration: configuration, configurationFile: file,
            store: database ? try openStore(mustExist: mustExist) : nil,
            prompt: prompt?.prompt, model: endpoint?.model, baseUrl: endpoint?.baseUrl, apiKeyFile: endpoint?.apiKeyFile,
            logger: logger())
    }

    /// Opens the database; commands that only read it refuse a path where none exists.
    func openStore(mustExist: Bool = false, durable: Bool = false) throws -> BrieferStore {
        if mustExist, !FileManager.default.fileExists(atPath: databasePath) {
            throw CommandError(.noDatabase, "no database at \(databasePath): run `briefer ingest` first, or pass --db")
        }
        do {
            let store = try BrieferStore(path: databasePath, durable: durable)
            if let backup = store.backupPath {
                FileHandle.standardError.write(Data("note: the database's schema was upgraded; a copy from before is at \(backup)\n".utf8))
            }
            return store
        } catch {
            throw CommandError(.cannotOpenDatabase, "cannot open the database \(databasePath): \(error)")
        }
    }
}

enum LoggingBootstrap {
    nonisolated(unsafe) private static var done = false
    static func once(_ body: () -> Void) {
        if !done { done = true; body() }
    }
}

/// A failure the command itself finds (its arguments, the database it was pointed at).
struct CommandError: BrieferError {
    var code: BrieferErrorCode
    var message: String
    init(_ code: BrieferErrorCode, _ message: String) { self.code = code; self.message = message }
}

/// The one place errors reach the user: each is said on standard error and mapped to its exit status (see
/// `briefer --help`); argument errors, --help and --version are ArgumentParser's.
enum ExitStatus {
    /// Exit statuses other than 1, by error code: 2 what Briefer was given is not valid, 5 a sync is in the way, 64 a bad argument.
    static let statuses: [BrieferErrorCode: Int32] = [
        .invalidConfiguration: 2, .invalidPrompt: 2, .invalidSuite: 2, .syncBusy: 5, .badArgument: 64,
    ]

    static func error(for error: any Error) -> any Error {
        let (message, code): (String, Int32)
        switch error {
        case is ExitCode, is ValidationError, is CleanExit:
            return error
        // ArgumentParser's own, thrown by a command it runs (`--help` is answered by its help command): its to say.
        case _ where String(reflecting: type(of: error)).hasPrefix("ArgumentParser."):
            return error
        case let invalid as ConfigurationError:
            (message, code) = ("error [\(invalid.code)]: invalid configuration:\n\(invalid.message)", statuses[invalid.code]!)
        case let failure as any BrieferError:
            (message, code) = ("error [\(failure.code)]: \(failure.message)", statuses[failure.code] ?? 1)
        default:
            (message, code) = ("error: \(error)", 1)
        }
        FileHandle.standardError.write(Data("\(message)\n".utf8))
        return ExitCode(code)
    }
}

func parseTime(_ text: String?, option: String) throws -> Timestamp {
    guard let text else { return .now }
    guard let parsed = Timestamp.parse(text) else {
        throw CommandError(.badArgument, "\(option) '\(text)' is not an ISO-8601 time (e.g. 2026-11-20T12:00:00Z)")
    }
    return parsed.timestamp
}

extension CSVKind: ExpressibleByArgument {}
extension EventFormat: ExpressibleByArgument {}
extension BrieferConfiguration.ScoringModel: ExpressibleByArgument {}
extension Tier: ExpressibleByArgument {}
