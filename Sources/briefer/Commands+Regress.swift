import ArgumentParser
import BrieferApp
import BrieferCore
import BrieferStore
import Foundation

extension CassetteMode: ExpressibleByArgument {}

struct Regress: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Prompt regression testing: did a prompt change make briefings better or worse, case by case?",
        discussion: "`briefer regress` (the `run` subcommand) renders every case of the suite with the prompt, compares it with the "
            + "golden copy, answers each request from recorded cassettes (or the endpoint), grades the final briefing with the "
            + "case's assertions and compares the outcome with the committed baseline. `briefer regress capture DOMAIN` makes a "
            + "new case from an account of the latest scoring run. See Prompts/README.md.",
        subcommands: [RegressRun.self, RegressCapture.self], defaultSubcommand: RegressRun.self)
}

struct SuiteOption: ParsableArguments {
    @Option(help: ArgumentHelp("The regression suite's folder: cases/, golden/, cassettes/, baseline.json.", valueName: "dir"))
    var suite = "Fixtures/regress"
}

struct RegressRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the regression cases with a prompt and gate on regressions (the default subcommand).",
        discussion: """
            Each case (SUITE/cases/NAME.yaml: an account's prompt input and assertions) is rendered with the prompt and compared \
            with SUITE/golden/NAME.txt; a change is shown as a unified diff and fails the run until accepted with --update-golden. \
            The case is then asked exactly as enrichment asks an account: the first answer, then repairs listing its errors, up to \
            enrichment.max_attempts and the token budget, with the configured model and parameters. Its final answer is graded by \
            the case's assertions (valid, contains, icontains, regex, mentions-any and their not- forms, max-chars, grounded, \
            no-generic, max-latency-ms, max-cost), weighted; the case passes when the passed weight reaches its threshold.

            Answers come from cassettes (SUITE/cassettes/KEY.json, KEY a hash of the full request body): --mode replay (default) \
            uses only those, offline; --mode record asks the endpoint for requests without one and stores the answers; --mode \
            live asks the endpoint for everything and stores nothing. The endpoint is --base-url, else OPENAI_BASE_URL, else \
            enrichment.base_url; the key as for `briefer enrich`.

            A regression is a case or an assertion that passed in the committed baseline (SUITE/baseline.json) and fails now; a \
            case that failed before and still fails is reported, not a regression. With --baseline PROMPT both prompts run over \
            every case and are shown side by side; regressions are then counted against the baseline prompt's run, and the \
            candidate's golden changes are shown without failing the run. With --repeat N, run n replays (and records) the \
            answers of run n; a case or an assertion passes when it passes in more than half of the runs; pass rates show \
            flakiness. A request the endpoint fails (after its retries) is not recorded, and its case is not judged.

            Exit status: 0 no regression; 6 a regression, a golden prompt changed without --update-golden (not side by side), a \
            request without a recorded answer in replay mode, or a request the endpoint failed; 2 an invalid case, suite or \
            configuration; 1 another error.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var prompt: PromptOptions
    @OptionGroup var suiteOption: SuiteOption
    @Option(
        help: ArgumentHelp(
            "Another prompt template to run side by side, as the baseline the --prompt one is compared with.", valueName: "path"))
    var baseline: String?
    @Option(help: "replay (recorded answers only), record (ask the endpoint for what is not recorded, and store it) or live.")
    var mode: CassetteMode = .replay
    @Option(name: .customLong("repeat"), help: "Run each case this many times and report pass rates.")
    var repeats = 1
    @Option(name: .customLong("case"), help: ArgumentHelp("Only this case (repeatable).", valueName: "name"))
    var cases: [String] = []
    @Flag(help: "Accept the rendered prompts as the new golden copies.")
    var updateGolden = false
    @Flag(help: "Record this run's outcomes as the new baseline (SUITE/baseline.json).")
    var accept = false
    @Flag(help: "Delete cassettes no request of this run used (a run over every case only).")
    var prune = false
    @Option(help: ArgumentHelp("Also write the report as JUnit XML to this file.", valueName: "file"))
    var junit: String?
    @Option(help: ArgumentHelp("Also write the report as JSON to this file.", valueName: "file"))
    var json: String?
    @Flag(help: "Show every failing assertion's message and the briefing it judged.")
    var verbose = false
    @OptionGroup(title: "The endpoint (record and live modes; the model is part of every cassette key)") var endpoint: EndpointOptions

    func validate() throws {
        if repeats < 1 { throw ValidationError("--repeat must be at least 1") }
        if prune, !cases.isEmpty { throw ValidationError("--prune needs a run over every case (no --case)") }
        if prune, mode == .live { throw ValidationError("--prune needs replay or record mode: a live run uses no cassette") }
    }

    func run() async throws {
        let briefer = try global.session(prompt: prompt, endpoint: endpoint, database: false)
        var session = RegressionSession(
            suite: RegressionSuite(root: suiteOption.suite), settings: briefer.configuration.enrichment, mode: mode,
            client: mode == .replay ? nil : try briefer.modelClient())
        (session.cases, session.repeats) = (cases, repeats)
        (session.updateGolden, session.accept, session.prune) = (updateGolden, accept, prune)
        let candidate = RegressionSession.Prompt(
            template: try briefer.template(), name: briefer.promptSource.description)
        let baselinePrompt = try baseline.map { RegressionSession.Prompt(template: try PromptLoader.load(path: $0), name: $0) }
        let outcome = try await session.run(candidate: candidate, baseline: baselinePrompt, progress: BrieferApp.Progress())
        if outcome.recorded > 0 { print("recorded \(outcome.recorded) new cassette(s) in \(session.suite.cassettesDirectory)") }
        let result = outcome.result
        print(Reports.regression(result, verbose: verbose))
        if let junit { try write(Reports.regressionJUnit(result), to: junit) }
        if let json { try write(JSONOutput.render(Reports.regressionJSON(result)) + "\n", to: json) }
        if !result.gateFailures.isEmpty { throw ExitCode(6) }
    }

    func write(_ text: String, to path: String) throws {
        do { try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw CommandError(.cannotWrite, "cannot write \(path): \(error.localizedDescription)")
        }
    }
}

struct RegressCapture: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture",
        abstract: "Make a regression case from an account of the latest scoring run.",
        discussion: "Writes SUITE/cases/NAME.yaml with the account's prompt input (exactly what enrichment renders), the workspace's "
            + "other names as its vocabulary, and starting assertions (valid, grounded, no-generic, mentions-any of its features). "
            + "Edit the assertions, then: `briefer regress --case NAME --mode record --update-golden --accept`.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var suiteOption: SuiteOption
    @Argument(help: "The account's domain.")
    var account: String
    @Option(help: "The case's name (default: the domain, other characters than letters, digits and _ as dashes).")
    var name: String?
    @Option(help: "What the case is about, in a sentence.")
    var description: String?
    @Flag(help: "Overwrite an existing case of that name.")
    var force = false

    func run() throws {
        let session = try global.session(mustExist: true)
        let path = try RegressionSession.capture(
            account: account, name: name, description: description, force: force,
            suite: RegressionSuite(root: suiteOption.suite), store: try session.store, configuration: session.configuration)
        print("wrote \(path)")
        let caseName = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        print("next: sharpen its assertions, then `briefer regress --case \(caseName) --mode record --update-golden --accept`")
    }
}
