import BrieferApp
import BrieferCore
import BrieferStore
import BrieferTesting
import Foundation
import Testing

/// The use cases as the CLI and a server call them, in process: one session over a database, each method's
/// typed result checked against the sample workspace (11 hot accounts as of its manifest's time).
@Suite struct SessionUseCaseTests {
    static let key = "sk-session-test-key"

    @Test func everyStageRunsThroughTheSession() async throws {
        let t = try TemporaryStore()
        let server = try FakeOpenAIServer(apiKey: Self.key, queue: [], otherwise: .grounded)
        defer { server.stop() }
        let keyFile = try t.file("key", Self.key)
        let configuration = try ConfigurationLoader.load(path: FixturePaths.config.path)
        let session = BrieferSession(
            configuration: configuration, configurationFile: FixturePaths.config.path, store: t.store, baseUrl: server.baseURL,
            apiKeyFile: keyFile, logger: .quiet)

        let ingested = try session.ingest(files: FixturePaths.workspaceFiles)
        #expect(ingested.inserted > 0 && ingested.quarantined > 0)
        #expect(try session.quarantine().total == ingested.quarantined)

        let asOf = try FixturePaths.manifestAsOf()
        let scored = try session.score(asOf: asOf)
        let hot = try session.accounts(tier: .hot)
        #expect(hot.run.id == scored.run.id && hot.accounts.count == 11)
        #expect(try session.accounts(tier: .hot, limit: 3).accounts.map(\.score.account) == hot.accounts.prefix(3).map(\.score.account))
        let top = try #require(hot.accounts.first).score.account
        #expect(try session.explain(account: top).explanation.matches)

        #expect(try session.selection().selected.count == 11)
        let preview = try session.previewPrompt(account: top)
        #expect(preview.request.body.contains(preview.model) && preview.account.score.score.account == top)
        let unknown = try #require(throws: BrieferSessionError.self) { try session.previewPrompt(account: "no-such.example") }
        #expect(unknown.code == .unknownAccount)

        let enriched = try await session.enrich()
        #expect(enriched.summary.firstTime == 11 && enriched.summary.calls == 11)
        #expect(enriched.briefings.count == 11 && enriched.briefings.allSatisfy { $0.source == .llm })
        #expect(enriched.briefings.map(\.input.score) == enriched.briefings.map(\.input.score).sorted(by: >))
        #expect(try session.briefings().briefings.count == 11)
        #expect(try await session.enrich().summary.calls == 0)  // nothing changed: nothing asked

        let out = t.directory.appendingPathComponent("crm").path
        let first = try await session.sync(to: .files(directory: out))
        #expect(first.done > 0 && first.leftPending == 0)
        #expect(try await session.sync(to: .files(directory: out)).itemsSent == 0)
        #expect(try session.syncLog(status: .done, limit: 10_000).count == first.done)
        let dry = try await session.sync(to: .files(directory: out), options: .init(full: true), dryRun: true)
        let pending = try session.syncLog(status: .pending)
        #expect(dry.itemsSent == 0 && pending.isEmpty)

        let email = try #require(try session.syncLog(limit: 1).first).email
        let forgotten = try session.forget(email: email)
        #expect(!forgotten.report.users.isEmpty && forgotten.report.total > 0 && forgotten.backups.isEmpty)
    }

    @Test func theSyncLeaseHeldElsewhereIsRefusedWithItsCode() async throws {
        let t = try TemporaryStore()
        let session = BrieferSession(configuration: BrieferConfiguration(), configurationFile: nil, store: t.store, logger: .quiet)
        _ = try session.ingest(files: FixturePaths.workspaceFiles)
        _ = try session.score(asOf: try FixturePaths.manifestAsOf())
        let sync = try session.crmSync()
        let busy = try await sync.exclusively(owner: "another-host:1:ab") {
            try await #require(throws: BrieferSessionError.self) {
                try await session.sync(to: .files(directory: t.directory.appendingPathComponent("crm").path))
            }
        }
        #expect(busy?.code == .syncBusy)
    }
}
