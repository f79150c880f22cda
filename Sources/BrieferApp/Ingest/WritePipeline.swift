import BrieferStore
import Foundation
import Synchronization

/// Runs batch writes on one background thread while the caller goes on reading and parsing the
/// next batch: on two cores, parsing and SQLite overlap. At most `depth` batches wait, so memory
/// stays bounded; writes happen in submission order; the first error stops the rest.
final class WritePipeline: Sendable {
    // The writer closure only runs on `queue`.
    private let queue = DispatchQueue(label: "briefer.ingest.writer")
    private let slots: DispatchSemaphore
    private let group = DispatchGroup()
    private let state = Mutex<(failure: (any Error)?, outcomes: [BatchOutcome])>((nil, []))

    init(depth: Int = 2) { slots = DispatchSemaphore(value: depth) }

    /// Queues a write; blocks while `depth` writes are already waiting. Throws an earlier write's error.
    func submit(_ write: @escaping @Sendable () throws -> BatchOutcome) throws {
        try rethrowFailure()
        slots.wait()
        group.enter()
        queue.async { [self] in
            defer { slots.signal(); group.leave() }
            guard state.withLock({ $0.failure == nil }) else { return }
            do {
                let outcome = try write()
                state.withLock { $0.outcomes.append(outcome) }
            } catch {
                state.withLock { $0.failure = $0.failure ?? error }
            }
        }
    }

    /// Waits for every queued write; returns their outcomes in order, or throws the first error.
    func finish() throws -> [BatchOutcome] {
        group.wait()
        try rethrowFailure()
        return state.withLock { $0.outcomes }
    }

    private func rethrowFailure() throws {
        if let failure = state.withLock({ $0.failure }) { throw failure }
    }
}
