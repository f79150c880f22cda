/// Why an account's briefing waits (stored as text in `deferrals.reason`).
public enum DeferralReason: String, Sendable, Codable, CaseIterable {
    /// The endpoint answered 429 or 503: wait as long as it said.
    case rateLimited = "rate_limited"
    /// The daily spend cap is reached: wait for the next UTC day.
    case spendCap = "spend_cap"
    /// The endpoint failed (refused the key, unreachable): tried again next run.
    case endpointError = "endpoint_error"
}

/// Why a request to the model produced no answer.
public enum ChatFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// Retries exhausted or not allowed: the last status or transport error.
    case failed(String)
    /// The server asked to wait longer than allowed; the account waits for a later run.
    case deferred(seconds: Double, String)
    /// The endpoint, key or model is wrong (401, 403, 404, a TLS or URL failure, nothing listening after
    /// every retry): nothing will succeed this run.
    case endpoint(String)
    /// The request was cancelled (shutdown).
    case cancelled

    public var description: String {
        switch self {
        case let .failed(message): return message
        case let .deferred(seconds, message): return "\(message); asked to wait \(Int(seconds.rounded())) s"
        case let .endpoint(message): return "\(message) (check enrichment.base_url, enrichment.model and the API key)"
        case .cancelled: return "cancelled"
        }
    }
}

/// One validation or transport error of one attempt, as stored with the briefing.
public struct BriefingAttemptError: Sendable, Codable, Equatable {
    public var attempt: Int
    public var code: String
    public var field: String?
    public var detail: String
    public init(attempt: Int, code: String, field: String? = nil, detail: String) {
        self.attempt = attempt; self.code = code; self.field = field; self.detail = detail
    }
}

/// One account's way to a briefing (SPEC §5), as a state machine without I/O: told what just happened (an
/// attempt may start, a call failed, an answer was validated), it says what to do next — call a model, keep
/// the answer, defer the account, give up for the rules briefing or review, leave the account to another
/// process. The enricher performs the actions (the calls, the records, the leases); tests drive it alone.
///
/// Attempts go on until a valid briefing, `max_attempts`, the token budget or the daily spend cap. A call that
/// fails outright (no answer to repair) moves to the next fallback model and asks afresh.
public struct BriefingAttempts: Sendable {
    public struct Limits: Sendable, Equatable {
        /// The configured model, then its fallbacks in order.
        public var models: [String]
        public var maxAttempts: Int
        /// US dollars per UTC day; 0 is no cap.
        public var dailySpendCapUsd: Double
        /// Tokens one account may use (named when a repair would pass it).
        public var tokenBudget: Int
        public var onFailure: BrieferConfiguration.Enrichment.FailureAction

        public init(
            models: [String], maxAttempts: Int, dailySpendCapUsd: Double = 0, tokenBudget: Int = 0,
            onFailure: BrieferConfiguration.Enrichment.FailureAction = .rules
        ) {
            self.models = models; self.maxAttempts = maxAttempts; self.dailySpendCapUsd = dailySpendCapUsd
            self.tokenBudget = tokenBudget; self.onFailure = onFailure
        }

        public init(_ settings: BrieferConfiguration.Enrichment) {
            self.init(
                models: [settings.model] + settings.fallbackModels, maxAttempts: settings.maxAttempts,
                dailySpendCapUsd: settings.dailySpendCapUsd, tokenBudget: settings.tokenBudgetPerAccount, onFailure: settings.onFailure)
        }
    }

    public enum Action: Sendable, Equatable {
        /// Send the conversation's next request (the first, a repair, or afresh after a failed call) to `model`.
        case call(model: String)
        /// Store the valid briefing of the current attempt: `repaired` when an earlier answer failed.
        case keep(Briefing, repaired: Bool)
        /// Leave the account for a later run: from `untilMs`, or any later run when nil.
        case deferAccount(DeferralReason, detail: String, untilMs: Int64?)
        /// The endpoint refuses every request: defer this account (`endpoint_error`) and stop the run's other calls.
        case stopRun(String)
        /// No valid briefing: store the briefing built from the reason codes (`source: rules`), with why.
        case fallBack(reason: String)
        /// No valid briefing: store none and list the account for a person, with why.
        case needsReview(reason: String)
        /// The lease went to another process: store nothing more, spend nothing more.
        case leave
        /// Shutting down: the account is left as it is.
        case cancel
    }

    /// Tokens, cost and time over every call of every attempt (retries included).
    public struct Usage: Sendable, Equatable {
        public var promptTokens = 0
        public var completionTokens = 0
        public var costUsd = 0.0
        public var seconds = 0.0
        public var tokens: Int { promptTokens + completionTokens }
        public init() {}
    }

    public let limits: Limits
    /// Attempts started (the current one's number while it runs).
    public private(set) var attempt = 0
    /// The model of the last call, nil before the first.
    public private(set) var model: String?
    public private(set) var errors: [BriefingAttemptError] = []
    public private(set) var usage = Usage()
    private var modelIndex = 0

    public init(limits: Limits) {
        precondition(!limits.models.isEmpty, "at least one model")
        self.limits = limits
    }

    /// The next step before an attempt.
    /// - Parameters:
    ///   - runStopped: why the run stopped calling the model, if another account's call found the endpoint refusing.
    ///   - leaseHeld: renews the account's lease (asked before every attempt after the first); false when another process took it.
    ///   - spentTodayUsd: today's spend plus what requests in flight may still cost (asked only when there is a cap).
    ///   - nextAttemptFits: whether another request fits the token budget, given the tokens spent (asked only for a repair).
    public mutating func next(
        nowMs: Int64, runStopped: String?, leaseHeld: () throws -> Bool, spentTodayUsd: () throws -> Double,
        nextAttemptFits: (_ spentTokens: Int) -> Bool
    ) rethrows -> Action {
        guard attempt < limits.maxAttempts else { return giveUp(stoppedBecause: nil) }
        if let runStopped { return .deferAccount(.endpointError, detail: runStopped, untilMs: nil) }
        // Lost (this process stalled past lease_seconds and another took the account): nothing more is spent or stored here.
        if attempt > 0, try !leaseHeld() { return .leave }
        if limits.dailySpendCapUsd > 0, try spentTodayUsd() >= limits.dailySpendCapUsd {
            // Nothing to show for the account yet: it waits for tomorrow. Failed answers already: it gets its fallback now.
            guard attempt > 0, !errors.isEmpty else {
                return .deferAccount(
                    .spendCap, detail: "the daily spend cap of $\(limits.dailySpendCapUsd) is reached",
                    untilMs: (Timestamp(milliseconds: nowMs).day + 1) * Timestamp.millisecondsPerDay)
            }
            return giveUp(stoppedBecause: "the daily spend cap was reached")
        }
        if attempt > 0, !nextAttemptFits(usage.tokens) {
            return giveUp(stoppedBecause: "the token budget of \(limits.tokenBudget) would be passed")
        }
        attempt += 1
        model = limits.models[modelIndex]
        return .call(model: limits.models[modelIndex])
    }

    /// One HTTP exchange of the current attempt's call came back (an answer, or a failed try that is retried).
    public mutating func exchanged(promptTokens: Int, completionTokens: Int, costUsd: Double, seconds: Double) {
        usage.promptTokens += promptTokens; usage.completionTokens += completionTokens
        usage.costUsd += costUsd; usage.seconds += seconds
    }

    /// The current attempt's call gave no answer. Nil: ask ``next(nowMs:runStopped:leaseHeld:spentTodayUsd:nextAttemptFits:)``.
    public mutating func callFailed(_ failure: ChatFailure, nowMs: Int64) -> Action? {
        switch failure {
        case .cancelled:
            return .cancel
        case let .deferred(seconds, message):
            return .deferAccount(.rateLimited, detail: message, untilMs: nowMs + Int64(seconds * 1000))
        case .endpoint:
            // Every account would fail the same way: this one and the rest wait for a fixed configuration.
            return .stopRun(failure.description)
        case let .failed(message):
            errors.append(.init(attempt: attempt, code: "transport", detail: message))
            if modelIndex + 1 < limits.models.count { modelIndex += 1 }
            return nil
        }
    }

    /// The current attempt's answer was validated. Nil: ask `next` (the conversation carries the repair request).
    public mutating func validated(_ validation: BriefingValidation) -> Action? {
        if validation.isValid, let briefing = validation.briefing { return .keep(briefing, repaired: attempt > 1) }
        errors += validation.errors.map { .init(attempt: attempt, code: $0.code.rawValue, field: $0.field, detail: $0.detail) }
        return nil
    }

    private func giveUp(stoppedBecause stop: String?) -> Action {
        let codes = Set(errors.map(\.code)).sorted().joined(separator: ", ")
        let reason =
            stop.map { "\($0) after \(attempt) attempt(s) (\(codes))" }
            ?? "no valid briefing in \(attempt) attempt(s) (\(codes.isEmpty ? "no answer" : codes))"
        switch limits.onFailure {
        case .rules: return .fallBack(reason: reason)
        case .needsReview: return .needsReview(reason: reason)
        }
    }
}
