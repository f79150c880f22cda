import BrieferCore
import BrieferStore
import Foundation

/// The summaries stored with each run (`pipeline_runs.summary`) and sync (`crm_syncs.summary`): their own
/// shapes, so that changing what `--json` prints changes nothing stored. They are the shapes `--json` had
/// in 0.14.0, so summaries stored by 0.14.0 and before read as these.
public protocol StoredSummary: Codable, Sendable, Equatable {}

extension StoredSummary {
    /// The stored text: JSON, snake_case keys, sorted.
    public var text: String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Plain values (numbers, strings, maps of them) always encode.
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    /// Reads a stored summary (this shape, or 0.14.0's `--json` shape, which it is).
    public static func decode(_ text: String) throws -> Self {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(Self.self, from: Data(text.utf8))
    }
}

public struct StoredIngestSummary: StoredSummary {
    public struct File: Codable, Sendable, Equatable {
        public var path: String
        public var kind: String
        public var read, inserted, duplicates, quarantined, alreadyQuarantined: Int
        public var quarantinedByReason: [String: Int]
        public var zonelessTimestamps, anonymousEvents, forgotten: Int

        init(
            path: String, kind: String, read: Int, inserted: Int, duplicates: Int, quarantined: Int, alreadyQuarantined: Int,
            quarantinedByReason: [String: Int], zonelessTimestamps: Int, anonymousEvents: Int, forgotten: Int
        ) {
            (self.path, self.kind, self.read, self.inserted, self.duplicates, self.quarantined) = (
                path, kind, read, inserted, duplicates, quarantined
            )
            (self.alreadyQuarantined, self.quarantinedByReason, self.zonelessTimestamps) = (
                alreadyQuarantined, quarantinedByReason, zonelessTimestamps
            )
            (self.anonymousEvents, self.forgotten) = (anonymousEvents, forgotten)
        }

        // (Summaries stored before `briefer forget` existed have no `forgotten`: none were.)
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            (path, kind) = (try c.decode(String.self, forKey: .path), try c.decode(String.self, forKey: .kind))
            (read, inserted) = (try c.decode(Int.self, forKey: .read), try c.decode(Int.self, forKey: .inserted))
            (duplicates, quarantined) = (try c.decode(Int.self, forKey: .duplicates), try c.decode(Int.self, forKey: .quarantined))
            alreadyQuarantined = try c.decode(Int.self, forKey: .alreadyQuarantined)
            quarantinedByReason = try c.decode([String: Int].self, forKey: .quarantinedByReason)
            zonelessTimestamps = try c.decode(Int.self, forKey: .zonelessTimestamps)
            anonymousEvents = try c.decode(Int.self, forKey: .anonymousEvents)
            forgotten = try c.decodeIfPresent(Int.self, forKey: .forgotten) ?? 0
        }
    }
    public var read, inserted, duplicates, quarantined, alreadyQuarantined, forgotten: Int
    public var quarantinedByReason: [String: Int]
    public var files: [File]

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        (read, inserted) = (try c.decode(Int.self, forKey: .read), try c.decode(Int.self, forKey: .inserted))
        (duplicates, quarantined) = (try c.decode(Int.self, forKey: .duplicates), try c.decode(Int.self, forKey: .quarantined))
        alreadyQuarantined = try c.decode(Int.self, forKey: .alreadyQuarantined)
        forgotten = try c.decodeIfPresent(Int.self, forKey: .forgotten) ?? 0
        quarantinedByReason = try c.decode([String: Int].self, forKey: .quarantinedByReason)
        files = try c.decode([File].self, forKey: .files)
    }

    public init(_ s: IngestSummary) {
        (read, inserted, duplicates, quarantined, alreadyQuarantined, forgotten) =
            (s.read, s.inserted, s.duplicates, s.quarantined, s.alreadyQuarantined, s.forgotten)
        quarantinedByReason = s.quarantineReasons
        files = s.files.map {
            File(
                path: $0.path, kind: $0.kind, read: $0.read, inserted: $0.inserted, duplicates: $0.duplicates, quarantined: $0.quarantined,
                alreadyQuarantined: $0.alreadyQuarantined, quarantinedByReason: $0.quarantineReasons,
                zonelessTimestamps: $0.zonelessTimestamps, anonymousEvents: $0.anonymousEvents, forgotten: $0.forgotten)
        }
    }
}

public struct StoredEnrichmentSummary: StoredSummary {
    public var selected: Int
    public var skipped: [String: Int]
    public var briefed, validFirstTime, repaired, fallbacks, needsReview, deferred, leasedElsewhere: Int
    public var calls, retries, failedCalls, promptTokens, completionTokens: Int
    public var costUsd: Double
    public var errorCodes: [String: Int]
    public var seconds: Double

    public init(_ s: EnrichmentSummary) {
        (selected, skipped, briefed, validFirstTime, repaired, fallbacks) = (
            s.selected, s.skipped, s.briefed, s.firstTime, s.repaired, s.fallbacks
        )
        (needsReview, deferred, leasedElsewhere, calls, retries, failedCalls) = (
            s.needsReview, s.deferred, s.leasedElsewhere, s.calls, s.retries, s.failedCalls
        )
        (promptTokens, completionTokens, costUsd, errorCodes, seconds) = (
            s.promptTokens, s.completionTokens, s.costUsd, s.errorCodes, s.seconds
        )
    }
}

public struct StoredSyncSummary: StoredSummary {
    public var mode: String
    public var destination: String
    public var sync: Int64?
    public var scoringRun: Int64
    public var asOf: String
    public var accounts, contacts, changedContacts, changedProperties, resent, skippedMissing: Int
    public var changesSent, contactsSent, propertiesSent, done, missing, rejected, leftPending: Int
    public var requests: [String: Int]
    public var retries, rateLimited: Int
    public var directory: String?
    public var files: [String]
    public var stopped: String?
    public var messages: [String]

    public init(_ s: SyncSummary) {
        (mode, destination, sync, scoringRun, asOf) = (s.mode.rawValue, s.destination, s.syncId, s.runId, s.asOf.iso8601)
        (accounts, contacts, changedContacts, changedProperties, resent, skippedMissing) =
            (s.accounts, s.contacts, s.changedContacts, s.changedProperties, s.resent, s.skippedMissing)
        (changesSent, contactsSent, propertiesSent, done, missing, rejected, leftPending) =
            (s.itemsSent, s.contactsSent, s.propertiesSent, s.done, s.missing, s.rejected, s.leftPending)
        (requests, retries, rateLimited, directory, files, stopped, messages) =
            (s.requests, s.retries, s.rateLimited, s.directory, s.files, s.stopped, s.messages)
    }
}

public struct StoredRunSummary: StoredSummary {
    public var id: Int64
    public var status: PipelineRunStatus
    public var seconds: Double
    public var tiers: [String: Int]
    public var ingest: StoredIngestSummary?
    public var scoringRunId: Int64?
    public var asOf: String?
    public var enrichment: StoredEnrichmentSummary?
    public var enrichmentSkipped: String?
    public var sync: StoredSyncSummary?
    public var syncSkipped: String?
    public var eventToCrmSeconds: Double?

    public init(_ s: RunSummary) {
        (id, status, seconds, tiers, ingest, scoringRunId) = (
            s.id, s.status, s.seconds, s.tiers, s.ingest.map(StoredIngestSummary.init), s.scoringRunId
        )
        (asOf, enrichment, enrichmentSkipped) = (s.asOf?.iso8601, s.enrichment.map(StoredEnrichmentSummary.init), s.enrichmentSkipped)
        (sync, syncSkipped, eventToCrmSeconds) = (s.sync.map(StoredSyncSummary.init), s.syncSkipped, s.latencySeconds)
    }
}
