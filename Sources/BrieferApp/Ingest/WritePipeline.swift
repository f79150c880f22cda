import BrieferStore
import Foundation
import Synchronization

/// Runs work on one background thread while the caller goes on with the next piece: ingest's stages (sorting parsed lines
/// into batches, writing batches) overlap on two cores. At most `depth` pieces wait, so memory stays bounded; work runs in
/// submission order; the first error stops the rest.
final class WritePipeline<Output: Sendable>: Sendable {
    // The work only runs on `queue`.
    private let queue: DispatchQueue
    private let slots: DispatchSemaphore
    private let group = DispatchGroup()
    private let state = Mutex<(failure: (any Error)?, outputs: [Output])>((nil, []))

    init(label: String = "briefer.ingest.writer", depth: Int = 2) {
        queue = DispatchQueue(label: label)
        slots = DispatchSemaphore(value: depth)
    }

    /// Queues work; blocks while `depth` pieces are already waiting. Throws an earlier piece's error.
    func submit(_ work: @escaping @Sendable () throws -> Output) throws {
        try rethrowFailure()
        slots.wait()
        group.enter()
        queue.async { [self] in
            defer { slots.signal(); group.leave() }
            guard state.withLock({ $0.failure == nil }) else { return }
            do {
                let output = try work()
                state.withLock { $0.outputs.append(output) }
            } catch {
                state.withLock { $0.failure = $0.failure ?? error }
            }
        }
    }

    /// Waits for every queued piece; returns their outputs in order, or throws the first error.
    func finish() throws -> [Output] {
        group.wait()
        try rethrowFailure()
        return state.withLock { $0.outputs }
    }

    private func rethrowFailure() throws {
        if let failure = state.withLock({ $0.failure }) { throw failure }
    }
}
