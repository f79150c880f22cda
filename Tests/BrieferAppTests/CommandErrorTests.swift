import BrieferCore
import BrieferTesting
import Foundation
import Testing

/// What the binary says when it cannot go on: one line, its code in brackets, and the exit status the code
/// maps to (README "Exit status"). Compared by code, not by wording.
@Suite struct CommandErrorTests {
    static func briefer(_ arguments: [String], directory: URL) throws -> (status: Int32, code: String?) {
        let run = try BrieferBinary.run(arguments, environment: ["BRIEFER_CONFIG": nil, "BRIEFER_DB": nil], directory: directory)
        let code = run.output.firstMatch(of: #/(?m)^error \[([a-z_]+)\]: /#).map { String($0.1) }
        return (run.status, code)
    }

    /// `--help` on the binary and on every subcommand prints the help, on standard output, and exits 0 (a help request
    /// reaches the command runner as ArgumentParser's own error, which is its to say, not an error of Briefer's).
    @Test func helpExplainsEveryCommand() throws {
        let commands = [
            "", "run", "worker", "status", "compact", "forget", "ingest", "score", "accounts", "explain", "select", "prompt", "enrich",
            "briefings", "sync", "sync-log", "regress", "backtest", "quarantine", "crm", "config", "serve", "sql", "sql inputs",
            "import-scores",
        ]
        for command in commands {
            let run = try BrieferBinary.run(command.split(separator: " ").map(String.init) + ["--help"])
            #expect(run.status == 0, "briefer \(command) --help: \(run.output)")
            #expect(
                run.output.contains("USAGE: briefer") && !run.output.contains("CommandError"), "briefer \(command) --help: \(run.output)")
        }
    }

    @Test func eachErrorSaysItsCodeAndExitsWithItsStatus() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("briefer-errors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let badConfig = directory.appendingPathComponent("bad.yaml").path
        try "model: pointz\n".write(toFile: badConfig, atomically: true, encoding: .utf8)
        let badPrompt = directory.appendingPathComponent("prompt.yaml").path
        try "version: x\nsystem: '{{nope}}'\nuser: u\nrepair: r\n".write(toFile: badPrompt, atomically: true, encoding: .utf8)
        let db = directory.appendingPathComponent("briefer.sqlite").path

        #expect(try Self.briefer(["accounts", "--db", db], directory: directory) == (1, "no_database"))
        #expect(try Self.briefer(["score", "--db", db, "--config", badConfig], directory: directory) == (2, "invalid_configuration"))
        #expect(
            try Self.briefer(["ingest", "--db", db, directory.appendingPathComponent("absent.jsonl").path], directory: directory) == (
                1, "unreadable_input"
            ))
        #expect(try Self.briefer(["accounts", "--db", db], directory: directory) == (1, "no_scoring_run"))
        #expect(try Self.briefer(["select", "--db", db, "--prompt", badPrompt], directory: directory) == (2, "invalid_prompt"))
        #expect(try Self.briefer(["backtest", "--db", db, "--as-of", "yesterday"], directory: directory) == (64, "bad_argument"))
    }
}
