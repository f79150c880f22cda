import BrieferCore
import BrieferStore
import Foundation
import Logging

/// What one run of every stage did (SPEC §8): the summary `briefer run` prints and stores.
public struct RunSummary: Sendable {
    public var id: Int64
    public var status: PipelineRunStatus
    public var ingest: IngestSummary?
    public var scoringRunId: Int64?
    public var asOf: Timestamp?
    public var tiers: [String: Int] = [:]
    public var enrichment: EnrichmentSummary?
    /// Why enrichment did not run (no scoring run, an invalid prompt).
    public var enrichmentSkipped: String?
    public var sync: SyncSummary?
    /// Why the sync did not run (another process held the sync lease).
    public var syncSkipped: String?
    /// What retention compacted (`retention.raw_event_days`; nil when off or nothing was due).
    public var retention: RetentionPass?
    public var seconds = 0.0
    /// The oldest event this run stored, and when its CRM write finished: the event-to-CRM latency.
    public var oldestNewEventMs: Int64?
    public var crmWrittenMs: Int64?

    public var latencySeconds: Double? {
        guard let event = oldestNewEventMs, let written = crmWrittenMs else { return nil }
        return Double(written - event) / 1000
    }
}

/// Ingest → score → select → enrich → sync, once (SPEC §8), each stage's work committed before the next
/// starts, so a run stopped anywhere leaves nothing half-written and the next run carries on.
public struct Pipeline: Sendable {
    public struct Options: Sendable {
        /// Files to ingest first (none: score what is stored).
        public var inputs: [String]
        /// Score as of this time (nil: now).
        public var asOf: Timestamp?
        /// Push to the CRM (else write request files to `outDir`, default `crm.out_dir`).
        public var push: Bool
        public var outDir: String?
        /// Scores computed in a warehouse, imported instead of scoring here (`briefer run --scores-from`).
        public var scoresFrom: (any WarehouseTableSource)?
        public var allowOtherConfiguration = false
        public init(
            inputs: [String] = [], asOf: Timestamp? = nil, push: Bool = false, outDir: String? = nil,
            scoresFrom: (any WarehouseTableSource)? = nil
        ) {
            self.inputs = inputs; self.asOf = asOf; self.push = push; self.outDir = outDir; self.scoresFrom = scoresFrom
        }
    }

    public let store: BrieferStore
    public let configuration: BrieferConfiguration
    public let template: PromptTemplate
    public let llm: LLMClient
    public let hubspot: HubSpotClient?
    public let notifications: NotificationTargets
    public let logger: Logger
    public let owner: String

    public init(
        store: BrieferStore, configuration: BrieferConfiguration, template: PromptTemplate, llm: LLMClient,
        hubspot: HubSpotClient?, notifications: NotificationTargets = NotificationTargets(), logger: Logger,
        owner: String = ProcessOwner.id
    ) {
        self.store = store; self.configuration = configuration; self.template = template; self.llm = llm
        self.hubspot = hubspot; self.notifications = notifications; self.logger = logger; self.owner = owner
    }

    /// Runs every stage once. `afterIngest` is called once the inputs are stored (the worker moves them
    /// then); `stage` names each stage as it starts. Cancellation between or inside stages ends the run
    /// as `interrupted`, with what was committed kept. Runs on ``StoreExecutor``'s threads: the store's calls block.
    public func run(_ options: Options, afterIngest: (() throws -> Void)? = nil, stage: ((String) -> Void)? = nil) async throws
        -> RunSummary
    {
        try await StoreExecutor.run { try await runHere(options, afterIngest: afterIngest, stage: stage) }
    }

    private func runHere(_ options: Options, afterIngest: (() throws -> Void)?, stage: ((String) -> Void)?) async throws -> RunSummary {
        let started = ContinuousClock.now
        // Runs whose process was killed stay `running`: those of processes gone from this machine are marked so.
        for run in try store.pipelineRuns(limit: 50) where run.processDied {
            try store.abandonPipelineRun(id: run.id)
        }
        // So are leases of such processes: one on an account briefed before the kill would otherwise linger
        // (harmless, but shown by `status`) until it expires.
        for lease in try store.leases() where ProcessOwner.isGone(lease.owner) {
            try store.releaseLease(account: lease.account, owner: lease.owner)
            logger.notice(
                "released the lease of a process that is gone", metadata: ["lease": "\(lease.account)", "holder": "\(lease.owner)"])
        }
        let id = try store.startPipelineRun(owner: owner, nowMs: Timestamp.now.milliseconds)
        var summary = RunSummary(id: id, status: .running)
        do {
            let lastEvent = try store.eventWatermark()
            if !options.inputs.isEmpty {
                stage?("ingest")
                summary.ingest = try Ingestor(store: store, configuration: configuration, logger: logger).ingest(files: options.inputs)
                try afterIngest?()
            }
            summary.oldestNewEventMs = try store.oldestEventMs(after: lastEvent)
            try Task.checkCancellation()

            let scored: ScoringRun
            let accounts: [AccountScore]
            if let source = options.scoresFrom {
                stage?("import")
                let imported = try WarehouseImporter(store: store, configuration: configuration, logger: logger).importScores(
                    from: source, allowOtherConfiguration: options.allowOtherConfiguration)
                scored = imported.run
                accounts = try store.accountScores(runId: scored.id).map(\.score)
            } else {
                stage?("score")
                let outcome = try ScoringRunner(store: store, configuration: configuration, logger: logger).run(asOf: options.asOf ?? .now)
                (scored, accounts) = (outcome.run, outcome.accounts)
            }
            summary.scoringRunId = scored.id
            summary.asOf = scored.asOf
            summary.tiers = Dictionary(grouping: accounts, by: \.tier.rawValue).mapValues(\.count)
            try Task.checkCancellation()

            stage?("enrich")
            let enricher = Enricher(store: store, configuration: configuration, template: template, logger: logger, owner: owner)
            let plan = try enricher.plan(runId: scored.id)
            summary.enrichment = try await enricher.enrich(plan, client: llm)
            try Task.checkCancellation()

            stage?("sync")
            // One sync at a time per database: a change of one process must not land after a newer one of another.
            let sync = CRMSync(store: store, configuration: configuration, logger: logger)
            let runner = ActionRunner(store: store, configuration: configuration, logger: logger)
            let synced: SyncSummary? = try await sync.exclusively(owner: owner) {
                var synced: SyncSummary
                let act: ActionRunner.Target
                if options.push, let hubspot {
                    synced = try await sync.push(client: hubspot, options: .init())
                    act = .push(hubspot: hubspot, notifications: notifications)
                } else {
                    let directory = options.outDir ?? configuration.crm.outDir
                    synced = try sync.writeFiles(directory: directory)
                    act = .files(directory: directory)
                }
                // The actions for newly-hot accounts, after their contacts (whose record ids the tasks are associated with).
                synced.actions = try await runner.ifEnabled(act, scoredRunId: scored.id)
                return synced
            }
            if let synced {
                summary.sync = synced
                // A push cut short by a stop is not a CRM write: what it did not confirm is pending for the next run.
                try Task.checkCancellation()
                summary.crmWrittenMs = Timestamp.now.milliseconds
            } else {
                summary.syncSkipped = "another process is syncing this database; its changes go out with the next run"
            }
            if configuration.retention.rawEventDays > 0 {
                stage?("retain")
                summary.retention = try store.compactRawEvents(
                    olderThanDays: configuration.retention.rawEventDays, now: .now, shouldStop: { Task.isCancelled })
                try Task.checkCancellation()
            }
            summary.status = .finished
        } catch is CancellationError {
            summary.status = .interrupted
        } catch {
            summary.status = .failed
            summary.seconds = LLMClient.seconds(ContinuousClock.now - started)
            try? finish(summary)
            throw error
        }
        summary.seconds = LLMClient.seconds(ContinuousClock.now - started)
        try finish(summary)
        return summary
    }

    func finish(_ summary: RunSummary) throws {
        try store.finishPipelineRun(
            id: summary.id, status: summary.status, summary: StoredRunSummary(summary).text,
            nowMs: Timestamp.now.milliseconds, oldestNewEventMs: summary.oldestNewEventMs,
            crmWrittenMs: summary.crmWrittenMs)
    }
}
