import BrieferCore
import BrieferStore
import Foundation
import Logging

/// Calls clients send over HTTP (`briefer serve`: Segment's HTTP Tracking API), stored as a file's lines are — the same
/// parser, the same quarantine, the same rules for forgotten people — the requests waiting together in one transaction,
/// committed to the disk (the store opened `durable`) before ``accept(_:body:)`` returns: what it acknowledges is stored. A client that
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

    private let store: BrieferStore
    /// A connection of its own that checkpoints the WAL (``checkpoint()``): the intake's never does.
    private let checkpointer: BrieferStore?
    private let configuration: BrieferConfiguration
    private let committer: Committer

    /// - Parameter store: opened `durable`, so that a commit is on the disk when it returns.
    public init(store: BrieferStore, configuration: BrieferConfiguration) throws {
        self.store = store
        // A commit that crosses the WAL's checkpoint size copies the whole WAL into the database file before it returns:
        // over a pipeline cycle's writes, a second or more. The intake leaves that to `checkpointer`, off its requests' path.
        try store.leaveCheckpointsToOthers()
        checkpointer = store.path == ":memory:" ? nil : try BrieferStore(path: store.path)
        self.configuration = configuration
        let writer = try IngestWriter(store: store, configuration: configuration, files: ["serve"], bulk: false)
        committer = Committer(
            store: store, writer: writer, extraction: ActivityExtraction(configuration), triggers: Set(configuration.serve.triggerEvents))
    }

    /// Stores what one request carries, and returns once it is committed (to the disk, with the store `durable`).
    /// The parsing runs in the caller; the writing on the intake's own thread, where requests that wait together are
    /// committed together (one transaction, one sync to the disk), each answered with its own outcome.
    /// - Throws: ``Refusal`` for a request too large or not JSON (nothing stored); a store error.
    public func accept(_ endpoint: Endpoint, body: [UInt8], now: Timestamp = .now) async throws -> Outcome {
        let limit = endpoint == .batch ? Self.maxBatchBytes : Self.maxCallBytes
        let value = try Self.json(body, limit: limit, what: "/v1/\(endpoint.rawValue)")
        guard case .object = value else { throw Refusal(code: .invalidRequest, message: "the body must be a JSON object") }
        if endpoint == .batch, value["batch"] == nil {
            throw Refusal(code: .invalidRequest, message: "a batch request carries a `batch` list")
        }
        return try await store(
            endpoint == .batch ? value : .object([("batch", .array([value]))]), single: endpoint != .batch,
            type: endpoint == .batch ? nil : endpoint.rawValue, path: "serve:/v1/\(endpoint.rawValue)", now: now)
    }

    /// Stores what Segment's Webhooks destination posts: one call (a JSON object) or several (an array), each with its
    /// type. The signature is the caller's to check, before.
    public func acceptWebhook(body: [UInt8], now: Timestamp = .now) async throws -> Outcome {
        let value = try Self.json(body, limit: Self.maxBatchBytes, what: "a webhook")
        switch value {
        case .object:
            return try await store(.object([("batch", .array([value]))]), single: true, type: nil, path: "serve:webhook", now: now)
        case .array: return try await store(.object([("batch", value)]), single: false, type: nil, path: "serve:webhook", now: now)
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

    /// Parses the calls of a batch envelope (`single`: one call a client sent alone, named without an index) and hands
    /// them to the committer.
    private func store(_ value: JSONValue, single: Bool, type: String?, path: String, now: Timestamp) async throws -> Outcome {
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
        var parsed = Parsed(path: path)
        for call in calls {
            switch call {
            case let .success(call):
                let result = parser.parseCall(call.value, type: type, sent: call.sent).mapError { rejection in
                    call.index.map { Rejection(rejection.reason, "batch[\($0)]: \(rejection.detail)") } ?? rejection
                }
                parsed.calls.append((.success(result), Array(call.text.utf8)))
            case let .failure(rejection):
                parsed.calls.append((.failure(rejection), Array(value.compactText.utf8.prefix(LineReader.keptOfOversized))))
            }
        }
        return try await committer.commit(parsed)
    }

    /// Copies what it can of the WAL into the database file, on a connection other than the intake's, without waiting
    /// for the intake or a cycle (serve runs it every second).
    public func checkpoint() throws { try checkpointer?.checkpointPassively() }

    /// Whether the database answers and its schema is up to date (`/readyz`).
    public func isReady() -> Bool { (try? store.isUpToDate()) ?? false }

    /// Stops the intake's thread once what it holds is committed, and records what this intake stored, as an ingest
    /// (`briefer status`).
    public func finish() throws { try committer.finish() }
}

/// One request's calls, parsed: each call's event or why it was refused, with its text for the quarantine.
private struct Parsed: @unchecked Sendable {
    var path: String
    var calls: [(result: Result<Result<IncomingEvent, Rejection>, Rejection>, raw: [UInt8])] = []
}

/// The intake's one writer: a thread of its own that takes the requests waiting, sorts their calls as a file's are
/// (forgotten people, the quarantine), and commits them in one transaction. A request waits for the commit suspended,
/// holding no thread; a transaction that fails is tried again request by request, so that one request's failure is
/// its own.
private final class Committer: @unchecked Sendable {
    private let store: BrieferStore
    private let writer: IngestWriter
    private let extraction: ActivityExtraction
    /// `serve.trigger_events`.
    private let triggers: Set<String>
    private let condition = NSCondition()
    private var waiting: [(parsed: Parsed, reply: CheckedContinuation<LiveIntake.Outcome, any Error>)] = []
    private var stopping = false
    private var stopped = false
    private var total = IngestSummary.File(path: "serve", kind: "events")
    /// At most this many calls in one transaction (a burst is committed in a few, each answered as it commits).
    static let callsPerCommit = 5_000

    init(store: BrieferStore, writer: IngestWriter, extraction: ActivityExtraction, triggers: Set<String>) {
        self.store = store
        self.writer = writer
        self.extraction = extraction
        self.triggers = triggers
        // The thread holds the committer until `finish()` stops it (an intake never finished keeps its idle thread).
        let thread = Thread { self.loop() }
        thread.name = "briefer.intake"
        thread.start()
    }

    func commit(_ parsed: Parsed) async throws -> LiveIntake.Outcome {
        try await withCheckedThrowingContinuation { reply in
            condition.lock()
            defer { condition.unlock() }
            guard !stopping else {
                // Not a refusal (a client drops what is refused): an error, which the client sends again later.
                reply.resume(throwing: Stopping())
                return
            }
            waiting.append((parsed, reply))
            condition.signal()
        }
    }

    private func loop() {
        while true {
            condition.lock()
            while waiting.isEmpty && !stopping { condition.wait() }
            if waiting.isEmpty {
                stopped = true
                condition.broadcast()
                condition.unlock()
                return
            }
            var calls = 0
            var group: [(parsed: Parsed, reply: CheckedContinuation<LiveIntake.Outcome, any Error>)] = []
            while let next = waiting.first, group.isEmpty || calls + next.parsed.calls.count <= Self.callsPerCommit {
                group.append(waiting.removeFirst())
                calls += next.parsed.calls.count
            }
            condition.unlock()
            write(group)
        }
    }

    /// Commits a group of requests and answers each; a failed group is tried again one request at a time.
    private func write(_ group: [(parsed: Parsed, reply: CheckedContinuation<LiveIntake.Outcome, any Error>)]) {
        do {
            let outcomes = try commit(group.map(\.parsed))
            for (job, outcome) in zip(group, outcomes) { job.reply.resume(returning: outcome) }
        } catch {
            if group.count > 1 {
                for job in group { write([job]) }
            } else {
                group[0].reply.resume(throwing: error)
            }
        }
    }

    /// Sorts and writes requests in one transaction. Ids another process took meanwhile: read again, and tried again.
    private func commit(_ requests: [Parsed]) throws -> [LiveIntake.Outcome] {
        var attempt = 0
        while true {
            attempt += 1
            // People `briefer forget` removed stay out, also when forgotten while serve runs.
            let forgotten = try store.forgottenPeople()
            var files: [IngestSummary.File] = []
            var batches: [IngestWriter.PreparedBatch] = []
            var triggered: [Bool] = []
            for request in requests {
                var sorter = CallSorter(forgotten: forgotten, extraction: extraction)
                var file = IngestSummary.File(path: request.path, kind: "events")
                for call in request.calls {
                    file.read += 1
                    switch call.result {
                    case let .success(result):
                        sorter.take([result], path: request.path, line: 0, raw: call.raw, envelope: false, file: &file)
                    case let .failure(rejection):
                        sorter.reject(rejection, path: request.path, line: 0, raw: call.raw, file: &file)
                    }
                }
                let (events, rejected) = sorter.drain()
                files.append(file)
                triggered.append(events.contains { $0.name.map(triggers.contains) ?? false })
                batches.append(writer.prepare(events: events, quarantine: rejected))
            }
            do {
                let written = try writer.write(batches)
                var outcomes: [LiveIntake.Outcome] = []
                for ((file, batch), triggered) in zip(zip(files, written), triggered) {
                    total.read += file.read
                    total.inserted += batch.inserted
                    total.duplicates += batch.duplicates
                    total.quarantined += file.quarantined
                    total.expired += batch.expired
                    outcomes.append(
                        LiveIntake.Outcome(
                            received: file.read, stored: batch.inserted, duplicates: batch.duplicates, quarantined: file.quarantined,
                            quarantineReasons: file.quarantineReasons, forgotten: file.forgotten, expired: batch.expired,
                            highIntent: batch.inserted > 0 && triggered))
                }
                return outcomes
            } catch {
                // The ids handed out for these batches were rolled back with them.
                try writer.reloadIds()
                if error is IngestWriter.StaleIds && attempt < 3 { continue }
                throw error
            }
        }
    }

    /// A request that came after ``finish()``: nothing of it was stored.
    struct Stopping: Error, CustomStringConvertible {
        var description: String { "the intake has stopped: nothing of the request was stored" }
    }

    /// Lets the thread commit what waits, stops it, and records the intake's totals as an ingest.
    func finish() throws {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !stopped { condition.wait() }
        condition.unlock()
        try writer.finish(read: total.read, inserted: total.inserted, duplicates: total.duplicates, quarantined: total.quarantined)
    }
}
