import BrieferCore
import CSQLiteConfig
import Foundation
import GRDB

/// The one SQLite database every stage reads and writes (WAL, migrations).
public final class BrieferStore: Sendable {
    public let path: String
    let queue: DatabaseQueue
    /// Where the database was copied before a migration changed it (nil when none ran on an existing one).
    public let backupPath: String?
    /// Shared by every store of this process on the same file (see ``WriteTurns``).
    let turns: WriteTurns

    /// Opens (creating when needed) the database at `path` and brings its schema up to date. Before a
    /// migration changes an existing database, a copy is made next to it: `<path>.before-v<N>-<UTC time>`,
    /// N the schema version it had (``backupPath``).
    /// - Parameter durable: every commit synced to the disk before it returns (`synchronous = FULL`), as `briefer serve`
    ///   needs before it acknowledges what a client sent; otherwise a power cut may lose the last commits (never
    ///   corrupt the database).
    public init(path: String, now: Date = Date(), durable: Bool = false) throws {
        self.path = path
        turns = WriteTurns.forDatabase(path)
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            if !db.configuration.readonly {
                _ = briefer_sqlite_no_checkpoint_on_close(db.sqliteConnection)
                try db.execute(sql: "PRAGMA journal_mode = WAL")
                try db.execute(sql: durable ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL")
                try db.execute(sql: "PRAGMA wal_autocheckpoint = \(BrieferStore.autoCheckpointPages)")
            }
            // 16 MiB of pages: the operating system caches the file as well, and every MiB here counts in a bulk ingest's memory.
            try db.execute(sql: "PRAGMA cache_size = -16384")
            // Merges two packed lists of one user-day's events (see ActivityDay), for upserts.
            db.add(
                function: DatabaseFunction("merge_activity", argumentCount: 2, pure: true) { values in
                    guard let a = Data.fromDatabaseValue(values[0]), let b = Data.fromDatabaseValue(values[1]) else { return values[1] }
                    let merged = a.withUnsafeBytes { pa in b.withUnsafeBytes { pb in ActivityDay.mergeEncoded(pa, pb) } }
                    return Data(merged)
                })
            // The same for a user-day's group hints (see HintDay).
            db.add(
                function: DatabaseFunction("merge_hints", argumentCount: 2, pure: true) { values in
                    guard let a = Data.fromDatabaseValue(values[0]) else { return values[1] }
                    guard let b = Data.fromDatabaseValue(values[1]) else { return values[0] }
                    return Data(a.withUnsafeBytes { pa in b.withUnsafeBytes { pb in HintDay.mergeEncoded(pa, pb) } })
                })
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
        }
        if path != ":memory:" {
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty { try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
            queue = try DatabaseQueue(path: path, configuration: configuration)
        } else {
            queue = try DatabaseQueue(configuration: configuration)
        }
        backupPath = path == ":memory:" ? nil : try Self.backUpBeforeMigrating(queue, path: path, now: now)
        try BrieferStore.migrator.migrate(queue)
        try Self.moveEventsIntoBlocks(queue)
    }

    /// Whether the database answers a read and has every migration of this version applied (a readiness check).
    public func isUpToDate() throws -> Bool {
        try queue.read { db in try Self.migrator.hasCompletedMigrations(db) }
    }

    /// Copies an existing database that has migrations to run (SQLite's online backup, so a copy taken while
    /// a worker writes is consistent), and returns the copy's path; nil for a new or an up-to-date database.
    /// The copy is written under a temporary name and renamed when complete, with the database's permissions
    /// (it holds the same people); a copy of the same schema made earlier (a migration that failed and is tried
    /// again) is kept rather than made again.
    static func backUpBeforeMigrating(_ queue: DatabaseQueue, path: String, now: Date) throws -> String? {
        let (applied, complete) = try queue.read { db in
            (try migrator.completedMigrations(db).count, try migrator.hasCompletedMigrations(db))
        }
        guard applied > 0, !complete else { return nil }
        let prefix = "\(path).before-v\(applied)-"
        let name = URL(fileURLWithPath: prefix).lastPathComponent
        if let earlier = backups(of: path).first(where: { URL(fileURLWithPath: $0).lastPathComponent.hasPrefix(name) }) { return earlier }
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.timeZone = TimeZone(identifier: "UTC")
        format.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let backup = prefix + format.string(from: now)
        let partial = backup + ".partial"
        do {
            try? FileManager.default.removeItem(atPath: partial)
            let copy = try DatabaseQueue(path: partial)
            try queue.backup(to: copy)
            try copy.close()
            if let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] {
                try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: partial)
            }
            try FileManager.default.moveItem(atPath: partial, toPath: backup)
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw BackupFailed(path: backup, reason: "\(error)")
        }
        return backup
    }

    /// The copies made before migrations (``backupPath``), oldest schema first.
    public static func backups(of path: String) -> [String] {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let name = url.lastPathComponent + ".before-v"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasPrefix(name) && !$0.hasSuffix(".partial") }.sorted()
            .map { URL(fileURLWithPath: directory).appendingPathComponent($0).path }
    }

    /// The copy before a migration could not be written: the migration does not run.
    public struct BackupFailed: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String {
            "cannot write the copy of the database made before its schema is upgraded (\(path)): \(reason); "
                + "free space or make its directory writable, then run again (nothing was changed)"
        }
    }

    public func read<T>(_ body: (Database) throws -> T) throws -> T { try queue.read(body) }

    /// WAL pages (4 KiB each) that trigger an automatic checkpoint: 64 MiB, so that the small
    /// commits of an incremental run do not each pay for copying and syncing (SQLite's default is 1000).
    static let autoCheckpointPages = 16_384

    /// Sets how many WAL pages trigger an automatic checkpoint (SQLite's default is 1000).
    /// A bulk ingest raises it so that each large batch does not pay for a checkpoint, then
    /// checkpoints once at the end.
    func setAutoCheckpoint(pages: Int) throws {
        try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = \(pages)") }
    }

    /// Leaves checkpoints to another connection: this one's commits never copy the WAL into the database file (serve's
    /// intake, whose requests must not wait for a checkpoint of what a pipeline cycle wrote; see ``checkpointPassively()``).
    public func leaveCheckpointsToOthers() throws { try setAutoCheckpoint(pages: 0) }

    /// Copies what it can of the WAL into the database file without waiting for readers or writers (SQLite's passive
    /// checkpoint: writers go on meanwhile, and the WAL starts over once all of it is copied and no reader needs it).
    /// - Returns: the WAL's frames, and how many of them are in the database file.
    @discardableResult
    public func checkpointPassively() throws -> (walFrames: Int, checkpointed: Int) {
        let (frames, copied) = try queue.writeWithoutTransaction { db in try db.checkpoint(.passive) }
        return (frames, copied)
    }

    /// Copies the WAL into the database file and truncates it.
    func checkpoint() throws {
        try queue.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
    }
    /// Runs `body` in a write transaction, after the writes of this process to this database that asked first.
    public func write<T>(_ body: (Database) throws -> T) throws -> T { try turns.take { try queue.write(body) } }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: events, users, companies, quarantine, aggregates, scoring runs") { db in
            try db.execute(
                sql: """
                    CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
                    CREATE TABLE terms(id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE);
                    CREATE TABLE ingests(
                        id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT, files TEXT NOT NULL,
                        lines_read INTEGER NOT NULL DEFAULT 0, inserted INTEGER NOT NULL DEFAULT 0,
                        duplicates INTEGER NOT NULL DEFAULT 0, quarantined INTEGER NOT NULL DEFAULT 0);
                    CREATE TABLE users(
                        id INTEGER PRIMARY KEY, external_id TEXT NOT NULL UNIQUE,
                        csv_email TEXT, csv_title TEXT, csv_company_domain TEXT, csv_created_ms INTEGER,
                        identify_email TEXT, identify_title TEXT, identify_created_ms INTEGER, identify_ms INTEGER,
                        group_hint TEXT, group_hint_ms INTEGER,
                        first_event_ms INTEGER, last_event_ms INTEGER,
                        -- in the users CSV; the first call of any kind (track, identify, group) seen for the user
                        csv_seen INTEGER NOT NULL DEFAULT 0, first_seen_ms INTEGER);
                    -- Every accepted Segment call and seed 004 event, once. The dedup key is the 128-bit hash of
                    -- the messageId (or of the line's canonical content): its first 64 bits are the unique
                    -- `dedup` (an integer index is far cheaper to insert into than a 16-byte blob one), its last
                    -- 64 bits `dedup_tail`. Two different keys sharing a head (odds 2^-64 per pair) are told apart
                    -- by the tail and the later one goes to the next free head: rows are never deleted from the
                    -- middle of such a chain.
                    CREATE TABLE events(
                        id INTEGER PRIMARY KEY, dedup INTEGER NOT NULL UNIQUE, dedup_tail INTEGER NOT NULL, kind TEXT NOT NULL,
                        user_id INTEGER REFERENCES users(id), anonymous_id TEXT, name_id INTEGER,
                        ts INTEGER NOT NULL, group_hint TEXT, properties TEXT, traits TEXT, ingest_id INTEGER);
                    -- What scoring reads: a user's events of one UTC day, packed (see ActivityDay).
                    CREATE TABLE user_days(
                        user_id INTEGER NOT NULL, day INTEGER NOT NULL, event_count INTEGER NOT NULL, entries BLOB NOT NULL,
                        PRIMARY KEY(user_id, day)) WITHOUT ROWID;
                    CREATE TABLE companies(
                        domain TEXT PRIMARY KEY, name TEXT, employee_count INTEGER, industry TEXT, estimated_revenue INTEGER,
                        country TEXT, tech_stack TEXT, extra TEXT);
                    CREATE TABLE groups(
                        group_id TEXT PRIMARY KEY, domain TEXT, name TEXT, industry TEXT, employee_count INTEGER,
                        estimated_revenue INTEGER, country TEXT, traits TEXT, updated_ms INTEGER NOT NULL);
                    CREATE TABLE subscriptions(
                        user_external_id TEXT NOT NULL, plan TEXT NOT NULL, start_ms INTEGER NOT NULL,
                        PRIMARY KEY(user_external_id, plan, start_ms)) WITHOUT ROWID;
                    CREATE TABLE quarantine(
                        id INTEGER PRIMARY KEY, ingest_id INTEGER, file TEXT NOT NULL, line INTEGER NOT NULL,
                        reason TEXT NOT NULL, detail TEXT NOT NULL, raw BLOB NOT NULL, raw_hash TEXT NOT NULL,
                        created_at TEXT NOT NULL, UNIQUE(file, line, raw_hash));
                    CREATE TABLE scoring_runs(
                        id INTEGER PRIMARY KEY, as_of TEXT NOT NULL, as_of_ms INTEGER NOT NULL, model TEXT NOT NULL, config_hash TEXT NOT NULL,
                        started_at TEXT NOT NULL, finished_at TEXT NOT NULL, users_scored INTEGER NOT NULL,
                        users_excluded INTEGER NOT NULL, accounts_scored INTEGER NOT NULL, events_counted INTEGER NOT NULL,
                        events_bot_excluded INTEGER NOT NULL, events_cap_excluded INTEGER NOT NULL);
                    CREATE TABLE user_scores(
                        run_id INTEGER NOT NULL REFERENCES scoring_runs(id) ON DELETE CASCADE, user_id TEXT NOT NULL,
                        account TEXT NOT NULL, activation INTEGER NOT NULL, engagement INTEGER NOT NULL,
                        firmographic INTEGER NOT NULL, fit INTEGER NOT NULL, behaviour INTEGER NOT NULL,
                        score INTEGER NOT NULL, tier TEXT NOT NULL, is_pql INTEGER NOT NULL, reasons TEXT NOT NULL,
                        PRIMARY KEY(run_id, user_id)) WITHOUT ROWID;
                    CREATE TABLE account_scores(
                        run_id INTEGER NOT NULL REFERENCES scoring_runs(id) ON DELETE CASCADE, account TEXT NOT NULL,
                        score INTEGER NOT NULL, tier TEXT NOT NULL, previous_tier TEXT, is_pql INTEGER NOT NULL,
                        best_user_id TEXT NOT NULL, users INTEGER NOT NULL, active_teammates INTEGER NOT NULL,
                        team_bonus INTEGER NOT NULL, activation INTEGER NOT NULL, engagement INTEGER NOT NULL,
                        firmographic INTEGER NOT NULL, fit INTEGER NOT NULL, behaviour INTEGER NOT NULL, reasons TEXT NOT NULL,
                        became_hot_at TEXT,
                        PRIMARY KEY(run_id, account)) WITHOUT ROWID;
                    CREATE INDEX scoring_runs_by_as_of ON scoring_runs(model, as_of_ms);
                    """)
        }
        migrator.registerMigration("v2: briefings, model calls, deferrals") { db in
            try db.execute(
                sql: """
                    -- One per account and fingerprint (prompt version, model, rendered input): an account state is
                    -- never briefed, nor paid for, twice. outcome: llm | rules | needs_review (no text).
                    CREATE TABLE briefings(
                        id INTEGER PRIMARY KEY, account TEXT NOT NULL, run_id INTEGER NOT NULL, as_of_ms INTEGER NOT NULL,
                        fingerprint TEXT NOT NULL, prompt_version TEXT NOT NULL, prompt_hash TEXT NOT NULL, model TEXT,
                        outcome TEXT NOT NULL, selection TEXT NOT NULL,
                        use_case_hypothesis TEXT, expansion_signal TEXT, recommended_opening TEXT, risk_factor TEXT,
                        attempts INTEGER NOT NULL, errors TEXT NOT NULL, reason TEXT,
                        prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, cost_usd REAL NOT NULL,
                        latency_ms INTEGER NOT NULL, input TEXT NOT NULL, created_at TEXT NOT NULL, created_ms INTEGER NOT NULL,
                        UNIQUE(account, fingerprint));
                    CREATE INDEX briefings_by_account ON briefings(account, created_ms);
                    CREATE INDEX briefings_by_time ON briefings(created_ms);
                    -- Every request sent to the model, with its raw answer (never the key or headers).
                    CREATE TABLE llm_calls(
                        id INTEGER PRIMARY KEY, account TEXT NOT NULL, fingerprint TEXT NOT NULL, attempt INTEGER NOT NULL,
                        retry INTEGER NOT NULL, model TEXT NOT NULL, status INTEGER, error TEXT, finish_reason TEXT, content TEXT,
                        prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, cost_usd REAL NOT NULL,
                        latency_ms INTEGER NOT NULL, created_ms INTEGER NOT NULL);
                    CREATE INDEX llm_calls_by_time ON llm_calls(created_ms);
                    CREATE INDEX llm_calls_by_account ON llm_calls(account, fingerprint);
                    -- Accounts selected but not briefed this time (asked to wait, spend cap, endpoint refused), why, and until when.
                    CREATE TABLE deferrals(
                        account TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, reason TEXT NOT NULL, detail TEXT NOT NULL,
                        until_ms INTEGER, created_ms INTEGER NOT NULL);
                    """)
        }
        migrator.registerMigration("v3: CRM outbox, synced values, record ids") { db in
            try db.execute(
                sql: """
                    -- Every change to a contact's CRM properties, recorded before it is written or sent, with the one
                    -- objectWriteTraceId every write of it carries. status: pending | done | missing | rejected.
                    -- properties: a JSON object of name → value, in send order.
                    CREATE TABLE crm_outbox(
                        id INTEGER PRIMARY KEY, destination TEXT NOT NULL, trace_id TEXT NOT NULL UNIQUE, email TEXT NOT NULL,
                        account TEXT NOT NULL, properties TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
                        operation TEXT, http_status INTEGER, message TEXT, request TEXT,
                        created_ms INTEGER NOT NULL, sent_ms INTEGER, settled_ms INTEGER);
                    CREATE INDEX crm_outbox_by_status ON crm_outbox(destination, status, id);
                    CREATE INDEX crm_outbox_by_email ON crm_outbox(email, id);
                    -- The last successfully synced value of every property of every contact, per destination.
                    CREATE TABLE crm_synced(
                        destination TEXT NOT NULL, email TEXT NOT NULL, property TEXT NOT NULL, value TEXT NOT NULL,
                        trace_id TEXT NOT NULL, synced_ms INTEGER NOT NULL,
                        PRIMARY KEY(destination, email, property)) WITHOUT ROWID;
                    -- What a destination knows of a contact: its record id, or since when it is missing there.
                    CREATE TABLE crm_contacts(
                        destination TEXT NOT NULL, email TEXT NOT NULL, record_id TEXT, missing_ms INTEGER, checked_ms INTEGER NOT NULL,
                        PRIMARY KEY(destination, email)) WITHOUT ROWID;
                    -- One row per sync: where it went and its summary (JSON).
                    CREATE TABLE crm_syncs(
                        id INTEGER PRIMARY KEY, destination TEXT NOT NULL, mode TEXT NOT NULL, started_ms INTEGER NOT NULL,
                        finished_ms INTEGER, summary TEXT);
                    """)
        }
        migrator.registerMigration("v4: leases, pipeline runs") { db in
            try db.execute(
                sql: """
                    -- An account being briefed by one process (owner) until expires_ms: others leave it alone.
                    CREATE TABLE leases(account TEXT PRIMARY KEY, owner TEXT NOT NULL, taken_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL);
                    -- One row per `briefer run` (and worker cycle): who ran it, when, its summary (JSON), and the
                    -- event-to-CRM latency: the oldest event it stored and when its CRM write finished.
                    CREATE TABLE pipeline_runs(
                        id INTEGER PRIMARY KEY, owner TEXT NOT NULL, started_ms INTEGER NOT NULL, finished_ms INTEGER,
                        status TEXT NOT NULL, summary TEXT, oldest_new_event_ms INTEGER, crm_written_ms INTEGER);
                    """)
        }
        migrator.registerMigration("v5: forgotten people") { db in
            try db.execute(
                sql: """
                    -- People removed by `briefer forget`: the hash of their email (never the address), so that
                    -- nothing about them is written to the CRM again even if their rows come back in a later file.
                    CREATE TABLE forgotten(email_hash TEXT PRIMARY KEY, forgotten_ms INTEGER NOT NULL) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v6: CRM portals") { db in
            try db.execute(
                sql: """
                    -- The HubSpot portal (account) each push destination's synced state and record ids belong to:
                    -- one base URL serves every portal, and a token of another portal must not inherit them.
                    CREATE TABLE crm_portals(destination TEXT PRIMARY KEY, portal_id TEXT NOT NULL, seen_ms INTEGER NOT NULL) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v7: anonymous activity, identity links") { db in
            try db.execute(
                sql: """
                    -- Anonymous ids with activity, and their events of one UTC day packed as user_days packs a user's.
                    CREATE TABLE anonymous_ids(id INTEGER PRIMARY KEY, anonymous_id TEXT NOT NULL UNIQUE);
                    CREATE TABLE anon_days(
                        anon_id INTEGER NOT NULL, day INTEGER NOT NULL, event_count INTEGER NOT NULL, entries BLOB NOT NULL,
                        PRIMARY KEY(anon_id, day)) WITHOUT ROWID;
                    -- Identity stitching (SPEC §2): from linked_ms on, what `from_id` did (an anonymous id, or a user id an
                    -- alias retires) counts for the user. The earliest link of an id is the one applied; links of the same
                    -- id to other users are kept in identity_conflicts, reported and not applied.
                    CREATE TABLE identity_links(
                        from_id TEXT PRIMARY KEY, user_id INTEGER NOT NULL, linked_ms INTEGER NOT NULL, via TEXT NOT NULL) WITHOUT ROWID;
                    CREATE INDEX identity_links_by_user ON identity_links(user_id);
                    CREATE TABLE identity_conflicts(
                        from_id TEXT NOT NULL, user_id INTEGER NOT NULL, linked_ms INTEGER NOT NULL, via TEXT NOT NULL,
                        PRIMARY KEY(from_id, user_id)) WITHOUT ROWID;
                    """)
            // Identify calls stored before carried their links already.
            let calls = try Row.fetchCursor(
                db,
                sql: """
                    SELECT e.anonymous_id, e.user_id, e.ts FROM events e JOIN users u ON u.id = e.user_id
                    WHERE e.kind = 'identify' AND e.anonymous_id IS NOT NULL AND e.anonymous_id != u.external_id ORDER BY e.ts
                    """)
            while let row = try calls.next() {
                try Self.recordLink(db, from: row["anonymous_id"], user: row["user_id"], ms: row["ts"], via: "identify")
            }
            // The aggregates are rebuilt (their signature changed): anonymous days are built then.
        }
        migrator.registerMigration("v8: the source of a vendor's events") { db in
            // Which export an event came from (NULL: a Segment call or a seed 004 event): a vendor's system events
            // (sources.<vendor>.ignored_events) are stored but never activity, and the lists may change.
            try db.execute(sql: "ALTER TABLE events ADD COLUMN source TEXT")
        }
        migrator.registerMigration("v9: retention passes") { db in
            try db.execute(
                sql: """
                    -- Each pass of retention (retention.raw_event_days): the horizon it compacted to (a UTC day's start), how far
                    -- through the events it got (a pass stopped midway carries on from there), and what it removed.
                    CREATE TABLE retention_passes(
                        id INTEGER PRIMARY KEY, horizon_ms INTEGER NOT NULL, started_ms INTEGER NOT NULL, finished_ms INTEGER,
                        scanned_id INTEGER NOT NULL DEFAULT 0, events_removed INTEGER NOT NULL DEFAULT 0,
                        events_trimmed INTEGER NOT NULL DEFAULT 0, quarantine_removed INTEGER NOT NULL DEFAULT 0);
                    """)
        }
        migrator.registerMigration("v10: account owners") { db in
            try db.execute(
                sql: """
                    -- Each hot account's owner (SPEC §6.1), where it came from and why; kept: an account keeps the owner given.
                    CREATE TABLE account_owners(
                        account TEXT PRIMARY KEY, owner_id TEXT NOT NULL, source TEXT NOT NULL, why TEXT NOT NULL,
                        assigned_ms INTEGER NOT NULL) WITHOUT ROWID;
                    -- A contact's owner as the CRM said when read (NULL: none, or not in the CRM), read again when old.
                    CREATE TABLE crm_owners(
                        destination TEXT NOT NULL, email TEXT NOT NULL, owner_id TEXT, read_ms INTEGER NOT NULL,
                        PRIMARY KEY(destination, email)) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v11: actions for reps") { db in
            try db.execute(
                sql: """
                    -- The actions' outbox (SPEC §6.1): one row per transition to hot, kind (task | slack | webhook) and
                    -- destination, recorded before anything is sent, never twice (the key). status: waiting (for the
                    -- briefing) | pending | done | rejected | skipped (cool-down, cap) | unknown (a Slack send without an
                    -- answer: never sent again). body: what is sent, fixed once pending. in_flight: a send began and no answer
                    -- said it did not arrive (a task is then searched for before it is created again).
                    CREATE TABLE crm_actions(
                        id INTEGER PRIMARY KEY, kind TEXT NOT NULL, destination TEXT NOT NULL, key TEXT NOT NULL,
                        account TEXT NOT NULL, became_hot_ms INTEGER NOT NULL, run_id INTEGER NOT NULL, status TEXT NOT NULL,
                        body TEXT, briefing_source TEXT, attempts INTEGER NOT NULL DEFAULT 0, in_flight INTEGER NOT NULL DEFAULT 0,
                        http_status INTEGER, message TEXT, result_id TEXT, created_ms INTEGER NOT NULL, sent_ms INTEGER,
                        settled_ms INTEGER, UNIQUE(kind, destination, key));
                    CREATE INDEX crm_actions_by_status ON crm_actions(destination, kind, status, id);
                    CREATE INDEX crm_actions_by_account ON crm_actions(account, id);
                    """)
        }
        migrator.registerMigration("v12: contacts associated with companies") { db in
            try db.execute(
                sql: """
                    -- Contacts Briefer associated with their account's HubSpot company (SPEC §6.1), so each is asked once.
                    CREATE TABLE crm_company_contacts(
                        destination TEXT NOT NULL, email TEXT NOT NULL, company_id TEXT NOT NULL, linked_ms INTEGER NOT NULL,
                        PRIMARY KEY(destination, email)) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v13: reps' feedback") { db in
            try db.execute(
                sql: """
                    -- Each value of the feedback property a contact or a company was given, when HubSpot says it was set (SPEC §6.1).
                    CREATE TABLE crm_feedback(
                        destination TEXT NOT NULL, object TEXT NOT NULL, record TEXT NOT NULL, account TEXT NOT NULL, value TEXT NOT NULL,
                        set_ms INTEGER NOT NULL, read_ms INTEGER NOT NULL, PRIMARY KEY(destination, object, record, set_ms)) WITHOUT ROWID;
                    CREATE INDEX crm_feedback_by_account ON crm_feedback(account, set_ms);
                    """)
        }
        migrator.registerMigration("v14: identify fields timed one by one") { db in
            // Each identify field keeps the time of the call that gave it: the latest call giving a field wins it, whatever
            // order the calls arrive in (before, one time for all fields let an older value stand). Read again from the calls.
            try db.execute(
                sql: """
                    ALTER TABLE users ADD COLUMN identify_email_ms INTEGER;
                    ALTER TABLE users ADD COLUMN identify_title_ms INTEGER;
                    ALTER TABLE users ADD COLUMN identify_created_set_ms INTEGER;
                    """)
            try Self.refoldIdentifyFields(db)
        }
        migrator.registerMigration("v15: scores from a warehouse") { db in
            try db.execute(
                sql: """
                    -- NULL: scored here; `warehouse (<dialect>)`: brought in by briefer import-scores (SPEC §10).
                    ALTER TABLE scoring_runs ADD COLUMN source TEXT;
                    -- What an imported run brings besides its scores: each account's contacts, the counts its briefing input
                    -- is built from, and its company and plan (no local events stand behind such a run).
                    CREATE TABLE warehouse_contacts(
                        run_id INTEGER NOT NULL REFERENCES scoring_runs(id) ON DELETE CASCADE, account TEXT NOT NULL,
                        user_id TEXT NOT NULL, email TEXT NOT NULL, score INTEGER NOT NULL, PRIMARY KEY(run_id, account, user_id)) WITHOUT ROWID;
                    CREATE TABLE warehouse_facts(
                        run_id INTEGER NOT NULL REFERENCES scoring_runs(id) ON DELETE CASCADE, account TEXT NOT NULL, fact TEXT NOT NULL,
                        name TEXT NOT NULL, window_count INTEGER NOT NULL, ever_count INTEGER NOT NULL,
                        PRIMARY KEY(run_id, account, fact, name)) WITHOUT ROWID;
                    CREATE TABLE warehouse_profiles(
                        run_id INTEGER NOT NULL REFERENCES scoring_runs(id) ON DELETE CASCADE, account TEXT NOT NULL, company_name TEXT,
                        industry TEXT, employee_count INTEGER, country TEXT, tech_stack TEXT, plan TEXT,
                        PRIMARY KEY(run_id, account)) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v16: the raw event log") { db in
            // Activity events move from rows of `events` into blocks, and every dedup key into a log-structured index
            // (BrieferStore+EventLog): done after the migrations, a step at a time, resumable.
            try db.execute(sql: eventLogSchema)
            // Each user-day's group hints (HintDay), filled by the aggregates' rebuild (their signature changed).
            try db.execute(sql: "ALTER TABLE user_days ADD COLUMN hints BLOB")
        }
        return migrator
    }
}

extension BrieferStore {
    /// The stored value of a `meta` key.
    func meta(_ db: Database, _ key: String) throws -> String? { try Self.meta(db, key) }

    static func meta(_ db: Database, _ key: String) throws -> String? {
        try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key])
    }

    func setMeta(_ db: Database, _ key: String, _ value: String) throws { try Self.setMeta(db, key, value) }

    static func setMeta(_ db: Database, _ key: String, _ value: String) throws {
        try db.execute(
            sql: "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", arguments: [key, value])
    }

    /// Every term and its id.
    public func vocabulary() throws -> Vocabulary {
        try read { db in try Self.vocabulary(db) }
    }

    static func vocabulary(_ db: Database) throws -> Vocabulary {
        var ids: [String: UInt32] = [:]
        let rows = try Row.fetchCursor(db, sql: "SELECT id, text FROM terms")
        while let row = try rows.next() { ids[row["text"]] = UInt32(row["id"] as Int64) }
        return Vocabulary(ids: ids)
    }
}
