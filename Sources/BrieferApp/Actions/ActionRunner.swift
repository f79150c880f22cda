import BrieferCore
import BrieferStore
import Foundation
import Logging

/// What one actions pass did (or, for a dry run, would do).
public struct ActionSummary: Sendable {
    public enum Mode: String, Sendable {
        case files, push
        case dryRun = "dry-run"
    }

    public var mode: Mode
    public var runId: Int64?
    public var asOf: Timestamp?
    /// Why no transition was looked at (actions off, a run whose as-of is not the latest).
    public var notRun: String?
    /// Transitions before this time are not acted on (the first run actions saw on).
    public var enabledFrom: Timestamp?
    /// Hot accounts whose transition came before actions were enabled.
    public var alreadyHot = 0
    /// By kind: transitions recorded to act on this time, and skipped (cool-down, daily cap, no longer hot).
    public var recorded: [String: Int] = [:]
    public var skipped: [String: Int] = [:]
    /// Actions still waiting for their account's briefing.
    public var waiting = 0
    /// Actions that went with the rules' briefing once their wait was over.
    public var withRulesBriefing = 0
    /// By kind: written or delivered.
    public var done: [String: Int] = [:]
    /// Tasks found by their key after a create without an answer (not created again).
    public var foundBySearch = 0
    public var rejected = 0
    /// Slack messages whose send ended without an answer: not sent again.
    public var unknown = 0
    /// Reps' feedback values read back that were new.
    public var feedbackRead = 0
    /// Left pending for the next pass (a failure, a stop, a wait).
    public var leftPending = 0
    public var requests: [String: Int] = [:]
    public var directory: String?
    public var files: [String] = []
    public var stopped: String?
    public var messages: [String] = []

    mutating func note(_ message: String) { if !messages.contains(message) { messages.append(message) } }
}

/// Acts on newly-hot accounts (SPEC §6.1): records one action per transition, kind and destination in the actions' outbox
/// (before anything is sent, never twice), waits for each account's briefing up to `actions.briefing_wait_minutes`, fixes
/// what will be sent, then writes it as request files or delivers it — HubSpot tasks (searched for by key after a create
/// without an answer, never doubled), Slack messages (at most once after an unknown outcome) and signed webhook events (at
/// least once, with a stable event id).
public final class ActionRunner: Sendable {
    public enum Target: Sendable {
        case files(directory: String)
        /// `hubspot` for tasks (and owners read from the CRM); the notification targets for Slack and the webhook.
        case push(hubspot: HubSpotClient?, notifications: NotificationTargets)
    }

    let store: BrieferStore
    let configuration: BrieferConfiguration
    let logger: Logger
    let clock: @Sendable () -> Timestamp

    public init(
        store: BrieferStore, configuration: BrieferConfiguration, logger: Logger = Logger(label: "briefer.actions"),
        clock: @escaping @Sendable () -> Timestamp = { .now }
    ) {
        self.store = store; self.configuration = configuration; self.logger = logger; self.clock = clock
    }

    var settings: BrieferConfiguration.Actions { configuration.actions }

    /// The kinds this target acts with, and where each goes.
    func destinations(_ target: Target) -> [(kind: ActionKind, destination: String)] {
        var kinds: [ActionKind] = []
        if settings.tasks.enabled { kinds.append(.task) }
        if settings.slack.enabled { kinds.append(.slack) }
        if settings.webhook.enabled { kinds.append(.webhook) }
        switch target {
        case .files:
            return kinds.map { ($0, CRMSync.filesDestination) }
        case let .push(hubspot, _):
            return kinds.compactMap { kind in
                switch kind {
                case .task: return hubspot.map { (kind, $0.endpoint.destination) }
                case .slack: return (kind, "slack")
                case .webhook: return (kind, "webhook")
                case .company: return nil
                }
            }
        }
    }

    /// One pass: records the latest run's new transitions, fixes the bodies of those whose briefing is ready (or whose wait
    /// is over), and writes or delivers every pending action. `scoredRunId`: the run this pass follows (a pipeline's); none
    /// is acted on unless its as-of is the latest. A dry run records, writes and sends nothing.
    /// Runs on ``StoreExecutor``'s threads: the store's calls block.
    public func run(_ target: Target, scoredRunId: Int64? = nil, dryRun: Bool = false) async throws -> ActionSummary {
        try await StoreExecutor.run { try await runHere(target, scoredRunId: scoredRunId, dryRun: dryRun) }
    }

    private func runHere(_ target: Target, scoredRunId: Int64?, dryRun: Bool) async throws -> ActionSummary {
        let mode: ActionSummary.Mode
        if dryRun { mode = .dryRun } else if case .files = target { mode = .files } else { mode = .push }
        var summary = ActionSummary(mode: mode)
        guard settings.enabled else {
            summary.notRun = "actions.enabled is false"
            return summary
        }
        guard let run = try store.latestRun(model: configuration.model) else {
            summary.notRun = "no \(configuration.model.rawValue) scoring run yet"
            return summary
        }
        (summary.runId, summary.asOf) = (run.id, run.asOf)
        if let scoredRunId, let scored = try store.run(id: scoredRunId), scored.asOf < run.asOf {
            summary.notRun =
                "scoring run \(scored.id) is as of \(scored.asOf.iso8601), before the latest (\(run.asOf.iso8601)): backfills make no actions"
            return summary
        }
        let now = clock()
        let hot = try store.accountScores(runId: run.id, tier: .hot)
        let transitions = hot.compactMap { s in
            s.becameHotAt.flatMap { Timestamp.parse($0)?.timestamp }.map {
                ActionPolicy.Transition(account: s.score.account, becameHot: $0)
            }
        }
        let routes = destinations(target)
        var before: Set<String> = []
        for (kind, destination) in routes {
            let enabledFrom =
                try store.actionsEnabledFrom(kind: kind, destination: destination, settingTo: dryRun ? nil : run.asOf) ?? run.asOf
            summary.enabledFrom = min(summary.enabledFrom ?? enabledFrom, enabledFrom)
            let policy = ActionPolicy(enabledFrom: enabledFrom, coolDownHours: settings.coolDownHours, dailyCap: settings.dailyCap)
            let known = try store.actionKeys(kind: kind, destination: destination)
            let fresh = transitions.filter { !known.contains(kind.key(account: $0.account, becameHot: $0.becameHot)) }
            var history = try store.actionHistory(kind: kind, destination: destination, dayStart: now.startOfDay)
            var new: [NewAction] = []
            for (t, decision) in policy.decide(fresh, history: &history) {
                switch decision {
                case .before: before.insert(t.account)
                case .act:
                    new.append(
                        NewAction(
                            kind: kind, destination: destination, account: t.account, becameHot: t.becameHot, runId: run.id,
                            status: .waiting))
                    summary.recorded[kind.rawValue, default: 0] += 1
                case let .skip(why):
                    new.append(
                        NewAction(
                            kind: kind, destination: destination, account: t.account, becameHot: t.becameHot, runId: run.id,
                            status: .skipped,
                            message: why))
                    summary.skipped[kind.rawValue, default: 0] += 1
                }
            }
            if !dryRun { try store.recordActions(new, at: now) }
        }
        summary.alreadyHot = before.count
        let routed = Set(routes.map { "\($0.kind.rawValue) \($0.destination)" })
        // A kind turned off since: its actions still waiting are not made.
        let off = Set(
            ActionKind.allCases.filter { kind in
                switch kind {
                case .task: return !settings.tasks.enabled
                case .slack: return !settings.slack.enabled
                case .webhook: return !settings.webhook.enabled
                case .company: return false
                }
            })
        if !dryRun, !off.isEmpty {
            // Turned on again later, a kind starts from the run that sees it then.
            try store.forgetActionsEnabled(kinds: Array(off))
            try store.settleActions(
                try store.actions(statuses: [.waiting, .pending]).filter { off.contains($0.kind) }.map {
                    ActionOutcome(
                        id: $0.id, status: .skipped,
                        message: "actions.\($0.kind.rawValue == "task" ? "tasks" : $0.kind.rawValue) turned off")
                }, at: now)
        }
        func ours(_ a: ActionRecord) -> Bool { routed.contains("\(a.kind.rawValue) \(a.destination)") }
        if dryRun {
            summary.leftPending = try store.actions(statuses: [.pending, .waiting]).filter(ours).count
            return summary
        }
        var hubspot: HubSpotClient?
        if case let .push(client, _) = target { hubspot = client }
        // The token's portal must be the one this destination's record ids came from, whether or not the contacts'
        // push just checked it (it does only when it has something to send).
        if let hubspot {
            if case let .stop(message) = try await CRMSync(store: store, configuration: configuration, logger: logger).checkPortal(
                client: hubspot, destination: hubspot.endpoint.destination, newPortal: false)
            {
                summary.stopped = message
                summary.leftPending = try store.actions(statuses: [.pending, .waiting]).filter(ours).count
                return summary
            }
        }
        // Companies first: the tasks are associated with them, the messages link to them.
        var companyIds: [String: String] = [:]
        if settings.companies.enabled, let hubspot {
            var companies = ActionSummary(mode: mode)
            companyIds = try await CompanySync(store: store, configuration: configuration).push(
                client: hubspot, contactDestination: hubspot.endpoint.destination, run: run, summary: &companies)
            for (kind, n) in companies.done { summary.done[kind, default: 0] += n }
            for (path, n) in companies.requests { summary.requests[path, default: 0] += n }
            summary.rejected += companies.rejected
            for message in companies.messages { summary.note("companies: " + message) }
            if let stopped = companies.stopped { summary.note("companies stopped: " + stopped) }
        }
        if settings.feedback.enabled, let hubspot {
            try await FeedbackReader(store: store, configuration: configuration).read(
                client: hubspot, contactDestination: hubspot.endpoint.destination, run: run, summary: &summary)
        }
        try await fixBodies(
            try store.actions(statuses: [.waiting]).filter(ours), run: run, hot: hot, hubspot: hubspot, companyIds: companyIds,
            target: target,
            now: now, summary: &summary)
        let pending = try store.actions(statuses: [.pending]).filter(ours)
        var companyFiles: CompanySync.FileParts?
        if case .files = target, settings.companies.enabled {
            companyFiles = try CompanySync(store: store, configuration: configuration).fileParts(run)
        }
        if !pending.isEmpty || !(companyFiles?.isEmpty ?? true) {
            switch target {
            case let .files(directory):
                try writeFiles(pending, companies: companyFiles, directory: directory, run: run, now: now, summary: &summary)
            case let .push(client, notifications):
                var delivery = ActionDelivery(runner: self, summary: summary)
                if let client { try await delivery.tasks(pending.filter { $0.kind == .task }, client: client) }
                try await delivery.notifications(pending.filter { $0.kind != .task }, targets: notifications)
                summary = delivery.summary
            }
        }
        summary.leftPending = try store.actions(statuses: [.pending]).filter(ours).count
        return summary
    }

    /// ``run(_:scoredRunId:dryRun:)`` when `actions.enabled`, else nil.
    /// Actions off: turned on again later, every kind starts from the run that sees them then.
    public func ifEnabled(_ target: Target, scoredRunId: Int64? = nil, dryRun: Bool = false) async throws -> ActionSummary? {
        guard settings.enabled else {
            if !dryRun { try store.forgetActionsEnabled(kinds: [.task, .slack, .webhook]) }
            return nil
        }
        return try await run(target, scoredRunId: scoredRunId, dryRun: dryRun)
    }

    // MARK: Bodies

    /// Fixes what each waiting action will send, once its account's briefing for this transition is ready or its wait is
    /// over (then with the rules' briefing); an account no longer hot is skipped.
    func fixBodies(
        _ waiting: [ActionRecord], run: ScoringRun, hot: [StoredAccountScore], hubspot: HubSpotClient?, companyIds: [String: String],
        target: Target, now: Timestamp, summary: inout ActionSummary
    ) async throws {
        guard !waiting.isEmpty else { return }
        let byAccount = Dictionary(hot.map { ($0.score.account, $0) }, uniquingKeysWith: { a, _ in a })
        let briefings = try store.latestBriefingsWithText()
        let waitMs = Int64(settings.briefingWaitMinutes) * 60_000
        var ready: [(action: ActionRecord, score: StoredAccountScore, briefing: SyncedBriefing?)] = []
        var gone: [ActionOutcome] = []
        for action in waiting {
            guard let score = byAccount[action.account] else {
                gone.append(.init(id: action.id, status: .skipped, message: "\(action.account) is no longer hot"))
                summary.skipped[action.kind.rawValue, default: 0] += 1
                continue
            }
            if let b = briefings[action.account], let asOf = b.asOf, asOf >= action.becameHot {
                ready.append((action, score, b))
            } else if now.milliseconds - action.createdMs >= waitMs {
                ready.append((action, score, nil))
            } else {
                summary.waiting += 1
            }
        }
        try store.settleActions(gone, at: now)
        guard !ready.isEmpty else { return }
        // Owners first (read from HubSpot when pushing), then the facts every body shares.
        let owners = try await OwnerAssigner(store: store, configuration: configuration).assign(
            hot.filter { s in ready.contains { $0.action.account == s.score.account } }, runId: run.id, client: hubspot, now: now)
        let ownerOf = Dictionary(
            owners.accounts.compactMap { row in row.owner.map { (row.account.score.account, $0.ownerId) } }, uniquingKeysWith: { a, _ in a }
        )
        let contacts = try OwnerAssigner.contactsByAccount(store, runId: run.id)
        let destination = hubspot?.endpoint.destination
        let records = try destination.map { try store.crmContacts(destination: $0) } ?? [:]
        let portal = try destination.flatMap { try store.crmPortal(destination: $0) }
        let rulesInputs = try store.promptInputs(
            run: run, accounts: ready.filter { $0.briefing == nil }.map(\.score), configuration: configuration)
        var fixed: [(id: Int64, body: String, briefingSource: String?)] = []
        for (action, score, synced) in ready {
            var briefing = synced?.briefing
            var source = synced?.source
            if briefing == nil, let input = rulesInputs[action.account] {
                briefing = FallbackBriefing.make(for: input, rules: configuration.enrichment.briefing)
                source = .rules
                summary.withRulesBriefing += 1
            }
            let email = contacts[action.account]?.first
            let files = if case .files = target { true } else { false }
            // In files the association names the contact by its address: the manifest says to resolve it first.
            let contactId = files ? email : email.flatMap { records[$0]?.recordId }
            let companyId =
                files ? (settings.companies.enabled ? action.account.lowercased() : nil) : companyIds[action.account.lowercased()]
            let content = ActionContent(
                key: action.key, account: action.account, score: score.score.score, tier: score.score.tier, becameHot: action.becameHot,
                reasons: ReasonCode.top(score.score.reasons, limit: 5), briefing: briefing, briefingSource: source,
                ownerId: ownerOf[action.account], contactEmail: email, contactRecordId: contactId, companyRecordId: companyId,
                recordURL: files ? nil : ActionContent.hubSpotRecordURL(portal: portal, companyId: companyId, contactId: contactId))
            let body: JSONValue
            switch action.kind {
            case .task: body = HubSpotTask.input(content, settings: settings.tasks)
            case .slack: body = SlackMessage.payload(content)
            case .webhook: body = SignedWebhook.event(content, createdAt: now)
            case .company: continue
            }
            fixed.append((action.id, body.compactText, source?.rawValue))
        }
        try store.fixActionBodies(fixed)
    }

    // MARK: Files

    /// Writes every pending action as the requests a push would send, into a new numbered folder with a manifest, then
    /// marks them done (the files are the destination).
    func writeFiles(
        _ pending: [ActionRecord], companies: CompanySync.FileParts?, directory: String, run: ScoringRun, now: Timestamp,
        summary: inout ActionSummary
    ) throws {
        let id = try store.startSync(destination: CRMSync.filesDestination, mode: "actions", at: now)
        var files = try RequestFolder(directory: directory, name: String(format: "actions-%06lld", id))
        let companySync = CompanySync(store: store, configuration: configuration)
        if let companies { try companySync.emit(companies, into: &files) }
        let tasks = pending.filter { $0.kind == .task }
        var emails: Set<String> = []
        for chunk in tasks.chunked(HubSpotTask.maxBatch) {
            let inputs = chunk.compactMap { $0.body.flatMap { try? JSONParser.parse($0) } }
            for input in inputs {
                if case let .array(associations)? = input["associations"] {
                    for a in associations { if let id = a["to"]?["id"]?.stringValue, id.contains("@") { emails.insert(id) } }
                }
            }
            try files.emit(
                "tasks-create", body: HubSpotTask.createBody(inputs),
                entry: [
                    "method": "POST", "path": HubSpotTask.createPath, "inputs": inputs.count, "keys": chunk.map(\.key),
                    "note": "each association to a contact names it by its email: replace it with the record id the "
                        + "resolve_first read returns (leave the association out for a contact it reports as not found)"
                        + (settings.companies.enabled ? "; one to a company (192) names it by its domain: its company's record id" : ""),
                ])
        }
        for action in pending where action.kind != .task {
            guard let body = action.body.flatMap({ try? JSONParser.parse($0) }) else { continue }
            if action.kind == .slack {
                try files.emit(
                    "slack", body: body,
                    entry: ["method": "POST", "url": "$\(NotificationTargets.slackVariable)", "key": action.key, "account": action.account])
            } else {
                try files.emit(
                    "webhook", body: body,
                    entry: [
                        "method": "POST", "url": settings.webhook.url.isEmpty ? "actions.webhook.url" : settings.webhook.url,
                        "key": action.key, "account": action.account,
                        "headers": [
                            SignedWebhook.eventIdHeader: action.key,
                            SignedWebhook.signatureHeader:
                                "t=<Unix seconds when sent>,v1=<hex HMAC-SHA256 of \"<t>.<this file's bytes>\" under BRIEFER_WEBHOOK_SECRET>",
                        ],
                    ])
            }
        }
        var manifest: [String: Any] = [
            "actions": id, "created_at": now.iso8601, "scoring_run": run.id, "as_of": run.asOf.iso8601,
            "count": pending.count + (companies.map { $0.creates.count + $0.updates.count + $0.links.count } ?? 0),
        ]
        manifest["note"] =
            "every request carries its keys (a task's objectWriteTraceId, a webhook's event id, a Slack file's key): a crash "
            + "between writing this folder and recording it may write the same actions into the next folder; skip keys already applied"
        if !emails.isEmpty {
            manifest["resolve_first"] = [
                "what": "the record ids of the tasks' contacts", "method": "POST", "path": HubSpotBatch.readPath,
                "body": ["idProperty": "email", "inputs": emails.sorted().map { ["id": $0] }],
            ]
        }
        try files.finish(manifest: manifest)
        CrashPoint.hit("actions-after-files-written")
        try store.settleActions(pending.map { ActionOutcome(id: $0.id, status: .done) }, at: now)
        for action in pending { summary.done[action.kind.rawValue, default: 0] += 1 }
        if let companies {
            try companySync.settle(companies)
            summary.done["company", default: 0] += companies.creates.count
            summary.done["company properties", default: 0] += companies.updates.count
            summary.done["association", default: 0] += companies.links.count
        }
        summary.directory = files.folder
        summary.files = files.files
        try store.finishSync(id: id, summary: "actions: \(pending.count) written", at: .now)
    }
}
