import BrieferCore
import BrieferStore
import Foundation

extension Reports {
    /// An actions pass: what was recorded, skipped, waiting, and what became of what was sent.
    public static func actions(_ s: ActionSummary) -> String {
        if let why = s.notRun { return "actions: none (\(why))" }
        func byKind(_ counts: [String: Int]) -> String {
            counts.isEmpty ? "0" : counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        }
        var out = "actions" + (s.mode == .dryRun ? " (dry run: nothing recorded, written or sent)" : "") + ": "
        out += "new \(byKind(s.recorded)); skipped \(byKind(s.skipped))"
        if s.alreadyHot > 0, let from = s.enabledFrom {
            out += "; \(s.alreadyHot) account(s) already hot before actions were enabled (\(from.iso8601)), not acted on"
        }
        if s.waiting > 0 { out += "\n  \(s.waiting) waiting for their briefing (actions.briefing_wait_minutes)" }
        if s.withRulesBriefing > 0 { out += "\n  \(s.withRulesBriefing) went with the rules' briefing after the wait" }
        switch s.mode {
        case .dryRun:
            if s.leftPending > 0 { out += "\n  \(s.leftPending) recorded earlier and not yet delivered" }
        case .files:
            if let directory = s.directory {
                out += "\n  wrote \(s.files.count - 1) request file(s) and manifest.json to \(directory): \(byKind(s.done))"
            }
        case .push:
            if !s.requests.isEmpty {
                out += "\n  requests: " + s.requests.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            }
            out += "\n  delivered \(byKind(s.done))"
            if s.foundBySearch > 0 { out += " (\(s.foundBySearch) task(s) found by key after a create without an answer)" }
            out += "; rejected \(s.rejected); unknown (Slack, not resent) \(s.unknown); left for the next pass \(s.leftPending)"
            if s.feedbackRead > 0 { out += "\n  \(s.feedbackRead) new feedback value(s) from reps (briefer feedback)" }
        }
        if let stopped = s.stopped { out += "\n  stopped early: \(stopped)" }
        for message in s.messages.prefix(5) { out += "\n  said: \(message)" }
        if s.messages.count > 5 { out += "\n  … \(s.messages.count - 5) more (briefer actions)" }
        return out
    }

    public static func actionsJSON(_ s: ActionSummary) -> [String: Any] {
        var o: [String: Any] = [
            "mode": s.mode.rawValue, "recorded": s.recorded, "skipped": s.skipped, "already_hot": s.alreadyHot, "waiting": s.waiting,
            "with_rules_briefing": s.withRulesBriefing, "done": s.done, "found_by_search": s.foundBySearch, "rejected": s.rejected,
            "unknown": s.unknown, "left_pending": s.leftPending, "feedback_read": s.feedbackRead, "requests": s.requests, "files": s.files,
            "messages": s.messages,
        ]
        if let why = s.notRun { o["not_run"] = why }
        if let id = s.runId { o["scoring_run"] = id }
        if let asOf = s.asOf { o["as_of"] = asOf.iso8601 }
        if let from = s.enabledFrom { o["enabled_from"] = from.iso8601 }
        if let directory = s.directory { o["directory"] = directory }
        if let stopped = s.stopped { o["stopped"] = stopped }
        return o
    }

    /// Reps' feedback, newest first.
    public static func feedback(_ entries: [FeedbackEntry]) -> String {
        guard !entries.isEmpty else {
            return "no feedback read back yet (actions.feedback: reps set the property in HubSpot; each push reads it)"
        }
        var table = TextTable(header: ["account", "value", "set at", "on", "record"])
        for e in entries { table.add([e.account, e.value.isEmpty ? "(cleared)" : e.value, e.setAt.iso8601, e.object.rawValue, e.record]) }
        return table.render()
    }

    public static func feedbackJSON(_ entries: [FeedbackEntry]) -> [String: Any] {
        [
            "feedback": entries.map {
                ["account": $0.account, "value": $0.value, "set_at": $0.setAt.iso8601, "object": $0.object.rawValue, "record": $0.record]
            }
        ]
    }

    /// Per action, newest first.
    public static func actionLog(_ actions: [ActionRecord]) -> String {
        guard !actions.isEmpty else { return "no actions yet (actions.enabled, then a run, sync or worker cycle)" }
        var table = TextTable(header: [
            "account", "kind", "became hot", "status", "sent", "tries", "result", "key", "destination", "message",
        ])
        for a in actions {
            table.add([
                a.account, a.kind.rawValue, a.kind == .company ? "-" : a.becameHot.iso8601, a.status.rawValue,
                a.sentMs.map { Timestamp(milliseconds: $0).iso8601 } ?? "-",
                "\(a.attempts)", a.resultId ?? "", a.key, a.destination, a.message.map { abbreviated($0, 200) } ?? "",
            ])
        }
        return table.render()
    }

    public static func actionLogJSON(_ actions: [ActionRecord]) -> [String: Any] {
        [
            "actions": actions.map { a -> [String: Any] in
                var o: [String: Any] = [
                    "account": a.account, "kind": a.kind.rawValue, "destination": a.destination, "key": a.key,
                    "scoring_run": a.runId, "status": a.status.rawValue, "attempts": a.attempts,
                    "created_at": Timestamp(milliseconds: a.createdMs).iso8601,
                ]
                // A company is made once per account, not per transition.
                if a.kind != .company { o["became_hot_at"] = a.becameHot.iso8601 }
                if let ms = a.sentMs { o["sent_at"] = Timestamp(milliseconds: ms).iso8601 }
                if let ms = a.settledMs { o["settled_at"] = Timestamp(milliseconds: ms).iso8601 }
                if let id = a.resultId { o["result_id"] = id }
                if let status = a.httpStatus { o["http_status"] = status }
                if let message = a.message { o["message"] = message }
                if let source = a.briefingSource { o["briefing_source"] = source }
                if let body = a.body, let value = try? JSONSerialization.jsonObject(with: Data(body.utf8)) { o["body"] = value }
                return o
            }
        ]
    }
}
