/// One regression case (SPEC §7): an account's prompt input, the names its briefing is checked
/// against, and what is expected of the briefing.
public struct RegressionCase: Sendable, Equatable {
    /// The file's name without its extension: how reports, goldens and the baseline name the case.
    public var name: String
    /// What the case is about, in a sentence.
    public var description: String
    public var input: PromptInput
    /// Names that exist in the workspace (features, integrations, limits, events, tools) beyond those in
    /// the input: a briefing naming one of them for this account is ungrounded, as in enrichment.
    public var vocabulary: [String]
    /// The share of the assertions' weight that must pass for the case to pass (0…1; 1: all of them).
    public var threshold: Double
    public var assertions: [RegressionAssertion]

    public init(
        name: String, description: String = "", input: PromptInput, vocabulary: [String] = [], threshold: Double = 1,
        assertions: [RegressionAssertion]
    ) {
        self.name = name; self.description = description; self.input = input; self.vocabulary = vocabulary
        self.threshold = threshold; self.assertions = assertions
    }

    /// What the case checks the briefing's names against: its vocabulary and every name in its input.
    public var groundingTerms: [String] { vocabulary + input.mentionedNames }

    /// Why the case cannot be run as written, or nil.
    public var problem: String? {
        if assertions.isEmpty { return "no assertions: a case that expects nothing passes anything" }
        if !(0...1).contains(threshold) { return "threshold must be between 0 and 1" }
        var labels: Set<String> = []
        for assertion in assertions {
            if let problem = assertion.problem { return "\(assertion.label): \(problem)" }
            if !labels.insert(assertion.label).inserted { return "\(assertion.label) appears twice" }
        }
        if assertions.allSatisfy({ $0.weight == 0 }) { return "every assertion has weight 0" }
        return nil
    }

    /// The verdict of every assertion on each of `runs` (one answer per run of the case).
    public func grade(_ runs: [AnswerUnderTest]) -> CaseGrade {
        let results = runs.map { run in assertions.map { $0.evaluate(run) } }
        return CaseGrade(name: name, threshold: threshold, runs: results)
    }
}

/// Every assertion's verdict over the runs of one case, and what they add up to.
public struct CaseGrade: Sendable, Equatable {
    public var name: String
    public var threshold: Double
    /// Per run, the result of each assertion in case order.
    public var runs: [[AssertionResult]]

    /// One run's score: the passed assertions' share of the total weight.
    public static func score(_ results: [AssertionResult]) -> Double {
        let total = results.reduce(0) { $0 + $1.weight }
        guard total > 0 else { return 1 }
        return results.reduce(0) { $0 + ($1.passed ? $1.weight : 0) } / total
    }

    func runPassed(_ results: [AssertionResult]) -> Bool { Self.score(results) >= threshold - 1e-9 }

    /// The share of runs that passed.
    public var passRate: Double {
        runs.isEmpty ? 0 : Double(runs.filter(runPassed).count) / Double(runs.count)
    }

    /// The mean score over the runs.
    public var score: Double {
        runs.isEmpty ? 0 : runs.reduce(0) { $0 + Self.score($1) } / Double(runs.count)
    }

    /// Over several runs a case or an assertion passes when it passes in more than half of them.
    public var outcome: CaseOutcome {
        var assertions: [String: Bool] = [:]
        for (index, first) in (runs.first ?? []).enumerated() {
            let passes = runs.filter { $0[index].passed }.count
            assertions[first.label] = passes * 2 > runs.count
        }
        return CaseOutcome(passed: passRate > 0.5, score: (score * 1000).rounded() / 1000, assertions: assertions)
    }

    /// Each assertion's label, weight and pass rate over the runs, and the message of its last failure
    /// (or of its last run when it never failed).
    public var assertionSummaries: [(label: String, weight: Double, passRate: Double, message: String)] {
        (runs.first ?? []).indices.map { index in
            let results = runs.map { $0[index] }
            let passes = results.filter(\.passed).count
            let shown = results.last { !$0.passed } ?? results.last!
            return (shown.label, shown.weight, Double(passes) / Double(results.count), shown.message)
        }
    }
}

/// A case's outcome as the baseline keeps it: pass/fail of the case and of each assertion by label.
public struct CaseOutcome: Sendable, Equatable, Codable {
    public var passed: Bool
    public var score: Double
    public var assertions: [String: Bool]

    public init(passed: Bool, score: Double, assertions: [String: Bool]) {
        self.passed = passed; self.score = score; self.assertions = assertions
    }
}

/// What changed between two sets of outcomes (the committed baseline or a baseline prompt's run, and
/// the current one). A regression is a case or an assertion that passed before and fails now; one that
/// failed before and still fails is not.
public struct OutcomeComparison: Sendable, Equatable {
    public struct Finding: Sendable, Equatable {
        public var caseName: String
        /// Nil for the case as a whole.
        public var assertion: String?
        public init(caseName: String, assertion: String?) { self.caseName = caseName; self.assertion = assertion }
    }

    /// Passed before, fail now.
    public var regressions: [Finding] = []
    /// Failed before, pass now.
    public var fixes: [Finding] = []
    /// Failed before and still fail.
    public var stillFailing: [Finding] = []
    /// Cases or assertions the baseline does not know.
    public var new: [Finding] = []
    /// Cases or assertions the baseline has and this run does not (a case removed or renamed, an
    /// assertion whose type, field or value was edited): what they guarded is no longer checked.
    public var dropped: [Finding] = []

    public init(baseline: [String: CaseOutcome], current: [String: CaseOutcome]) {
        for name in baseline.keys.sorted() where current[name] == nil {
            dropped.append(Finding(caseName: name, assertion: nil))
        }
        for name in current.keys.sorted() {
            let now = current[name]!
            for label in (baseline[name]?.assertions.keys.sorted() ?? []) where now.assertions[label] == nil {
                dropped.append(Finding(caseName: name, assertion: label))
            }
            guard let before = baseline[name] else {
                new.append(Finding(caseName: name, assertion: nil))
                continue
            }
            file(name, nil, before: before.passed, now: now.passed)
            for label in now.assertions.keys.sorted() {
                guard let was = before.assertions[label] else {
                    new.append(Finding(caseName: name, assertion: label))
                    continue
                }
                file(name, label, before: was, now: now.assertions[label]!)
            }
        }
    }

    private mutating func file(_ name: String, _ label: String?, before: Bool, now: Bool) {
        let finding = Finding(caseName: name, assertion: label)
        switch (before, now) {
        case (true, false): regressions.append(finding)
        case (false, true): fixes.append(finding)
        case (false, false): stillFailing.append(finding)
        case (true, true): break
        }
    }

    /// The cases with at least one regression (of the case or of one of its assertions).
    public var regressedCases: Set<String> { Set(regressions.map(\.caseName)) }
}
