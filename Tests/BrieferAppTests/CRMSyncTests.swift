@testable import BrieferApp
import BrieferCore
import BrieferStore
import BrieferTesting
import Foundation
import GRDB
import Synchronization
import Testing

/// CRM sync end to end (SPEC §6): the fixture workspace scored, a rules briefing stored for each hot
/// account, then `CRMSync` writing files or pushing over libcurl to the HubSpot fake, and what ends up
/// in the outbox, in the files and in the fake CRM.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct CRMSyncTests {
    // MARK: Harness

    static let token = "pat-na1-test-0123456789abcdef"
    static let scored: Result<Scored, any Error> = Result { try Scored() }

    /// The fixture workspace, scored at its as-of time, with a briefing for every hot account.
    final class Scored: Sendable {
        let path: String
        let hot: Set<String>

        init() throws {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("briefer-crm-\(UUID().uuidString)")
            path = directory.appendingPathComponent("scored.sqlite").path
            let store = try BrieferStore(path: path)
            _ = try ingest(FixturePaths.workspaceFiles, into: store)
            let configuration = BrieferConfiguration()
            let outcome = try ScoringRunner(store: store, configuration: configuration, logger: .quiet).run(
                asOf: try FixturePaths.manifestAsOf())
            hot = Set(outcome.accounts.filter { $0.tier == .hot }.map(\.account))
            let run = try store.latestRun(model: configuration.model)!
            let accounts = try store.accountScores(runId: run.id, tier: .hot)
            for (account, input) in try store.promptInputs(run: run, accounts: accounts, configuration: configuration) {
                try CRMSyncTests.saveBriefing(store, account: account, input: input, run: run, riskFactor: nil)
            }
        }
    }

    @discardableResult
    static func saveBriefing(
        _ store: BrieferStore, account: String, input: PromptInput, run: ScoringRun, riskFactor: String?,
        createdMs: Int64 = 1
    ) throws -> Briefing {
        var briefing = FallbackBriefing.make(for: input, rules: BrieferConfiguration().enrichment.briefing)
        if let riskFactor { briefing.riskFactor = riskFactor }
        _ = try store.saveBriefing(
            BriefingRecord(
                account: account, runId: run.id, asOfMs: run.asOf.milliseconds, fingerprint: "fp-\(account)-\(createdMs)",
                promptVersion: "briefing-v1", promptHash: "h", model: nil, source: .rules, selection: "newly_hot", briefing: briefing,
                attempts: 0, errors: [], reason: "test", promptTokens: 0, completionTokens: 0, costUsd: 0, latencyMs: 0, input: input,
                createdMs: createdMs))
        return briefing
    }

    /// A copy of the scored database in its own directory, removed when released.
    final class World: @unchecked Sendable {
        let directory: URL
        let store: BrieferStore
        var configuration = BrieferConfiguration()
        let hot: Set<String>

        init() throws {
            let source = try CRMSyncTests.scored.get()
            hot = source.hot
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("briefer-test-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let path = directory.appendingPathComponent("test.sqlite").path
            for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: source.path + suffix) {
                try FileManager.default.copyItem(atPath: source.path + suffix, toPath: path + suffix)
            }
            store = try BrieferStore(path: path)
            configuration.crm.maxRetries = 2
        }

        deinit { try? FileManager.default.removeItem(at: directory) }

        var sync: CRMSync { CRMSync(store: store, configuration: configuration, logger: .quiet) }
        var out: String { directory.appendingPathComponent("out").path }

        func client(_ fake: FakeHubSpotServer, token: String = CRMSyncTests.token) -> HubSpotClient {
            HubSpotClient(endpoint: HubSpotEndpoint(baseUrl: fake.baseURL, token: token), settings: configuration.crm, logger: .quiet)
        }

        /// What the sync wants: every chosen contact with its properties.
        func desired() throws -> [ContactState] { try sync.desired().contacts }

        func items(_ statuses: Set<OutboxItem.Status> = []) throws -> [OutboxItem] {
            try store.outboxItems(destination: nil, statuses: statuses)
        }
    }

    static func json(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
    }

    /// No trace id was ever sent for two different changes, nor one change under two trace ids.
    static func expectOneTraceIdPerChange(_ fake: FakeHubSpotServer, _ world: World) throws {
        let items = try world.items()
        let byTrace = Dictionary(uniqueKeysWithValues: items.map { ($0.traceId, $0) })
        for write in fake.writes {
            let trace = try #require(write.traceId, "every write carries a trace id")
            let item = try #require(byTrace[trace], "trace id \(trace) is one the outbox recorded")
            #expect(
                write.properties == Dictionary(uniqueKeysWithValues: item.properties.map { ($0.name, $0.value) }),
                "trace id \(trace) always carries the same change")
        }
    }

    // MARK: Files

    @Test func filesFirstSyncWritesEverythingSecondWritesNothing() throws {
        let world = try World()
        let desired = try world.desired()
        let first = try world.sync.writeFiles(directory: world.out)
        #expect(first.changedContacts == desired.count)
        #expect(first.contactsSent == desired.count)
        #expect(first.propertiesSent == desired.reduce(0) { $0 + $1.properties.count })
        let folder = try #require(first.directory)
        let manifest = try Self.json(folder + "/manifest.json")
        #expect(manifest["contacts"] as? Int == desired.count)
        #expect(manifest["properties"] as? Int == first.propertiesSent)

        // The files carry exactly the wanted properties of every contact, each contact once, all values strings.
        var written: [String: [String: String]] = [:]
        var traceIds: Set<String> = []
        for request in manifest["requests"] as! [[String: Any]] {
            let body = try Self.json(folder + "/" + (request["file"] as! String))
            let inputs = body["inputs"] as! [[String: Any]]
            #expect(inputs.count <= 100)
            #expect(request["inputs"] as? Int == inputs.count)
            switch request["path"] as! String {
            case HubSpotBatch.readPath:
                #expect(body["idProperty"] as? String == "email")
            case let path:
                for input in inputs {
                    let id = input["id"] as! String
                    let properties = input["properties"] as! [String: Any]
                    #expect(properties.values.allSatisfy { $0 is String })
                    #expect(written[id] == nil)
                    written[id] = properties.mapValues { $0 as! String }
                    #expect(traceIds.insert(input["objectWriteTraceId"] as! String).inserted)
                    let tier = desired.first { $0.email == id }!.tier
                    // Hot contacts are upserted by email; others can only be updated, never created.
                    #expect((path == HubSpotBatch.upsertPath) == (tier == .hot), "\(id) (\(tier)) in \(path)")
                    if path == HubSpotBatch.upsertPath {
                        #expect(input["idProperty"] as? String == "email")
                    } else {
                        #expect(input["idProperty"] == nil)
                    }
                }
            }
        }
        #expect(written.count == desired.count)
        for contact in desired {
            #expect(written[contact.email] == Dictionary(uniqueKeysWithValues: contact.properties.map { ($0.name, $0.value) }))
        }
        // Hot contacts carry their account's briefing; others none.
        for contact in desired {
            #expect((written[contact.email]?["pql_use_case"] != nil) == world.hot.contains(contact.account))
        }
        #expect(try world.items([.done]).count == desired.count)

        let second = try world.sync.writeFiles(directory: world.out)
        #expect(second.changedContacts == 0)
        #expect(second.directory == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: world.out) == [(folder as NSString).lastPathComponent])
    }

    @Test func oneChangedPropertySendsOnlyThatProperty() throws {
        let world = try World()
        _ = try world.sync.writeFiles(directory: world.out)
        let account = try #require(world.hot.sorted().first)
        let run = try #require(try world.store.latestRun(model: .weighted))
        let input = try #require(
            try world.store.promptInputs(
                run: run, accounts: try world.store.accountScores(runId: run.id).filter { $0.score.account == account },
                configuration: world.configuration)[account])
        try Self.saveBriefing(
            world.store, account: account, input: input, run: run,
            riskFactor: "Only one workspace admin has approved the rollout so far.", createdMs: 2)
        let contacts = try world.desired().filter { $0.account == account }
        let summary = try world.sync.writeFiles(directory: world.out)
        #expect(summary.changedContacts == contacts.count)
        #expect(summary.changedProperties == contacts.count)
        let items = try world.items().suffix(contacts.count)
        for item in items {
            #expect(item.account == account)
            #expect(item.properties.map(\.name) == ["pql_risk_factor"])
            #expect(item.properties.first?.value == "Only one workspace admin has approved the rollout so far.")
        }
        // --full sends every property of every contact again.
        let full = try world.sync.writeFiles(directory: world.out, options: .init(full: true))
        #expect(full.contactsSent == (try world.desired()).count)
    }

    @Test func dryRunRecordsNothing() throws {
        let world = try World()
        let dry = try world.sync.dryRun(destination: CRMSync.filesDestination, options: .init())
        #expect(dry.changedContacts == (try world.desired()).count)
        #expect(try world.items().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: world.out))
    }

    /// A crash after changes are recorded and before they are written: the next sync writes them
    /// under the trace ids they were recorded with, and records nothing new for them.
    @Test func recordedButNotWrittenChangesAreResentUnderTheirTraceIds() throws {
        let world = try World()
        let sync = world.sync
        let now = Timestamp.now
        let plan = try sync.plan(destination: CRMSync.filesDestination, options: .init(), now: now)
        let recorded = try sync.record(plan, destination: CRMSync.filesDestination, options: .init(), now: now)
        #expect(recorded.count == (try world.desired()).count)
        // … the process dies here …
        let summary = try sync.writeFiles(directory: world.out)
        #expect(summary.changedContacts == 0, "nothing new is recorded for changes already in the outbox")
        #expect(summary.resent == recorded.count)
        let manifest = try Self.json(summary.directory! + "/manifest.json")
        let written = (manifest["requests"] as! [[String: Any]]).flatMap { $0["trace_ids"] as? [String] ?? [] }
        #expect(Set(written) == Set(recorded.map(\.traceId)))
        #expect(written.count == recorded.count)
        #expect(try world.items([.pending]).isEmpty)
    }

    /// A contact put on the do-not-contact list after its change was recorded is not written to.
    @Test func doNotContactStopsAChangeAlreadyRecorded() throws {
        let world = try World()
        let now = Timestamp.now
        let plan = try world.sync.plan(destination: CRMSync.filesDestination, options: .init(), now: now)
        let recorded = try world.sync.record(plan, destination: CRMSync.filesDestination, options: .init(), now: now)
        let blocked = try #require(recorded.first).email
        world.configuration.crm.doNotContact = [blocked]
        let summary = try world.sync.writeFiles(directory: world.out)
        // (The account's next contact in line takes the blocked one's place.)
        #expect(summary.resent == recorded.count)
        let item = try #require(try world.items().first { $0.email == blocked })
        #expect(item.status == .rejected && item.message?.contains("do_not_contact") == true)
        let manifest = try Self.json(summary.directory! + "/manifest.json")
        let written = (manifest["requests"] as! [[String: Any]]).flatMap { $0["trace_ids"] as? [String] ?? [] }
        #expect(!written.contains(item.traceId))
        #expect(written.count == summary.itemsSent && summary.itemsSent == recorded.count - 1 + summary.changedContacts)
    }

    // MARK: Push

    @Test func pushUpsertsHotUpdatesKnownAndRecordsMissing() async throws {
        let world = try World()
        let fake = try FakeHubSpotServer(token: Self.token)
        defer { fake.stop() }
        let desired = try world.desired()
        let others = desired.filter { $0.tier != .hot }
        // The CRM already knows half of the non-hot contacts.
        let known = Set(others.enumerated().filter { $0.offset % 2 == 0 }.map(\.element.email))
        for email in known { _ = fake.addContact(email: email) }

        let client = world.client(fake)
        let summary = try await world.sync.push(client: client, options: .init())
        let hotCount = desired.count - others.count
        #expect(summary.done == hotCount + known.count)
        #expect(summary.missing == others.count - known.count)
        #expect(summary.rejected == 0 && summary.leftPending == 0 && summary.stopped == nil)
        #expect(fake.count(of: FakeHubSpotServer.upsertPath) == (hotCount + 99) / 100)
        #expect(fake.count(of: FakeHubSpotServer.readPath) == (others.count + 99) / 100)
        #expect(fake.count(of: FakeHubSpotServer.updatePath) == (known.count + 99) / 100)
        // Exactly the wanted properties arrived at exactly the right contacts (results come back reversed).
        for contact in desired where contact.tier == .hot || known.contains(contact.email) {
            let stored = try #require(fake.contact(email: contact.email))
            for property in contact.properties {
                #expect(stored.properties[property.name] == property.value, "\(contact.email) \(property.name)")
            }
        }
        for contact in others where !known.contains(contact.email) { #expect(fake.contact(email: contact.email) == nil) }
        // Record ids were cached from the CRM's own answers.
        let cached = try world.store.crmContacts(destination: client.endpoint.destination)
        for contact in desired where fake.contact(email: contact.email) != nil {
            #expect(cached[contact.email]?.recordId == fake.contact(email: contact.email)?.id)
        }
        try Self.expectOneTraceIdPerChange(fake, world)

        // Nothing changed: nothing sent; the missing contacts are not asked for again yet.
        let before = fake.received
        let second = try await world.sync.push(client: client, options: .init())
        #expect(fake.received == before)
        #expect(second.changedContacts == 0 && second.skippedMissing == others.count - known.count)
    }

    @Test func mixedFaultsEndApplied_missingOrRejected_underOneTraceIdEach() async throws {
        let world = try World()
        world.configuration.crm.batchSize = 40
        world.configuration.crm.maxRetries = 3
        let fake = try FakeHubSpotServer(token: Self.token, rateLimitWindow: 1)
        defer { fake.stop() }
        let desired = try world.desired()
        for contact in desired
        where contact.tier != .hot && contact.properties.contains(where: { $0.name == "pql_score" && Int($0.value)! >= 40 }) {
            _ = fake.addContact(email: contact.email)
        }
        // A briefing property the CRM lacks: every batch carrying it is refused with 400.
        fake.definedProperties.remove("pql_risk_factor")
        // The first request: a 429 with Retry-After, a 503, a 429 with only the interval header (1 s), then through.
        fake.enqueue(.rateLimited(retryAfter: "1"), .status(503), .rateLimited(retryAfter: nil))
        // The first batch/update is applied, then the connection drops before the answer.
        let dropped = Flag()
        fake.setFaultScript { request in
            request.path == FakeHubSpotServer.updatePath && dropped.setOnce() ? .dropAfterApplying : nil
        }

        let summary = try await world.sync.push(client: world.client(fake), options: .init())
        #expect(summary.rejected > 0)
        #expect(summary.rateLimited == 2)
        #expect(summary.retries == 4)
        let rejected = try world.items([.rejected])
        #expect(rejected.allSatisfy { $0.message?.contains("pql_risk_factor") == true && $0.httpStatus == 400 })
        #expect(rejected.allSatisfy { $0.properties.contains { $0.name == "pql_risk_factor" } })
        // sync-log shows each rejected contact with HubSpot's message.
        let log = Reports.syncLog(try world.store.outboxItems(destination: nil, statuses: [.rejected], newestFirst: true))
        for item in rejected { #expect(log.contains(item.email)) }
        #expect(log.contains("400 VALIDATION_ERROR: Property values were not valid"))
        #expect(log.contains("pql_risk_factor"))

        // Run again until nothing is pending (the change cut off by the dropped connection is resent under its trace id).
        for _ in 0..<3 where try !world.items([.pending]).isEmpty {
            _ = try await world.sync.push(client: world.client(fake), options: .init())
        }
        let items = try world.items()
        #expect(items.allSatisfy { $0.status != .pending })
        #expect(items.allSatisfy { $0.status != .done || $0.message == nil })
        #expect(Set(items.map(\.email)) == Set(desired.map(\.email)))
        try Self.expectOneTraceIdPerChange(fake, world)
        #expect(Set(fake.writes.compactMap(\.traceId)).count < fake.writes.count, "the dropped batch was sent twice, same trace ids")

        // Once the property exists, --retry-rejected sends the refused changes again under their trace ids.
        fake.definedProperties.insert("pql_risk_factor")
        let retried = try await world.sync.push(client: world.client(fake), options: .init(retryRejected: true))
        #expect(retried.done == rejected.count && retried.changedContacts == 0)
        try Self.expectOneTraceIdPerChange(fake, world)
        for contact in desired where contact.tier == .hot {
            #expect(fake.contact(email: contact.email)?.properties["pql_risk_factor"] != nil)
        }
    }

    /// A refused change followed by a newer delivered value: later syncs send nothing, and retrying the
    /// refused changes never puts the older value back over the newer one.
    @Test func aRejectedChangeOvertakenByANewerOneStaysBehindIt() async throws {
        let world = try World()
        let fake = try FakeHubSpotServer(token: Self.token)
        defer { fake.stop() }
        fake.definedProperties.remove("pql_risk_factor")
        let first = try await world.sync.push(client: world.client(fake), options: .init())
        #expect(first.rejected == (try world.desired()).filter { $0.tier == .hot }.count)
        fake.definedProperties.insert("pql_risk_factor")

        let account = try #require(world.hot.sorted().first)
        let run = try #require(try world.store.latestRun(model: .weighted))
        let input = try #require(
            try world.store.promptInputs(
                run: run,
                accounts: try world.store.accountScores(runId: run.id)
                    .filter { $0.score.account == account }, configuration: world.configuration)[account])
        let newer = "Only one workspace admin has approved the rollout so far."
        try Self.saveBriefing(world.store, account: account, input: input, run: run, riskFactor: newer, createdMs: 2)
        let second = try await world.sync.push(client: world.client(fake), options: .init())
        #expect(second.done == second.changedContacts && second.changedContacts > 0)

        let before = fake.received
        let third = try await world.sync.push(client: world.client(fake), options: .init())
        #expect(third.changedContacts == 0 && fake.received == before, "nothing changed: nothing sent")

        _ = try await world.sync.push(client: world.client(fake), options: .init(retryRejected: true))
        for contact in try world.desired() where contact.tier == .hot {
            let stored = try #require(fake.contact(email: contact.email))
            for property in contact.properties {
                #expect(stored.properties[property.name] == property.value, "\(contact.email) \(property.name)")
            }
        }
        #expect(
            try world.store.syncedValues(destination: world.client(fake).endpoint.destination).values.values
                .filter { $0["pql_risk_factor"] == newer }.count == (try world.desired()).filter { $0.account == account }.count)
        try Self.expectOneTraceIdPerChange(fake, world)
        let after = fake.received
        _ = try await world.sync.push(client: world.client(fake), options: .init())
        #expect(fake.received == after)
    }

    @Test func dailyLimitStopsThePushAndTheNextRunFinishesIt() async throws {
        let world = try World()
        world.configuration.crm.batchSize = 20
        let fake = try FakeHubSpotServer(token: Self.token)
        defer { fake.stop() }
        fake.setFaultScript { request in request.index == 1 ? .rateLimited(policy: "DAILY") : nil }
        let summary = try await world.sync.push(client: world.client(fake), options: .init())
        #expect(summary.stopped?.contains("daily") == true)
        #expect(fake.received == 2, "nothing more is sent after a DAILY 429")
        #expect(summary.leftPending > 0)
        fake.setFaultScript(nil)
        let next = try await world.sync.push(client: world.client(fake), options: .init())
        #expect(next.resent == summary.leftPending)
        #expect(next.stopped == nil && next.leftPending == 0)
        try Self.expectOneTraceIdPerChange(fake, world)
    }

    /// HubSpot refuses a whole batch for one invalid email: the batch is split until the bad input is
    /// alone, every other change of it is applied, only that one is rejected — at most two requests per
    /// halving. A refusal of the batch's shape (a property the CRM lacks) costs only two more requests.
    @Test func oneBadInputIsIsolatedAndTheRestOfItsBatchApplied() async throws {
        let world = try World()
        let desired = try world.desired()
        let hot = desired.filter { $0.tier == .hot }
        try #require(hot.count > 40)
        // One hot person's address as the users CSV has it: not an address HubSpot takes.
        let victim = hot[17].email
        try world.store.write { db in
            try db.execute(sql: "UPDATE users SET csv_email = 'broken@localhost' WHERE lower(csv_email) = ?", arguments: [victim])
        }
        let fake = try FakeHubSpotServer(token: Self.token)
        defer { fake.stop() }
        let summary = try await world.sync.push(client: world.client(fake), options: .init())
        #expect(summary.rejected == 1 && summary.leftPending == 0)
        let rejected = try world.items([.rejected])
        #expect(rejected.map(\.email) == ["broken@localhost"])
        #expect(rejected.first?.message?.contains("INVALID_EMAIL") == true)
        for contact in hot where contact.email != victim { #expect(fake.contact(email: contact.email) != nil, "\(contact.email)") }
        // One upsert of every hot contact, then halvings: 2 requests per level down to the single bad input.
        let upserts = fake.count(of: FakeHubSpotServer.upsertPath)
        let levels = Int(log2(Double(hot.count)).rounded(.up))
        #expect(upserts > 1 && upserts <= 1 + 2 * levels, "\(upserts) upsert requests")
        print("crm: one invalid email among \(hot.count) hot contacts: \(upserts) upsert requests, 1 rejected, \(hot.count - 1) applied")
        try Self.expectOneTraceIdPerChange(fake, world)

        // The batch's shape refused (HubSpot's codes name only a property the CRM lacks): no input is to
        // blame, nothing is split, everything rejected after the one request.
        let shape = try World()
        let fake2 = try FakeHubSpotServer(token: Self.token)
        defer { fake2.stop() }
        fake2.definedProperties.remove("pql_risk_factor")
        let refused = try await shape.sync.push(client: shape.client(fake2), options: .init())
        #expect(refused.rejected == hot.count)
        #expect(fake2.count(of: FakeHubSpotServer.upsertPath) == 1)
    }

    /// Two bad inputs in one batch, one in each half: both halves are refused (each for its own input),
    /// each is split again, and only the two are rejected.
    @Test func twoBadInputsInOneBatchAreBothIsolated() async throws {
        let world = try World()
        let hot = try world.desired().filter { $0.tier == .hot }
        try #require(hot.count > 40)
        let victims = [hot[3].email, hot[hot.count - 4].email]
        try world.store.write { db in
            for (i, victim) in victims.enumerated() {
                try db.execute(
                    sql: "UPDATE users SET csv_email = ? WHERE lower(csv_email) = ?", arguments: ["broken\(i)@localhost", victim])
            }
        }
        let fake = try FakeHubSpotServer(token: Self.token)
        defer { fake.stop() }
        let summary = try await world.sync.push(client: world.client(fake), options: .init())
        #expect(Set(try world.items([.rejected]).map(\.email)) == ["broken0@localhost", "broken1@localhost"])
        #expect(summary.rejected == 2 && summary.done == hot.count - 2 && summary.leftPending == 0)
        #expect(summary.itemsSent == hot.count, "a change re-sent while isolating is not counted as sent twice")
        try Self.expectOneTraceIdPerChange(fake, world)

        // The same with a refusal that names no code (the same words whichever input is at fault): still
        // told apart by splitting, only the two rejected.
        let generic = try World()
        let fake2 = try FakeHubSpotServer(token: Self.token)
        defer { fake2.stop() }
        let body = #"{"status":"error","message":"Invalid input","category":"VALIDATION_ERROR"}"#
        fake2.setFaultScript { request in
            guard request.path == FakeHubSpotServer.upsertPath, victims.contains(where: { request.bodyText.contains("\"\($0)\"") }) else {
                return nil
            }
            return .status(400, body: body)
        }
        let split = try await generic.sync.push(client: generic.client(fake2), options: .init())
        #expect(Set(try generic.items([.rejected]).map(\.email)) == Set(victims))
        #expect(split.done == hot.count - 2 && split.leftPending == 0)

        // A refusal without codes of every input alike (the batch, not an input): split only within the
        // budget, and what is not told apart stays pending for the next run — never rejected.
        let blanket = try World()
        let fake3 = try FakeHubSpotServer(token: Self.token)
        defer { fake3.stop() }
        fake3.setFaultScript { request in request.path == FakeHubSpotServer.upsertPath ? .status(400, body: body) : nil }
        let refused = try await blanket.sync.push(client: blanket.client(fake3), options: .init())
        let upserts = fake3.count(of: FakeHubSpotServer.upsertPath)
        #expect(upserts <= 1 + 4 * (Int(log2(Double(hot.count)).rounded(.up)) + 1), "\(upserts) upsert requests")
        #expect(refused.done == 0 && refused.leftPending + refused.rejected == hot.count)
        #expect(try blanket.items([.pending]).count == refused.leftPending && refused.leftPending > 0)
    }

    /// One base URL serves every HubSpot portal: the first push records the token's portal; a token of
    /// another portal is refused before anything is sent (its synced state and record ids would be the
    /// other portal's); `newPortal` adopts it, forgetting that state, and everything goes afresh. A CRM
    /// without the account-details endpoint is pushed to as before.
    @Test func aTokenOfAnotherPortalIsRefusedUntilAdopted() async throws {
        let world = try World()
        let fake = try FakeHubSpotServer(token: Self.token)
        defer { fake.stop() }
        fake.portalId = 111
        let hot = try world.desired().filter { $0.tier == .hot }.count
        let first = try await world.sync.push(client: world.client(fake), options: .init())
        #expect(first.done == hot && first.requests[HubSpotClient.accountInfoPath] == 1)
        let destination = world.client(fake).endpoint.destination
        #expect(try world.store.crmPortal(destination: destination) == "111")
        #expect(
            Reports.status(WorkerStatus(runs: [], nowMs: 0, portals: try world.store.crmPortals()))
                .contains("CRM: \(fake.baseURL) is HubSpot portal 111"))
        // Nothing to send: not even the portal is asked.
        let received = fake.received
        _ = try await world.sync.push(client: world.client(fake), options: .init())
        #expect(fake.received == received)

        // The token now belongs to portal 222 (a sandbox's, say): refused, nothing written.
        fake.portalId = 222
        let writes = fake.writes.count
        await #expect(throws: CRMSyncError.self) { try await world.sync.push(client: world.client(fake), options: .init(full: true)) }
        do {
            _ = try await world.sync.push(client: world.client(fake), options: .init(full: true))
        } catch let error as CRMSyncError {
            #expect(error.code == .portalMismatch, "\(error)")
            #expect(!error.message.contains(Self.token))
        }
        #expect(fake.writes.count == writes)
        // Adopted: the old state is forgotten and every chosen contact's properties go again.
        let adopted = try await world.sync.push(client: world.client(fake), options: .init(newPortal: true))
        #expect(try world.store.crmPortal(destination: destination) == "222")
        #expect(adopted.done == hot && adopted.stopped == nil)
        #expect(adopted.changedProperties >= first.changedProperties)
        // The old portal's history stays readable under its own name.
        #expect(
            try world.store.outboxItems(destination: nil).filter { $0.destination.hasPrefix(destination + " (portal 111 until ") }.count
                >= first.changedContacts)
        try Self.expectOneTraceIdPerChange(fake, world)

        // Not knowing the portal once one is recorded stops the push, nothing sent: the endpoint failing
        // (503 after the retries), or answering without a portal id.
        fake.setFaultScript { request in request.path == FakeHubSpotServer.accountInfoPath ? .status(503) : nil }
        let writesBefore = fake.writes.count
        let down = try await world.sync.push(client: world.client(fake), options: .init(full: true))
        #expect(down.stopped?.contains("cannot ask the CRM which portal") == true && down.done == 0)
        let noPortal = Data(#"{"accountType":"STANDARD"}"#.utf8)
        fake.setFaultScript { request in
            request.path == FakeHubSpotServer.accountInfoPath
                ? .reply(.respond(status: 200, headers: [HTTPHeader("Content-Type", "application/json")], body: noPortal)) : nil
        }
        let unnamed = try await world.sync.push(client: world.client(fake), options: .init(full: true))
        #expect(unnamed.stopped?.contains("name no portal") == true && unnamed.done == 0)
        #expect(fake.writes.count == writesBefore)
        fake.setFaultScript(nil)
        // --new-portal with nothing pending still adopts the portal, and sends everything to it.
        _ = try await world.sync.push(client: world.client(fake), options: .init())
        fake.portalId = 333
        let switched = try await world.sync.push(client: world.client(fake), options: .init(newPortal: true))
        #expect(try world.store.crmPortal(destination: destination) == "333")
        #expect(switched.done == hot)

        // A CRM that does not say which portal it is: pushed to, nothing recorded about portals.
        let other = try World()
        let plain = try FakeHubSpotServer(token: Self.token)
        defer { plain.stop() }
        plain.portalId = nil
        let pushed = try await other.sync.push(client: other.client(plain), options: .init())
        #expect(pushed.done == hot && pushed.stopped == nil)
        #expect(try other.store.crmPortal(destination: other.client(plain).endpoint.destination) == nil)
    }

    @Test func resultsAbsentFromTheAnswerCountAsFailed() async throws {
        let world = try World()
        let fake = try FakeHubSpotServer(token: Self.token)
        defer { fake.stop() }
        let body = Data(#"{"status":"COMPLETE","results":[],"startedAt":"2026-11-25T00:00:00Z","completedAt":"2026-11-25T00:00:00Z"}"#.utf8)
        let empty = FakeHubSpotServer.Fault.reply(
            .respond(status: 200, headers: [HTTPHeader("Content-Type", "application/json")], body: body))
        fake.setFaultScript { request in request.path == FakeHubSpotServer.upsertPath ? empty : nil }
        let summary = try await world.sync.push(client: world.client(fake), options: .init())
        let hot = try world.desired().filter { $0.tier == .hot }.count
        #expect(summary.leftPending == hot)
        #expect(try world.items([.pending]).allSatisfy { $0.message?.contains("absent from the CRM's results") == true })
    }

    @Test func refusedTokenStopsAndIsNeverStoredOrShown() async throws {
        let world = try World()
        let fake = try FakeHubSpotServer(token: "the-right-token")
        defer { fake.stop() }
        let summary = try await world.sync.push(client: world.client(fake, token: Self.token), options: .init())
        #expect(summary.stopped?.contains("HUBSPOT_ACCESS_TOKEN") == true)
        #expect(fake.received == 1)
        // The token reached the server as a bearer token, and nowhere else.
        #expect(fake.requests.first?.header("authorization") == "Bearer \(Self.token)")
        #expect(!Reports.sync(summary).contains(Self.token))
        for suffix in ["", "-wal"] {
            let bytes = (try? Data(contentsOf: URL(fileURLWithPath: world.store.path + suffix))) ?? Data()
            #expect(bytes.range(of: Data(Self.token.utf8)) == nil)
        }
    }

    @Test func clientSideBudgetKeepsUnderTheServersLimit() async throws {
        let world = try World()
        world.configuration.crm.batchSize = 10
        world.configuration.crm.requestsPerWindow = 4
        world.configuration.crm.windowSeconds = 1
        // The server allows a little more than the client's budget, so the client's clock running ahead
        // of the server's by the network delay cannot make a 429; without the budget there would be many.
        let fake = try FakeHubSpotServer(token: Self.token, rateLimit: 5, rateLimitWindow: 1)
        defer { fake.stop() }
        let summary = try await world.sync.push(client: world.client(fake), options: .init())
        #expect(fake.received > 8)
        #expect(summary.rateLimited == 0)
        #expect(fake.requests.allSatisfy { $0.status != 429 })
    }

    @Test func propertiesApplyCreatesTheGroupAndPropertiesOnce() async throws {
        let world = try World()
        let fake = try FakeHubSpotServer(token: Self.token, definedProperties: ["email"])
        defer { fake.stop() }
        let definitions = CRMDefinitions(world.configuration.crm)
        let first = try await CRMDefinitionsApplier(client: world.client(fake), definitions: definitions).apply()
        #expect(first.succeeded)
        #expect(first.lines.first == "group pql_scoring on contacts: created")
        #expect(first.lines.filter { $0.hasSuffix(": created") }.count == 1 + CRMProperty.allCases.count)
        #expect(fake.definedProperties == FakeHubSpotServer.defaultDefinedProperties)
        let second = try await CRMDefinitionsApplier(client: world.client(fake), definitions: definitions).apply()
        #expect(second.succeeded)
        #expect(second.lines.filter { $0.hasSuffix("already exists") }.count == 1 + CRMProperty.allCases.count)
        // On companies (actions.companies): the same group and properties but the contact's own score.
        fake.definedCompanyProperties = []
        let companies = CRMDefinitions(world.configuration.crm, object: .companies)
        let onCompanies = try await CRMDefinitionsApplier(client: world.client(fake), definitions: companies).apply()
        #expect(onCompanies.succeeded && onCompanies.lines.first == "group pql_scoring on companies: created")
        #expect(fake.definedCompanyProperties == FakeHubSpotServer.defaultDefinedProperties.subtracting(["email", "pql_contact_score"]))
    }
}

/// A flag set once, from any thread.
final class Flag: Sendable {
    private let set = Mutex(false)
    /// True the first time only.
    func setOnce() -> Bool {
        set.withLock { set in
            defer { set = true }; return !set
        }
    }
}
