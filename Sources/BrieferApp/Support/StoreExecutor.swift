import Dispatch
import Foundation
import Synchronization

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
        queue.async {
            Self.yieldToOthersIfAsked()
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }

    /// The nice value this executor's threads take (0: as the process).
    private static let niceness = Atomic<Int32>(0)

    /// Makes this executor's threads yield the processor to the process's other threads (`briefer serve`: the pipeline
    /// cycle's minutes of scoring and planning run here, the intake's requests on threads of their own, which the kernel
    /// then runs first when both are ready). Threads already running take it at their next job.
    public static func yieldToOtherThreads(niceness value: Int32 = 10) { niceness.store(value, ordering: .relaxed) }

    private static func yieldToOthersIfAsked() {
        let wanted = niceness.load(ordering: .relaxed)
        guard wanted != 0 else { return }
        #if os(Linux)
            // On Linux a thread's nice value is its own, and PRIO_PROCESS with id 0 names the calling thread (setpriority(2)).
            let which = __priority_which_t(PRIO_PROCESS.rawValue)
            if getpriority(which, 0) < wanted { setpriority(which, 0, wanted) }
        #endif
    }

    /// Whether the caller runs on one of this executor's threads (for tests and assertions).
    public static var isCurrent: Bool { DispatchQueue.getSpecific(key: marker) ?? false }

    /// Runs `body` (and the tasks it makes) on this executor's threads.
    public static func run<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        try await withTaskExecutorPreference(shared, operation: body)
    }
}
