import BrieferApp
import BrieferStore
import Foundation
import Prometheus
import Synchronization

/// What `briefer serve` counts and times, exposed at `/metrics` in Prometheus text: the intake (events received,
/// stored, duplicated, quarantined by reason; requests by route and status; acknowledgement latency) and the pipeline
/// cycles (durations by stage, LLM calls, tokens and cost, validator outcomes by error code, CRM writes, actions for reps
/// and those still pending, event-to-CRM latency).
public final class ServeMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let stage = Mutex<(name: String, started: ContinuousClock.Instant)?>(nil)

    static let latencyBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
    ]
    static let stageBuckets: [Duration] = [
        .seconds(0.1), .seconds(0.5), .seconds(1), .seconds(5), .seconds(15), .seconds(60), .seconds(300),
    ]
    static let eventToCRMBuckets: [Double] = [10, 30, 60, 120, 300, 600, 900, 1800, 3600]

    public init() {}

    private func counter(_ name: String, _ unit: String, _ help: String, _ labels: [(String, String)] = []) -> Counter {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(namespace: "briefer", metricName: name, unitName: unit, helpText: help), labels: labels)
    }

    private func durations(_ name: String, _ help: String, _ buckets: [Duration], _ labels: [(String, String)] = []) -> DurationHistogram {
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(namespace: "briefer", metricName: name, unitName: "seconds", helpText: help), labels: labels,
            buckets: buckets)
    }

    /// The text `/metrics` answers.
    public func text() -> String { registry.emitToString() }

    /// A request answered (`route`: its endpoint, `status`: its HTTP status).
    func request(route: String, status: Int) {
        counter("http_requests", "total", "HTTP requests answered", [("route", route), ("status", "\(status)")]).increment()
    }

    /// A request's calls committed (or refused), and how long it took to acknowledge.
    func intake(route: String, outcome: LiveIntake.Outcome, took: Duration) {
        counter("events_received", "total", "Calls received", [("route", route)]).increment(
            by: Int64(outcome.received))
        counter("events_stored", "total", "Calls stored", [("route", route)]).increment(
            by: Int64(outcome.stored))
        counter("events_duplicate", "total", "Calls already stored", [("route", route)])
            .increment(by: Int64(outcome.duplicates))
        counter("events_expired", "total", "Activity calls older than the retention horizon, not stored", [("route", route)])
            .increment(by: Int64(outcome.expired))
        for (reason, count) in outcome.quarantineReasons {
            counter("events_quarantined", "total", "Calls quarantined, by reason", [("reason", reason)])
                .increment(by: Int64(count))
        }
        durations("ack_latency", "From a request's arrival to its acknowledgement", Self.latencyBuckets).recordNanoseconds(took.nanoseconds)
    }

    /// A cycle's stage starts: the one before it is timed.
    public func stageStarted(_ name: String?) {
        let now = ContinuousClock.now
        let ended = stage.withLock { current -> (String, Duration)? in
            defer { current = name.map { ($0, now) } }
            return current.map { ($0.name, now - $0.started) }
        }
        if let (name, took) = ended {
            durations("cycle_stage", "Pipeline cycle stages, by stage", Self.stageBuckets, [("stage", name)]).recordNanoseconds(
                took.nanoseconds)
        }
    }

    /// A cycle finished.
    public func cycle(_ summary: RunSummary) {
        stageStarted(nil)
        counter("cycles", "total", "Pipeline cycles", [("status", summary.status.rawValue)]).increment()
        if let enrichment = summary.enrichment {
            counter("llm_calls", "total", "Model requests").increment(by: Int64(enrichment.calls))
            counter("llm_failed_calls", "total", "Model requests that failed").increment(
                by: Int64(enrichment.failedCalls))
            counter("llm_tokens", "total", "Model tokens", [("kind", "prompt")]).increment(
                by: Int64(enrichment.promptTokens))
            counter("llm_tokens", "total", "Model tokens", [("kind", "completion")]).increment(
                by: Int64(enrichment.completionTokens))
            counter("llm_cost_usd", "total", "Estimated model cost, USD").increment(by: enrichment.costUsd)
            for (outcome, count) in [
                ("first_time", enrichment.firstTime), ("repaired", enrichment.repaired), ("fallback", enrichment.fallbacks),
                ("needs_review", enrichment.needsReview),
            ] {
                counter("briefings", "total", "Briefings, by how they ended", [("outcome", outcome)])
                    .increment(by: Int64(count))
            }
            for (code, count) in enrichment.errorCodes {
                counter("validator_errors", "total", "Validation errors, by code", [("code", code)]).increment(by: Int64(count))
            }
        }
        if let sync = summary.sync {
            counter("crm_writes", "total", "CRM changes, by result", [("result", "done")])
                .increment(by: Int64(sync.done))
            counter("crm_writes", "total", "CRM changes, by result", [("result", "rejected")])
                .increment(by: Int64(sync.rejected))
        }
        if let actions = summary.sync?.actions {
            for (kind, count) in actions.done {
                counter("actions", "total", "Actions for newly-hot accounts, by kind and result", [("kind", kind), ("result", "done")])
                    .increment(by: Int64(count))
            }
            for (result, count) in [("rejected", actions.rejected), ("unknown", actions.unknown)] where count > 0 {
                counter("actions", "total", "Actions for newly-hot accounts, by kind and result", [("kind", "any"), ("result", result)])
                    .increment(by: Int64(count))
            }
            registry.makeGauge(
                descriptor: MetricNameDescriptor(
                    namespace: "briefer", metricName: "actions_pending",
                    helpText: "Actions recorded and not yet delivered after the last cycle"),
                labels: []
            ).set(Int64(actions.leftPending))
        }
        if let latency = summary.latencySeconds {
            registry.makeValueHistogram(
                descriptor: MetricNameDescriptor(
                    namespace: "briefer", metricName: "event_to_crm", unitName: "seconds",
                    helpText: "From the oldest event a cycle stored to its CRM write"), labels: [], buckets: Self.eventToCRMBuckets
            ).record(latency)
        }
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
