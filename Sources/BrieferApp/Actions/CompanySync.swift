import BrieferCore
import BrieferStore
import Foundation

/// Puts each account on its HubSpot company (SPEC §6.1): finds the company — the one most of the account's contacts are
/// associated with, else the oldest its domain finds (HubSpot may have made one from a contact's email domain), else, for
/// `actions.companies.create_tiers` only, one created through the actions' outbox (never twice: after a create without an
/// answer the domain is searched for once HubSpot's index has caught up) — associates the account's contacts with it, and
/// writes the account's properties by the contacts' rules: only what changed, through the outbox under trace ids, 207s
/// and 429s alike. Its state is kept under the destination "<contacts' destination> companies", by domain.
struct CompanySync {
    let store: BrieferStore
    let configuration: BrieferConfiguration

    var settings: BrieferConfiguration.Companies { configuration.actions.companies }

    static func destination(contacts: String) -> String { contacts + " companies" }

    /// An account as its company should read.
    struct Wanted {
        var state: ContactState
        var name: String?
        /// The account's contacts' addresses, best first.
        var emails: [String]
        var domain: String { state.email }
    }

    /// Every company-backed account of `run` (not a person's own), with the properties its company should hold.
    func wanted(_ run: ScoringRun) throws -> [Wanted] {
        let accounts = try store.accountScores(runId: run.id)
        let briefings = try store.latestBriefingsWithText()
        let companies = try store.companies()
        let contacts = try OwnerAssigner.contactsByAccount(store, runId: run.id)
        let mapping = ContactPropertyMapping(configuration.crm)
        return accounts.compactMap { stored in
            let account = stored.score
            guard !account.account.hasPrefix("user:") else { return nil }
            let properties = mapping.properties(
                account: account, model: run.model, contactScore: nil, briefing: account.tier == .hot ? briefings[account.account] : nil,
                becameHotAt: stored.becameHotAt.flatMap { Timestamp.parse($0)?.timestamp }, calculatedAt: run.asOf)
            return Wanted(
                state: ContactState(
                    email: account.account.lowercased(), account: account.account, tier: account.tier, properties: properties),
                name: companies[account.account]?.name, emails: contacts[account.account] ?? [])
        }
    }

    // MARK: Push

    /// Finds, creates, associates and writes; returns each account's company record id.
    func push(client: HubSpotClient, contactDestination: String, run: ScoringRun, summary: inout ActionSummary) async throws -> [String:
        String]
    {
        let destination = Self.destination(contacts: contactDestination)
        let wanted = try wanted(run)
        let contactIds = try store.crmContacts(destination: contactDestination).compactMapValues(\.recordId)
        try await find(
            wanted, destination: destination, contactDestination: contactDestination, contactIds: contactIds, client: client, run: run,
            summary: &summary)
        guard summary.stopped == nil else { return try companyIds(destination) }
        let ids = try companyIds(destination)
        try await associate(wanted, ids: ids, destination: destination, contactIds: contactIds, client: client, summary: &summary)
        guard summary.stopped == nil else { return ids }
        try await write(wanted.filter { ids[$0.domain] != nil }, destination: destination, client: client, run: run, summary: &summary)
        return try companyIds(destination)
    }

    func companyIds(_ destination: String) throws -> [String: String] {
        try store.crmContacts(destination: destination).compactMapValues(\.recordId)
    }

    /// Looks up the companies of accounts in `actions.companies.tiers` not known yet (or known missing long enough), then
    /// creates those of `create_tiers` still without one — only for a domain this pass's search answered for and found
    /// nothing (an earlier create without an answer included), and only once the account's contacts have been in HubSpot
    /// `actions.companies.create_wait_minutes` (HubSpot may make and associate a company from their email domain meanwhile).
    func find(
        _ wanted: [Wanted], destination: String, contactDestination: String, contactIds: [String: String], client: HubSpotClient,
        run: ScoringRun, summary: inout ActionSummary
    ) async throws {
        let known = try store.crmContacts(destination: destination)
        let now = Timestamp.now
        let recheckMs = Int64(configuration.crm.recheckMissingAfterHours) * 3_600_000
        // A create whose account has its company (found, or made and saved before a crash cut its settling) is done.
        var pendingCreates = try store.actions(destination: destination, kind: .company, statuses: [.pending])
        try store.settleActions(
            pendingCreates.compactMap { a in
                known[a.account.lowercased()]?.recordId.map {
                    ActionOutcome(id: a.id, status: .done, message: "its company is known", resultId: $0)
                }
            }, at: now)
        pendingCreates.removeAll { known[$0.account.lowercased()]?.recordId != nil }
        let creating = Set(pendingCreates.map { $0.account.lowercased() })
        let tiers = Set(settings.tiers), createTiers = Set(settings.createTiers)
        var open = wanted.filter { w in
            guard known[w.domain]?.recordId == nil else { return false }
            if creating.contains(w.domain) { return true }
            guard tiers.contains(w.state.tier) || createTiers.contains(w.state.tier) else { return false }
            if let missing = known[w.domain]?.missingMs, now.milliseconds - missing < recheckMs, !createTiers.contains(w.state.tier) {
                return false
            }
            return true
        }
        var found: [String: String] = [:]
        // 1. The company the account's contacts are associated with.
        let byContact = Dictionary(
            open.flatMap { w in w.emails.compactMap { e in contactIds[e].map { ($0, w.domain) } } }, uniquingKeysWith: { a, _ in a })
        var associated: [String: [String]] = [:]
        for chunk in Array(byContact.keys).sorted().chunked(HubSpotBatch.maxInputs) {
            guard
                let answer = await summary.ask(
                    client, HubSpotCompanies.associationsReadPath, HubSpotCompanies.associationsReadBody(contactIds: chunk))
            else { break }
            for (contact, companies) in HubSpotCompanies.associated(answer) { associated[contact] = companies }
        }
        for w in open {
            let lists = w.emails.compactMap { contactIds[$0] }.compactMap { associated[$0] }
            if let id = HubSpotCompanies.majority(lists) { found[w.domain] = id }
        }
        open.removeAll { found[$0.domain] != nil }
        // 2. By domain, five a search; a create that went unanswered is looked for once the index has caught up.
        try await HubSpotSearch.waitForIndex(
            after: pendingCreates.filter(\.inFlight).compactMap(\.sentMs), lagSeconds: configuration.actions.searchLagSeconds)
        var searched: Set<String> = []
        for (index, chunk) in open.map(\.domain).chunked(HubSpotCompanies.domainsPerSearch).enumerated() where summary.stopped == nil {
            if index > 0 { try await Task.sleep(for: HubSpotSearch.spacing) }
            guard let answer = await summary.ask(client, HubSpotCompanies.searchPath, HubSpotCompanies.searchBody(domains: chunk)),
                case .array? = answer["results"]
            else { continue }
            searched.formUnion(chunk)
            for (domain, id) in HubSpotCompanies.found(answer) where chunk.contains(domain) { found[domain] = id }
        }
        try saveCompanies(found, destination: destination, known: known)
        try store.settleActions(
            pendingCreates.compactMap { a in
                found[a.account.lowercased()].map { ActionOutcome(id: a.id, status: .done, message: "found by its domain", resultId: $0) }
            }, at: now)
        open.removeAll { found[$0.domain] != nil }
        guard summary.stopped == nil else { return }
        // 3. Created, for the create tiers (and creates already recorded); the others are noted missing (looked for again
        //    after crm.recheck_missing_after_hours). Never for a domain whose search did not answer this pass.
        let waitMs = Int64(settings.createWaitMinutes) * 60_000
        let firstWritten = try store.firstWritten(destination: contactDestination, emails: open.flatMap(\.emails))
        var create: [Wanted] = []
        for w in open where searched.contains(w.domain) && (createTiers.contains(w.state.tier) || creating.contains(w.domain)) {
            let since = w.emails.compactMap { firstWritten[$0] }.min()
            if let since, now.milliseconds - since < waitMs {
                summary.note("companies: \(w.domain) waits actions.companies.create_wait_minutes before one is made")
                continue
            }
            create.append(w)
        }
        try store.markMissing(
            destination: destination,
            emails: open.filter { searched.contains($0.domain) && !createTiers.contains($0.state.tier) && !creating.contains($0.domain) }
                .map(\.domain), at: now)
        try recordCreates(create, destination: destination, run: run, reopen: true)
        let chosen = Set(create.map(\.domain))
        let toCreate = try store.actions(destination: destination, kind: .company, statuses: [.pending]).filter {
            chosen.contains($0.account.lowercased())
        }
        for chunk in toCreate.chunked(HubSpotBatch.maxInputs) where summary.stopped == nil {
            try await self.create(chunk, destination: destination, client: client, summary: &summary)
        }
    }

    /// One companies `batch/create`, noted before it is sent; a batch HubSpot refuses (400: nothing created) is sent again
    /// one company at a time, so only the bad one is rejected.
    func create(_ chunk: [ActionRecord], destination: String, client: HubSpotClient, summary: inout ActionSummary) async throws {
        let inputs = chunk.compactMap { $0.body.flatMap { try? JSONParser.parse($0) } }
        try store.noteActionAttempt(ids: chunk.map(\.id), at: .now)
        CrashPoint.hit("actions-before-send")
        let outcome = await client.post(
            HubSpotCompanies.createPath, body: CRMRequestBody.data(.object([("inputs", .array(inputs))])), idempotent: false)
        CrashPoint.hit("actions-after-send")
        summary.requests[HubSpotCompanies.createPath, default: 0] += 1
        switch outcome {
        case let .stop(message, status):
            summary.stopped = message
            try store.settleActions(chunk.map { .init(id: $0.id, status: .pending, httpStatus: status, message: message) }, at: .now)
        case let .failed(error):
            try store.settleActions(
                chunk.map {
                    .init(
                        id: $0.id, status: .pending, inFlight: true,
                        message: "company create without an answer (\(error.kind.rawValue)): looked for by its domain next pass")
                }, at: .now)
        case let .answer(response) where (200..<300).contains(response.status):
            let ids = HubSpotBatch.createdIds(try? JSONParser.parse(String(decoding: response.body, as: UTF8.self)))
            var made: [String: String] = [:]
            var outcomes: [ActionOutcome] = []
            for a in chunk {
                if let id = ids[a.key] {
                    made[a.account.lowercased()] = id
                    outcomes.append(.init(id: a.id, status: .done, httpStatus: response.status, resultId: id))
                    summary.done["company", default: 0] += 1
                } else {
                    outcomes.append(
                        .init(
                            id: a.id, status: .pending, inFlight: true,
                            message: "not in the create answer: looked for by its domain next pass"))
                }
            }
            try saveCompanies(made, destination: destination, known: try store.crmContacts(destination: destination))
            try store.settleActions(outcomes, at: .now)
        case let .answer(response) where response.status == 400 && chunk.count > 1:
            for one in chunk where summary.stopped == nil {
                try await create([one], destination: destination, client: client, summary: &summary)
            }
        case let .answer(response):
            let refused = response.status == 400
            let message = "company create answered " + client.message(response)
            summary.note(message)
            try store.settleActions(
                chunk.map {
                    .init(
                        id: $0.id, status: refused ? .rejected : .pending, inFlight: !refused, httpStatus: response.status, message: message
                    )
                }, at: .now)
        }
    }

    /// Saves the companies found or made; one replacing a company known before (deleted in HubSpot since) starts with no
    /// values written, so that every property is written to it anew.
    func saveCompanies(_ ids: [String: String], destination: String, known: [String: CRMContactRecord]) throws {
        try store.forgetSyncedValues(destination: destination, emails: ids.keys.filter { known[$0] != nil })
        try store.saveRecordIds(destination: destination, ids, at: .now)
    }

    /// Records the companies to create, each once per account and destination (its key in the body, its body fixed).
    /// - Parameter reopen: a create done before is made again (pushing: its company was deleted in HubSpot since, its record
    ///   id forgotten on an OBJECT_NOT_FOUND and not found again). Files never reopen: what they wrote stays written.
    func recordCreates(_ accounts: [Wanted], destination: String, run: ScoringRun, reopen: Bool) throws {
        let domains = Set(accounts.map(\.domain))
        if reopen {
            try store.reopenActions(
                try store.actions(destination: destination, kind: .company, statuses: [.done]).filter {
                    domains.contains($0.account.lowercased())
                }.map(\.id))
        }
        try store.recordActions(
            accounts.map { w in
                let body = HubSpotCompanies.createInput(
                    key: HubSpotCompanies.key(account: w.state.account), domain: w.domain, name: w.name, properties: [])
                return NewAction(
                    kind: .company, destination: destination, account: w.state.account, becameHot: Timestamp(milliseconds: 0),
                    runId: run.id, status: .pending, body: body.compactText)
            }, at: .now)
    }

    /// Associates each account's contacts (those with record ids) with its company, once each.
    func associate(
        _ wanted: [Wanted], ids: [String: String], destination: String, contactIds: [String: String], client: HubSpotClient,
        summary: inout ActionSummary
    ) async throws {
        let links = try store.companyLinks(destination: destination)
        var pairs: [(email: String, company: String, contact: String)] = []
        for w in wanted {
            guard let company = ids[w.domain] else { continue }
            for email in w.emails where links[email] != company {
                if let contact = contactIds[email] { pairs.append((email, company, contact)) }
            }
        }
        for chunk in pairs.chunked(HubSpotBatch.maxInputs) where summary.stopped == nil {
            try await associate(chunk, destination: destination, client: client, summary: &summary)
        }
    }

    /// One associate request. Answered wholly (200/201): every pair linked. A refusal or a partial answer (400, 207) of
    /// several: each pair on its own; a pair refused on its own (a contact merged or deleted since) is noted and not asked
    /// again. No answer: asked again next pass (associating twice changes nothing).
    func associate(
        _ chunk: [(email: String, company: String, contact: String)], destination: String, client: HubSpotClient,
        summary: inout ActionSummary
    ) async throws {
        let outcome = await client.post(
            HubSpotCompanies.associatePath,
            body: CRMRequestBody.data(HubSpotCompanies.associateBody(chunk.map { ($0.company, $0.contact) })))
        summary.requests[HubSpotCompanies.associatePath, default: 0] += 1
        switch outcome {
        case let .stop(message, _):
            summary.stopped = message
        case let .failed(error):
            summary.note("\(HubSpotCompanies.associatePath): \(error.kind.rawValue) (asked again next pass)")
        case let .answer(response) where response.status == 200 || response.status == 201:
            try store.saveCompanyLinks(destination: destination, chunk.map { ($0.email, $0.company) }, at: .now)
            summary.done["association", default: 0] += chunk.count
        case let .answer(response) where (response.status == 400 || response.status == 207) && chunk.count > 1:
            for pair in chunk where summary.stopped == nil {
                try await associate([pair], destination: destination, client: client, summary: &summary)
            }
        case let .answer(response) where response.status == 400 || response.status == 207:
            summary.note("\(chunk[0].email) not associated with company \(chunk[0].company): \(client.message(response))")
            try store.saveCompanyLinks(destination: destination, chunk.map { ($0.email, $0.company) }, at: .now)
        case let .answer(response):
            summary.note("\(HubSpotCompanies.associatePath): \(client.message(response)) (asked again next pass)")
        }
    }

    /// Records what differs from what each company holds, and sends it by record id (``Pusher``: the contacts' rules).
    func write(_ wanted: [Wanted], destination: String, client: HubSpotClient, run: ScoringRun, summary: inout ActionSummary) async throws {
        let pending = try record(wanted.map(\.state), destination: destination)
        guard !pending.isEmpty else { return }
        let sync = CRMSync(store: store, configuration: configuration)
        var pusher = Pusher(
            sync: sync, client: client, destination: destination,
            summary: SyncSummary(mode: .push, destination: destination, runId: run.id, asOf: run.asOf),
            known: try store.crmContacts(destination: destination), total: pending.count, progress: nil)
        pusher.updatePath = HubSpotCompanies.updatePath
        for round in SyncPlanner.rounds(pending) where pusher.stopped == nil {
            let ready = round.filter { pusher.known[$0.email]?.recordId != nil }
            for chunk in ready.chunked(configuration.crm.batchSize) where pusher.stopped == nil {
                try await pusher.write(chunk, upsert: false)
            }
        }
        summary.done["company properties", default: 0] += pusher.summary.done
        summary.rejected += pusher.summary.rejected
        for (path, n) in pusher.summary.requests { summary.requests[path, default: 0] += n }
        for message in pusher.summary.messages { summary.note(message) }
        if let stopped = pusher.summary.stopped { summary.stopped = stopped }
    }

    /// Records the changes of `states` at `destination`; returns every pending item, oldest first.
    func record(_ states: [ContactState], destination: String) throws -> [OutboxItem] {
        let synced = try store.syncedValues(destination: destination)
        // A change that met no company (deleted since) is no value the company holds: not counted as expected.
        let unsettled = try store.outboxItems(destination: destination, statuses: [.pending, .rejected])
        let mapping = ContactPropertyMapping(configuration.crm)
        let changes = SyncPlanner.changes(
            desired: states, synced: synced.values, syncedBy: synced.by, unsettled: unsettled,
            rideAlong: [mapping.names[.lastCalculated]!], full: false)
        try store.recordChanges(destination: destination, changes, at: .now)
        return try store.outboxItems(destination: destination, statuses: [.pending])
    }
}

extension CompanySync {
    /// What files mode writes for companies, and how to mark it written once the folder is in place.
    struct FileParts {
        var creates: [ActionRecord] = []
        var updates: [OutboxItem] = []
        var links: [(email: String, domain: String)] = []
        var isEmpty: Bool { creates.isEmpty && updates.isEmpty && links.isEmpty }
    }

    /// Records, for files, the companies to create (create tiers, once per account), the property changes (by domain) and
    /// the contacts to associate — files cannot know record ids: the manifest says how to resolve them.
    func fileParts(_ run: ScoringRun) throws -> FileParts {
        let destination = Self.destination(contacts: CRMSync.filesDestination)
        let tiers = Set(settings.tiers), createTiers = Set(settings.createTiers)
        // The tiers looked up, and any account whose company was written before (its tier may have dropped since).
        let written = Set(try store.syncedValues(destination: destination).values.keys)
        let wanted = try wanted(run).filter {
            tiers.contains($0.state.tier) || createTiers.contains($0.state.tier) || written.contains($0.domain)
        }
        try recordCreates(wanted.filter { createTiers.contains($0.state.tier) }, destination: destination, run: run, reopen: false)
        let links = try store.companyLinks(destination: destination)
        return FileParts(
            creates: try store.actions(destination: destination, kind: .company, statuses: [.pending]),
            updates: try record(wanted.map(\.state), destination: destination),
            links: wanted.flatMap { w in w.emails.filter { links[$0] != w.domain }.map { ($0, w.domain) } })
    }

    /// Writes `parts` into `folder`.
    func emit(_ parts: FileParts, into folder: inout RequestFolder) throws {
        if !parts.creates.isEmpty {
            for chunk in parts.creates.chunked(HubSpotBatch.maxInputs) {
                try folder.emit(
                    "companies-create",
                    body: .object([("inputs", .array(chunk.compactMap { $0.body.flatMap { try? JSONParser.parse($0) } }))]),
                    entry: [
                        "method": "POST", "path": HubSpotCompanies.createPath, "keys": chunk.map(\.key),
                        "note":
                            "only for the domains for which neither the contacts' associations (\(HubSpotCompanies.associationsReadPath)) "
                            + "nor \(HubSpotCompanies.searchPath) on domain find a company: HubSpot does not deduplicate companies by domain",
                    ])
            }
        }
        for chunk in parts.updates.chunked(configuration.crm.batchSize) {
            try folder.emit(
                "companies-update-by-domain", body: HubSpotBatch.updateBody(chunk.map { ($0.email, $0) }),
                entry: [
                    "method": "POST", "path": HubSpotCompanies.updatePath, "trace_ids": chunk.map(\.traceId),
                    "note": "each input's id is the account's domain: replace it with its company's record id (the company most of its "
                        + "contacts are associated with, else the oldest \(HubSpotCompanies.searchPath) finds on domain, else the one created)",
                ])
        }
        for chunk in parts.links.chunked(HubSpotBatch.maxInputs) {
            try folder.emit(
                "companies-associate", body: HubSpotCompanies.associateBody(chunk.map { ($0.domain, $0.email) }),
                entry: [
                    "method": "POST", "path": HubSpotCompanies.associatePath, "inputs": chunk.count,
                    "note": "from: the company's domain, to: the contact's email; replace both with record ids first",
                ])
        }
    }

    /// Marks `parts` written.
    func settle(_ parts: FileParts) throws {
        let destination = Self.destination(contacts: CRMSync.filesDestination)
        try store.settleActions(parts.creates.map { ActionOutcome(id: $0.id, status: .done) }, at: .now)
        try store.settle(parts.updates.map { OutboxOutcome(itemId: $0.id, status: .done) }, at: .now)
        try store.saveCompanyLinks(destination: destination, parts.links.map { ($0.email, $0.domain) }, at: .now)
    }
}
