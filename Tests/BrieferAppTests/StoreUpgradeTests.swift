import BrieferApp
import BrieferCore
import BrieferTesting
import Foundation
import GRDB
import Testing

@testable import BrieferStore

/// Databases left by earlier versions (Fixtures/store/) open with the current code, migrate after a backup,
/// and work.
struct StoreUpgradeTests {
    /// A copy of a fixture database in a directory of its own.
    final class Copy: @unchecked Sendable {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("briefer-upgrade-\(UUID().uuidString)")
        let path: String
        init(_ fixture: String) throws {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            path = directory.appendingPathComponent("briefer.sqlite").path
            try FileManager.default.copyItem(
                atPath: FixturePaths.root.appendingPathComponent("Fixtures/store/\(fixture)").path, toPath: path)
        }
        deinit { try? FileManager.default.removeItem(at: directory) }
    }

    /// 0.14.0's database (schema v6) reads as it was written, and scoring, briefing bookkeeping and the CRM
    /// outbox run on it: a rescore at the same time gives the same accounts, and a sync of unchanged scores
    /// sends nothing.
    @Test func aDatabaseOfSchemaSixOpensAndWorks() async throws {
        let copy = try Copy("schema-v6.sqlite")
        let store = try BrieferStore(path: copy.path)
        #expect((store.backupPath != nil) == (BrieferStore.migrator.migrations.count > 6))
        #expect(try store.count("events") == 1417)
        #expect(try store.count("quarantine") == 2)
        let run = try #require(try store.latestRun(model: .weighted))
        let stored = try store.accountScores(runId: run.id)
        #expect(
            stored.filter { $0.score.tier == .hot }.map(\.score.account).sorted() == [
                "brightwave.ai", "ledgerly.com", "wayne-enterprises.com",
            ])
        #expect(
            try store.briefings(latestOnly: true).map(\.account).sorted() == ["brightwave.ai", "ledgerly.com", "wayne-enterprises.com"])
        // Its sync summary, stored in 0.14.0's shape, reads.
        let summary = try #require(
            try store.read { db in try String.fetchOne(db, sql: "SELECT summary FROM crm_syncs ORDER BY id LIMIT 1") })
        let storedSync = try StoredSyncSummary.decode(summary)
        #expect(storedSync.mode == "files" && storedSync.contacts == 256 && storedSync.scoringRun == run.id)

        let configuration = BrieferConfiguration()
        let again = try ScoringRunner(store: store, configuration: configuration, logger: .quiet).run(asOf: run.asOf)
        let rescored = try store.accountScores(runId: again.run.id)
        #expect(Set(rescored.map(\.score.account)) == Set(stored.map(\.score.account)))
        let out = copy.directory.appendingPathComponent("crm").path
        let sync = try CRMSync(store: store, configuration: configuration, logger: .quiet).writeFiles(directory: out)
        #expect(sync.contacts == 256)
    }

    /// A stored state this version does not know is an error naming the table and the row — never read as
    /// another state (an outbox item read as pending would be sent again; a tier as monitor would drop a hot account).
    @Test func anUnknownStoredStateIsAnErrorNamingItsRow() throws {
        let copy = try Copy("schema-v6.sqlite")
        let store = try BrieferStore(path: copy.path)
        let id = try #require(try store.read { db in try Int64.fetchOne(db, sql: "SELECT min(id) FROM crm_outbox") })
        try store.write { db in try db.execute(sql: "UPDATE crm_outbox SET status = 'archived' WHERE id = ?", arguments: [id]) }
        let error = try #require(throws: UnknownStoredValue.self) { try store.outboxItems(destination: nil) }
        #expect(error == UnknownStoredValue(table: "crm_outbox", column: "status", row: "\(id)", value: "archived"))
        let run = try #require(try store.latestRun(model: .weighted))
        try store.write { db in try db.execute(sql: "UPDATE account_scores SET tier = 'lukewarm' WHERE account = 'ledgerly.com'") }
        #expect(
            throws: UnknownStoredValue(
                table: "account_scores", column: "tier", row: "run \(run.id) account ledgerly.com", value: "lukewarm")
        ) {
            try store.accountScores(runId: run.id)
        }
        // A briefing's outcome is a source (llm, rules) or needs_review; another is not read as needing review.
        let briefing = try #require(try store.read { db in try Int64.fetchOne(db, sql: "SELECT max(id) FROM briefings") })
        try store.write { db in try db.execute(sql: "UPDATE briefings SET outcome = 'human' WHERE id = ?", arguments: [briefing]) }
        #expect(throws: UnknownStoredValue(table: "briefings", column: "outcome", row: "\(briefing)", value: "human")) {
            try store.briefings()
        }
    }

    /// `briefer forget` cannot reach the copies made before schema upgrades: it says they still hold the person.
    @Test func forgetNamesTheCopiesMadeBeforeUpgrades() throws {
        let copy = try Copy("schema-v6.sqlite")
        let backup = copy.path + ".before-v5-20261201T000000Z"
        try FileManager.default.copyItem(atPath: copy.path, toPath: backup)
        let email = "sales.demo@tallyboard.io"
        let run = try BrieferBinary.run(["forget", email, "--db", copy.path])
        #expect(run.status == 0 && run.output.contains("still hold this person: \(backup)"), "\(run.output)")
    }

    /// A run summary stored before `briefer forget` existed (its ingest part has no `forgotten`) reads as none forgotten.
    @Test func anIngestSummaryFromBeforeForgetReads() throws {
        let text =
            #"{"id": 3, "status": "finished", "seconds": 1.5, "tiers": {"hot": 2}, "ingest": {"read": 4, "inserted": 3, "#
            + #""duplicates": 1, "quarantined": 0, "already_quarantined": 0, "quarantined_by_reason": {}, "files": [{"path": "a.jsonl", "#
            + #""kind": "events", "read": 4, "inserted": 3, "duplicates": 1, "quarantined": 0, "already_quarantined": 0, "#
            + #""quarantined_by_reason": {}, "zoneless_timestamps": 0, "anonymous_events": 0}]}}"#
        let summary = try StoredRunSummary.decode(text)
        #expect(summary.ingest?.forgotten == 0 && summary.ingest?.files.first?.forgotten == 0 && summary.ingest?.inserted == 3)
    }

    /// `briefer briefings --json` and `briefer enrich`'s listing name a deferral by its stored reason.
    @Test func deferralsArePrintedByTheirStoredReason() throws {
        let copy = try Copy("schema-v6.sqlite")
        let store = try BrieferStore(path: copy.path)
        try store.saveDeferral(
            Deferral(
                account: "ledgerly.com", fingerprint: "f", reason: .rateLimited, detail: "HTTP 429",
                untilMs: nil, createdMs: 1_000))
        let run = try BrieferBinary.run(["briefings", "--db", copy.path, "--json"])
        #expect(run.status == 0 && run.output.contains("\"reason\" : \"rate_limited\""), "\(run.output)")
    }

    /// Before a migration changes an existing database, a copy of it as it was is made next to it; a new
    /// database and an up-to-date one are not copied.
    @Test func aMigrationIsPrecededByABackup() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("briefer-backup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("briefer.sqlite").path
        // A database one migration behind, with a row in it.
        let migrations = BrieferStore.migrator.migrations
        let old = try DatabaseQueue(path: path)
        try BrieferStore.migrator.migrate(old, upTo: migrations[migrations.count - 2])
        try old.write { db in try db.execute(sql: "INSERT INTO meta(key, value) VALUES('marker', 'before')") }
        // A migration that fails and is tried again later does not make another copy.
        let now = Date(timeIntervalSince1970: 1_796_000_000)
        let first = try BrieferStore.backUpBeforeMigrating(old, path: path, now: now)
        #expect(try BrieferStore.backUpBeforeMigrating(old, path: path, now: now.addingTimeInterval(3600)) == first)
        try old.close()
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        try FileManager.default.removeItem(atPath: try #require(first))

        let store = try BrieferStore(path: path, now: now)
        let backup = try #require(store.backupPath)
        #expect(backup == path + ".before-v\(migrations.count - 1)-20261130T005320Z")
        // It holds the same people as the database: no one else may read it either.
        #expect(try FileManager.default.attributesOfItem(atPath: backup)[.posixPermissions] as? Int == 0o600)
        #expect(BrieferStore.backups(of: path) == [backup])
        let copy = try DatabaseQueue(path: backup)
        #expect(try copy.read { db in try BrieferStore.migrator.completedMigrations(db) } == Array(migrations.dropLast()))
        #expect(try copy.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'marker'") } == "before")
        #expect(try BrieferStore(path: path).backupPath == nil)
        let fresh = directory.appendingPathComponent("new.sqlite").path
        #expect(try BrieferStore(path: fresh).backupPath == nil)
    }
}
