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
        if let pass = s.retention { out.append("  retain: " + retention(pass)) }
        if let latency = s.latencySeconds {
            out.append("  event to CRM: \(duration(latency)) from the oldest new event to its CRM write (target 15 min)")
        }
        return out.joined(separator: "\n")
    }

    /// One retention pass, in a line.
    public static func retention(_ pass: RetentionPass) -> String {
        "raw activity events before \(pass.horizon.isoDate): \(pass.eventsRemoved) removed, \(pass.eventsTrimmed) kept without properties "
            + "for their group hint; \(pass.quarantineRemoved) quarantined line(s) removed"
            + (pass.finishedMs == nil ? " (stopped before the end; the next pass carries on)" : "")
    }

    public static func retentionJSON(_ pass: RetentionPass) -> [String: Any] {
        [
            "horizon": pass.horizon.iso8601, "events_removed": pass.eventsRemoved, "events_trimmed": pass.eventsTrimmed,
            "quarantine_removed": pass.quarantineRemoved, "finished": pass.finishedMs != nil,
        ]
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
        if let pass = s.retention { object["retention"] = retentionJSON(pass) }
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
        if let size = status.size {
            out.append(
                "database: \(bytes(size.bytes)) (\(bytes(size.freeBytes)) of it free pages, reused before the file grows), "
                    + "write-ahead log \(bytes(size.walBytes)); \(size.events) raw event(s)")
        }
        if let r = status.retention {
            if let horizon = r.horizon {
                out.append(
                    "retention: raw activity events before \(horizon.isoDate) compacted away; in all \(r.eventsRemoved) removed, "
                        + "\(r.eventsTrimmed) kept without properties for their group hint, \(r.quarantineRemoved) quarantined line(s) removed"
                )
                if let last = r.lastPass {
                    out.append(
                        "  last pass: started \(Timestamp(milliseconds: last.startedMs).iso8601), "
                            + (last.finishedMs.map { "finished \(Timestamp(milliseconds: $0).iso8601)" }
                                ?? "not finished (the next cycle carries on)")
                            + ": " + retention(last))
                }
            } else {
                out.append(
                    status.retentionDays > 0
                        ? "retention: raw events older than \(status.retentionDays) days are compacted by each run; none has yet"
                        : "retention: off (retention.raw_event_days: 0 keeps every raw event)")
            }
        }
        return out.joined(separator: "\n")
    }
}

/// A size as people read it: `812 KB`, `3.4 MB`, `1.2 GB`.
func bytes(_ count: Int64) -> String {
    let value = Double(count)
    switch value {
    case ..<1_000_000: return String(format: "%.0f KB", value / 1000)
    case ..<1_000_000_000: return String(format: "%.1f MB", value / 1_000_000)
    default: return String(format: "%.2f GB", value / 1_000_000_000)
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
