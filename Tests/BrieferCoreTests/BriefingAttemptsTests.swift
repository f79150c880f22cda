import Testing

@testable import BrieferCore

// One account's way to a briefing (SPEC §5), driven without I/O: each test plays what the model and the
// store would say and checks the next action.

/// 2024-03-15T12:00:00Z in ms since 1970.
private let now: Int64 = 1_710_504_000_000
private let briefing = Briefing(
    useCaseHypothesis: "a", expansionSignal: "b", recommendedOpening: "c", riskFactor: "d")
private let valid = BriefingValidation(briefing: briefing, errors: [])
private let generic = BriefingValidation(
    briefing: briefing, errors: [BriefingError(.multipleSentences, field: "risk_factor", "two sentences")])
private let notJSON = BriefingValidation(briefing: nil, errors: [BriefingError(.notJSON, "not a JSON object")])

private func machine(
    models: [String] = ["m"], maxAttempts: Int = 3, cap: Double = 0, onFailure: BrieferConfiguration.Enrichment.FailureAction = .rules
) -> BriefingAttempts {
    BriefingAttempts(
        limits: .init(models: models, maxAttempts: maxAttempts, dailySpendCapUsd: cap, tokenBudget: 6000, onFailure: onFailure))
}

/// The next step with everything allowed unless said otherwise.
private func next(
    _ m: inout BriefingAttempts, stopped: String? = nil, lease: Bool = true, spent: Double = 0, fits: Bool = true
) -> BriefingAttempts.Action {
    m.next(nowMs: now, runStopped: stopped, leaseHeld: { lease }, spentTodayUsd: { spent }, nextAttemptFits: { _ in fits })
}

@Test func aValidFirstAnswerIsKeptAsFirstTime() {
    var m = machine()
    #expect(next(&m) == .call(model: "m"))
    #expect(m.validated(valid) == .keep(briefing, repaired: false))
    #expect(m.attempt == 1 && m.errors.isEmpty)
}

@Test func aFailingAnswerIsRepairedAndTheRepairKept() {
    var m = machine()
    _ = next(&m)
    #expect(m.validated(generic) == nil)
    #expect(next(&m) == .call(model: "m"))
    #expect(m.validated(valid) == .keep(briefing, repaired: true))
    #expect(m.errors == [BriefingAttemptError(attempt: 1, code: "multiple_sentences", field: "risk_factor", detail: "two sentences")])
}

@Test func everyAttemptFailingEndsInTheConfiguredFallback() {
    for (policy, expected) in [
        (
            BrieferConfiguration.Enrichment.FailureAction.rules,
            BriefingAttempts.Action.fallBack(
                reason: "no valid briefing in 2 attempt(s) (multiple_sentences, not_json)")
        ),
        (.needsReview, .needsReview(reason: "no valid briefing in 2 attempt(s) (multiple_sentences, not_json)")),
    ] {
        var m = machine(maxAttempts: 2, onFailure: policy)
        _ = next(&m)
        #expect(m.validated(generic) == nil)
        _ = next(&m)
        #expect(m.validated(notJSON) == nil)
        #expect(next(&m) == expected)
    }
}

@Test func aValidShapeWithoutBriefingIsNotKept() {
    var m = machine(maxAttempts: 1)
    _ = next(&m)
    #expect(m.validated(BriefingValidation(briefing: nil, errors: [])) == nil)
    #expect(next(&m) == .fallBack(reason: "no valid briefing in 1 attempt(s) (no answer)"))
}

@Test func aFailedCallMovesToTheNextFallbackModelAndAsksAfresh() {
    var m = machine(models: ["primary", "backup-1", "backup-2"])
    #expect(next(&m) == .call(model: "primary"))
    #expect(m.callFailed(.failed("HTTP 500"), nowMs: now) == nil)
    #expect(next(&m) == .call(model: "backup-1"))
    #expect(m.callFailed(.failed("HTTP 502"), nowMs: now) == nil)
    #expect(next(&m) == .call(model: "backup-2"))
    #expect(m.callFailed(.failed("HTTP 503"), nowMs: now) == nil)
    #expect(next(&m) == .fallBack(reason: "no valid briefing in 3 attempt(s) (transport)"))
    #expect(m.errors.map(\.attempt) == [1, 2, 3])
    #expect(m.model == "backup-2")
}

@Test func theLastModelIsKeptWhenFallbacksRunOut() {
    var m = machine(models: ["only"])
    _ = next(&m)
    _ = m.callFailed(.failed("timeout"), nowMs: now)
    #expect(next(&m) == .call(model: "only"))
}

@Test func aServerAskingToWaitDefersTheAccountUntilThen() {
    var m = machine()
    _ = next(&m)
    #expect(
        m.callFailed(.deferred(seconds: 120, "HTTP 429"), nowMs: now)
            == .deferAccount(.rateLimited, detail: "HTTP 429", untilMs: now + 120_000))
}

@Test func aRefusingEndpointStopsTheRunAndLaterAccountsAreDeferred() {
    var m = machine()
    _ = next(&m)
    let failure = ChatFailure.endpoint("HTTP 401")
    #expect(m.callFailed(failure, nowMs: now) == .stopRun(failure.description))
    var other = machine()
    #expect(next(&other, stopped: failure.description) == .deferAccount(.endpointError, detail: failure.description, untilMs: nil))
    #expect(other.attempt == 0)
}

@Test func cancellationIsAnEnding() {
    var m = machine()
    _ = next(&m)
    #expect(m.callFailed(.cancelled, nowMs: now) == .cancel)
}

@Test func theSpendCapDefersAnUntriedAccountToTheNextUTCDay() {
    var m = machine(cap: 5)
    // 2024-03-16T00:00:00Z
    #expect(
        next(&m, spent: 5)
            == .deferAccount(.spendCap, detail: "the daily spend cap of $5.0 is reached", untilMs: 1_710_547_200_000))
    var under = machine(cap: 5)
    #expect(next(&under, spent: 4.99) == .call(model: "m"))
}

@Test func theSpendCapAfterFailedAnswersGivesTheFallbackNow() {
    var m = machine(cap: 5)
    _ = next(&m)
    _ = m.validated(generic)
    #expect(next(&m, spent: 6) == .fallBack(reason: "the daily spend cap was reached after 1 attempt(s) (multiple_sentences)"))
}

@Test func noCapAsksNothingOfTheStore() throws {
    var m = machine(cap: 0)
    let action = m.next(
        nowMs: now, runStopped: nil, leaseHeld: { true },
        spentTodayUsd: {
            Issue.record("spend asked without a cap"); return 0
        },
        nextAttemptFits: { _ in true })
    #expect(action == .call(model: "m"))
}

@Test func theLeaseIsRenewedBeforeEveryRepairAndLosingItLeavesTheAccount() {
    var m = machine()
    var renewals = 0
    _ = m.next(
        nowMs: now, runStopped: nil,
        leaseHeld: {
            renewals += 1; return true
        }, spentTodayUsd: { 0 }, nextAttemptFits: { _ in true })
    #expect(renewals == 0)
    _ = m.validated(generic)
    #expect(next(&m, lease: false) == .leave)
}

@Test func aRepairPastTheTokenBudgetIsNotAsked() {
    var m = machine()
    _ = next(&m)
    m.exchanged(promptTokens: 3000, completionTokens: 500, costUsd: 0.01, seconds: 1.5)
    m.exchanged(promptTokens: 0, completionTokens: 0, costUsd: 0, seconds: 0.5)
    _ = m.validated(generic)
    var spentSeen: Int?
    let action = m.next(
        nowMs: now, runStopped: nil, leaseHeld: { true }, spentTodayUsd: { 0 },
        nextAttemptFits: {
            spentSeen = $0; return false
        })
    #expect(spentSeen == 3500)
    #expect(action == .fallBack(reason: "the token budget of 6000 would be passed after 1 attempt(s) (multiple_sentences)"))
    #expect(m.usage.seconds == 2.0 && m.usage.costUsd == 0.01)
}
