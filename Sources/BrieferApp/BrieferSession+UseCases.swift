import BrieferCore
import BrieferStore
import Foundation
import Logging

/// One method per use case, each returning a typed result: the CLI parses its arguments, calls one, and renders
/// what it returns; a server (a later issue) calls the same ones.
extension BrieferSession {
    // MARK: Events and scores

    /// Stores event and table files (SPEC §2); bad lines go to the quarantine.
    public func ingest(files: [String], csvKind: CSVKind? = nil, format: EventFormat = .auto, progress: Progress? = nil) throws
        -> IngestSummary
    {
        var ingestor = Ingestor(store: try store, configuration: configuration, logger: logger, csvKind: csvKind)
        ingestor.format = format
        ingestor.progress = progress
        return try ingestor.ingest(files: files)
    }

    /// Scores every user and account as of `asOf` and stores the run (SPEC §3).
    public func score(asOf: Timestamp, model: BrieferConfiguration.ScoringModel? = nil) throws -> ScoringOutcome {
        try ScoringRunner(store: try store, configuration: configuration, logger: logger).run(asOf: asOf, model: model)
    }

    /// The accounts of a scoring run (the latest by default), best first.
    public struct AccountList: Sendable {
        public var run: ScoringRun
        public var accounts: [StoredAccountScore]
    }

    public func accounts(runId: Int64? = nil, tier: Tier? = nil, limit: Int? = nil) throws -> AccountList {
        let store = try store
        guard let run = try store.run(id: runId) else {
            throw BrieferSessionError(code: .noScoringRun, message: "no scoring run yet: run `briefer score` first")
        }
        let accounts = try store.accountScores(runId: run.id, tier: tier)
        return AccountList(run: run, accounts: limit.map { Array(accounts.prefix($0)) } ?? accounts)
    }

    /// The hot accounts of a run and their owners (SPEC §6.1).
    public struct OwnerList: Sendable {
        public var run: ScoringRun
        public var accounts: [(account: StoredAccountScore, owner: OwnerAssignment?)]
        /// Contacts whose owner was read from HubSpot this time, and why the reading stopped early, if it did.
        public var crmRead = 0
        public var crmStopped: String?
    }

    /// Gives the hot accounts of the latest run (or `runId`) their owners — a contact's owner in HubSpot when one is known
    /// (the account's highest-scoring contact with one), else by `actions.owners`: an account keeps the owner it was given,
    /// the rotation goes on in the order accounts became hot — stores them, and lists them.
    /// - Parameter crm: first read from it the owners of the accounts' contacts not read within
    ///   `actions.owners.refresh_after_hours` (``hubspotClient()``); else the owners read before are used.
    public func owners(runId: Int64? = nil, crm client: HubSpotClient? = nil, now: Timestamp = .now) async throws -> OwnerList {
        let list = try accounts(runId: runId, tier: .hot)
        let assigned = try await OwnerAssigner(store: try store, configuration: configuration).assign(
            list.accounts, runId: list.run.id, client: client, now: now)
        return OwnerList(
            run: list.run, accounts: assigned.accounts, crmRead: assigned.refresh?.read ?? 0, crmStopped: assigned.refresh?.stopped)
    }

    /// One account's score recomputed from its raw events, rule by rule, and its latest briefing.
    public struct AccountExplanation: Sendable {
        public var explanation: Explainer.Explanation
        public var latestBriefing: BriefingRecord?
    }

    public func explain(account: String, runId: Int64? = nil) throws -> AccountExplanation {
        let store = try store
        return AccountExplanation(
            explanation: try Explainer(store: store, configuration: configuration).explain(account: account, runId: runId),
            latestBriefing: try store.briefings(account: account, latestOnly: true).first)
    }

    /// Quarantined lines, filtered, with the count of each reason.
    public struct QuarantinePage: Sendable {
        public var entries: [QuarantineEntry]
        public var total: Int
        public var byReason: [String: Int]
    }

    public func quarantine(reason: String? = nil, file: String? = nil, limit: Int = 100) throws -> QuarantinePage {
        let page = try store.quarantine(reason: reason, file: file, limit: limit)
        return QuarantinePage(entries: page.entries, total: page.total, byReason: page.byReason)
    }

    /// What a deletion request removed, and the copies made before schema upgrades that still hold the person.
    public struct ForgetOutcome: Sendable {
        public var report: ForgetReport
        public var backups: [String]
    }

    public func forget(email: String) throws -> ForgetOutcome {
        let store = try store
        return ForgetOutcome(report: try store.forget(email: email), backups: BrieferStore.backups(of: store.path))
    }

    /// Compacts away the raw activity events and quarantined lines older than `days` (default
    /// `retention.raw_event_days`), as every run does when retention is on; nil when nothing was due.
    public func compact(days: Int? = nil, now: Timestamp = .now) throws -> RetentionPass? {
        var c = configuration
        if let days { c.retention.rawEventDays = days }
        if let problem = c.validate().first(where: { $0.key == "retention.raw_event_days" }) {
            throw BrieferSessionError(code: .badArgument, message: problem.description)
        }
        guard c.retention.rawEventDays > 0 else {
            throw BrieferSessionError(
                code: .badArgument, message: "retention is off (retention.raw_event_days: 0): give --days or set retention.raw_event_days")
        }
        return try store.compactRawEvents(olderThanDays: c.retention.rawEventDays, now: now)
    }

    /// Backtests as of one time, or compares two (SPEC §3.4); nothing is stored.
    public func backtest(
        asOf: Timestamp, horizonDays: Double?, model: BrieferConfiguration.ScoringModel?, capacityPerWeek: Int?
    ) throws -> BacktestReport {
        try BacktestRunner(store: try store, configuration: configuration, logger: logger)
            .run(asOf: asOf, horizonDays: horizonDays, model: model, capacityPerWeek: capacityPerWeek)
    }

    public func backtest(
        comparing first: Timestamp, _ second: Timestamp, horizonDays: Double?, model: BrieferConfiguration.ScoringModel?,
        capacityPerWeek: Int?
    ) throws -> BacktestComparison {
        try BacktestRunner(store: try store, configuration: configuration, logger: logger)
            .compare(first, second, horizonDays: horizonDays, model: model, capacityPerWeek: capacityPerWeek)
    }

    // MARK: Briefings

    /// What the next enrichment would brief, and why the other hot accounts wait (SPEC §4).
    public func selection() throws -> EnrichmentPlan { try enricher().plan() }

    /// Exactly what would be sent to the model for one hot account of the latest run.
    public struct PromptPreview: Sendable {
        public var account: PlannedAccount
        public var template: PromptTemplate
        public var model: String
        public var request: ChatRequest
    }

    public func previewPrompt(account: String) throws -> PromptPreview {
        let enricher = try enricher()
        guard let planned = try enricher.plan(only: account).accounts.first else {
            throw BrieferSessionError(
                code: .unknownAccount,
                message: "\(account) is not a hot account in the latest scoring run (see `briefer accounts --tier hot`)")
        }
        let settings = configuration.enrichment
        let request = BriefingConversation(template: enricher.template, input: planned.input, prompt: planned.prompt, settings: settings)
            .request(model: settings.model)
        return PromptPreview(account: planned, template: enricher.template, model: settings.model, request: request)
    }

    /// An enrichment run: what was selected, the counts, and the briefings it stored.
    public struct EnrichmentOutcome: Sendable {
        public var plan: EnrichmentPlan
        public var summary: EnrichmentSummary
        /// The latest briefing of each account briefed, best score first.
        public var briefings: [BriefingRecord]
    }

    /// Briefs the selected hot accounts (SPEC §5); `progress` after each account.
    public func enrich(progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil) async throws -> EnrichmentOutcome {
        let (store, enricher) = (try store, try enricher())
        let plan = try enricher.plan()
        let summary = try await enricher.enrich(plan, client: try modelClient(), progress: progress)
        let briefed = Set(plan.selected.map(\.score.score.account))
        let records = try store.briefings(latestOnly: true).filter { briefed.contains($0.account) }
        return EnrichmentOutcome(plan: plan, summary: summary, briefings: records.sorted { $0.input.score > $1.input.score })
    }

    /// Stored briefings (each account's latest unless `all`) and the accounts deferred to a later run.
    public struct BriefingList: Sendable {
        public var briefings: [BriefingRecord]
        public var deferred: [Deferral]
    }

    public func briefings(account: String? = nil, all: Bool = false, limit: Int = 100) throws -> BriefingList {
        let store = try store
        return BriefingList(
            briefings: try store.briefings(account: account, latestOnly: !all, limit: limit), deferred: try store.deferrals())
    }

    // MARK: The CRM

    /// Where a sync writes: request files under a folder (default `crm.out_dir`), or HubSpot.
    public enum SyncTarget: Sendable, Equatable {
        case files(directory: String?)
        case push
    }

    /// Writes or pushes the changes since the last sync (SPEC §6), under the database's sync lease; a dry run
    /// counts what would change and records, writes and sends nothing.
    public func sync(
        to target: SyncTarget, options: CRMSync.Options = .init(), dryRun: Bool = false,
        progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil
    ) async throws -> SyncSummary {
        let sync = try crmSync()
        let runner = try actionRunner()
        switch target {
        case .push:
            let client = try hubspotClient()
            defer { client.shutdown() }
            let act = ActionRunner.Target.push(hubspot: client, notifications: try notificationTargets())
            if dryRun {
                var summary = try sync.dryRun(destination: client.endpoint.destination, options: options)
                summary.actions = try await runner.ifEnabled(act, dryRun: true)
                return summary
            }
            return try await exclusively(sync) {
                var summary = try await sync.push(client: client, options: options, progress: progress)
                summary.actions = try await runner.ifEnabled(act)
                return summary
            }
        case let .files(directory):
            let act = ActionRunner.Target.files(directory: directory ?? configuration.crm.outDir)
            if dryRun {
                var summary = try sync.dryRun(destination: CRMSync.filesDestination, options: options)
                summary.actions = try await runner.ifEnabled(act, dryRun: true)
                return summary
            }
            return try await exclusively(sync) {
                var summary = try sync.writeFiles(directory: directory ?? configuration.crm.outDir, options: options)
                summary.actions = try await runner.ifEnabled(act)
                return summary
            }
        }
    }

    /// Reps' feedback read back from the CRM, newest first (`briefer feedback`); one account's when given.
    public func feedback(account: String? = nil) throws -> [FeedbackEntry] { try store.feedback(account: account) }

    /// What the actions for newly-hot accounts did, newest first (`briefer actions`).
    public func actionLog(
        status: ActionRecord.Status? = nil, kind: ActionKind? = nil, account: String? = nil, limit: Int = 100
    ) throws -> [ActionRecord] {
        try store.actions(kind: kind, statuses: status.map { [$0] } ?? [], account: account, newestFirst: true, limit: limit)
    }

    private func exclusively(_ sync: CRMSync, _ body: () async throws -> SyncSummary) async throws -> SyncSummary {
        guard let summary = try await sync.exclusively(body) else {
            throw BrieferSessionError(
                code: .syncBusy,
                message: "another process is syncing this database (lease \(CRMSync.lease), see `briefer status`): "
                    + "nothing was sent; its changes and these go out with the next sync")
        }
        return summary
    }

    /// What was synced, per contact, newest first.
    public func syncLog(
        status: OutboxItem.Status? = nil, contact: String? = nil, account: String? = nil, limit: Int = 100
    ) throws -> [OutboxItem] {
        try store.outboxItems(
            destination: nil, statuses: status.map { [$0] } ?? [], email: contact, account: account, newestFirst: true, limit: limit)
    }

    /// The property group and property definitions Briefer writes (SPEC §6), as HubSpot request bodies: on contacts, and
    /// on companies when `actions.companies` is on.
    public var crmDefinitions: [CRMDefinitions] {
        let actions = configuration.actions
        let feedback = actions.enabled && actions.feedback.enabled ? actions.feedback : nil
        return [CRMDefinitions(configuration.crm, feedback: feedback)]
            + (actions.enabled && actions.companies.enabled
                ? [CRMDefinitions(configuration.crm, object: .companies, feedback: feedback)] : [])
    }

    /// The scopes each enabled feature needs, checked against the token's (`briefer crm check`).
    public func checkCRM() async throws -> CRMCheck.Report {
        let client = try hubspotClient()
        defer { client.shutdown() }
        return try await CRMCheck(client: client, configuration: configuration).run()
    }

    /// Creates them in HubSpot; what already exists is reported and left as it is.
    public func applyCRMDefinitions() async throws -> CRMDefinitionsApplier.Report {
        let client = try hubspotClient()
        defer { client.shutdown() }
        var report = CRMDefinitionsApplier.Report()
        for definitions in crmDefinitions {
            let one = try await CRMDefinitionsApplier(client: client, definitions: definitions).apply()
            report.lines += one.lines
            report.succeeded = report.succeeded && one.succeeded
        }
        return report
    }

    // MARK: Every stage

    /// Every stage once (ingest → score → select → enrich → sync), its summary stored.
    public func run(_ options: Pipeline.Options, stage: ((String) -> Void)? = nil) async throws -> RunSummary {
        try await pipeline(push: options.push).run(options, stage: stage)
    }

    /// Cycles of every stage on an interval, ingesting what appears in `inbox`, until SIGTERM or SIGINT (or `cycles`).
    public func work(
        _ options: Pipeline.Options, inbox: String?, interval: Duration, cycles: Int?, onSecondSignal: @escaping @Sendable () -> Void,
        report: @escaping @Sendable (RunSummary) -> Void
    ) async throws {
        let loop = WorkerLoop(
            pipeline: try pipeline(push: options.push), options: options, inbox: inbox.map { Inbox(directory: $0) },
            interval: interval, cycles: cycles, logger: logger)
        await GracefulShutdown.run(logger: logger, onSecondSignal: onSecondSignal) { await loop.run(report: report) }
        logger.notice("worker stopped")
    }

    /// The pipeline cycle `briefer serve` runs beside its intake: every `serve.cycle_interval_seconds`, and soon after
    /// `trigger` is pulled (a high-intent event arrived). Cancelled, it stops between committed steps.
    public func cycles(_ options: Pipeline.Options, trigger: CycleTrigger) throws -> WorkerLoop {
        WorkerLoop(
            pipeline: try pipeline(push: options.push), options: options, inbox: nil,
            interval: .seconds(configuration.serve.cycleIntervalSeconds), cycles: nil, trigger: trigger, logger: logger)
    }

    /// The last runs, pending work, leases and the last run's event-to-CRM latency.
    public func status(runs: Int) throws -> WorkerStatus {
        try WorkerStatus.read(from: try store, runs: runs, retentionDays: configuration.retention.rawEventDays)
    }
}
