import BrieferCore
import BrieferStore

/// What `briefer status` shows, read from the database: the last runs (a run still `running` whose process is
/// gone from this machine counts as died), pending work, leases and the HubSpot portals.
public struct WorkerStatus: Sendable {
    public var runs: [PipelineRunRecord]
    /// The runs among `runs` whose process died before it could finish them.
    public var died: Set<Int64>
    public var deferred: Int
    public var outbox: [String: Int]
    public var leases: [Lease]
    public var nowMs: Int64
    public var portals: [(destination: String, portalId: String)]
    /// The database's size and what retention removed (nil in views that do not read them).
    public var size: StoreSize?
    public var retention: RetentionState?
    /// `retention.raw_event_days`.
    public var retentionDays = 0

    public init(
        runs: [PipelineRunRecord], died: Set<Int64> = [], deferred: Int = 0, outbox: [String: Int] = [:], leases: [Lease] = [],
        nowMs: Int64, portals: [(destination: String, portalId: String)] = []
    ) {
        self.runs = runs; self.died = died; self.deferred = deferred; self.outbox = outbox; self.leases = leases
        self.nowMs = nowMs; self.portals = portals
    }

    public static func read(
        from store: BrieferStore, runs limit: Int, retentionDays: Int = 0, nowMs: Int64 = Timestamp.now.milliseconds
    ) throws -> WorkerStatus {
        let runs = try store.pipelineRuns(limit: limit)
        let pending = try store.pendingWork()
        var status = WorkerStatus(
            runs: runs, died: Set(runs.filter(\.processDied).map(\.id)),
            deferred: pending.deferred, outbox: pending.outbox, leases: try store.leases(), nowMs: nowMs,
            portals: try store.crmPortals())
        status.size = try store.size()
        status.retention = try store.retentionState()
        status.retentionDays = retentionDays
        return status
    }
}

extension PipelineRunRecord {
    /// Still `running`, but its process, on this machine, is gone: killed before it could finish the run.
    public var processDied: Bool { status == .running && ProcessOwner.isGone(owner) }
}
