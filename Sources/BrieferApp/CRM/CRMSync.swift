import BrieferCore
import BrieferStore
import Foundation
import Logging

/// What one sync did (or, for a dry run, would do).
public struct SyncSummary: Sendable {
    public enum Mode: String, Sendable {
        case files, push
        case dryRun = "dry-run"
    }

    public var mode: Mode
    public var destination: String
    public var syncId: Int64?
    public var runId: Int64
    public var asOf: Timestamp
    /// Scored accounts, and the contacts chosen for them.
    public var accounts = 0
    public var contacts = 0
    /// New changes recorded this time: contacts, and properties across them.
    public var changedContacts = 0
    public var changedProperties = 0
    /// Changes recorded earlier and not yet delivered (a crash, a failure, a limit), sent again now under their trace ids.
    public var resent = 0
    /// Known-missing contacts not looked up again yet.
    public var skippedMissing = 0
    /// Items written or sent, the distinct contacts and properties they carry.
    public var itemsSent = 0
    public var contactsSent = 0
    public var propertiesSent = 0
    /// Outcomes.
    public var done = 0
    public var missing = 0
    public var rejected = 0
    /// Left pending for the next run (failed, absent from results, or not reached).
    public var leftPending = 0
    /// Requests by path, retries and 429s (push).
    public var requests: [String: Int] = [:]
    public var retries = 0
    public var rateLimited = 0
    /// Where the files are (files mode) and their names, manifest last.
    public var directory: String?
    public var files: [String] = []
    /// Why pushing stopped early, if it did.
    public var stopped: String?
    /// The CRM's messages for rejected and failed items (distinct, in order).
    public var messages: [String] = []
    /// What the actions for newly-hot accounts did after the contacts (SPEC §6.1), when `actions.enabled`.
    public var actions: ActionSummary?
}

/// Turns the latest scores and briefings into contact properties and delivers what changed (SPEC §6):
/// computes each chosen contact's properties, records what differs from what the destination holds
/// in the outbox (each change with its trace id, before anything is written), then writes the
/// pending changes as request files or pushes them, and marks each done only once it is.
public final class CRMSync: Sendable {
    public struct Options: Sendable {
        /// Send every property, changed or not.
        public var full = false
        /// Send the changes the CRM refused (400) again, under their trace ids.
        public var retryRejected = false
        /// Push to the token's portal though this destination's state came from another (that state and its
        /// history are filed under "DESTINATION (portal N until TIME)").
        public var newPortal = false
        public init(full: Bool = false, retryRejected: Bool = false, newPortal: Bool = false) {
            self.full = full; self.retryRejected = retryRejected; self.newPortal = newPortal
        }
    }

    /// The destination name of file output: one synced state for every directory (the files are the CRM's input).
    public static let filesDestination = "files"

    /// The lease that makes syncs of one database take turns (`briefer run`, `worker` and `sync` alike): a
    /// change of one process must not land after a newer one of another.
    public static let lease = "(crm sync)"
    static let leaseMs: Int64 = 900_000

    /// Runs `body` holding the database's sync lease, taken over from a process of this machine that is
    /// gone, and renewed every few minutes while `body` runs (a push waiting out rate limits may take
    /// longer than the lease); nil, without running it, while another live process holds it.
    public func exclusively<T>(owner: String = ProcessOwner.id, _ body: () async throws -> T) async throws -> T? {
        guard
            try ProcessOwner.takeLease(
                Self.lease, in: store, owner: owner, nowMs: Timestamp.now.milliseconds, ttlMs: Self.leaseMs, logger: logger)
        else {
            return nil
        }
        let store = self.store, ttl = Self.leaseMs
        let renewal = Task {
            while true {
                do { try await Task.sleep(for: .milliseconds(ttl / 6)) } catch { return }
                _ = try? store.takeLease(account: Self.lease, owner: owner, nowMs: Timestamp.now.milliseconds, ttlMs: ttl)
            }
        }
        defer {
            renewal.cancel()
            try? store.releaseLease(account: Self.lease, owner: owner)
        }
        return try await body()
    }

    let store: BrieferStore
    let configuration: BrieferConfiguration
    let mapping: ContactPropertyMapping
    let createTiers: Set<Tier>
    let logger: Logger

    public init(store: BrieferStore, configuration: BrieferConfiguration, logger: Logger = Logger(label: "briefer.crm")) {
        self.store = store
        self.configuration = configuration
        mapping = ContactPropertyMapping(configuration.crm)
        createTiers = Set(configuration.crm.createTiers)
        self.logger = logger
    }

    // MARK: Planning

    /// The latest run's contacts and the properties each should have.
    struct Desired {
        var run: ScoringRun
        var accounts: Int
        var contacts: [ContactState]
        /// Every scored account's tier (for items of contacts no longer chosen).
        var tiers: [String: Tier]
    }

    func desired() throws -> Desired {
        guard let run = try store.latestRun(model: configuration.model) else {
            throw CRMSyncError("no \(configuration.model.rawValue) scoring run yet: run `briefer score` first", code: .noScoringRun)
        }
        let accounts = try store.accountScores(runId: run.id)
        let candidates = try store.contactCandidates(runId: run.id)
        let briefings = try store.latestBriefingsWithText()
        let selection = ContactSelection(configuration)
        var contacts: [ContactState] = []
        var tiers: [String: Tier] = [:]
        // One address in two accounts is one CRM contact: it gets the best-scored account's properties
        // (accounts come best first), not each account's in turn.
        var taken: Set<String> = []
        for stored in accounts {
            let account = stored.score
            tiers[account.account] = account.tier
            let chosen = selection.choose(candidates[account.account] ?? [])
            guard !chosen.isEmpty else { continue }
            let becameHot = stored.becameHotAt.flatMap { Timestamp.parse($0)?.timestamp }
            // An account that is not hot gets its score and tier; its contacts keep the briefing last sent.
            let briefing = account.tier == .hot ? briefings[account.account] : nil
            for contact in chosen where taken.insert(contact.email.lowercased()).inserted {
                let properties = mapping.properties(
                    account: account, model: run.model, contactScore: contact.score, briefing: briefing,
                    becameHotAt: becameHot, calculatedAt: run.asOf)
                contacts.append(ContactState(email: contact.email, account: account.account, tier: account.tier, properties: properties))
            }
        }
        return Desired(run: run, accounts: accounts.count, contacts: contacts, tiers: tiers)
    }

    /// What a sync to `destination` will record and send, with nothing written yet.
    struct Plan {
        var desired: Desired
        var changes: [(contact: ContactState, properties: [(name: String, value: String)])]
        /// Contacts the destination is known not to have, not due for another look-up.
        var skippedMissing: Set<String>
        /// Contacts whose missing items go back to pending (due for a look-up, or now in a create tier).
        var reopenMissing: Set<String>
        /// Items already pending (resent), plus rejected ones to retry.
        var resent: Int
    }

    func plan(destination: String, options: Options, now: Timestamp) throws -> Plan {
        let desired = try desired()
        let known = destination == Self.filesDestination ? [:] : try store.crmContacts(destination: destination)
        let recheck = Int64(configuration.crm.recheckMissingAfterHours) * 3_600_000
        var skipped: Set<String> = [], reopen: Set<String> = []
        var wanted: [ContactState] = []
        for contact in desired.contacts {
            if let missingMs = known[contact.email]?.missingMs {
                if !createTiers.contains(contact.tier) && now.milliseconds - missingMs < recheck {
                    skipped.insert(contact.email)
                    continue
                }
                reopen.insert(contact.email)
            }
            wanted.append(contact)
        }
        var unsettled = try store.outboxItems(destination: destination, statuses: [.pending, .missing, .rejected])
        if options.retryRejected {
            // A refused change a newer one followed is not resent (it would put old values over new ones);
            // what it carried is compared afresh instead, and what still differs recorded as a new change.
            let superseded = try store.supersededRejected(destination: destination)
            unsettled.removeAll { superseded.contains($0.id) }
        }
        let resent = unsettled.filter {
            $0.status == .pending || (options.retryRejected && $0.status == .rejected)
                || ($0.status == .missing && reopen.contains($0.email))
        }.count
        let synced = try store.syncedValues(destination: destination)
        let changes = SyncPlanner.changes(
            desired: wanted, synced: synced.values, syncedBy: synced.by, unsettled: unsettled,
            rideAlong: [mapping.names[.lastCalculated]!], full: options.full)
        return Plan(desired: desired, changes: changes, skippedMissing: skipped, reopenMissing: reopen, resent: resent)
    }

    /// Records the plan's changes and reopened items; returns every pending item, oldest first.
    func record(_ plan: Plan, destination: String, options: Options, now: Timestamp) throws -> [OutboxItem] {
        if !plan.reopenMissing.isEmpty { try store.reopen(destination: destination, status: .missing, emails: plan.reopenMissing) }
        if options.retryRejected { try store.reopen(destination: destination, status: .rejected) }
        try store.recordChanges(destination: destination, plan.changes, at: now)
        let pending = try store.outboxItems(destination: destination, statuses: [.pending])
        // A contact put on the do-not-contact list since its change was recorded is not written to.
        let selection = ContactSelection(configuration)
        let blocked = pending.filter { !selection.isAllowed($0.email) }
        try store.settle(
            blocked.map { OutboxOutcome(itemId: $0.id, status: .rejected, message: "not sent: the contact is on crm.do_not_contact") },
            at: now)
        return pending.filter { selection.isAllowed($0.email) }
    }

    func summary(_ plan: Plan, mode: SyncSummary.Mode, destination: String) -> SyncSummary {
        var summary = SyncSummary(mode: mode, destination: destination, runId: plan.desired.run.id, asOf: plan.desired.run.asOf)
        summary.accounts = plan.desired.accounts
        summary.contacts = plan.desired.contacts.count
        summary.changedContacts = plan.changes.count
        summary.changedProperties = plan.changes.reduce(0) { $0 + $1.properties.count }
        summary.resent = plan.resent
        summary.skippedMissing = plan.skippedMissing.count
        return summary
    }

    /// What a sync to `destination` would change, recording nothing (`--dry-run`).
    public func dryRun(destination: String, options: Options, now: Timestamp = .now) throws -> SyncSummary {
        summary(try plan(destination: destination, options: options, now: now), mode: .dryRun, destination: destination)
    }

    func tier(of item: OutboxItem, _ desired: Desired, byEmail: [String: ContactState]) -> Tier? {
        byEmail[item.email]?.tier ?? desired.tiers[item.account]
    }

    // MARK: Files

    /// Writes every pending change as the request bodies a push would send, into a new numbered folder
    /// of `directory` with a manifest, then marks them done (the files are the destination). Nothing
    /// to send, nothing written.
    ///
    /// Contacts of create tiers go in `batch/upsert` bodies, exact. Others can only be updated by
    /// record id, which files cannot know: they go in a `batch/read` body that resolves their emails
    /// and an `update-by-email` body whose input ids are those emails, to be replaced by the record ids
    /// the read returns (the manifest says so).
    public func writeFiles(directory: String, options: Options = .init(), now: Timestamp = .now) throws -> SyncSummary {
        let destination = Self.filesDestination
        let plan = try plan(destination: destination, options: options, now: now)
        let pending = try record(plan, destination: destination, options: options, now: now)
        var summary = summary(plan, mode: .files, destination: destination)
        guard !pending.isEmpty else { return summary }
        let byEmail = Dictionary(plan.desired.contacts.map { ($0.email, $0) }, uniquingKeysWith: { a, _ in a })
        let syncId = try store.startSync(destination: destination, mode: "files", at: now)
        summary.syncId = syncId
        var files = try RequestFolder(directory: directory, name: String(format: "sync-%06lld", syncId))
        let folder = files.folder
        func emit(_ kind: String, path: String, body: JSONValue, items: [OutboxItem], note: String? = nil) throws {
            var entry: [String: Any] = [
                "method": "POST", "path": path, "inputs": items.count, "properties": items.reduce(0) { $0 + $1.properties.count },
            ]
            if kind != "read" { entry["trace_ids"] = items.map(\.traceId) } else { entry["inputs"] = Set(items.map(\.email)).count }
            if let note { entry["note"] = note }
            try files.emit(kind, body: body, entry: entry)
        }
        let batchSize = configuration.crm.batchSize
        for round in SyncPlanner.rounds(pending) {
            let upserts = round.filter { tier(of: $0, plan.desired, byEmail: byEmail).map(createTiers.contains) ?? false }
            let updates = round.filter { !(tier(of: $0, plan.desired, byEmail: byEmail).map(createTiers.contains) ?? false) }
            for chunk in upserts.chunked(batchSize) {
                try store.noteAttempt(
                    itemIds: chunk.map(\.id), operation: "upsert", request: "\(folder)/\(files.nextName("upsert"))", at: now)
                try emit("upsert", path: HubSpotBatch.upsertPath, body: HubSpotBatch.upsertBody(chunk), items: chunk)
            }
            for chunk in updates.chunked(batchSize) {
                let readFile = files.nextName("read")
                try store.noteAttempt(
                    itemIds: chunk.map(\.id), operation: "update-by-email",
                    request: "\(folder)/\(RequestFolder.name(files.files.count + 2, "update-by-email"))", at: now)
                try emit(
                    "read", path: HubSpotBatch.readPath, body: HubSpotBatch.readBody(emails: chunk.map(\.email)), items: chunk,
                    note: "resolves the record ids of the next file's contacts")
                try emit(
                    "update-by-email", path: HubSpotBatch.updatePath,
                    body: HubSpotBatch.updateBody(chunk.map { ($0.email, $0) }), items: chunk,
                    note: "batch/update takes record ids only: replace each input's id (an email) with the record id \(readFile) "
                        + "returns for it, and leave out the emails it reports as not found (these contacts' tiers do not create contacts)")
            }
        }
        summary.itemsSent = pending.count
        summary.contactsSent = Set(pending.map(\.email)).count
        summary.propertiesSent = pending.reduce(0) { $0 + $1.properties.count }
        try files.finish(manifest: [
            "sync": syncId, "destination": destination, "created_at": now.iso8601, "scoring_run": plan.desired.run.id,
            "as_of": plan.desired.run.asOf.iso8601, "contacts": summary.contactsSent, "properties": summary.propertiesSent,
            "changes": pending.count,
        ])
        summary.files = files.files
        CrashPoint.hit("sync-after-files-written")
        try store.settle(pending.map { OutboxOutcome(itemId: $0.id, status: .done) }, at: now)
        summary.done = pending.count
        summary.directory = folder
        try store.finishSync(id: syncId, summary: StoredSyncSummary(summary).text, at: .now)
        return summary
    }

}

/// The bytes of a request body, the same for a file and for the wire.
enum CRMRequestBody {
    static func data(_ body: JSONValue) -> Data { Data((JSONOutput.pretty(body) + "\n").utf8) }
}
