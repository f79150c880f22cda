import BrieferStore
import Foundation

/// Runs batch writes on one background thread while the caller goes on reading and parsing the
/// next batch: on two cores, parsing and SQLite overlap. At most `depth` batches wait, so memory
/// stays bounded; writes happen in submission order; the first error stops the rest.
final class WritePipeline: @unchecked Sendable {
    // `failure` and `outcomes` are guarded by `lock`; the writer closure only runs on `queue`.
    private let queue = DispatchQueue(label: "briefer.ingest.writer")
    private let slots: DispatchSemaphore
    private let group = DispatchGroup()
    private let lock = NSLock()
    private var failure: (any Error)?
    private var outcomes: [BatchOutcome] = []

    init(depth: Int = 2) { slots = DispatchSemaphore(value: depth) }

    /// Queues a write; blocks while `depth` writes are already waiting. Throws an earlier write's error.
    func submit(_ write: @escaping @Sendable () throws -> BatchOutcome) throws {
        try rethrowFailure()
        slots.wait()
        group.enter()
        queue.async { [self] in
            defer { slots.signal(); group.leave() }
            lock.lock()
            let failed = failure != nil
            lock.unlock()
            guard !failed else { return }
            do {
                let outcome = try write()
                lock.lock(); outcomes.append(outcome); lock.unlock()
            } catch {
                lock.lock(); failure = failure ?? error; lock.unlock()
            }
        }
    }

    /// Waits for every queued write; returns their outcomes in order, or throws the first error.
    func finish() throws -> [BatchOutcome] {
        group.wait()
        try rethrowFailure()
        lock.lock(); defer { lock.unlock() }
        return outcomes
    }

    private func rethrowFailure() throws {
        lock.lock(); defer { lock.unlock() }
        if let failure { throw failure }
    }
}
