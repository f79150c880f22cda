import BrieferCore
import BrieferStore
import Foundation
import Logging

extension CRMSync {
    /// Pushes every pending change to the CRM (SPEC §6): contacts of create tiers with `batch/upsert` by
    /// email; others by record id with `batch/update`, their ids looked up with `batch/read` (and cached).
    /// Results are matched to changes by trace id. A change is marked done once the CRM has applied it;
    /// `OBJECT_NOT_FOUND` marks it missing (not retried until looked up again); a 400 rejects, with
    /// HubSpot's message, the changes it refuses (a refused batch is split to find them); anything else
    /// leaves it pending for the next run, under the same trace id. A contact's later change waits until its earlier one is done.
    ///
    /// Runs on ``StoreExecutor``'s threads: the store's calls block.
    public func push(
        client: HubSpotClient, options: Options, now: Timestamp = .now,
        progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil
    ) async throws -> SyncSummary {
        try await StoreExecutor.run { try await pushHere(client: client, options: options, now: now, progress: progress) }
    }

    private func pushHere(
        client: HubSpotClient, options: Options, now: Timestamp, progress: (@Sendable (_ done: Int, _ total: Int) -> Void)?
    ) async throws -> SyncSummary {
        let destination = client.endpoint.destination
        var plan = try plan(destination: destination, options: options, now: now)
        var pending = try record(plan, destination: destination, options: options, now: now)
        var summary = summary(plan, mode: .push, destination: destination)
        // Nothing to send: no request at all — unless a new portal is to be adopted, which sends everything.
        guard !pending.isEmpty || options.newPortal else { return summary }
        // Before anything is sent: is the token's portal the one this destination's state belongs to?
        let portal = try await checkPortal(client: client, destination: destination, newPortal: options.newPortal)
        if case let .stop(message) = portal {
            summary.stopped = message
            summary.requests[HubSpotClient.accountInfoPath, default: 0] += 1
            summary.leftPending = pending.count
            summary.retries = client.sent.retries
            summary.rateLimited = client.sent.rateLimited
            return summary
        }
        if case .adoptedNew = portal {
            // What was planned against the old portal's state is planned again against none.
            plan = try self.plan(destination: destination, options: options, now: now)
            pending = try record(plan, destination: destination, options: options, now: now)
            summary = self.summary(plan, mode: .push, destination: destination)
        }
        summary.requests[HubSpotClient.accountInfoPath, default: 0] += 1
        guard !pending.isEmpty else { return summary }
        summary.syncId = try store.startSync(destination: destination, mode: "push", at: now)
        let byEmail = Dictionary(plan.desired.contacts.map { ($0.email, $0) }, uniquingKeysWith: { a, _ in a })
        var pusher = Pusher(
            sync: self, client: client, destination: destination, summary: summary,
            known: try store.crmContacts(destination: destination), total: pending.count, progress: progress)
        var blocked: Set<String> = []
        for round in SyncPlanner.rounds(pending) {
            // A contact's next change goes only once its previous one is done: never an older value after a newer one.
            let ready = round.filter { !blocked.contains($0.email) }
            let creates = { (item: OutboxItem) in
                self.tier(of: item, plan.desired, byEmail: byEmail).map(self.createTiers.contains) ?? false
            }
            for chunk in ready.filter(creates).chunked(configuration.crm.batchSize) where pusher.stopped == nil {
                try await pusher.write(chunk, upsert: true)
            }
            let updates = ready.filter { !creates($0) }
            if pusher.stopped == nil { try await pusher.resolve(updates) }
            let resolved = updates.filter { pusher.known[$0.email]?.recordId != nil && pusher.settled[$0.id] == nil }
            for chunk in resolved.chunked(configuration.crm.batchSize) where pusher.stopped == nil {
                try await pusher.write(chunk, upsert: false)
            }
            for item in round where !pusher.doneIds.contains(item.id) { blocked.insert(item.email) }
            if pusher.stopped != nil { break }
        }
        summary = pusher.summary
        let pendingIds = Set(pending.map(\.id))
        summary.leftPending = try store.outboxItems(destination: destination, statuses: [.pending]).filter { pendingIds.contains($0.id) }
            .count
        let sent = client.sent
        summary.retries = sent.retries
        summary.rateLimited = sent.rateLimited
        try store.finishSync(id: summary.syncId!, summary: StoredSyncSummary(summary).text, at: .now)
        return summary
    }
}

extension CRMSync {
    enum PortalCheck {
        case same, unknown, adoptedNew
        case stop(String)
    }

    /// Asks the CRM which portal (account) the token belongs to (`GET /account-info/v3/details`) and
    /// holds it against the portal this destination's synced values and record ids came from: one base
    /// URL serves every HubSpot portal, and a sandbox's state must never be taken for production's.
    /// The first push records the portal; `newPortal` adopts another one, filing the old portal's state
    /// and history under its own name and dropping the changes planned against it (planned again).
    /// `.stop` when the CRM refused or could not be asked, or names no portal once one is recorded; a CRM
    /// that never said (no such endpoint) is pushed to as before, its state kept per base URL.
    func checkPortal(client: HubSpotClient, destination: String, newPortal: Bool) async throws -> PortalCheck {
        let recorded = try store.crmPortal(destination: destination)
        let cannotAsk = "cannot ask the CRM which portal the token belongs to"
        let answer: HTTPResponse
        switch await client.get(HubSpotClient.accountInfoPath) {
        case let .stop(message, status):
            // Only a CRM that never said which portal it is may go without: once a portal is recorded, not knowing is a stop.
            guard status == 404, recorded == nil else { return .stop(message) }
            logger.notice(
                "the CRM does not say which portal the token belongs to (404): synced state is kept per base URL",
                metadata: ["destination": "\(destination)"])
            return .unknown
        case let .failed(error):
            return .stop(
                "\(cannotAsk) (\(error.kind.rawValue): \(client.endpoint.redacting(error.message))): nothing sent, the changes wait for the next run"
            )
        case let .answer(response):
            answer = response
        }
        guard (200..<300).contains(answer.status) else {
            return .stop("\(cannotAsk) (\(client.message(answer))): nothing sent, the changes wait for the next run")
        }
        let value = try? JSONParser.parse(String(decoding: answer.body, as: UTF8.self))
        guard let portal = value?["portalId"].flatMap({ $0.integerValue.map(String.init) ?? $0.stringValue }) else {
            guard recorded == nil else {
                return .stop(
                    "the CRM's account details name no portal, and this destination's state belongs to portal \(recorded!): nothing sent")
            }
            logger.notice(
                "the CRM's account details name no portal: synced state is kept per base URL", metadata: ["destination": "\(destination)"])
            return .unknown
        }
        if let recorded, recorded != portal {
            guard newPortal else {
                throw CRMSyncError(
                    "HUBSPOT_ACCESS_TOKEN belongs to HubSpot portal \(portal), but what this database synced to \(client.endpoint.baseUrl) "
                        + "went to portal \(recorded): its synced values and record ids mean nothing there. Keep a database per portal, "
                        + "or run `briefer sync --push --new-portal` to start afresh with portal \(portal) (what portal \(recorded) was sent "
                        + "is filed under its own name, not used again). Nothing was sent.", code: .portalMismatch)
            }
            logger.notice("adopting a new CRM portal", metadata: ["from": "\(recorded)", "to": "\(portal)"])
            try store.setCRMPortal(destination: destination, portalId: portal, at: .now)
            return .adoptedNew
        }
        if recorded == nil { try store.setCRMPortal(destination: destination, portalId: portal, at: .now) }
        return .same
    }
}

/// The state of one push: what is known of each contact, what each change became, the summary.
struct Pusher {
    let sync: CRMSync
    let client: HubSpotClient
    let destination: String
    var summary: SyncSummary
    var known: [String: CRMContactRecord]
    let total: Int
    let progress: (@Sendable (Int, Int) -> Void)?
    /// Item id → what became of it this run.
    var settled: [Int64: OutboxItem.Status] = [:]
    var doneIds: Set<Int64> = []
    var stopped: String? { summary.stopped }
    private var sentEmails: Set<String> = []
    /// Where updates by record id go: contacts', or another object's (companies).
    var updatePath = HubSpotBatch.updatePath

    init(
        sync: CRMSync, client: HubSpotClient, destination: String, summary: SyncSummary, known: [String: CRMContactRecord],
        total: Int, progress: (@Sendable (Int, Int) -> Void)?
    ) {
        self.sync = sync; self.client = client; self.destination = destination; self.summary = summary; self.known = known
        self.total = total; self.progress = progress
    }

    var store: BrieferStore { sync.store }

    /// Looks up the record ids of `items`' contacts that have none cached (`batch/read` by email);
    /// settles as missing the changes of contacts the CRM does not know.
    mutating func resolve(_ items: [OutboxItem]) async throws {
        let now = Timestamp.now
        var missingNow: [OutboxItem] = []
        var unknown: [String] = []
        for item in items {
            let record = known[item.email]
            if record?.recordId != nil { continue }
            if let missingMs = record?.missingMs,
                now.milliseconds - missingMs < Int64(sync.configuration.crm.recheckMissingAfterHours) * 3_600_000
            {
                missingNow.append(item)
            } else if !unknown.contains(item.email) {
                unknown.append(item.email)
            }
        }
        try settle(missingNow, .missing, "not in the CRM (looked up earlier; asked again after crm.recheck_missing_after_hours)")
        for emails in unknown.chunked(sync.configuration.crm.batchSize) {
            guard stopped == nil else { return }
            let outcome = await client.post(HubSpotBatch.readPath, body: CRMRequestBody.data(HubSpotBatch.readBody(emails: emails)))
            summary.requests[HubSpotBatch.readPath, default: 0] += 1
            let waiting = items.filter { emails.contains($0.email) }
            switch outcome {
            case let .stop(message, status):
                summary.stopped = message
                try settle(waiting, .pending, httpStatus: status, message)
            case let .failed(error):
                try settle(waiting, .pending, "record id look-up failed: \(error.kind.rawValue): \(error.message)")
            case let .answer(response):
                guard (200..<300).contains(response.status), let answer = HubSpotBatch.Answer.parse(Array(response.body)) else {
                    try settle(waiting, .pending, httpStatus: response.status, "record id look-up failed: " + client.message(response))
                    continue
                }
                let lookup = HubSpotBatch.readLookup(answer, status: response.status, items: waiting)
                try store.saveRecordIds(destination: destination, lookup.recordIds, at: now)
                try store.markMissing(destination: destination, emails: lookup.missing, at: now)
                for (email, id) in lookup.recordIds { known[email] = CRMContactRecord(recordId: id, missingMs: nil) }
                for email in lookup.missing { known[email] = CRMContactRecord(recordId: nil, missingMs: now.milliseconds) }
                try settle(lookup.outcomes)
            }
        }
    }

    /// Sends one batch of changes and records what became of each, splitting a batch HubSpot refuses as
    /// ``BatchDelivery`` decides.
    mutating func write(_ items: [OutboxItem], upsert: Bool) async throws {
        let byId = Dictionary(uniqueKeysWithValues: items.map { ($0.id, $0) })
        var delivery = BatchDelivery(items: items.map(\.id))
        while true {
            switch delivery.next() {
            case let .send(ids, resend):
                let answer = try await send(ids.map { byId[$0]! }, upsert: upsert, resend: resend)
                if case let .stop(message, _) = answer { summary.stopped = message }
                delivery.received(answer)
            case let .settle(outcomes):
                try settle(outcomes)
            case .finished:
                return
            }
        }
    }

    /// Sends one batch, stores the record ids and missing contacts its answer names, and says what became of
    /// each change. A `resend` (part of a refused batch) is not counted as sent again.
    private mutating func send(_ items: [OutboxItem], upsert: Bool, resend: Bool) async throws -> BatchDelivery.Answer {
        let path = upsert ? HubSpotBatch.upsertPath : updatePath
        let body: JSONValue
        var byRecordId: [String: OutboxItem] = [:]
        if upsert {
            body = HubSpotBatch.upsertBody(items)
        } else {
            let entries = items.map { (recordId: known[$0.email]!.recordId!, item: $0) }
            for entry in entries { byRecordId[entry.recordId] = entry.item }
            body = HubSpotBatch.updateBody(entries)
        }
        let now = Timestamp.now
        try store.noteAttempt(itemIds: items.map(\.id), operation: upsert ? "upsert" : "update", request: "POST \(path)", at: now)
        CrashPoint.hit("sync-before-send")
        let outcome = await client.post(path, body: CRMRequestBody.data(body))
        CrashPoint.hit("sync-after-send")
        summary.requests[path, default: 0] += 1
        if !resend {
            summary.itemsSent += items.count
            summary.propertiesSent += items.reduce(0) { $0 + $1.properties.count }
        }
        for item in items { sentEmails.insert(item.email) }
        summary.contactsSent = sentEmails.count
        switch outcome {
        case let .stop(message, status):
            return .stop(message, status: status)
        case let .failed(error):
            let message = "\(error.kind.rawValue): \(error.message) (sent again next run)"
            return .settled(items.map { OutboxOutcome(itemId: $0.id, status: .pending, message: message) })
        case let .answer(response):
            // HubSpot refuses the whole batch: nothing was applied; its message says why.
            if response.status == 400 {
                let error = HubSpotBatch.ErrorBody.parse(Array(response.body))
                return .refused(.init(message: client.message(response), everyInput: error.refusesEveryInput, coded: !error.codes.isEmpty))
            }
            guard (200..<300).contains(response.status), let answer = HubSpotBatch.Answer.parse(Array(response.body)) else {
                let message = client.message(response) + " (sent again next run)"
                return .settled(items.map { OutboxOutcome(itemId: $0.id, status: .pending, httpStatus: response.status, message: message) })
            }
            let result = HubSpotBatch.read(
                answer, status: response.status, items: items, upsert: upsert, recordIds: byRecordId, redact: client.endpoint.redacting)
            try store.saveRecordIds(destination: destination, result.recordIds, at: now)
            try store.markMissing(destination: destination, emails: result.missing, at: now)
            for (email, id) in result.recordIds { known[email] = CRMContactRecord(recordId: id, missingMs: nil) }
            for email in result.missing { known[email] = CRMContactRecord(recordId: nil, missingMs: now.milliseconds) }
            return .settled(result.outcomes)
        }
    }

    /// Stores outcomes (one transaction) and counts them.
    mutating func settle(_ outcomes: [OutboxOutcome]) throws {
        guard !outcomes.isEmpty else { return }
        try store.settle(outcomes, at: .now)
        for outcome in outcomes {
            settled[outcome.itemId] = outcome.status
            switch outcome.status {
            case .done: summary.done += 1; doneIds.insert(outcome.itemId)
            case .missing: summary.missing += 1
            case .rejected: summary.rejected += 1
            case .pending: break
            }
            if outcome.status == .rejected || outcome.status == .pending, let message = outcome.message, !summary.messages.contains(message)
            {
                summary.messages.append(message)
            }
        }
        progress?(settled.count, total)
    }

    /// Settles `items` alike.
    mutating func settle(_ items: [OutboxItem], _ status: OutboxItem.Status, httpStatus: Int? = nil, _ message: String?) throws {
        try settle(items.map { OutboxOutcome(itemId: $0.id, status: status, httpStatus: httpStatus, message: message) })
    }
}
