import BrieferCore
import BrieferStore
import Foundation

/// The text and JSON views of ingests, runs, accounts and the quarantine.
public enum Reports {
    public static func ingest(_ summary: IngestSummary) -> String {
        var table = TextTable(header: ["file", "kind", "read", "inserted", "duplicates", "quarantined"], rightAligned: [2, 3, 4, 5])
        for f in summary.files {
            table.add([(f.path as NSString).lastPathComponent, f.kind, "\(f.read)", "\(f.inserted)", "\(f.duplicates)", "\(f.quarantined)"])
        }
        if summary.files.count > 1 {
            table.add(["total", "", "\(summary.read)", "\(summary.inserted)", "\(summary.duplicates)", "\(summary.quarantined)"])
        }
        var out = table.render()
        let reasons = summary.quarantineReasons
        if !reasons.isEmpty {
            out += "\nquarantined by reason: " + reasons.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            if summary.alreadyQuarantined > 0 { out += " (\(summary.alreadyQuarantined) already quarantined by an earlier ingest)" }
        }
        let zoneless = summary.files.reduce(0) { $0 + $1.zonelessTimestamps }
        if zoneless > 0 { out += "\ntimestamps without a zone, read as UTC: \(zoneless)" }
        let anonymous = summary.files.reduce(0) { $0 + $1.anonymousEvents }
        if anonymous > 0 { out += "\nanonymous events (stored; they count for the user their id is linked to): \(anonymous)" }
        if summary.linkConflicts > 0 {
            out += "\nidentity links set aside (the id was linked to another user first; kept, not applied): \(summary.linkConflicts)"
        }
        if summary.systemEvents > 0 {
            out += "\nvendor system events (sources.<vendor>.ignored_events; stored, never activity): \(summary.systemEvents)"
        }
        if summary.expired > 0 {
            out += "\nactivity events older than the retention horizon (retention.raw_event_days), not stored: \(summary.expired)"
        }
        if summary.withoutCalls > 0 { out += "\nlines that amount to no event (nothing to store): \(summary.withoutCalls)" }
        for f in summary.unfinished { out += "\nnot read to its end: \(f.error!)" }
        if summary.forgotten > 0 { out += "\nlines and rows of forgotten people (briefer forget), not stored: \(summary.forgotten)" }
        return out
    }

    public static func ingestJSON(_ summary: IngestSummary) -> [String: Any] {
        [
            "read": summary.read, "inserted": summary.inserted, "duplicates": summary.duplicates, "quarantined": summary.quarantined,
            "already_quarantined": summary.alreadyQuarantined, "forgotten": summary.forgotten, "expired": summary.expired,
            "quarantined_by_reason": summary.quarantineReasons,
            "files": summary.files.map { f -> [String: Any] in
                [
                    "path": f.path, "kind": f.kind, "read": f.read, "inserted": f.inserted, "duplicates": f.duplicates,
                    "quarantined": f.quarantined, "already_quarantined": f.alreadyQuarantined, "quarantined_by_reason": f.quarantineReasons,
                    "zoneless_timestamps": f.zonelessTimestamps, "anonymous_events": f.anonymousEvents, "forgotten": f.forgotten,
                    "error": f.error ?? NSNull(), "link_conflicts": f.linkConflicts, "system_events": f.systemEvents,
                    "without_calls": f.withoutCalls, "expired": f.expired,
                ]
            },
        ]
    }

    public static func run(_ run: ScoringRun, tiers: [Tier: Int]) -> String {
        var out = "run \(run.id): as of \(run.asOf.iso8601), model \(run.model.rawValue), config \(run.configHash)\n"
        out += "scored \(run.usersScored) users in \(run.accountsScored) accounts; \(run.usersExcluded) internal users excluded\n"
        out +=
            "events in the scored windows: \(run.eventsCounted) counted; excluded: \(run.eventsBotExcluded) in bot-like days, \(run.eventsCapExcluded) over the daily cap\n"
        out += "accounts by tier: " + Tier.allCases.map { "\($0.rawValue) \(tiers[$0] ?? 0)" }.joined(separator: ", ")
        return out
    }

    public static func importSummary(_ s: WarehouseImportSummary) -> String {
        var out =
            "run \(s.run.id): as of \(s.run.asOf.iso8601), model \(s.run.model.rawValue), scored in the \(s.run.source ?? "warehouse")"
        out += s.otherConfiguration.map { ", config \($0) (not this configuration: taken as it is)" } ?? ", config \(s.run.configHash)"
        out +=
            "\nimported \(s.users) users in \(s.accounts) accounts, \(s.contacts) contacts, briefing facts of \(s.factAccounts) hot accounts"
        if !s.quarantined.isEmpty {
            out +=
                "\nquarantined (briefer quarantine): "
                + s.quarantined.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        }
        return out
    }

    public static func importJSON(_ s: WarehouseImportSummary) -> [String: Any] {
        var o = runJSON(s.run)
        o["users"] = s.users
        o["accounts"] = s.accounts
        o["contacts"] = s.contacts
        o["fact_accounts"] = s.factAccounts
        o["quarantined"] = s.quarantined
        o["other_configuration"] = s.otherConfiguration ?? NSNull()
        return o
    }

    public static func runJSON(_ run: ScoringRun) -> [String: Any] {
        [
            "source": run.source ?? "local",
            "run_id": run.id, "as_of": run.asOf.iso8601, "model": run.model.rawValue, "config_hash": run.configHash,
            "started_at": run.startedAt, "finished_at": run.finishedAt, "users_scored": run.usersScored,
            "users_excluded": run.usersExcluded, "accounts_scored": run.accountsScored, "events_counted": run.eventsCounted,
            "events_bot_excluded": run.eventsBotExcluded, "events_cap_excluded": run.eventsCapExcluded,
        ]
    }

    public static func accounts(_ accounts: [StoredAccountScore], model: BrieferConfiguration.ScoringModel, reasons: Int = 3) -> String {
        var header = ["account", "score", "tier", "previous", "users", "best user"]
        header += model == .weighted ? ["act", "eng", "firm"] : ["fit", "beh"]
        header += ["team", "top reasons"]
        var table = TextTable(header: header, rightAligned: model == .weighted ? [1, 4, 6, 7, 8, 9] : [1, 4, 6, 7, 8])
        for stored in accounts {
            let a = stored.score
            var row = [a.account, "\(a.score)", a.tier.rawValue, stored.previousTier?.rawValue ?? "new", "\(a.users)", a.bestUserId]
            row += model == .weighted ? ["\(a.activation)", "\(a.engagement)", "\(a.firmographic)"] : ["\(a.fit)", "\(a.behaviour)"]
            row += [a.teamBonus > 0 ? "+\(a.teamBonus)" : "", ReasonCode.joined(Array(a.reasons.prefix(reasons)))]
            table.add(row)
        }
        return table.render()
    }

    public static func accountsJSON(_ accounts: [StoredAccountScore], run: ScoringRun) -> [String: Any] {
        [
            "run": runJSON(run),
            "accounts": accounts.map { stored -> [String: Any] in
                let a = stored.score
                var o: [String: Any] = [
                    "account": a.account, "score": a.score, "tier": a.tier.rawValue,
                    "previous_tier": stored.previousTier?.rawValue ?? NSNull(),
                    "is_pql": a.isPQL, "users": a.users, "best_user_id": a.bestUserId, "active_teammates": a.activeTeammates,
                    "team_bonus": a.teamBonus, "reason_codes": a.reasons.map(\.description),
                    "became_hot_at": stored.becameHotAt ?? NSNull(),
                ]
                if run.model == .weighted {
                    o["activation"] = a.activation; o["engagement"] = a.engagement; o["firmographic"] = a.firmographic
                } else {
                    o["fit"] = a.fit; o["behaviour"] = a.behaviour
                }
                return o
            },
        ]
    }

    /// Per-user scores as CSV: `user_id,activation,engagement,firmographic,pql_score` (the benchmark compares these).
    public static func usersCSV(_ users: [UserScore]) -> String {
        var out = "user_id,activation,engagement,firmographic,pql_score\n"
        for u in users.sorted(by: { $0.userId < $1.userId }) {
            out += "\(u.userId),\(u.activation),\(u.engagement),\(u.firmographic),\(u.score)\n"
        }
        return out
    }
}
