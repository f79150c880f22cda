import Dispatch

/// Where the async use cases (enrichment, the CRM push, the pipeline, the worker) run their synchronous
/// stretches: threads of its own, not Swift's cooperative pool. Those stretches call SQLite, which blocks — on
/// the disk, and on another process's write lock for up to the busy timeout — and a blocked cooperative
/// thread (there are as many as cores: two here) stalls every other task of the process, a server's
/// requests included. A task that prefers this executor, and every child task it makes, runs here; awaiting
/// the network still suspends without holding a thread.
public final class StoreExecutor: TaskExecutor {
    public static let shared = StoreExecutor()

    private let queue: DispatchQueue
    private static let marker = DispatchSpecificKey<Bool>()

    private init() {
        queue = DispatchQueue(label: "briefer.store", qos: .userInitiated, attributes: .concurrent)
        queue.setSpecific(key: Self.marker, value: true)
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    /// Whether the caller runs on one of this executor's threads (for tests and assertions).
    public static var isCurrent: Bool { DispatchQueue.getSpecific(key: marker) ?? false }

    /// Runs `body` (and the tasks it makes) on this executor's threads.
    public static func run<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        try await withTaskExecutorPreference(shared, operation: body)
    }
}
