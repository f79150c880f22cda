import BrieferCore
import Foundation
import GRDB

/// One account's briefing as stored (SPEC §5): the text, where it came from, and what it cost.
public struct BriefingRecord: Sendable, Codable, Equatable {
    public var id: Int64?
    public var account: String
    public var runId: Int64
    public var asOfMs: Int64
    public var fingerprint: String
    public var promptVersion: String
    public var promptHash: String
    /// The model that wrote it (nil for a fallback written without any answer).
    public var model: String?
    /// `llm` or `rules`; nil when the account was left for review without a briefing.
    public var source: BriefingSource?
    /// Why it was selected: `newly_hot` or `changed`.
    public var selection: String
    public var briefing: Briefing?
    public var attempts: Int
    /// Every validation or transport error seen, by attempt.
    public var errors: [AttemptError]
    /// Why the model's briefing was not used (for `rules` and needs-review outcomes).
    public var reason: String?
    public var promptTokens: Int
    public var completionTokens: Int
    public var costUsd: Double
    public var latencyMs: Int
    public var input: PromptInput
    public var createdMs: Int64

    public var needsReview: Bool { source == nil }

    public typealias AttemptError = BriefingAttemptError

    public init(
        account: String, runId: Int64, asOfMs: Int64, fingerprint: String, promptVersion: String, promptHash: String,
        model: String?, source: BriefingSource?, selection: String, briefing: Briefing?, attempts: Int,
        errors: [AttemptError], reason: String?, promptTokens: Int, completionTokens: Int, costUsd: Double,
        latencyMs: Int, input: PromptInput, createdMs: Int64
    ) {
        self.account = account; self.runId = runId; self.asOfMs = asOfMs; self.fingerprint = fingerprint
        self.promptVersion = promptVersion; self.promptHash = promptHash; self.model = model; self.source = source
        self.selection = selection; self.briefing = briefing; self.attempts = attempts; self.errors = errors
        self.reason = reason; self.promptTokens = promptTokens; self.completionTokens = completionTokens
        self.costUsd = costUsd; self.latencyMs = latencyMs; self.input = input; self.createdMs = createdMs
    }
}

/// One request sent to the model and what came back (its raw content, never headers or the key).
public struct LLMCallRecord: Sendable, Codable, Equatable {
    public var account: String
    public var fingerprint: String
    public var attempt: Int
    public var retry: Int
    public var model: String
    public var status: Int?
    public var error: String?
    public var finishReason: String?
    public var content: String?
    public var promptTokens: Int
    public var completionTokens: Int
    public var costUsd: Double
    public var latencyMs: Int
    public var createdMs: Int64
    public init(
        account: String, fingerprint: String, attempt: Int, retry: Int, model: String, status: Int?, error: String?,
        finishReason: String?, content: String?, promptTokens: Int, completionTokens: Int, costUsd: Double,
        latencyMs: Int, createdMs: Int64
    ) {
        self.account = account; self.fingerprint = fingerprint; self.attempt = attempt; self.retry = retry; self.model = model
        self.status = status; self.error = error; self.finishReason = finishReason; self.content = content
        self.promptTokens = promptTokens; self.completionTokens = completionTokens; self.costUsd = costUsd
        self.latencyMs = latencyMs; self.createdMs = createdMs
    }
}

/// An account selected but not briefed, and why (it stays newly hot and is picked up by a later run).
public struct Deferral: Sendable, Codable, Equatable {
    public var account: String
    public var fingerprint: String
    public var reason: DeferralReason
    public var detail: String
    public var untilMs: Int64?
    public var createdMs: Int64
    public init(account: String, fingerprint: String, reason: DeferralReason, detail: String, untilMs: Int64?, createdMs: Int64) {
        self.account = account; self.fingerprint = fingerprint; self.reason = reason; self.detail = detail
        self.untilMs = untilMs; self.createdMs = createdMs
    }
}

extension BrieferStore {
    // MARK: Prompt input

    /// Each account's prompt input in `run`, built from its users' counted activity up to the run's time.
    public func promptInputs(run: ScoringRun, accounts: [StoredAccountScore], configuration: BrieferConfiguration) throws -> [String:
        PromptInput]
    {
        guard !accounts.isEmpty else { return [:] }
        if run.isImported { return try importedPromptInputs(run: run, accounts: accounts, configuration: configuration) }
        try ensureAggregates(extraction: ActivityExtraction(configuration))
        return try read { db in
            let builder = PromptInputBuilder(configuration: configuration, asOf: run.asOf, terms: try Self.vocabulary(db).texts)
            let companies = try Self.companyRecords(db, asOf: run.asOf.milliseconds).records
            var inputs: [String: PromptInput] = [:]
            for stored in accounts {
                let account = stored.score.account
                let users = try String.fetchAll(
                    db, sql: "SELECT user_id FROM user_scores WHERE run_id = ? AND account = ? ORDER BY user_id",
                    arguments: [run.id, account])
                var userDays: [[ActivityDay]] = []
                for user in users {
                    var days: [ActivityDay] = []
                    let rows = try Row.fetchCursor(
                        db,
                        sql: """
                            SELECT d.day, d.entries FROM user_days d JOIN users u ON u.id = d.user_id
                            WHERE u.external_id = ? AND d.day <= ? ORDER BY d.day
                            """, arguments: [user, run.asOf.day])
                    while let row = try rows.next() {
                        let blob: Data = row["entries"]
                        if let day = blob.withUnsafeBytes({ ActivityDay(day: row["day"], encoded: $0) }) { days.append(day) }
                    }
                    // And what their linked anonymous ids did, as scoring counts it.
                    if let row = try Int64.fetchOne(db, sql: "SELECT id FROM users WHERE external_id = ?", arguments: [user]) {
                        let stitched =
                            try Self.stitchedDays(db, asOfMs: run.asOf.milliseconds, maxDay: run.asOf.day, users: [row])[row] ?? []
                        if !stitched.isEmpty { days = ActivityDay.merged(days + stitched) }
                    }
                    userDays.append(days)
                }
                let plan = try String.fetchOne(
                    db,
                    sql: """
                        SELECT s.plan FROM subscriptions s WHERE s.start_ms <= ? AND s.user_external_id IN
                            (SELECT user_id FROM user_scores WHERE run_id = ? AND account = ?)
                        ORDER BY s.start_ms DESC, s.plan LIMIT 1
                        """, arguments: [run.asOf.milliseconds, run.id, account])
                inputs[account] = builder.build(
                    score: stored.score, model: run.model, newlyHot: stored.score.tier == .hot && stored.previousTier != .hot,
                    company: companies[account], userDays: userDays, plan: plan)
            }
            return inputs
        }
    }

    /// Every name the workspace has seen (event names, property values, companies' tools): the
    /// vocabulary a briefing's names are checked against.
    public func workspaceTerms() throws -> [String] {
        try read { db in
            // With the names runs scored in a warehouse brought (their events, features, limits, integrations, tools).
            let imported =
                try String.fetchAll(db, sql: "SELECT name FROM warehouse_facts WHERE fact <> 'account'")
                + String.fetchAll(db, sql: "SELECT tech_stack FROM warehouse_profiles WHERE tech_stack IS NOT NULL").flatMap {
                    $0.split(separator: ";").map(String.init)
                }
            let terms =
                try String.fetchAll(db, sql: "SELECT text FROM terms") + Self.companyRecords(db).records.values.flatMap(\.techStack)
                + imported
            return Array(Set(terms.filter { !$0.isEmpty })).sorted()
        }
    }

    // MARK: Selection state

    /// For each (account, fingerprint, time it last became hot in ms): what selection needs to know.
    public func selectionCandidates(_ accounts: [(account: String, score: Int, fingerprint: String, becameHotMs: Int64?)]) throws
        -> [Selection.Candidate]
    {
        try read { db in
            try accounts.map { a in
                let sameFingerprint =
                    try Bool.fetchOne(
                        db, sql: "SELECT EXISTS(SELECT 1 FROM briefings WHERE account = ? AND fingerprint = ?)",
                        arguments: [a.account, a.fingerprint]) ?? false
                let latest = try Row.fetchOne(
                    db, sql: "SELECT created_ms, as_of_ms FROM briefings WHERE account = ? ORDER BY created_ms DESC, id DESC LIMIT 1",
                    arguments: [a.account])
                let sinceHot =
                    try Bool.fetchOne(
                        db, sql: "SELECT EXISTS(SELECT 1 FROM briefings WHERE account = ? AND as_of_ms >= ?)",
                        arguments: [a.account, a.becameHotMs ?? Int64.min]) ?? false
                let deferredUntil = try Int64.fetchOne(db, sql: "SELECT until_ms FROM deferrals WHERE account = ?", arguments: [a.account])
                return Selection.Candidate(
                    account: a.account, score: a.score, briefedSinceHot: sinceHot,
                    briefedWithFingerprint: sameFingerprint, lastBriefedMs: latest?["created_ms"],
                    deferredUntilMs: deferredUntil)
            }
        }
    }

    /// Briefings handed to reps (llm or rules) made at or after `sinceMs`.
    public func briefingsMade(sinceMs: Int64) throws -> Int {
        try read { db in
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM briefings WHERE created_ms >= ? AND outcome != 'needs_review'", arguments: [sinceMs]) ?? 0
        }
    }

    /// The estimated cost of every model call made at or after `sinceMs`, in US dollars.
    public func spend(sinceMs: Int64) throws -> Double {
        try read { db in
            try Double.fetchOne(db, sql: "SELECT coalesce(sum(cost_usd), 0) FROM llm_calls WHERE created_ms >= ?", arguments: [sinceMs])
                ?? 0
        }
    }

    // MARK: Writing

    /// Stores a briefing and clears the account's deferral. A briefing for the same account and
    /// fingerprint already stored (by another worker) wins: this one is dropped and false returned.
    @discardableResult
    public func saveBriefing(_ record: BriefingRecord) throws -> Bool {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let errors = String(decoding: try encoder.encode(record.errors), as: UTF8.self)
        let input = String(decoding: try encoder.encode(record.input), as: UTF8.self)
        return try write { db in
            try db.execute(
                sql: """
                    INSERT INTO briefings(account, run_id, as_of_ms, fingerprint, prompt_version, prompt_hash, model, outcome, selection,
                        use_case_hypothesis, expansion_signal, recommended_opening, risk_factor, attempts, errors, reason,
                        prompt_tokens, completion_tokens, cost_usd, latency_ms, input, created_at, created_ms)
                    VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(account, fingerprint) DO NOTHING
                    """,
                arguments: [
                    record.account, record.runId, record.asOfMs, record.fingerprint, record.promptVersion, record.promptHash,
                    record.model, record.source?.rawValue ?? "needs_review", record.selection,
                    record.briefing?.useCaseHypothesis, record.briefing?.expansionSignal, record.briefing?.recommendedOpening,
                    record.briefing?.riskFactor, record.attempts, errors, record.reason, record.promptTokens,
                    record.completionTokens, record.costUsd, record.latencyMs, input,
                    Timestamp(milliseconds: record.createdMs).iso8601, record.createdMs,
                ])
            let inserted = db.changesCount > 0
            try db.execute(sql: "DELETE FROM deferrals WHERE account = ?", arguments: [record.account])
            return inserted
        }
    }

    public func recordCall(_ call: LLMCallRecord) throws {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO llm_calls(account, fingerprint, attempt, retry, model, status, error, finish_reason, content,
                        prompt_tokens, completion_tokens, cost_usd, latency_ms, created_ms)
                    VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    call.account, call.fingerprint, call.attempt, call.retry, call.model, call.status, call.error,
                    call.finishReason, call.content, call.promptTokens, call.completionTokens, call.costUsd,
                    call.latencyMs, call.createdMs,
                ])
        }
    }

    public func saveDeferral(_ deferral: Deferral) throws {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO deferrals(account, fingerprint, reason, detail, until_ms, created_ms) VALUES(?, ?, ?, ?, ?, ?)
                    ON CONFLICT(account) DO UPDATE SET fingerprint = excluded.fingerprint, reason = excluded.reason,
                        detail = excluded.detail, until_ms = excluded.until_ms, created_ms = excluded.created_ms
                    """,
                arguments: [
                    deferral.account, deferral.fingerprint, deferral.reason.rawValue, deferral.detail, deferral.untilMs, deferral.createdMs,
                ])
        }
    }

    /// Forgets the deferrals of accounts not in `accounts` (no longer hot: nothing waits for them).
    public func clearDeferrals(except accounts: Set<String>) throws {
        try write { db in
            for account in try String.fetchAll(db, sql: "SELECT account FROM deferrals") where !accounts.contains(account) {
                try db.execute(sql: "DELETE FROM deferrals WHERE account = ?", arguments: [account])
            }
        }
    }

    // MARK: Reading

    public func deferrals() throws -> [Deferral] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM deferrals ORDER BY created_ms, account").map { row in
                Deferral(
                    account: row["account"], fingerprint: row["fingerprint"],
                    reason: try row.decode("reason", as: DeferralReason.self, table: "deferrals", row: row["account"]),
                    detail: row["detail"], untilMs: row["until_ms"], createdMs: row["created_ms"])
            }
        }
    }

    /// Stored briefings, newest first; only each account's latest with `latestOnly`.
    public func briefings(account: String? = nil, latestOnly: Bool = false, limit: Int = 1000) throws -> [BriefingRecord] {
        try read { db in
            var filters: [String] = []
            var arguments: StatementArguments = []
            if let account { filters.append("b.account = ?"); arguments += [account] }
            if latestOnly {
                filters.append(
                    "b.id = (SELECT id FROM briefings x WHERE x.account = b.account ORDER BY x.created_ms DESC, x.id DESC LIMIT 1)")
            }
            let whereSQL = filters.isEmpty ? "" : " WHERE " + filters.joined(separator: " AND ")
            let decoder = JSONDecoder()
            return try Row.fetchAll(
                db, sql: "SELECT * FROM briefings b\(whereSQL) ORDER BY b.created_ms DESC, b.id DESC LIMIT ?",
                arguments: arguments + [limit]
            ).map { row in
                // "needs_review" is the outcome without a briefing source; anything else must be one.
                let source =
                    (row["outcome"] as String) == "needs_review"
                    ? nil
                    : try row.decode("outcome", as: BriefingSource.self, table: "briefings", row: "\(row["id"] as Int64)")
                var briefing: Briefing?
                if let a: String = row["use_case_hypothesis"], let b: String = row["expansion_signal"],
                    let c: String = row["recommended_opening"], let d: String = row["risk_factor"]
                {
                    briefing = Briefing(useCaseHypothesis: a, expansionSignal: b, recommendedOpening: c, riskFactor: d)
                }
                var record = BriefingRecord(
                    account: row["account"], runId: row["run_id"], asOfMs: row["as_of_ms"], fingerprint: row["fingerprint"],
                    promptVersion: row["prompt_version"], promptHash: row["prompt_hash"], model: row["model"],
                    source: source, selection: row["selection"], briefing: briefing,
                    attempts: row["attempts"],
                    errors: try decoder.decode([BriefingRecord.AttemptError].self, from: Data((row["errors"] as String).utf8)),
                    reason: row["reason"], promptTokens: row["prompt_tokens"], completionTokens: row["completion_tokens"],
                    costUsd: row["cost_usd"], latencyMs: row["latency_ms"],
                    input: try decoder.decode(PromptInput.self, from: Data((row["input"] as String).utf8)), createdMs: row["created_ms"])
                record.id = row["id"]
                return record
            }
        }
    }

    /// Model calls, oldest first (for an account, or all).
    public func llmCalls(account: String? = nil) throws -> [LLMCallRecord] {
        try read { db in
            let rows =
                try account.map { try Row.fetchAll(db, sql: "SELECT * FROM llm_calls WHERE account = ? ORDER BY id", arguments: [$0]) }
                ?? Row.fetchAll(db, sql: "SELECT * FROM llm_calls ORDER BY id")
            return rows.map { row in
                LLMCallRecord(
                    account: row["account"], fingerprint: row["fingerprint"], attempt: row["attempt"], retry: row["retry"],
                    model: row["model"], status: row["status"], error: row["error"], finishReason: row["finish_reason"],
                    content: row["content"], promptTokens: row["prompt_tokens"], completionTokens: row["completion_tokens"],
                    costUsd: row["cost_usd"], latencyMs: row["latency_ms"], createdMs: row["created_ms"])
            }
        }
    }
}
