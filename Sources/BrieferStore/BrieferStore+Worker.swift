import BrieferCore
import Foundation
import GRDB

/// An account leased by a process while it briefs it.
public struct Lease: Sendable, Equatable {
    public var account: String
    public var owner: String
    public var takenMs: Int64
    public var expiresMs: Int64
    public init(account: String, owner: String, takenMs: Int64, expiresMs: Int64) {
        self.account = account; self.owner = owner; self.takenMs = takenMs; self.expiresMs = expiresMs
    }
}

/// One `briefer run` or worker cycle as stored.
/// Where a run of every stage is (stored as text in `pipeline_runs.status`).
public enum PipelineRunStatus: String, Sendable, Codable {
    case running, finished, failed, interrupted
    /// Its process was killed before it finished (seen by a later run).
    case died
}

public struct PipelineRunRecord: Sendable, Equatable {
    public var id: Int64
    public var owner: String
    public var startedMs: Int64
    public var finishedMs: Int64?
    public var status: PipelineRunStatus
    public var summary: String?
    public var oldestNewEventMs: Int64?
    public var crmWrittenMs: Int64?
}

extension BrieferStore {
    // MARK: Leases

    /// Takes the lease on `account` for `owner` until `nowMs + ttlMs`, in one transaction: granted when no
    /// one holds it, when its holder's lease has expired, when `owner` holds it already (renewed), or when
    /// its holder is `replacing` (a holder known to be dead; of two processes replacing it, one wins).
    public func takeLease(account: String, owner: String, nowMs: Int64, ttlMs: Int64, replacing: String? = nil) throws -> Bool {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO leases(account, owner, taken_ms, expires_ms) VALUES(?, ?, ?, ?)
                    ON CONFLICT(account) DO UPDATE SET owner = excluded.owner, taken_ms = excluded.taken_ms, expires_ms = excluded.expires_ms
                    WHERE leases.owner = excluded.owner OR leases.expires_ms <= excluded.taken_ms OR leases.owner = ?
                    """, arguments: [account, owner, nowMs, nowMs + ttlMs, replacing])
            return try String.fetchOne(db, sql: "SELECT owner FROM leases WHERE account = ?", arguments: [account]) == owner
        }
    }

    /// Gives the lease back (only `owner`'s own).
    public func releaseLease(account: String, owner: String) throws {
        try write { db in
            try db.execute(sql: "DELETE FROM leases WHERE account = ? AND owner = ?", arguments: [account, owner])
        }
    }

    /// Every lease, expired ones included (they are taken over, not cleaned up).
    public func leases() throws -> [Lease] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT account, owner, taken_ms, expires_ms FROM leases ORDER BY taken_ms").map {
                Lease(account: $0["account"], owner: $0["owner"], takenMs: $0["taken_ms"], expiresMs: $0["expires_ms"])
            }
        }
    }

    /// Whether `account` has a stored briefing for `fingerprint` (another process may have just made it).
    public func hasBriefing(account: String, fingerprint: String) throws -> Bool {
        try read { db in
            try Bool.fetchOne(
                db, sql: "SELECT EXISTS(SELECT 1 FROM briefings WHERE account = ? AND fingerprint = ?)",
                arguments: [account, fingerprint]) ?? false
        }
    }

    // MARK: Pipeline runs

    public func startPipelineRun(owner: String, nowMs: Int64) throws -> Int64 {
        try write { db in
            try db.execute(sql: "INSERT INTO pipeline_runs(owner, started_ms, status) VALUES(?, ?, 'running')", arguments: [owner, nowMs])
            return db.lastInsertedRowID
        }
    }

    public func finishPipelineRun(
        id: Int64, status: PipelineRunStatus, summary: String, nowMs: Int64, oldestNewEventMs: Int64?, crmWrittenMs: Int64?
    ) throws {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE pipeline_runs SET finished_ms = ?, status = ?, summary = ?, oldest_new_event_ms = ?, crm_written_ms = ? WHERE id = ?
                    """, arguments: [nowMs, status.rawValue, summary, oldestNewEventMs, crmWrittenMs, id])
        }
    }

    /// Marks a run whose process died before finishing it.
    public func abandonPipelineRun(id: Int64) throws {
        try write { db in
            try db.execute(sql: "UPDATE pipeline_runs SET status = 'died' WHERE id = ? AND status = 'running'", arguments: [id])
        }
    }

    /// The latest runs, newest first.
    public func pipelineRuns(limit: Int) throws -> [PipelineRunRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM pipeline_runs ORDER BY id DESC LIMIT ?", arguments: [limit]).map {
                PipelineRunRecord(
                    id: $0["id"], owner: $0["owner"], startedMs: $0["started_ms"], finishedMs: $0["finished_ms"],
                    status: try $0.decode("status", as: PipelineRunStatus.self, table: "pipeline_runs", row: "\($0["id"] as Int64)"),
                    summary: $0["summary"], oldestNewEventMs: $0["oldest_new_event_ms"], crmWrittenMs: $0["crm_written_ms"])
            }
        }
    }

    /// Where the stored events end now: events stored later are after it.
    public func eventWatermark() throws -> EventWatermark {
        try read { db in
            EventWatermark(
                block: try Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) FROM event_blocks") ?? 0,
                call: try Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) FROM events") ?? 0)
        }
    }

    /// The earliest event time among the events stored after `watermark`.
    public func oldestEventMs(after watermark: EventWatermark) throws -> Int64? {
        try read { db in
            try Int64.fetchOne(
                db,
                sql: """
                    SELECT min(low) FROM (
                        SELECT min(ts) AS low FROM events WHERE id > ? AND kind NOT IN ('forgotten', 'compacted')
                        UNION ALL SELECT min(first_ms) FROM event_blocks WHERE id > ?)
                    """, arguments: [watermark.call, watermark.block])
        }
    }

    /// Work waiting: deferred accounts, and CRM changes and actions for reps not yet delivered, by destination (an
    /// action's as "KIND actions to DESTINATION", waiting for its briefing or pending).
    public func pendingWork() throws -> (deferred: Int, outbox: [String: Int]) {
        try read { db in
            let deferred = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM deferrals") ?? 0
            var outbox: [String: Int] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT destination, COUNT(*) AS n FROM crm_outbox WHERE status = 'pending' GROUP BY destination")
            {
                outbox[row["destination"]] = row["n"]
            }
            for row in try Row.fetchAll(
                db,
                sql:
                    "SELECT kind, destination, COUNT(*) AS n FROM crm_actions WHERE status IN ('pending', 'waiting') GROUP BY kind, destination"
            ) {
                outbox["\(row["kind"] as String) actions to \(row["destination"] as String)"] = row["n"]
            }
            return (deferred, outbox)
        }
    }
}
