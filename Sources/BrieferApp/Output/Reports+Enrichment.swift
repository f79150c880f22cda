import BrieferCore
import BrieferStore
import Foundation

extension Reports {
    public static func selection(_ plan: EnrichmentPlan) -> String {
        let out =
            "run \(plan.run.id) as of \(plan.run.asOf.iso8601): \(plan.accounts.count) hot account(s), "
            + "\(plan.selected.count) to brief, capacity left today \(plan.capacity)\n"
        guard !plan.accounts.isEmpty else { return out + "no hot accounts" }
        var table = TextTable(header: ["account", "score", "decision", "why", "fingerprint"], rightAligned: [1])
        for a in plan.accounts {
            let why: String
            switch a.decision.reason {
            case .newlyHot: why = "no briefing since it became hot"
            case .changed: why = "prompt input, prompt or model changed; last briefing older than the refresh interval"
            case .unchanged: why = "already briefed for this exact input"
            case .cooldown:
                why =
                    "changed, but briefed recently; eligible "
                    + (a.decision.eligibleAtMs.map { Timestamp(milliseconds: $0).iso8601 } ?? "later")
            case .overCapacity: why = "the day's capacity (selection.max_per_day) is used up; waits for tomorrow"
            case .deferred:
                why =
                    "deferred by an earlier run (see `briefer briefings`); eligible "
                    + (a.decision.eligibleAtMs.map { Timestamp(milliseconds: $0).iso8601 } ?? "later")
            }
            table.add([
                a.score.score.account, "\(a.score.score.score)",
                a.decision.reason.isSelected ? "brief (\(a.decision.reason.rawValue))" : "skip (\(a.decision.reason.rawValue))",
                why, String(a.fingerprint.prefix(12)),
            ])
        }
        return out + table.render()
    }

    public static func selectionJSON(_ plan: EnrichmentPlan) -> [String: Any] {
        [
            "run_id": plan.run.id, "as_of": plan.run.asOf.iso8601, "capacity_left": plan.capacity,
            "accounts": plan.accounts.map { a -> [String: Any] in
                var o: [String: Any] = [
                    "account": a.score.score.account, "score": a.score.score.score, "selected": a.decision.reason.isSelected,
                    "reason": a.decision.reason.rawValue, "fingerprint": a.fingerprint,
                ]
                if let eligible = a.decision.eligibleAtMs { o["eligible_at"] = Timestamp(milliseconds: eligible).iso8601 }
                return o
            },
        ]
    }

    public static func enrichment(_ s: EnrichmentSummary) -> String {
        var out = "selected \(s.selected)"
        if !s.skipped.isEmpty {
            out += "; skipped " + s.skipped.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        }
        out +=
            "\nbriefed \(s.briefed): \(s.firstTime) valid first time, \(s.repaired) after repair, \(s.fallbacks) fallback (source: rules)"
        if s.needsReview > 0 { out += "; \(s.needsReview) need review" }
        if s.deferred > 0 { out += "; \(s.deferred) deferred to a later run" }
        if s.leasedElsewhere > 0 { out += "; \(s.leasedElsewhere) left to another process (leased or briefed there)" }
        out +=
            "\nmodel calls \(s.calls) (\(s.retries) retries, \(s.failedCalls) failed); tokens \(s.promptTokens) in + \(s.completionTokens) out; "
            + "estimated cost $\(String(format: "%.4f", s.costUsd)); \(String(format: "%.1f", s.seconds)) s"
        if !s.errorCodes.isEmpty {
            out +=
                "\nvalidation errors: "
                + s.errorCodes.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                .map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        }
        return out
    }

    public static func enrichmentJSON(_ s: EnrichmentSummary) -> [String: Any] {
        [
            "selected": s.selected, "skipped": s.skipped, "briefed": s.briefed, "valid_first_time": s.firstTime, "repaired": s.repaired,
            "fallbacks": s.fallbacks, "needs_review": s.needsReview, "deferred": s.deferred, "leased_elsewhere": s.leasedElsewhere,
            "calls": s.calls, "retries": s.retries,
            "failed_calls": s.failedCalls, "prompt_tokens": s.promptTokens, "completion_tokens": s.completionTokens,
            "cost_usd": s.costUsd, "error_codes": s.errorCodes, "seconds": s.seconds,
        ]
    }

    /// Briefings for a rep: account, score, tier, source, then the four sentences.
    public static func briefings(_ records: [BriefingRecord]) -> String {
        guard !records.isEmpty else { return "no briefings yet: run `briefer enrich`" }
        return records.map { r in
            var out = "\(r.account) — score \(r.input.score), \(r.input.tier); "
            out += r.source.map { "source: \($0.rawValue)" } ?? "needs review"
            out += ", \(r.attempts) attempt(s), \(Timestamp(milliseconds: r.createdMs).iso8601)"
            if let b = r.briefing {
                for (name, text) in b.fields { out += "\n  \(name.replacingOccurrences(of: "_", with: " ")): \(text)" }
            }
            if let reason = r.reason { out += "\n  (\(reason))" }
            return out
        }.joined(separator: "\n\n")
    }

    public static func briefingJSON(_ r: BriefingRecord) -> [String: Any] {
        var o: [String: Any] = [
            "account": r.account, "run_id": r.runId, "as_of": Timestamp(milliseconds: r.asOfMs).iso8601, "fingerprint": r.fingerprint,
            "prompt_version": r.promptVersion, "prompt_hash": r.promptHash, "source": r.source?.rawValue ?? NSNull(),
            "needs_review": r.needsReview, "selection": r.selection, "attempts": r.attempts,
            "errors": r.errors.map { e -> [String: Any] in
                ["attempt": e.attempt, "code": e.code, "field": e.field ?? NSNull(), "detail": e.detail]
            },
            "prompt_tokens": r.promptTokens, "completion_tokens": r.completionTokens, "cost_usd": r.costUsd, "latency_ms": r.latencyMs,
            "created_at": Timestamp(milliseconds: r.createdMs).iso8601, "score": r.input.score, "tier": r.input.tier,
        ]
        o["model"] = r.model ?? NSNull()
        o["reason"] = r.reason ?? NSNull()
        if let b = r.briefing { o["briefing"] = Dictionary(uniqueKeysWithValues: b.fields.map { ($0.name, $0.text) }) }
        return o
    }
}
