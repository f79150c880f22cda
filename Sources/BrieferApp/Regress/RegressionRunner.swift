import BrieferCore
import Foundation

/// How a case's rendered prompt compares with its golden copy.
public enum GoldenStatus: Sendable, Equatable {
    case same
    /// The unified diff from the golden copy to the rendered prompt.
    case changed(diff: String)
    /// No golden copy yet.
    case new
}

/// One run of one case: the conversation's final answer as the assertions see it.
public struct CaseRun: Sendable {
    public var answer: AnswerUnderTest
    /// Requests made (the first answer plus repairs).
    public var attempts: Int
    public var promptTokens = 0
    public var completionTokens = 0
    /// Set when replay found no recorded answer for one of the requests.
    public var missing: MissingCassette?

    public var briefing: Briefing? { answer.validation?.briefing }
}

/// One case under one prompt: its golden check, its runs and their grade.
public struct CaseReport: Sendable {
    public var regressionCase: RegressionCase
    public var rendered: RenderedPrompt
    public var golden: GoldenStatus
    public var runs: [CaseRun]
    public var grade: CaseGrade

    public var name: String { regressionCase.name }
    public var missing: [MissingCassette] { runs.compactMap(\.missing) }
    public var passed: Bool { grade.outcome.passed }
}

/// Every case under one prompt template.
public struct PromptRunReport: Sendable {
    public var promptPath: String
    public var template: PromptTemplate
    public var model: String
    public var mode: CassetteMode
    public var repeats: Int
    public var cases: [CaseReport]
    public var seconds: Double

    public init(
        promptPath: String, template: PromptTemplate, model: String, mode: CassetteMode, repeats: Int, cases: [CaseReport], seconds: Double
    ) {
        self.promptPath = promptPath; self.template = template; self.model = model; self.mode = mode; self.repeats = repeats
        self.cases = cases; self.seconds = seconds
    }

    public var outcomes: [String: CaseOutcome] {
        Dictionary(uniqueKeysWithValues: cases.map { ($0.name, $0.grade.outcome) })
    }
    public var missing: [MissingCassette] { cases.flatMap(\.missing) }
    /// Runs whose request failed at the endpoint (timeouts, 5xx after retries): nothing was recorded for
    /// them, and their case is not judged.
    public var unanswered: [(caseName: String, failure: String)] {
        cases.flatMap { c in c.runs.compactMap { run in run.missing == nil ? run.answer.failure.map { (c.name, $0) } : nil } }
    }
    /// The outcomes of the cases every run of which got its answers: those a comparison may judge.
    public var judgedOutcomes: [String: CaseOutcome] {
        let unjudged = Set(missing.map(\.caseName) + unanswered.map(\.caseName))
        return outcomes.filter { !unjudged.contains($0.key) }
    }
    public var goldenChanges: [CaseReport] { cases.filter { $0.golden != .same } }
    public var passedCount: Int { cases.filter(\.passed).count }
}

/// Runs regression cases through the same conversation enrichment has with the model (first answer,
/// then repairs up to `enrichment.max_attempts` and the token budget), answered per ``CassetteMode``,
/// and grades the final answer of each run with the case's assertions (SPEC §7).
public struct RegressionRunner: Sendable {
    public let suite: RegressionSuite
    public let settings: BrieferConfiguration.Enrichment
    public let caller: RegressionCaller

    public init(suite: RegressionSuite, settings: BrieferConfiguration.Enrichment, caller: RegressionCaller) {
        self.suite = suite; self.settings = settings; self.caller = caller
    }

    /// Runs `cases` `repeats` times each under `template`, at most `enrichment.concurrency` requests at a
    /// time; `progress` after each finished run.
    public func run(
        _ cases: [RegressionCase], template: PromptTemplate, promptPath: String, repeats: Int,
        progress: (@Sendable (Int, Int) -> Void)? = nil
    ) async throws -> PromptRunReport {
        let started = ContinuousClock.now
        var rendered: [RenderedPrompt] = []
        for regressionCase in cases {
            do { rendered.append(try template.render(regressionCase.input, rules: settings.briefing)) } catch {
                throw RegressionError("case \(regressionCase.name): the prompt does not render: \(error)", code: .invalidSuite)
            }
        }
        let jobs = cases.indices.flatMap { c in (0..<repeats).map { (c, $0) } }
        var runs = Array(repeating: [CaseRun?](repeating: nil, count: repeats), count: cases.count)
        try await withThrowingTaskGroup(of: (Int, Int, CaseRun).self) { group in
            var next = 0
            func start() {
                guard next < jobs.count else { return }
                let (c, r) = jobs[next]
                next += 1
                let regressionCase = cases[c], prompt = rendered[c]
                group.addTask { (c, r, try await self.runOnce(regressionCase, prompt: prompt, template: template, run: r)) }
            }
            for _ in 0..<max(1, settings.concurrency) { start() }
            var done = 0
            while let (c, r, run) = try await group.next() {
                runs[c][r] = run
                done += 1
                progress?(done, jobs.count)
                start()
            }
        }
        let reports = cases.indices.map { c in
            let caseRuns = runs[c].map { $0! }
            let golden: GoldenStatus
            let text = RegressionSuite.goldenText(rendered[c])
            if let accepted = suite.golden(cases[c].name) {
                golden =
                    UnifiedDiff.diff(accepted, text, oldName: "golden/\(cases[c].name).txt", newName: "rendered with \(promptPath)")
                    .map { .changed(diff: $0) } ?? .same
            } else {
                golden = .new
            }
            return CaseReport(
                regressionCase: cases[c], rendered: rendered[c], golden: golden, runs: caseRuns,
                grade: cases[c].grade(caseRuns.map(\.answer)))
        }
        return PromptRunReport(
            promptPath: promptPath, template: template, model: settings.model, mode: caller.mode, repeats: repeats,
            cases: reports, seconds: LLMClient.seconds(ContinuousClock.now - started))
    }

    /// One run of one case: the conversation until a valid answer, the attempts or the token budget run out.
    func runOnce(_ regressionCase: RegressionCase, prompt: RenderedPrompt, template: PromptTemplate, run: Int) async throws -> CaseRun {
        let validator = BriefingValidator(rules: settings.briefing, vocabulary: GroundingVocabulary(terms: regressionCase.groundingTerms))
        var conversation = BriefingConversation(template: template, input: regressionCase.input, prompt: prompt, settings: settings)
        var result = CaseRun(answer: AnswerUnderTest(validation: nil), attempts: 0)
        while result.attempts < settings.maxAttempts {
            if result.attempts > 0, !conversation.nextAttemptFits(spent: result.promptTokens + result.completionTokens) { break }
            result.attempts += 1
            let request = conversation.request(model: settings.model)
            let answer: RecordedAnswer
            do {
                answer = try await caller.answer(request, caseName: regressionCase.name, attempt: result.attempts, run: run)
            } catch let missing as MissingCassette {
                result.missing = missing
                result.answer = AnswerUnderTest(
                    validation: nil, latencyMs: result.answer.latencyMs, costUsd: result.answer.costUsd,
                    failure: missing.description)
                break
            } catch let failure as ChatFailure {
                switch failure {
                case .cancelled: throw CancellationError()
                case .endpoint: throw RegressionError("the model endpoint refused the request: \(failure)", code: .endpointRefused)
                case .failed, .deferred:
                    result.answer = AnswerUnderTest(
                        validation: nil, latencyMs: result.answer.latencyMs, costUsd: result.answer.costUsd,
                        failure: failure.description)
                    return result
                }
            }
            result.promptTokens += answer.promptTokens
            result.completionTokens += answer.completionTokens
            let cost =
                result.answer.costUsd
                + LLMClient.cost(
                    model: settings.model, promptTokens: answer.promptTokens,
                    completionTokens: answer.completionTokens, prices: settings.prices)
            let validation = try conversation.take(answer.modelAnswer, validator: validator)
            result.answer = AnswerUnderTest(validation: validation, latencyMs: result.answer.latencyMs + answer.latencyMs, costUsd: cost)
            if validation.isValid { break }
        }
        return result
    }
}
