import BrieferCore
import BrieferStore
import Foundation

extension Reports {
    /// One run's summary: counts per stage, then the event-to-CRM latency.
    public static func run(_ s: RunSummary) -> String {
        var out = ["run \(s.id) \(s.status.rawValue) in \(String(format: "%.1f", s.seconds)) s"]
        if let i = s.ingest {
            out.append(
                "  ingest: \(i.read) line(s) read, \(i.inserted) stored, \(i.duplicates) duplicate(s), \(i.quarantined) quarantined"
                    + (i.quarantineReasons.isEmpty
                        ? ""
                        : " (" + i.quarantineReasons.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                            + ")"))
        } else {
            out.append("  ingest: no new files")
        }
        if let runId = s.scoringRunId, let asOf = s.asOf {
            let tiers = Tier.allCases.map { "\(s.tiers[$0.rawValue] ?? 0) \($0.rawValue)" }.joined(separator: ", ")
            out.append("  score: run \(runId) as of \(asOf.iso8601): \(tiers)")
        }
        if let e = s.enrichment {
            out.append("  enrich: " + enrichment(e).replacingOccurrences(of: "\n", with: "\n          "))
        } else if let why = s.enrichmentSkipped {
            out.append("  enrich: skipped (\(why))")
        }
        if let c = s.sync {
            out.append("  sync: " + sync(c).replacingOccurrences(of: "\n", with: "\n        "))
        } else if let why = s.syncSkipped {
            out.append("  sync: skipped (\(why))")
        }
        if let latency = s.latencySeconds {
            out.append("  event to CRM: \(duration(latency)) from the oldest new event to its CRM write (target 15 min)")
        }
        return out.joined(separator: "\n")
    }

    public static func runJSON(_ s: RunSummary) -> [String: Any] {
        var object: [String: Any] = ["id": s.id, "status": s.status.rawValue, "seconds": s.seconds, "tiers": s.tiers]
        if let i = s.ingest { object["ingest"] = ingestJSON(i) }
        if let runId = s.scoringRunId { object["scoring_run_id"] = runId }
        if let asOf = s.asOf { object["as_of"] = asOf.iso8601 }
        if let e = s.enrichment { object["enrichment"] = enrichmentJSON(e) }
        if let why = s.enrichmentSkipped { object["enrichment_skipped"] = why }
        if let c = s.sync { object["sync"] = syncJSON(c) }
        if let why = s.syncSkipped { object["sync_skipped"] = why }
        if let latency = s.latencySeconds { object["event_to_crm_seconds"] = latency }
        return object
    }

    /// `briefer status`: the last runs, what is pending, the leases, the last run's event-to-CRM latency.
    public static func status(_ status: WorkerStatus) -> String {
        let (runs, deferred, outbox, leases, nowMs, portals) = (
            status.runs, status.deferred, status.outbox, status.leases, status.nowMs, status.portals
        )
        var out: [String] = []
        if runs.isEmpty {
            out.append("no runs yet (`briefer run` or `briefer worker`)")
        } else {
            var table = TextTable(header: ["run", "status", "started", "seconds", "owner", "event to CRM"], rightAligned: [0, 3, 5])
            for r in runs {
                let seconds = r.finishedMs.map { String(format: "%.1f", Double($0 - r.startedMs) / 1000) } ?? "-"
                let latency = both(r.oldestNewEventMs, r.crmWrittenMs).map { duration(Double($1 - $0) / 1000) } ?? "-"
                let state = status.died.contains(r.id) ? PipelineRunStatus.died.rawValue : r.status.rawValue
                table.add(["\(r.id)", state, Timestamp(milliseconds: r.startedMs).iso8601, seconds, r.owner, latency])
            }
            out.append(table.render())
        }
        out.append(
            "\npending: \(deferred) deferred account(s); CRM outbox "
                + (outbox.isEmpty ? "empty" : outbox.sorted { $0.key < $1.key }.map { "\($0.value) to \($0.key)" }.joined(separator: ", ")))
        if leases.isEmpty {
            out.append("leases: none")
        } else {
            out.append("leases:")
            for l in leases {
                let state =
                    l.expiresMs <= nowMs
                    ? "expired \(Timestamp(milliseconds: l.expiresMs).iso8601) (taken over by the next worker)"
                    : "until \(Timestamp(milliseconds: l.expiresMs).iso8601)"
                out.append("  \(l.account): \(l.owner), \(state)")
            }
        }
        for (destination, portal) in portals {
            out.append(
                "CRM: \(destination.replacingOccurrences(of: "hubspot ", with: "")) is HubSpot portal \(portal) (a token of another portal is refused)"
            )
        }
        if let last = runs.first(where: { $0.crmWrittenMs != nil && $0.oldestNewEventMs != nil }),
            let event = last.oldestNewEventMs, let written = last.crmWrittenMs
        {
            let seconds = Double(written - event) / 1000
            out.append(
                "event to CRM (run \(last.id)): \(duration(seconds)) from its oldest new event to its CRM write; "
                    + (seconds <= 900 ? "within" : "over") + " the 15-minute target")
        } else {
            out.append("event to CRM: no run has stored new events and written to the CRM yet")
        }
        return out.joined(separator: "\n")
    }
}

/// Seconds as people read them: `42 s`, `12 min`, `5.3 h`, `49.9 days`.
func duration(_ seconds: Double) -> String {
    switch seconds {
    case ..<120: return "\(Int(seconds.rounded())) s"
    case ..<7200: return "\(Int((seconds / 60).rounded())) min"
    case ..<172_800: return String(format: "%.1f h", seconds / 3600)
    default: return String(format: "%.1f days", seconds / 86_400)
    }
}

private func both(_ a: Int64?, _ b: Int64?) -> (Int64, Int64)? {
    guard let a, let b else { return nil }
    return (a, b)
}
