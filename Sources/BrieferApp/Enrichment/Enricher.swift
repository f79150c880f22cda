import BrieferCore
import BrieferStore
import Foundation
import Logging
import Synchronization

/// One account as selection sees it: its decision, prompt input, rendered prompt and fingerprint.
public struct PlannedAccount: Sendable {
    public var score: StoredAccountScore
    public var decision: Selection.Decision
    public var input: PromptInput
    public var prompt: RenderedPrompt
    public var fingerprint: String
}

/// What selection decided for the latest scoring run (SPEC §4).
public struct EnrichmentPlan: Sendable {
    public var run: ScoringRun
    public var accounts: [PlannedAccount]
    /// Briefings still allowed today (SDR capacity).
    public var capacity: Int
    public var selected: [PlannedAccount] { accounts.filter { $0.decision.reason.isSelected } }
}

/// The counts an enrichment run reports (SPEC §8 summary).
public struct EnrichmentSummary: Sendable, Codable, Equatable {
    public var selected = 0
    public var skipped: [String: Int] = [:]
    /// Valid on the first answer / after one or more repairs.
    public var firstTime = 0
    public var repaired = 0
    public var fallbacks = 0
    public var needsReview = 0
    public var deferred = 0
    /// Selected, but another process held the account's lease, or had briefed its state by the time the lease came.
    public var leasedElsewhere = 0
    public var calls = 0
    public var retries = 0
    public var failedCalls = 0
    public var promptTokens = 0
    public var completionTokens = 0
    public var costUsd = 0.0
    /// Validation error codes seen over every answer, and how often.
    public var errorCodes: [String: Int] = [:]
    public var seconds = 0.0
    public var briefed: Int { firstTime + repaired + fallbacks }
}

/// How one account's enrichment ended.
public enum AccountOutcome: Sendable, Equatable {
    case briefed(BriefingRecord)
    case deferred(Deferral)
}

/// Selection, prompts, model calls, validation, repair and fallback, and storing each briefing (SPEC §4, §5).
public final class Enricher: Sendable {
    public let store: BrieferStore
    public let configuration: BrieferConfiguration
    public let template: PromptTemplate
    let logger: Logger
    /// Milliseconds since 1970 now (tests pin it).
    let clock: @Sendable () -> Int64
    /// Who holds the leases this enricher takes (one per process by default).
    public let owner: String

    public init(
        store: BrieferStore, configuration: BrieferConfiguration, template: PromptTemplate, logger: Logger,
        clock: @escaping @Sendable () -> Int64 = { Timestamp.now.milliseconds }, owner: String = ProcessOwner.id
    ) {
        self.store = store; self.configuration = configuration; self.template = template; self.logger = logger; self.clock = clock
        self.owner = owner
    }

    var settings: BrieferConfiguration.Enrichment { configuration.enrichment }

    /// The fingerprint of an account state: prompt version and hash, model, and the rendered prompt.
    public func fingerprint(_ prompt: RenderedPrompt) -> String {
        let parts = [template.version, template.hash, settings.model, prompt.system, prompt.user]
        return StableHash.hex(parts.joined(separator: "\u{1F}")).prefix(32).description
    }

    /// The hot accounts of the latest run (by as-of time) of the configured model, and what selection
    /// decides for each.
    public func plan(runId: Int64? = nil, only account: String? = nil) throws -> EnrichmentPlan {
        guard let run = try runId.map({ try store.run(id: $0) }) ?? store.latestRun(model: configuration.model) else {
            throw EnrichmentError("no \(configuration.model.rawValue) scoring run yet: run `briefer score` first", code: .noScoringRun)
        }
        var hot = try store.accountScores(runId: run.id, tier: .hot)
        if let account { hot = hot.filter { $0.score.account == account } }
        let inputs = try store.promptInputs(run: run, accounts: hot, configuration: configuration)
        var prompts: [String: (RenderedPrompt, String)] = [:]
        for stored in hot {
            let prompt = try template.render(inputs[stored.score.account]!, rules: settings.briefing)
            prompts[stored.score.account] = (prompt, fingerprint(prompt))
        }
        let candidates = try store.selectionCandidates(
            hot.map { s in
                (
                    s.score.account, s.score.score, prompts[s.score.account]!.1,
                    s.becameHotAt.flatMap { Timestamp.parse($0)?.timestamp.milliseconds }
                )
            })
        let now = clock()
        let capacity = max(
            0, configuration.selection.maxPerDay - (try store.briefingsMade(sinceMs: Timestamp(milliseconds: now).startOfDay.milliseconds)))
        let decisions = Selection.decide(
            candidates, nowMs: now, refreshAfterMs: Int64(configuration.selection.refreshAfterHours) * 3_600_000,
            capacity: capacity)
        let byAccount = Dictionary(uniqueKeysWithValues: hot.map { ($0.score.account, $0) })
        let planned = decisions.map { d in
            PlannedAccount(
                score: byAccount[d.account]!, decision: d, input: inputs[d.account]!,
                prompt: prompts[d.account]!.0, fingerprint: prompts[d.account]!.1)
        }
        return EnrichmentPlan(run: run, accounts: planned, capacity: capacity)
    }

    /// Briefs every selected account of `plan`, `client` calling the model; `progress` after each account.
    /// Runs on ``StoreExecutor``'s threads: the store's calls block.
    public func enrich(_ plan: EnrichmentPlan, client: LLMClient, progress: (@Sendable (Int, Int) -> Void)? = nil) async throws
        -> EnrichmentSummary
    {
        try await StoreExecutor.run { try await enrichHere(plan, client: client, progress: progress) }
    }

    private func enrichHere(_ plan: EnrichmentPlan, client: LLMClient, progress: (@Sendable (Int, Int) -> Void)?) async throws
        -> EnrichmentSummary
    {
        let started = ContinuousClock.now
        try store.clearDeferrals(except: Set(plan.accounts.map(\.score.score.account)))
        let selected = plan.selected
        let vocabulary = GroundingVocabulary(terms: try store.workspaceTerms())
        let validator = BriefingValidator(rules: settings.briefing, vocabulary: vocabulary)
        let tally = Tally()
        var done = 0
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            func start() {
                guard next < selected.count else { return }
                let account = selected[next]
                next += 1
                group.addTask { try await self.enrichAccount(account, run: plan.run, client: client, validator: validator, tally: tally) }
            }
            for _ in 0..<settings.concurrency { start() }
            while try await group.next() != nil {
                done += 1
                progress?(done, selected.count)
                start()
            }
        }
        var summary = tally.summary
        summary.selected = selected.count
        for account in plan.accounts where !account.decision.reason.isSelected {
            summary.skipped[account.decision.reason.rawValue, default: 0] += 1
        }
        summary.seconds = LLMClient.seconds(ContinuousClock.now - started)
        return summary
    }

    /// The account's lease: free, expired, already ours, or held by a process of this host that is gone
    /// (killed or crashed: its leases would otherwise hold the account for `lease_seconds`).
    func takeLease(_ account: String) throws -> Bool {
        try ProcessOwner.takeLease(
            account, in: store, owner: owner, nowMs: clock(), ttlMs: Int64(settings.leaseSeconds) * 1000, logger: logger)
    }

    /// One account: performs what ``BriefingAttempts`` decides — the calls (the first answer, then repairs
    /// listing the errors), and the briefing, fallback, needs-review or deferral it ends with.
    func enrichAccount(_ account: PlannedAccount, run: ScoringRun, client: LLMClient, validator: BriefingValidator, tally: Tally)
        async throws
    {
        let domain = account.score.score.account
        // One process at a time per account: another worker on this database may be briefing it, or may have
        // briefed this very state since the plan was made (then the lease comes, and so does its briefing).
        guard try takeLease(domain) else {
            tally.add { $0.leasedElsewhere += 1 }
            return
        }
        defer { try? store.releaseLease(account: domain, owner: owner) }
        if try store.hasBriefing(account: domain, fingerprint: account.fingerprint) {
            tally.add { $0.leasedElsewhere += 1 }
            return
        }
        var attempts = BriefingAttempts(limits: .init(settings))
        var conversation = BriefingConversation(template: template, input: account.input, prompt: account.prompt, settings: settings)
        while true {
            let step = try attempts.next(
                nowMs: clock(), runStopped: tally.stopReason, leaseHeld: { try takeLease(domain) },
                // Spent today, plus what the requests in flight may still cost: concurrent accounts cannot overshoot together.
                spentTodayUsd: { try store.spend(sinceMs: Timestamp(milliseconds: clock()).startOfDay.milliseconds) + tally.reservedUsd },
                nextAttemptFits: { conversation.nextAttemptFits(spent: $0) })
            guard case let .call(model) = step else {
                return try perform(step, of: attempts, account: account, run: run, tally: tally)
            }
            if let ending = try await call(
                model, client: client, conversation: &conversation, attempts: &attempts, validator: validator, account: account,
                tally: tally)
            {
                return try perform(ending, of: attempts, account: account, run: run, tally: tally)
            }
        }
    }

    /// One attempt: the request to `model` (each HTTP exchange recorded in llm_calls as it happens), then its
    /// answer validated. Nil when the attempt ends nothing: a failed call, or an answer to repair.
    private func call(
        _ model: String, client: LLMClient, conversation: inout BriefingConversation, attempts: inout BriefingAttempts,
        validator: BriefingValidator,
        account: PlannedAccount, tally: Tally
    ) async throws -> BriefingAttempts.Action? {
        let request = conversation.request(model: model)
        let reservation = LLMClient.cost(
            model: model, promptTokens: request.estimatedTokens - request.maxTokens, completionTokens: request.maxTokens,
            prices: settings.prices)
        tally.reserve(reservation)
        defer { tally.reserve(-reservation) }
        let answer: ChatAnswer
        do {
            let attempt = attempts.attempt
            answer = try await client.complete(request) { exchange in
                let tokens = (exchange.answer?.promptTokens ?? 0, exchange.answer?.completionTokens ?? 0)
                let cost = LLMClient.cost(
                    model: exchange.model, promptTokens: tokens.0, completionTokens: tokens.1, prices: settings.prices)
                try store.recordCall(
                    LLMCallRecord(
                        account: account.score.score.account, fingerprint: account.fingerprint, attempt: attempt, retry: exchange.retry,
                        model: exchange.model, status: exchange.status, error: exchange.error,
                        finishReason: exchange.answer?.answer.finishReason, content: exchange.answer?.answer.content,
                        promptTokens: tokens.0, completionTokens: tokens.1, costUsd: cost,
                        latencyMs: Int((exchange.latency * 1000).rounded()), createdMs: clock()))
                attempts.exchanged(promptTokens: tokens.0, completionTokens: tokens.1, costUsd: cost, seconds: exchange.latency)
                tally.add {
                    $0.calls += 1
                    if exchange.retry > 0 { $0.retries += 1 }
                    if exchange.answer == nil { $0.failedCalls += 1 }
                    $0.promptTokens += tokens.0; $0.completionTokens += tokens.1; $0.costUsd += cost
                }
            }
            // The answer is in llm_calls; the briefing is not stored yet.
            CrashPoint.hit("enrich-after-answer")
        } catch let failure as ChatFailure {
            return attempts.callFailed(failure, nowMs: clock())
        }
        // A failing answer and a repair request listing its errors join the conversation.
        let validation = try conversation.take(answer.answer, validator: validator)
        tally.add { t in for code in validation.codes { t.errorCodes[code.rawValue, default: 0] += 1 } }
        return attempts.validated(validation)
    }

    /// Stores how the account's enrichment ended and counts it.
    private func perform(
        _ ending: BriefingAttempts.Action, of attempts: BriefingAttempts, account: PlannedAccount, run: ScoringRun, tally: Tally
    ) throws {
        let domain = account.score.score.account
        func record(_ source: BriefingSource?, briefing: Briefing?, reason: String?) throws {
            let usage = attempts.usage
            try store.saveBriefing(
                BriefingRecord(
                    account: domain, runId: run.id, asOfMs: run.asOf.milliseconds, fingerprint: account.fingerprint,
                    promptVersion: template.version, promptHash: template.hash, model: attempts.model, source: source,
                    selection: account.decision.reason.rawValue, briefing: briefing, attempts: attempts.attempt, errors: attempts.errors,
                    reason: reason, promptTokens: usage.promptTokens, completionTokens: usage.completionTokens, costUsd: usage.costUsd,
                    latencyMs: Int((usage.seconds * 1000).rounded()), input: account.input, createdMs: clock()))
        }
        /// Leaves the account for a later run (until `untilMs`, or any later run), with why.
        func deferAccount(_ reason: DeferralReason, _ detail: String, untilMs: Int64?) throws {
            try store.saveDeferral(
                Deferral(
                    account: domain, fingerprint: account.fingerprint, reason: reason, detail: detail, untilMs: untilMs,
                    createdMs: clock()))
            tally.add { $0.deferred += 1 }
        }
        switch ending {
        case .call:
            preconditionFailure("a call is not an ending")
        case let .keep(briefing, repaired):
            try record(.llm, briefing: briefing, reason: nil)
            tally.add { if repaired { $0.repaired += 1 } else { $0.firstTime += 1 } }
        case let .deferAccount(reason, detail, untilMs):
            try deferAccount(reason, detail, untilMs: untilMs)
            if reason == .rateLimited, let untilMs {
                logger.notice(
                    "account deferred: the model server asked to wait",
                    metadata: ["account": "\(domain)", "wait_s": "\((untilMs - clock()) / 1000)"])
            }
        case let .stopRun(message):
            tally.stop(because: message)
            try deferAccount(.endpointError, message, untilMs: nil)
            logger.error("enrichment stopped: the model endpoint refused the request", metadata: ["error": "\(message)"])
        case let .fallBack(reason):
            try record(.rules, briefing: FallbackBriefing.make(for: account.input, rules: settings.briefing), reason: reason)
            tally.add { $0.fallbacks += 1 }
        case let .needsReview(reason):
            try record(nil, briefing: nil, reason: reason)
            tally.add { $0.needsReview += 1 }
        case .leave:
            logger.warning(
                "lease lost while briefing; leaving the account to the process that holds it", metadata: ["account": "\(domain)"])
            tally.add { $0.leasedElsewhere += 1 }
        case .cancel:
            throw CancellationError()
        }
    }
}

/// Counts shared by the accounts enriched concurrently.
final class Tally: Sendable {
    private struct State {
        var counts = EnrichmentSummary()
        var stopped: String?
        var reserved = 0.0
    }
    private let state = Mutex(State())
    var summary: EnrichmentSummary { state.withLock { $0.counts } }
    func add(_ change: (inout EnrichmentSummary) -> Void) { state.withLock { change(&$0.counts) } }
    /// Why the run stopped calling the model (a refused endpoint), if it did.
    var stopReason: String? { state.withLock { $0.stopped } }
    func stop(because reason: String) { state.withLock { if $0.stopped == nil { $0.stopped = reason } } }
    /// The most the requests in flight can still cost (US dollars), held against the daily spend cap.
    var reservedUsd: Double { state.withLock { $0.reserved } }
    func reserve(_ usd: Double) { state.withLock { $0.reserved += usd } }
}

/// This process's name for leases and runs: host, process id and a random suffix (a restarted process
/// with a recycled pid is still someone else).
public enum ProcessOwner {
    /// This machine: its full host name and the kernel's boot id (two machines or two boots never share both).
    static let machine: String = {
        let boot =
            (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines).prefix(8) ?? "noboot"
        return ProcessInfo.processInfo.hostName.replacingOccurrences(of: ":", with: "_") + "/" + boot
    }()

    public static let id: String =
        "\(machine):\(ProcessInfo.processInfo.processIdentifier):\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"

    /// Whether `owner` names a process of this machine (same host name and boot) that no longer exists: its
    /// pid is not alive, or it is this process's pid under another name (an earlier process, since gone). A
    /// process elsewhere counts as alive: its leases run out on their own.
    public static func isGone(_ owner: String) -> Bool {
        let parts = owner.split(separator: ":")
        guard parts.count == 3, parts[0] == machine, let pid = Int32(parts[1]), pid > 0, owner != id else { return false }
        if pid == ProcessInfo.processInfo.processIdentifier { return true }
        return kill(pid, 0) != 0 && errno == ESRCH
    }

    /// Takes the lease on `key` for `owner`: free, expired, already `owner`'s, or held by a process of this
    /// host that is gone (killed or crashed: its leases would otherwise hold the work until they expire).
    public static func takeLease(_ key: String, in store: BrieferStore, owner: String, nowMs: Int64, ttlMs: Int64, logger: Logger) throws
        -> Bool
    {
        if try store.takeLease(account: key, owner: owner, nowMs: nowMs, ttlMs: ttlMs) { return true }
        guard let holder = try store.leases().first(where: { $0.account == key }), isGone(holder.owner) else { return false }
        logger.notice("taking over the lease of a process that is gone", metadata: ["lease": "\(key)", "holder": "\(holder.owner)"])
        return try store.takeLease(account: key, owner: owner, nowMs: nowMs, ttlMs: ttlMs, replacing: holder.owner)
    }
}

/// Enrichment cannot start: no scoring run, or the model endpoint or its key is not usable.
public struct EnrichmentError: BrieferError {
    public var code: BrieferErrorCode
    public var message: String
    public init(_ message: String, code: BrieferErrorCode) { self.message = message; self.code = code }
}
