import BrieferCore
import Testing

/// The assertion engine of `briefer regress` (SPEC §7) against crafted answers: every type passing and
/// failing, negation, weights and thresholds, pass rates over repeats, and the baseline comparison.
struct RegressionAssertionTests {
    static let input = PromptInput(
        account: "acme.com", companyName: "Acme Corporation", industry: "saas", employeeCount: 1200, score: 100, tier: "hot",
        users: 6, activeUsers: 4, activeDays: 12, invitedTeammates: 1, completedActivations: ["project_created"],
        topFeatures: [.init(name: "sql_editor", count: 8), .init(name: "report_builder", count: 4)],
        integrations: ["snowflake"], limitsHit: ["api_requests"], recentEvents: [.init(name: "pricing_page_viewed", count: 4)])
    static let validator = BriefingValidator(
        rules: BrieferConfiguration().enrichment.briefing,
        vocabulary: GroundingVocabulary(terms: input.mentionedNames + ["looker", "dashboard"]))

    static let good = Briefing(
        useCaseHypothesis: "Acme runs its analytics in the sql_editor, with 8 uses in the last 14 days.",
        expansionSignal: "They hit the api_requests limit and viewed the pricing page 4 times.",
        recommendedOpening: "Ask how the report_builder fits their weekly reporting to leadership.",
        riskFactor: "Only 4 of their 6 users were active, so adoption may still be narrow.")

    static func answer(_ briefing: Briefing, latencyMs: Int = 900, costUsd: Double = 0.001) -> AnswerUnderTest {
        AnswerUnderTest(validation: validator.validate(briefing, input: input), latencyMs: latencyMs, costUsd: costUsd)
    }
    static func answer(content: String, finishReason: String = "stop") -> AnswerUnderTest {
        AnswerUnderTest(validation: validator.validate(ModelAnswer(content: content, finishReason: finishReason), input: input))
    }

    static var bad: Briefing {
        var b = good
        b.useCaseHypothesis = "They use Looker to build 40 dashboards for the whole company."
        b.recommendedOpening = "Reach out to discuss how we can add value to their team."
        return b
    }

    @Test func thePreparedBriefingIsValid() {
        #expect(Self.answer(Self.good).validation?.isValid == true)
    }

    @Test func validPassesAValidBriefingAndFailsEveryCode() {
        let valid = RegressionAssertion(.valid(ignoring: []))
        #expect(valid.evaluate(Self.answer(Self.good)).passed)
        let failed = valid.evaluate(Self.answer(Self.bad))
        #expect(!failed.passed)
        #expect(failed.message.contains("ungrounded_term") && failed.message.contains("generic_phrase"))
        #expect(!valid.evaluate(Self.answer(content: "not json at all")).passed)
        #expect(!valid.evaluate(Self.answer(content: "{\"use_case_hypothesis\": \"cut", finishReason: "length")).passed)
        // Ignoring the codes it breaks lets it through; ignoring others does not.
        #expect(
            RegressionAssertion(.valid(ignoring: [.ungroundedTerm, .ungroundedNumber, .genericPhrase])).evaluate(Self.answer(Self.bad))
                .passed)
        #expect(!RegressionAssertion(.valid(ignoring: [.genericPhrase])).evaluate(Self.answer(Self.bad)).passed)
    }

    @Test func containsIsCaseSensitiveAndIcontainsIsNot() {
        #expect(RegressionAssertion(.contains("sql_editor")).evaluate(Self.answer(Self.good)).passed)
        #expect(!RegressionAssertion(.contains("SQL_EDITOR")).evaluate(Self.answer(Self.good)).passed)
        #expect(RegressionAssertion(.icontains("SQL_EDITOR")).evaluate(Self.answer(Self.good)).passed)
        #expect(!RegressionAssertion(.icontains("looker")).evaluate(Self.answer(Self.good)).passed)
    }

    @Test func aFieldAssertionLooksAtThatFieldOnly() {
        #expect(RegressionAssertion(.icontains("api_requests"), field: "expansion_signal").evaluate(Self.answer(Self.good)).passed)
        let elsewhere = RegressionAssertion(.icontains("api_requests"), field: "risk_factor").evaluate(Self.answer(Self.good))
        #expect(!elsewhere.passed)
        #expect(elsewhere.message == "risk_factor does not have it")
    }

    @Test func negationPassesWhenTheTextDoesNotHaveIt() {
        #expect(RegressionAssertion(.icontains("looker"), negated: true).evaluate(Self.answer(Self.good)).passed)
        let failed = RegressionAssertion(.icontains("looker"), negated: true).evaluate(Self.answer(Self.bad))
        #expect(!failed.passed)
        #expect(failed.message == "the briefing has \"looker\"")
        #expect(RegressionAssertion(.icontains("looker"), negated: true).label == "not-icontains \"looker\"")
    }

    @Test func regexMatchesWithSwiftRegexSyntax() {
        #expect(RegressionAssertion(.regex("\\b\\d+ uses\\b")).evaluate(Self.answer(Self.good)).passed)
        #expect(!RegressionAssertion(.regex("(?i)\\bdashboards?\\b")).evaluate(Self.answer(Self.good)).passed)
        #expect(RegressionAssertion(.regex("(?i)\\bdashboards?\\b")).evaluate(Self.answer(Self.bad)).passed)
        #expect(RegressionAssertion(.regex("(unclosed")).problem != nil)
        #expect(RegressionAssertion(.regex("ok")).problem == nil)
    }

    @Test func mentionsAnyComparesTermsWordByWord() {
        let builder = RegressionAssertion(.mentionsAny(["Report Builder", "alerts"]), field: "recommended_opening")
        #expect(builder.evaluate(Self.answer(Self.good)).passed)  // "report_builder" in the text
        var plural = Self.good
        plural.recommendedOpening = "Ask which report-builders their analysts rely on every week."
        #expect(builder.evaluate(Self.answer(plural)).passed)
        #expect(!RegressionAssertion(.mentionsAny(["alerts", "audit_log"])).evaluate(Self.answer(Self.good)).passed)
        // Whole words: "report" does not mention "reports_hub".
        #expect(!RegressionAssertion(.mentionsAny(["reports_hub"])).evaluate(Self.answer(Self.good)).passed)
    }

    @Test func maxCharsChecksEachField() {
        #expect(RegressionAssertion(.maxChars(80)).evaluate(Self.answer(Self.good)).passed)
        let failed = RegressionAssertion(.maxChars(70)).evaluate(Self.answer(Self.good))
        #expect(!failed.passed)
        #expect(failed.message == "use_case_hypothesis has 75 characters (limit 70)")
        #expect(RegressionAssertion(.maxChars(70), field: "risk_factor").evaluate(Self.answer(Self.good)).passed)
    }

    @Test func groundedAndNoGenericLookAtTheirCodesOnly() {
        #expect(RegressionAssertion(.grounded).evaluate(Self.answer(Self.good)).passed)
        let ungrounded = RegressionAssertion(.grounded).evaluate(Self.answer(Self.bad))
        #expect(!ungrounded.passed)
        #expect(ungrounded.message.contains("ungrounded_term") && !ungrounded.message.contains("generic_phrase"))
        #expect(!RegressionAssertion(.noGeneric).evaluate(Self.answer(Self.bad)).passed)
        #expect(RegressionAssertion(.noGeneric, field: "use_case_hypothesis").evaluate(Self.answer(Self.bad)).passed)
        var generic = Self.good
        generic.riskFactor = "We should touch base before their 6 users lose interest."
        #expect(RegressionAssertion(.grounded).evaluate(Self.answer(generic)).passed)
        #expect(!RegressionAssertion(.noGeneric).evaluate(Self.answer(generic)).passed)
    }

    @Test func latencyAndCostCeilings() {
        #expect(RegressionAssertion(.maxLatencyMs(1000)).evaluate(Self.answer(Self.good, latencyMs: 1000)).passed)
        #expect(!RegressionAssertion(.maxLatencyMs(1000)).evaluate(Self.answer(Self.good, latencyMs: 1001)).passed)
        #expect(RegressionAssertion(.maxCost(0.002)).evaluate(Self.answer(Self.good, costUsd: 0.002)).passed)
        #expect(!RegressionAssertion(.maxCost(0.002)).evaluate(Self.answer(Self.good, costUsd: 0.0021)).passed)
    }

    @Test func withoutABriefingEveryContentAssertionFails() {
        let none = Self.answer(content: "I cannot help with that.")
        for kind: RegressionAssertion.Kind in [
            .contains("x"), .icontains("x"), .regex("x"), .mentionsAny(["x"]), .maxChars(500), .grounded, .noGeneric,
        ] {
            #expect(!RegressionAssertion(kind).evaluate(none).passed, "\(kind)")
        }
        // Negated ones too: there is nothing to have checked.
        #expect(!RegressionAssertion(.contains("x"), negated: true).evaluate(none).passed)
        let transport = AnswerUnderTest(validation: nil, failure: "HTTP 503")
        #expect(RegressionAssertion(.valid(ignoring: [])).evaluate(transport).message == "no answer: HTTP 503")
    }

    // MARK: Weights, thresholds, repeats

    static let scoredCase = RegressionCase(
        name: "acme", input: input, threshold: 0.75,
        assertions: [
            RegressionAssertion(.valid(ignoring: []), weight: 2),
            RegressionAssertion(.grounded),
            RegressionAssertion(.icontains("pricing"), field: "expansion_signal"),
        ])

    @Test func theCasePassesWhenThePassedWeightReachesTheThreshold() {
        let good = Self.scoredCase.grade([Self.answer(Self.good)])
        #expect(good.score == 1 && good.outcome.passed)
        var noPricing = Self.good
        noPricing.expansionSignal = "They hit the api_requests limit twice in the last 14 days."
        // 3 of 4 weight: exactly the threshold.
        let missing = Self.scoredCase.grade([Self.answer(noPricing)])
        #expect(missing.score == 0.75 && missing.outcome.passed)
        #expect(missing.outcome.assertions["icontains(expansion_signal) \"pricing\""] == false)
        // valid (2) and grounded (1) fail: 1 of 4.
        let bad = Self.scoredCase.grade([Self.answer(Self.bad)])
        #expect(bad.score == 0.25 && !bad.outcome.passed)
    }

    @Test func overRepeatsAMajorityDecidesAndThePassRateShows() {
        let grade = Self.scoredCase.grade([Self.answer(Self.good), Self.answer(Self.bad), Self.answer(Self.good)])
        #expect(abs(grade.passRate - 2.0 / 3) < 1e-9)
        #expect(grade.outcome.passed)
        #expect(grade.outcome.assertions["grounded"] == true)
        let flaky = grade.assertionSummaries.first { $0.label == "grounded" }!
        #expect(abs(flaky.passRate - 2.0 / 3) < 1e-9 && flaky.message.contains("ungrounded"))
        let mostlyBad = Self.scoredCase.grade([Self.answer(Self.bad), Self.answer(Self.good)])
        #expect(!mostlyBad.outcome.passed)  // one of two is not more than half
    }

    @Test func aCaseThatCannotFailIsRefused() {
        #expect(RegressionCase(name: "x", input: Self.input, assertions: []).problem != nil)
        #expect(RegressionCase(name: "x", input: Self.input, assertions: [RegressionAssertion(.grounded, weight: 0)]).problem != nil)
        #expect(
            RegressionCase(name: "x", input: Self.input, assertions: [RegressionAssertion(.grounded), RegressionAssertion(.grounded)])
                .problem != nil)
        #expect(RegressionCase(name: "x", input: Self.input, assertions: [RegressionAssertion(.grounded, field: "summary")]).problem != nil)
        #expect(RegressionCase(name: "x", input: Self.input, threshold: 1.5, assertions: [RegressionAssertion(.grounded)]).problem != nil)
        #expect(Self.scoredCase.problem == nil)
    }

    // MARK: Baseline comparison

    @Test func aRegressionIsWhatPassedBeforeAndFailsNow() {
        let baseline = [
            "a": CaseOutcome(passed: true, score: 1, assertions: ["valid": true, "grounded": true]),
            "b": CaseOutcome(passed: false, score: 0.5, assertions: ["valid": false, "grounded": true]),
            "c": CaseOutcome(passed: false, score: 0, assertions: ["valid": false]),
        ]
        let current = [
            "a": CaseOutcome(passed: true, score: 0.8, assertions: ["valid": true, "grounded": false]),
            "b": CaseOutcome(passed: true, score: 1, assertions: ["valid": true, "grounded": true, "max-chars 200": true]),
            "c": CaseOutcome(passed: false, score: 0, assertions: ["valid": false]),
            "d": CaseOutcome(passed: false, score: 0, assertions: ["valid": false]),
        ]
        let comparison = OutcomeComparison(baseline: baseline, current: current)
        typealias F = OutcomeComparison.Finding
        #expect(comparison.regressions == [F(caseName: "a", assertion: "grounded")])
        #expect(comparison.fixes == [F(caseName: "b", assertion: nil), F(caseName: "b", assertion: "valid")])
        #expect(comparison.stillFailing == [F(caseName: "c", assertion: nil), F(caseName: "c", assertion: "valid")])
        #expect(comparison.new == [F(caseName: "b", assertion: "max-chars 200"), F(caseName: "d", assertion: nil)])
        #expect(comparison.regressedCases == ["a"])
        #expect(comparison.dropped.isEmpty)
        // What the baseline has and the run does not is reported: a removed case, an edited assertion.
        let edited = OutcomeComparison(
            baseline: baseline, current: ["a": CaseOutcome(passed: true, score: 1, assertions: ["valid": true, "grounded (edited)": true])])
        #expect(
            edited.dropped == [F(caseName: "b", assertion: nil), F(caseName: "c", assertion: nil), F(caseName: "a", assertion: "grounded")])
        // A case that passed and now fails is a regression of the case itself.
        let worse = OutcomeComparison(
            baseline: ["a": CaseOutcome(passed: true, score: 1, assertions: [:])],
            current: ["a": CaseOutcome(passed: false, score: 0.5, assertions: [:])])
        #expect(worse.regressions == [F(caseName: "a", assertion: nil)])
        #expect(OutcomeComparison(baseline: current, current: current).regressions.isEmpty)
    }

    // MARK: Unified diff

    @Test func unifiedDiffShowsTheChangedLinesWithContext() {
        let old = (1...20).map { "line \($0)" }.joined(separator: "\n") + "\n"
        var lines = (1...20).map { "line \($0)" }
        lines[5] = "line six, edited"
        lines.append("line 21")
        let new = lines.joined(separator: "\n") + "\n"
        #expect(UnifiedDiff.diff(old, old, oldName: "a", newName: "b") == nil)
        let diff = UnifiedDiff.diff(old, new, oldName: "golden", newName: "rendered")!
        #expect(
            diff == """
                --- golden
                +++ rendered
                @@ -3,7 +3,7 @@
                 line 3
                 line 4
                 line 5
                -line 6
                +line six, edited
                 line 7
                 line 8
                 line 9
                @@ -18,3 +18,4 @@
                 line 18
                 line 19
                 line 20
                +line 21
                """)
        // Changes at most 2 × 3 unchanged lines apart share a hunk, as `diff -u` does.
        var near = (1...20).map { "line \($0)" }
        near[5] = "six"
        near[12] = "thirteen"
        #expect(
            UnifiedDiff.diff(old, near.joined(separator: "\n") + "\n", oldName: "a", newName: "b")!.split(separator: "\n").filter {
                $0.hasPrefix("@@")
            }.count == 1)
        #expect(UnifiedDiff.diff("", "a\n", oldName: "x", newName: "y") == "--- x\n+++ y\n@@ -0,0 +1 @@\n+a")
    }
}
