import BrieferApp
import BrieferCore
import BrieferStore
import BrieferTesting
import Foundation
import GRDB
import Synchronization
import Testing

/// The worker's parts (SPEC §8): leases, one run of every stage, the `worker` process and its signals.
@Suite(.serialized)
struct WorkerTests {
    // MARK: Leases

    @Test func aLeaseIsHeldByOneOwnerUntilItExpires() throws {
        let temporary = try TemporaryStore()
        let store = temporary.store
        #expect(try store.takeLease(account: "acme.com", owner: "a", nowMs: 1_000, ttlMs: 500))
        #expect(try !store.takeLease(account: "acme.com", owner: "b", nowMs: 1_200, ttlMs: 500))
        // The holder renews it.
        #expect(try store.takeLease(account: "acme.com", owner: "a", nowMs: 1_400, ttlMs: 500))
        #expect(try !store.takeLease(account: "acme.com", owner: "b", nowMs: 1_800, ttlMs: 500))
        // A crashed holder's lease expires and is taken over.
        #expect(try store.takeLease(account: "acme.com", owner: "b", nowMs: 1_900, ttlMs: 500))
        #expect(try store.leases() == [Lease(account: "acme.com", owner: "b", takenMs: 1_900, expiresMs: 2_400)])
        // Only the holder gives it back.
        try store.releaseLease(account: "acme.com", owner: "a")
        #expect(try store.leases().count == 1)
        try store.releaseLease(account: "acme.com", owner: "b")
        #expect(try store.leases().isEmpty)
        #expect(try store.takeLease(account: "acme.com", owner: "a", nowMs: 2_000, ttlMs: 500))
    }

    /// Two processes' enrichers on one database (two connections), planned from the same state and run at
    /// once: every hot account is asked once and briefed once. Without leases both would ask for all.
    @Test func twoEnrichersOnOneDatabaseNeverBriefTheSameAccountTwice() async throws {
        let copy = try EnrichmentTests.StoreCopy()
        let second = try BrieferStore(path: copy.directory.appendingPathComponent("test.sqlite").path)
        let configuration = EnrichmentTests.configuration()
        let template = try EnrichmentTests.template.get()
        let now = try FixturePaths.manifestAsOf().adding(hours: 1).milliseconds
        let server = try FakeOpenAIServer { _ in .slow(0.2, then: .grounded) }
        defer { server.stop() }
        func enricher(_ store: BrieferStore, _ owner: String) -> Enricher {
            Enricher(store: store, configuration: configuration, template: template, logger: .quiet, clock: { now }, owner: owner)
        }
        let a = enricher(copy.store, "worker-a"), b = enricher(second, "worker-b")
        let planA = try a.plan(), planB = try b.plan()
        #expect(planA.selected.count == 11 && planB.selected.count == 11)
        let client = LLMClient(
            endpoint: LLMEndpoint(baseUrl: server.baseURL, apiKey: ""), settings: configuration.enrichment,
            logger: .quiet, sleep: { _ in })
        async let summaryA = a.enrich(planA, client: client)
        async let summaryB = b.enrich(planB, client: client)
        let (sa, sb) = try await (summaryA, summaryB)
        #expect(server.requests.count == 11)
        #expect(sa.briefed + sb.briefed == 11)
        #expect(sa.leasedElsewhere + sb.leasedElsewhere == 11)
        let perAccount = Dictionary(grouping: try copy.store.briefings(latestOnly: false, limit: 1000), by: \.account).mapValues(\.count)
        #expect(perAccount.count == 11 && perAccount.values.allSatisfy { $0 == 1 })
        #expect(try copy.store.leases().isEmpty)
    }

    // MARK: One run

    /// A pipeline over `store` asking `server`, writing files (no HubSpot), owned by "test".
    static func pipeline(_ store: BrieferStore, _ server: FakeOpenAIServer) throws -> Pipeline {
        let configuration = EnrichmentTests.configuration()
        let client = LLMClient(
            endpoint: LLMEndpoint(baseUrl: server.baseURL, apiKey: ""), settings: configuration.enrichment,
            logger: .quiet, sleep: { _ in })
        return Pipeline(
            store: store, configuration: configuration, template: try EnrichmentTests.template.get(),
            llm: client, hubspot: nil, logger: .quiet, owner: "test")
    }

    @Test func aRunDoesEveryStageOnceAndASecondFindsNothingToDo() async throws {
        let temporary = try TemporaryStore()
        let server = try FakeOpenAIServer(queue: [], otherwise: .grounded)
        defer { server.stop() }
        let pipeline = try Self.pipeline(temporary.store, server)
        let out = temporary.directory.appendingPathComponent("crm").path
        var moved = 0
        let first = try await pipeline.run(
            .init(inputs: FixturePaths.workspaceFiles, asOf: try FixturePaths.manifestAsOf(), outDir: out),
            afterIngest: { moved += 1 })
        #expect(first.status == .finished && moved == 1)
        #expect(first.ingest?.inserted ?? 0 > 6000)
        #expect(first.tiers["hot"] == 11)
        #expect(first.enrichment?.briefed == 11 && server.requests.count == 11)
        #expect(first.sync?.contactsSent ?? 0 > 0)
        #expect(first.oldestNewEventMs != nil && first.crmWrittenMs != nil)
        let second = try await pipeline.run(.init(asOf: try FixturePaths.manifestAsOf(), outDir: out))
        #expect(second.ingest == nil && second.oldestNewEventMs == nil)
        #expect(second.enrichment?.selected == 0 && server.requests.count == 11)
        #expect(second.sync?.changedContacts == 0)
        let runs = try temporary.store.pipelineRuns(limit: 5)
        #expect(runs.map(\.status) == [.finished, .finished])
        #expect(runs.last?.summary?.contains("\"hot\" : 11") == true)
        // The stored summary is its own shape, not --json's; the --json shape of 0.14.0 (what was stored then) reads too.
        let stored = try StoredRunSummary.decode(try #require(runs.last?.summary))
        #expect(stored == StoredRunSummary(first) && stored.sync?.contacts == first.sync?.contacts)
        #expect(try StoredRunSummary.decode(JSONOutput.render(Reports.runJSON(first))) == stored)
        let text = Reports.status(WorkerStatus(runs: runs, nowMs: Timestamp.now.milliseconds))
        #expect(text.contains("event to CRM (run 1)"))
    }

    /// The worker loop in process: what is dropped into the inbox is ingested once and moved to processed/,
    /// a file still being written waits for a later cycle, and cycles go on until the count is reached.
    @Test func theWorkerLoopTakesSettledInboxFilesAndMovesThemOnceStored() async throws {
        let temporary = try TemporaryStore()
        let server = try FakeOpenAIServer(queue: [], otherwise: .grounded)
        defer { server.stop() }
        let inbox = Inbox(directory: temporary.directory.appendingPathComponent("inbox").path, settleTime: .milliseconds(200))
        try FileManager.default.createDirectory(atPath: inbox.directory, withIntermediateDirectories: true)
        for file in FixturePaths.workspaceFiles {
            try FileManager.default.copyItem(atPath: file, toPath: inbox.directory + "/" + URL(fileURLWithPath: file).lastPathComponent)
        }
        // Neither an unfinished upload nor a hidden file is taken.
        try Data("{}".utf8).write(to: URL(fileURLWithPath: inbox.directory + "/late.jsonl.partial"))
        try Data("{}".utf8).write(to: URL(fileURLWithPath: inbox.directory + "/.hidden.jsonl"))
        let loop = WorkerLoop(
            pipeline: try Self.pipeline(temporary.store, server),
            options: .init(asOf: try FixturePaths.manifestAsOf(), outDir: temporary.directory.appendingPathComponent("crm").path),
            inbox: inbox, interval: .milliseconds(10), cycles: 2, logger: .quiet)
        let summaries = Mutex<[RunSummary]>([])
        let cycles = await loop.run { summary in summaries.withLock { $0.append(summary) } }
        #expect(cycles == 2)
        let runs = summaries.withLock { $0 }
        #expect(runs.map(\.status) == [.finished, .finished])
        #expect(runs.first?.ingest?.inserted ?? 0 > 6000 && runs.last?.ingest == nil)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: inbox.directory + "/processed").sorted()
                == ["companies.csv", "events.jsonl", "subscriptions.csv", "users.csv"])
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: inbox.directory).sorted() == [
                ".hidden.jsonl", "late.jsonl.partial", "processed",
            ])
        #expect(server.requests.count == 11)
    }

    /// Cancelled (the first SIGTERM), the loop stops between committed steps: no run is left `running`, no
    /// lease is left held, and it starts no other cycle.
    @Test func aCancelledWorkerLoopStopsBetweenCommittedSteps() async throws {
        let temporary = try TemporaryStore()
        let server = try FakeOpenAIServer { _ in .slow(0.5, then: .grounded) }
        defer { server.stop() }
        let loop = WorkerLoop(
            pipeline: try Self.pipeline(temporary.store, server),
            options: .init(
                inputs: FixturePaths.workspaceFiles, asOf: try FixturePaths.manifestAsOf(),
                outDir: temporary.directory.appendingPathComponent("crm").path),
            inbox: nil, interval: .seconds(60), cycles: nil, logger: .quiet)
        let task = Task { await loop.run { _ in } }
        let deadline = ContinuousClock.now + .seconds(60)
        while server.requests.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        task.cancel()
        #expect(await task.value == 1)
        let runs = try temporary.store.pipelineRuns(limit: 5)
        #expect(runs.count == 1 && runs.allSatisfy { $0.status == .finished || $0.status == .interrupted })
        #expect(try temporary.store.leases().isEmpty)
    }

    /// Syncs of one database take turns: while another (live) process holds the sync lease, a run records
    /// its changes later; once the lease is free, they go out.
    @Test func syncsOfOneDatabaseTakeTurns() async throws {
        let temporary = try TemporaryStore()
        let server = try FakeOpenAIServer(queue: [], otherwise: .grounded)
        defer { server.stop() }
        let pipeline = try Self.pipeline(temporary.store, server)
        let other = "elsewhere:4242:beef"  // another host: alive as far as this one can tell
        #expect(try temporary.store.takeLease(account: CRMSync.lease, owner: other, nowMs: Timestamp.now.milliseconds, ttlMs: 60_000))
        let out = temporary.directory.appendingPathComponent("crm").path
        let blocked = try await pipeline.run(.init(inputs: FixturePaths.workspaceFiles, asOf: try FixturePaths.manifestAsOf(), outDir: out))
        #expect(blocked.sync == nil && blocked.syncSkipped?.contains("another process") == true)
        #expect(Reports.run(blocked).contains("sync: skipped"))
        // `briefer sync` by hand takes its turn too: refused, nothing written.
        let byHand = temporary.directory.appendingPathComponent("by-hand").path
        let refused = try BrieferBinary.run(["sync", "--db", temporary.store.path, "--out", byHand])
        #expect(refused.status == 5 && refused.output.contains("error [sync_busy]: "), "\(refused.output)")
        #expect(!FileManager.default.fileExists(atPath: byHand))
        try temporary.store.releaseLease(account: CRMSync.lease, owner: other)
        let next = try await pipeline.run(.init(asOf: try FixturePaths.manifestAsOf(), outDir: out))
        #expect(next.sync?.changedContacts ?? 0 > 0)
        #expect(try temporary.store.leases().isEmpty)
    }

    /// A run whose process was killed is left `running`; the next run marks it `died`, and a lease of that
    /// process is taken over at once (same machine, pid gone), not after lease_seconds.
    @Test func whatADeadProcessLeftIsRecognised() async throws {
        let temporary = try TemporaryStore()
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        let parts = ProcessOwner.id.split(separator: ":")
        let deadOwner = "\(parts[0]):\(gone.processIdentifier):0"
        #expect(ProcessOwner.isGone(deadOwner) && !ProcessOwner.isGone(ProcessOwner.id))
        #expect(!ProcessOwner.isGone("another-host/12345678:1:0"))
        let orphan = try temporary.store.startPipelineRun(owner: deadOwner, nowMs: 1_000)
        // `briefer status` shows it as died before any run marks it.
        let status = try WorkerStatus.read(from: temporary.store, runs: 5)
        #expect(status.died == [orphan] && Reports.status(status).contains(" died "))
        #expect(try temporary.store.takeLease(account: "acme.com", owner: deadOwner, nowMs: Timestamp.now.milliseconds, ttlMs: 3_600_000))
        #expect(
            try ProcessOwner.takeLease(
                "acme.com", in: temporary.store, owner: "me", nowMs: Timestamp.now.milliseconds, ttlMs: 60_000, logger: .quiet))
        // A lease the dead process held on an account the next run has no reason to touch (briefed before the kill).
        #expect(
            try temporary.store.takeLease(
                account: "briefed-before-the-kill.example", owner: deadOwner, nowMs: Timestamp.now.milliseconds, ttlMs: 3_600_000))
        let server = try FakeOpenAIServer(queue: [], otherwise: .grounded)
        defer { server.stop() }
        _ = try await Self.pipeline(temporary.store, server).run(
            .init(
                asOf: try FixturePaths.manifestAsOf(),
                outDir: temporary.directory.appendingPathComponent("crm").path))
        #expect(try temporary.store.pipelineRuns(limit: 5).first { $0.id == orphan }?.status == .died)
        #expect(
            try temporary.store.leases().filter { $0.owner == deadOwner }.isEmpty, "the dead process's leases are released by the next run")
    }

    // MARK: Forget

    /// `forget EMAIL` (SPEC §8): afterwards neither the address nor the user id is anywhere in the database
    /// file or its -wal / -shm; a re-ingested file that carries the person again stores none of it (their
    /// events, users row and subscription are counted as forgotten), and a later sync writes nothing for
    /// the address.
    @Test func aForgottenPersonIsNowhereInTheDatabaseNorInLaterPayloads() throws {
        let temporary = try TemporaryStore()
        let store = temporary.store
        _ = try ingest(FixturePaths.workspaceFiles, into: store)
        _ = try ScoringRunner(store: store, configuration: BrieferConfiguration(), logger: .quiet).run(
            asOf: try FixturePaths.manifestAsOf())
        let sync = CRMSync(store: store, configuration: BrieferConfiguration(), logger: .quiet)
        let out = temporary.directory.appendingPathComponent("crm").path
        _ = try sync.writeFiles(directory: out)
        let email = "taraabbott1975@yahoo.com", userId = "u_0255"
        let files = ["", "-wal", "-shm"].map { store.path + $0 }
        func mentions(_ needle: String) -> Bool {
            files.contains { path in
                guard let data = FileManager.default.contents(atPath: path) else { return false }
                return data.range(of: Data(needle.utf8)) != nil
            }
        }
        #expect(mentions(email) && mentions(userId))
        // The CRM's words quoting the address on someone else's change, and a run summary quoting them.
        let quoted = "Email address TaraAbbott1975@Yahoo.com is invalid"
        try store.write { db in
            try db.execute(
                sql: "UPDATE crm_outbox SET message = ? WHERE id = (SELECT MIN(id) FROM crm_outbox WHERE email != ?)",
                arguments: [quoted, email])
            try db.execute(
                sql: "INSERT INTO pipeline_runs(owner, started_ms, status, summary) VALUES('test', 1, 'finished', ?)",
                arguments: [#"{"messages":["\#(quoted)"]}"#])
        }
        let report = try store.forget(email: email.uppercased())
        #expect(!mentions("TaraAbbott1975@Yahoo.com"), "a message or summary still quotes the address")
        #expect(
            try store.scalar("SELECT message FROM crm_outbox WHERE message LIKE 'Email address%'") == "Email address [forgotten] is invalid"
        )
        #expect(report.users == [userId])
        #expect(report.rows["events"] == 44 && report.rows["users"] == 1 && report.rows["crm_synced"] ?? 0 > 0)
        #expect(!mentions(email), "the address is still in the database files")
        #expect(!mentions("\"\(userId)\""), "the user id is still in the database files")
        #expect(try store.count("users") > 200)
        let events = try store.count("events")
        #expect(events > 5000, "\(events) events")
        // The file brings the person back: kept out, counted; the CRM never hears of them again.
        let reingested = try ingest(FixturePaths.workspaceFiles, into: store)
        #expect(reingested.forgotten == 44 + 1 + 1, "events, the users row, the subscription")
        #expect(reingested.inserted == 0)
        #expect(Reports.ingest(reingested).contains("forgotten people (briefer forget), not stored: 46"))
        #expect(!mentions(email) && !mentions("\"\(userId)\""), "the re-ingest stored the forgotten person again")
        // A bad line of the forgotten person (broken JSON carrying their user id) is not quarantined either.
        let broken = try temporary.file(
            "broken.jsonl", #"{"type":"track","userId":"\#(userId)","event":"login","timestamp":"2026-11-19T10:00:00Z""#)
        let brokenIngest = try ingest([broken], into: store)
        #expect(brokenIngest.forgotten == 1 && brokenIngest.quarantined == 0)
        #expect(!mentions("\"\(userId)\""))
        // Someone else's new event naming the address (an invitation): stored, the address redacted.
        let invite = try temporary.file(
            "invite.jsonl",
            #"{"type":"track","messageId":"invite-after-forget","userId":"u_0001","event":"team_invite_sent","timestamp":"2026-11-19T10:00:00Z","properties":{"invitee":"Tara <TaraAbbott1975@Yahoo.com>"}}"#
        )
        let invited = try ingest([invite], into: store)
        #expect(invited.inserted == 1 && invited.forgotten == 0)
        #expect(
            try store.eventsScalar("SELECT properties FROM events WHERE properties LIKE '%invitee%' ORDER BY rowid DESC LIMIT 1")
                == #"{"invitee":"Tara <[forgotten]>"}"#)
        #expect(!mentions(email) && !mentions("TaraAbbott1975@Yahoo.com"))
        _ = try ScoringRunner(store: store, configuration: BrieferConfiguration(), logger: .quiet)
            .run(asOf: try FixturePaths.manifestAsOf().adding(hours: 1))
        let again = try sync.writeFiles(directory: out)
        let written = try FileManager.default.subpathsOfDirectory(atPath: out).filter { $0.hasSuffix(".json") }
        #expect(again.directory != nil)
        for file in written {
            #expect(
                !(try String(contentsOfFile: out + "/" + file, encoding: .utf8)).contains(email) || file.hasPrefix("sync-000001"),
                "\(file) names the forgotten address")
        }
        #expect(try store.outboxItems(destination: nil).allSatisfy { $0.email.lowercased() != email })
    }

    /// Calls (identify, group, alias) are rows keyed by a 64-bit dedup head, a (2^-64-rare) collision probing on to the
    /// next head: the forgotten person's call with another call right after it in that order may sit in the middle of
    /// a chain, so it is emptied to a tombstone (nothing of the person in it) rather than deleted; one
    /// with nothing after it is deleted.
    @Test func forgetLeavesATombstoneInsideADedupChain() throws {
        let temporary = try TemporaryStore()
        let users = try temporary.file(
            "users.csv",
            "user_id,email,company_domain,title,created_at\nu1,ann@alpha.com,alpha.com,CTO,2026-10-01T00:00:00Z\nu2,bob@beta.com,beta.com,CTO,2026-10-01T00:00:00Z\nu3,cy@gamma.com,gamma.com,CTO,2026-10-01T00:00:00Z\n"
        )
        let events = try temporary.file(
            "events.jsonl",
            [
                #"{"type":"identify","messageId":"a1","userId":"u1","timestamp":"2026-10-02T10:00:00Z","traits":{"note":"ann"}}"#,
                #"{"type":"identify","messageId":"b1","userId":"u2","timestamp":"2026-10-02T10:00:00Z"}"#,
                #"{"type":"identify","messageId":"c1","userId":"u3","timestamp":"2026-10-02T10:00:00Z"}"#,
            ].joined(separator: "\n"))
        _ = try ingest([users, events], into: temporary.store)
        let head: Int64 = try temporary.store.write { db in
            let h = try Int64.fetchOne(db, sql: "SELECT e.dedup FROM events e JOIN users u ON u.id = e.user_id WHERE u.external_id = 'u1'")!
            // u2's event right after u1's, as if it had probed past a collision with it.
            try db.execute(
                sql: "UPDATE events SET dedup = ? WHERE user_id = (SELECT id FROM users WHERE external_id = 'u2')", arguments: [h &+ 1])
            return h
        }
        let report = try temporary.store.forget(email: "ann@alpha.com")
        #expect(report.rows["events"] == 1)
        let tombstone = try temporary.store.read { db in
            try Row.fetchOne(db, sql: "SELECT kind, user_id, properties, ts FROM events WHERE dedup = ?", arguments: [head])
        }
        let row = try #require(tombstone)
        #expect(
            row["kind"] as String == "forgotten" && (row["user_id"] as Int64?) == nil && (row["properties"] as String?) == nil
                && row["ts"] as Int64 == 0)
        // u3's event has nothing after it: forgetting u3 deletes it outright.
        _ = try temporary.store.forget(email: "cy@gamma.com")
        #expect(try temporary.store.count("events") == 1)  // u2's call (u1's is a tombstone, which counts as no event)
        #expect(try temporary.store.dataSpan().firstEvent == Timestamp.parse("2026-10-02T10:00:00Z")!.timestamp)
    }

    // MARK: The worker process

    /// `briefer worker` with an inbox: the files dropped there are stored and moved to processed/, a cycle
    /// runs, and SIGTERM ends it with status 0 and nothing left running (its run is recorded finished or
    /// interrupted, never left `running`).
    @Test func theWorkerIngestsItsInboxAndStopsCleanlyOnSIGTERM() async throws {
        let binary = BrieferBinary.path
        try #require(FileManager.default.isExecutableFile(atPath: binary), "swift build first: \(binary)")
        let temporary = try TemporaryStore()
        let inbox = temporary.directory.appendingPathComponent("inbox").path
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        for file in FixturePaths.workspaceFiles {
            try FileManager.default.copyItem(atPath: file, toPath: inbox + "/" + URL(fileURLWithPath: file).lastPathComponent)
        }
        let server = try FakeOpenAIServer { _ in .slow(0.5, then: .grounded) }
        defer { server.stop() }
        let db = temporary.directory.appendingPathComponent("worker.sqlite").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "worker", "--db", db, "--config", FixturePaths.config.path, "--inbox", inbox, "--interval", "1s",
            "--as-of", "2026-11-20T12:00:00Z", "--base-url", server.baseURL, "--model", "test-model",
            "--out", temporary.directory.appendingPathComponent("crm").path,
        ]
        // Output to a file: a pipe read only at the end could fill and block the worker.
        let logPath = temporary.directory.appendingPathComponent("worker.log").path
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try #require(FileHandle(forWritingAtPath: logPath))
        process.standardOutput = log
        process.standardError = log
        try process.run()
        // Wait for the inbox to empty into processed/ and a model request to be in flight.
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let left = (try? FileManager.default.contentsOfDirectory(atPath: inbox).filter { $0 != "processed" }) ?? []
            if left.isEmpty, server.requests.count >= 1 { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        let processed = try FileManager.default.contentsOfDirectory(atPath: inbox + "/processed").sorted()
        #expect(processed == ["companies.csv", "events.jsonl", "subscriptions.csv", "users.csv"])
        process.terminate()  // SIGTERM
        let stopDeadline = Date().addingTimeInterval(20)
        while process.isRunning, Date() < stopDeadline { try await Task.sleep(nanoseconds: 100_000_000) }
        #expect(!process.isRunning, "the worker did not stop within 20 s of SIGTERM")
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try log.close()
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        #expect(process.terminationReason == .exit && process.terminationStatus == 0, "\(text)")
        let store = try BrieferStore(path: db)
        let runs = try store.pipelineRuns(limit: 10)
        #expect(!runs.isEmpty && runs.allSatisfy { $0.status == .finished || $0.status == .interrupted })
        #expect(try store.leases().isEmpty)
        // Every event of the inbox was stored once.
        #expect(try store.count("events") > 6000)
    }
}
