import BrieferCore
import BrieferStore
import Foundation

/// One `briefer regress run`: a candidate prompt (and, side by side, a baseline prompt) over the suite's cases,
/// compared with the committed baseline or with the baseline prompt's run; golden copies updated, the
/// outcomes accepted as the new baseline and unused cassettes pruned when asked.
public struct RegressionSession: Sendable {
    /// A prompt template and how reports name it (its file, or the built-in one).
    public struct Prompt: Sendable {
        public var template: PromptTemplate
        public var name: String
        public init(template: PromptTemplate, name: String) { self.template = template; self.name = name }
    }

    public var suite: RegressionSuite
    public var settings: BrieferConfiguration.Enrichment
    public var mode: CassetteMode
    /// The endpoint (record and live modes).
    public var client: LLMClient?
    /// Only these cases (empty: all).
    public var cases: [String] = []
    public var repeats = 1
    public var updateGolden = false
    public var accept = false
    public var prune = false

    public init(suite: RegressionSuite, settings: BrieferConfiguration.Enrichment, mode: CassetteMode, client: LLMClient?) {
        self.suite = suite; self.settings = settings; self.mode = mode; self.client = client
    }

    /// What a run found, and how many answers it recorded.
    public struct Outcome: Sendable {
        public var result: RegressionResult
        public var recorded: Int
    }

    public func run(candidate: Prompt, baseline: Prompt?, progress: Progress?) async throws -> Outcome {
        let regressionCases = try suite.loadCases(only: cases)
        let cassettes = CassetteStore(directory: suite.cassettesDirectory)
        let runner = RegressionRunner(
            suite: suite, settings: settings, caller: RegressionCaller(mode: mode, cassettes: cassettes, client: client))
        func runAll(_ prompt: Prompt) async throws -> PromptRunReport {
            let report = try await runner.run(regressionCases, template: prompt.template, promptPath: prompt.name, repeats: repeats) {
                done, total in
                progress?.update(label: "regress \(prompt.template.version)", done: done, total: total, unit: .items)
            }
            progress?.finish()
            return report
        }
        var baselineRun: PromptRunReport?
        if let baseline { baselineRun = try await runAll(baseline) }
        let candidateRun = try await runAll(candidate)

        // Cases without answers (unrecorded, or the endpoint failed) are errors of the run, not regressions.
        let answered = candidateRun.judgedOutcomes
        let committed = try suite.baseline()
        let ran = Set(regressionCases.map(\.name))
        // With --case, the other cases of the baseline are not this run's business.
        let committedOutcomes = (committed?.cases ?? [:]).filter { cases.isEmpty || ran.contains($0.key) }
        // A case that ran without answers is reported as such, not as dropped from the baseline.
        let unjudged = ran.subtracting(answered.keys)
        let comparison: OutcomeComparison
        let comparedWith: String
        var notes: [String] = []
        if let baselineRun {
            comparison = OutcomeComparison(baseline: baselineRun.judgedOutcomes.filter { !unjudged.contains($0.key) }, current: answered)
            comparedWith = "the baseline prompt \(baselineRun.template.version)"
        } else {
            comparison = OutcomeComparison(baseline: committedOutcomes.filter { !unjudged.contains($0.key) }, current: answered)
            comparedWith = committed == nil ? "no baseline yet (--accept records one)" : "the committed baseline"
            if let committed, committed.model != settings.model {
                notes.append("the baseline was accepted with the model \(committed.model); this run asks \(settings.model)")
            }
        }

        var goldensUpdated = 0
        if updateGolden {
            for report in candidateRun.goldenChanges {
                try suite.writeGolden(report.name, RegressionSuite.goldenText(report.rendered))
                goldensUpdated += 1
            }
        }
        if accept {
            // Cases without an answer keep their accepted outcome; cases whose file is gone leave the baseline.
            var outcomes = (committed?.cases ?? [:]).filter { !cases.isEmpty || ran.contains($0.key) }
            outcomes.merge(answered) { $1 }
            if !unjudged.isEmpty {
                notes.append(
                    "\(unjudged.count) case(s) without answers keep their accepted outcome: \(unjudged.sorted().joined(separator: ", "))")
            }
            try suite.writeBaseline(
                RegressionBaseline(
                    promptVersion: candidate.template.version, promptHash: candidate.template.hash,
                    model: settings.model, cases: outcomes))
        }
        if prune {
            // Only a complete run knows which cassettes are used: one with unanswered requests would delete what it could not reach.
            if unjudged.isEmpty {
                let removed = try await cassettes.pruneUnused()
                notes.append("pruned \(removed) cassette(s) no request of this run used")
            } else {
                notes.append("nothing pruned: \(unjudged.count) case(s) did not get every answer, so the cassettes in use are not known")
            }
        }
        let result = RegressionResult(
            candidate: candidateRun, baseline: baselineRun, comparedWith: comparedWith,
            comparison: comparison, goldensUpdated: goldensUpdated, accepted: accept, notes: notes)
        return Outcome(result: result, recorded: await cassettes.recorded)
    }

    /// Writes a new case (SUITE/cases/NAME.yaml) from an account of the latest scoring run: its prompt input,
    /// the workspace's names as vocabulary, starting assertions. Returns the file's path.
    public static func capture(
        account: String, name: String?, description: String?, force: Bool, suite: RegressionSuite,
        store: BrieferStore, configuration: BrieferConfiguration
    ) throws -> String {
        guard let run = try store.latestRun(model: configuration.model) else {
            throw RegressionError("no \(configuration.model.rawValue) scoring run yet: run `briefer score` first", code: .noScoringRun)
        }
        guard let score = try store.accountScores(runId: run.id).first(where: { $0.score.account == account }) else {
            throw RegressionError("\(account) is not an account of scoring run \(run.id) (see `briefer accounts`)", code: .unknownAccount)
        }
        guard let input = try store.promptInputs(run: run, accounts: [score], configuration: configuration)[account] else {
            throw RegressionError("no prompt input could be built for \(account)", code: .unknownAccount)
        }
        let caseName = name ?? String(account.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "-" })
        guard caseName.allSatisfy({ $0.isLetter || $0.isNumber || "-_".contains($0) }), !caseName.isEmpty else {
            throw RegressionError("--name may hold letters, digits, - and _ only", code: .badArgument)
        }
        let path = suite.casePath(caseName)
        if FileManager.default.fileExists(atPath: path), !force {
            throw RegressionError("\(path) exists (--force to overwrite, --name for another name)", code: .alreadyExists)
        }
        let text = try RegressionSuite.caseText(
            description: description
                ?? "\(input.companyName): \(input.tier), score \(input.score) (captured from run \(run.id) as of \(run.asOf.iso8601))",
            input: input, vocabulary: try store.workspaceTerms())
        try FileManager.default.createDirectory(atPath: suite.casesDirectory, withIntermediateDirectories: true)
        // The text must read back as a case (what capture writes, regress runs) before it replaces anything.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("briefer-capture-\(UUID().uuidString).yaml").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: scratch))
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        _ = try RegressionSuite.loadCase(path: scratch)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        return path
    }
}
