import BrieferCore
import BrieferStore
import Foundation
import Logging
import Synchronization

/// Calls clients send over HTTP (`briefer serve`: Segment's HTTP Tracking API), stored as a file's lines are — the same
/// parser, the same quarantine, the same rules for forgotten people — in one transaction per request, committed to the
/// disk (the store opened `durable`) before ``accept(_:body:)`` returns: what it acknowledges is stored. A client that
/// sends a call again with the same messageId stores nothing twice.
public final class LiveIntake: Sendable {
    /// Segment's HTTP Tracking API endpoints (`/v1/<endpoint>`).
    public enum Endpoint: String, CaseIterable, Sendable {
        case batch, track, identify, group, page, screen, alias
    }

    /// What one request did.
    public struct Outcome: Sendable, Equatable {
        public var received = 0
        public var stored = 0
        public var duplicates = 0
        public var quarantined = 0
        public var quarantineReasons: [String: Int] = [:]
        public var forgotten = 0
        /// Activity events before retention's horizon: acknowledged, not stored (see ``BatchOutcome/expired``).
        public var expired = 0
        /// It stored one of `serve.trigger_events`: a pipeline cycle should run soon.
        public var highIntent = false
    }

    /// A request refused whole (400): nothing of it is stored.
    public struct Refusal: BrieferError {
        public var code: BrieferErrorCode
        public var message: String
    }

    /// Segment's limits: 32 KB per call, 500 KB per batch request.
    public static let maxCallBytes = 32 * 1024
    public static let maxBatchBytes = 500 * 1024

    private struct State {
        var writer: IngestWriter
        var total = IngestSummary.File(path: "serve", kind: "events")
    }

    private let store: BrieferStore
    private let configuration: BrieferConfiguration
    private let extraction: ActivityExtraction
    /// `serve.trigger_events`.
    private let triggers: Set<String>
    private let state: Mutex<State>

    /// - Parameter store: opened `durable`, so that a commit is on the disk when it returns.
    public init(store: BrieferStore, configuration: BrieferConfiguration) throws {
        self.store = store
        self.configuration = configuration
        extraction = ActivityExtraction(configuration)
        triggers = Set(configuration.serve.triggerEvents)
        let writer = try IngestWriter(store: store, configuration: configuration, files: ["serve"], bulk: false)
        state = Mutex(State(writer: writer))
    }

    /// Stores what one request carries, and returns once it is committed. Blocks on SQLite: call it off the cooperative
    /// pool (``StoreExecutor``).
    /// - Throws: ``Refusal`` for a request too large or not JSON (nothing stored); a store error.
    public func accept(_ endpoint: Endpoint, body: [UInt8], now: Timestamp = .now) throws -> Outcome {
        let limit = endpoint == .batch ? Self.maxBatchBytes : Self.maxCallBytes
        let value = try Self.json(body, limit: limit, what: "/v1/\(endpoint.rawValue)")
        guard case .object = value else { throw Refusal(code: .invalidRequest, message: "the body must be a JSON object") }
        if endpoint == .batch, value["batch"] == nil {
            throw Refusal(code: .invalidRequest, message: "a batch request carries a `batch` list")
        }
        return try store(
            endpoint == .batch ? value : .object([("batch", .array([value]))]), single: endpoint != .batch,
            type: endpoint == .batch ? nil : endpoint.rawValue, path: "serve:/v1/\(endpoint.rawValue)", now: now)
    }

    /// Stores what Segment's Webhooks destination posts: one call (a JSON object) or several (an array), each with its
    /// type. The signature is the caller's to check, before.
    public func acceptWebhook(body: [UInt8], now: Timestamp = .now) throws -> Outcome {
        let value = try Self.json(body, limit: Self.maxBatchBytes, what: "a webhook")
        switch value {
        case .object: return try store(.object([("batch", .array([value]))]), single: true, type: nil, path: "serve:webhook", now: now)
        case .array: return try store(.object([("batch", value)]), single: false, type: nil, path: "serve:webhook", now: now)
        default: throw Refusal(code: .invalidRequest, message: "the body must be a JSON object or array")
        }
    }

    /// A request's body as JSON, no larger than `limit`.
    static func json(_ body: [UInt8], limit: Int, what: String) throws -> JSONValue {
        guard body.count <= limit else {
            throw Refusal(code: .requestTooLarge, message: "the request is \(body.count) bytes; \(what) takes up to \(limit)")
        }
        do { return try body.withUnsafeBufferPointer { try JSONParser.parse($0) } } catch {
            throw Refusal(code: .invalidRequest, message: "the body is not JSON: \(error)")
        }
    }

    /// Stores the calls of a batch envelope (`single`: one call a client sent alone, named without an index).
    private func store(_ value: JSONValue, single: Bool, type: String?, path: String, now: Timestamp) throws -> Outcome {
        // Each call with its own text (what the quarantine keeps), no larger than Segment allows.
        var calls: [Result<(index: Int?, value: JSONValue, sent: JSONValue, text: String), Rejection>] = []
        // As Segment's API does: each call gets the time it was received, and a call without a time of its own is
        // placed then.
        let received = JSONValue.string(now.iso8601)
        func stamped(_ call: JSONValue) -> JSONValue {
            guard case var .object(members) = call else { return call }
            if call["receivedAt"] == nil { members.append(("receivedAt", received)) }
            if call["timestamp"] == nil && call["originalTimestamp"] == nil { members.append(("timestamp", received)) }
            return .object(members)
        }
        for call in EventLineParser.batchCalls(value) {
            if case .failure(let rejection) = call, rejection.reason == .wrongType {
                throw Refusal(code: .invalidRequest, message: rejection.detail)
            }
            calls.append(call.map { (single ? nil : $0.index, stamped($0.value), $0.value, $0.value.compactText) })
        }
        for case let .success(call) in calls where call.text.utf8.count > Self.maxCallBytes {
            throw Refusal(
                code: .requestTooLarge,
                message:
                    "\(call.index.map { "batch[\($0)]" } ?? "the call") is \(call.text.utf8.count) bytes; a call takes up to \(Self.maxCallBytes)"
            )
        }
        let parser = EventLineParser(
            now: now, futureToleranceSeconds: configuration.hygiene.futureToleranceSeconds, sources: configuration.sources, format: .segment
        )
        // People `briefer forget` removed stay out, also when forgotten while serve runs.
        var sorter = CallSorter(forgotten: try store.forgottenPeople(), extraction: extraction)
        var file = IngestSummary.File(path: path, kind: "events")
        for call in calls {
            file.read += 1
            switch call {
            case let .success(call):
                let result = parser.parseCall(call.value, type: type, sent: call.sent).mapError { rejection in
                    call.index.map { Rejection(rejection.reason, "batch[\($0)]: \(rejection.detail)") } ?? rejection
                }
                sorter.take([result], path: path, line: 0, raw: Array(call.text.utf8), envelope: false, file: &file)
            case let .failure(rejection):
                sorter.reject(
                    rejection, path: path, line: 0, raw: Array(value.compactText.utf8.prefix(LineReader.keptOfOversized)), file: &file)
            }
        }
        let (events, rejected) = sorter.drain()
        let batch = try state.withLock { state -> BatchOutcome in
            let outcome = try state.writer.write(events: events, quarantine: rejected)
            state.total.read += file.read
            state.total.inserted += outcome.inserted
            state.total.duplicates += outcome.duplicates
            state.total.quarantined += file.quarantined
            state.total.expired += outcome.expired
            return outcome
        }
        return Outcome(
            received: file.read, stored: batch.inserted, duplicates: batch.duplicates, quarantined: file.quarantined,
            quarantineReasons: file.quarantineReasons, forgotten: file.forgotten, expired: batch.expired,
            highIntent: batch.inserted > 0 && events.contains { $0.name.map(triggers.contains) ?? false })
    }

    /// Whether the database answers and its schema is up to date (`/readyz`).
    public func isReady() -> Bool { (try? store.isUpToDate()) ?? false }

    /// Records what this intake stored, as an ingest (`briefer status`).
    public func finish() throws {
        try state.withLock { state in
            try state.writer.finish(
                read: state.total.read, inserted: state.total.inserted, duplicates: state.total.duplicates,
                quarantined: state.total.quarantined)
        }
    }
}
