import BrieferCore
import BrieferStore
import Foundation

extension Reports {
    /// A sync's summary: what changed, what was written or sent, what became of it.
    public static func sync(_ s: SyncSummary) -> String {
        let target = s.mode == .push ? "to \(s.destination.replacingOccurrences(of: "hubspot ", with: ""))" : "(files)"
        var out =
            (s.mode == .dryRun ? "dry run: nothing recorded, written or sent\n" : "")
            + "sync \(target), scoring run \(s.runId) as of \(s.asOf.iso8601)\n"
            + "  \(s.contacts) contact(s) of \(s.accounts) account(s) considered; \(s.changedContacts) changed, "
            + "\(s.changedProperties) propert\(s.changedProperties == 1 ? "y" : "ies")"
        if s.resent > 0 { out += "; \(s.resent) earlier change(s) not yet delivered, sent again under their trace ids" }
        if s.skippedMissing > 0 { out += "; \(s.skippedMissing) not in the CRM, not asked again yet" }
        switch s.mode {
        case .dryRun:
            out +=
                s.changedContacts + s.resent == 0
                ? "\n  nothing would be sent" : "\n  would send \(s.changedContacts) new change(s) and \(s.resent) earlier one(s)"
        case .files:
            if let directory = s.directory {
                out +=
                    "\n  wrote \(s.files.count - 1) request file(s) and manifest.json to \(directory): \(s.contactsSent) contact(s), "
                    + "\(s.propertiesSent) propert\(s.propertiesSent == 1 ? "y" : "ies")"
            } else {
                out += "\n  nothing changed: no files written"
            }
        case .push:
            if s.itemsSent == 0 && s.done + s.missing + s.rejected == 0 && s.stopped == nil {
                out += "\n  nothing changed: nothing sent"
            } else {
                let requests = s.requests.sorted { $0.key < $1.key }.map {
                    "\($0.value) \($0.key.split(separator: "/").suffix(2).joined(separator: "/"))"
                }
                out +=
                    "\n  requests: " + (requests.isEmpty ? "none" : requests.joined(separator: ", "))
                    + " (\(s.retries) retr\(s.retries == 1 ? "y" : "ies"), \(s.rateLimited) rate-limited)"
                out +=
                    "\n  \(s.contactsSent) contact(s), \(s.propertiesSent) propert\(s.propertiesSent == 1 ? "y" : "ies") sent; applied \(s.done), "
                    + "missing in CRM \(s.missing), rejected \(s.rejected), left for the next run \(s.leftPending)"
            }
        }
        if let stopped = s.stopped { out += "\n  stopped early: \(stopped)" }
        for message in s.messages.prefix(5) { out += "\n  CRM said: \(message)" }
        if s.messages.count > 5 { out += "\n  … \(s.messages.count - 5) more (briefer sync-log --status rejected)" }
        if let pass = s.actions { out += "\n" + actions(pass) }
        return out
    }

    public static func syncJSON(_ s: SyncSummary) -> [String: Any] {
        var o: [String: Any] = [
            "mode": s.mode.rawValue, "destination": s.destination, "scoring_run": s.runId, "as_of": s.asOf.iso8601,
            "accounts": s.accounts, "contacts": s.contacts, "changed_contacts": s.changedContacts,
            "changed_properties": s.changedProperties, "resent": s.resent, "skipped_missing": s.skippedMissing,
            "changes_sent": s.itemsSent, "contacts_sent": s.contactsSent, "properties_sent": s.propertiesSent,
            "done": s.done, "missing": s.missing, "rejected": s.rejected, "left_pending": s.leftPending,
            "requests": s.requests, "retries": s.retries, "rate_limited": s.rateLimited, "files": s.files, "messages": s.messages,
        ]
        if let id = s.syncId { o["sync"] = id }
        if let directory = s.directory { o["directory"] = directory }
        if let stopped = s.stopped { o["stopped"] = stopped }
        if let actions = s.actions { o["actions"] = actionsJSON(actions) }
        return o
    }

    /// Per contact, newest first: when, where, which properties, and what became of them.
    public static func syncLog(_ items: [OutboxItem]) -> String {
        guard !items.isEmpty else { return "nothing synced yet" }
        var table = TextTable(header: ["contact", "account", "status", "sent", "tries", "properties", "trace id", "destination", "message"])
        for item in items {
            table.add([
                item.email, item.account, item.status.rawValue,
                item.sentMs.map { Timestamp(milliseconds: $0).iso8601 } ?? "-", "\(item.attempts)",
                item.properties.map { "\($0.name)=\(abbreviated($0.value, 24))" }.joined(separator: " "),
                item.traceId, item.destination, item.message.map { abbreviated($0, 400) } ?? "",
            ])
        }
        return table.render()
    }

    public static func syncLogJSON(_ items: [OutboxItem]) -> [String: Any] {
        [
            "changes": items.map { item -> [String: Any] in
                var o: [String: Any] = [
                    "contact": item.email, "account": item.account, "destination": item.destination, "trace_id": item.traceId,
                    "status": item.status.rawValue, "attempts": item.attempts,
                    "created_at": Timestamp(milliseconds: item.createdMs).iso8601,
                    "properties": Dictionary(item.properties.map { ($0.name, $0.value) }, uniquingKeysWith: { _, b in b }),
                ]
                if let ms = item.sentMs { o["sent_at"] = Timestamp(milliseconds: ms).iso8601 }
                if let ms = item.settledMs { o["settled_at"] = Timestamp(milliseconds: ms).iso8601 }
                if let operation = item.operation { o["operation"] = operation }
                if let request = item.request { o["request"] = request }
                if let status = item.httpStatus { o["http_status"] = status }
                if let message = item.message { o["message"] = message }
                return o
            }
        ]
    }

    static func abbreviated(_ text: String, _ limit: Int) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: " ")
        return flat.count <= limit ? flat : String(flat.prefix(limit - 1)) + "…"
    }
}
