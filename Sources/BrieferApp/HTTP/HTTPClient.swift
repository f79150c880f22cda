import CCurl
import Foundation
import Synchronization

/// An HTTP client over libcurl.
///
/// All curl work happens on one dedicated thread running a curl multi handle, never on Swift's
/// cooperative pool; `send(_:)` only hands the request over and suspends until it completes. Up to
/// `maxConcurrent` requests are in flight at once, the rest wait in order. TLS certificates and host
/// names are always verified, redirects are not followed, only http and https URLs are accepted.
public final class HTTPClient: Sendable {
    private let engine: CurlEngine

    /// - Parameter maxConcurrent: the most requests in flight at once (at least 1).
    public init(maxConcurrent: Int = 8) {
        engine = CurlEngine(maxConcurrent: max(1, maxConcurrent))
    }

    deinit {
        engine.stop()
    }

    /// Sends the request and returns the response, whatever its status.
    ///
    /// Throws `HTTPError` when no complete response arrives; cancelling the calling task aborts the
    /// transfer and throws `.cancelled`.
    public func send(_ request: HTTPRequest) async throws(HTTPError) -> HTTPResponse {
        try await engine.send(request).get()
    }

    /// Fails every request queued or in flight with `.cancelled`, and every later one. Also done on deinit.
    public func shutdown() {
        engine.stop()
    }
}

/// The multi handle, its worker thread, and the queue through which requests reach it.
///
/// `shared` is behind a mutex; `transfers` belongs to the worker thread alone. The multi handle
/// is used by the worker thread, except for `curl_multi_wakeup`, which is safe from any thread.
final class CurlEngine: @unchecked Sendable {
    typealias Completion = CheckedContinuation<Result<HTTPResponse, HTTPError>, Never>

    /// A request handed to the worker, with the continuation its result resumes.
    struct Job: Sendable {
        let id: UInt64
        let request: HTTPRequest
        let continuation: Completion
    }

    private struct Shared {
        var lastId: UInt64 = 0
        var queue: [Job] = []
        /// Jobs the worker has taken from the queue and not yet completed.
        var running: Set<UInt64> = []
        /// Running jobs whose tasks were cancelled, for the worker to abort.
        var cancelled: Set<UInt64> = []
        var stopping = false
    }

    private static let globalInit = curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    private static let cancelledError = HTTPError(.cancelled, "the request was cancelled")
    private static let shutDownError = HTTPError(.cancelled, "the HTTP client was shut down")

    private let multi: UnsafeMutableRawPointer
    private let maxConcurrent: Int
    private let shared = Mutex(Shared())
    private var transfers: [UnsafeMutableRawPointer: CurlTransfer] = [:]

    init(maxConcurrent: Int) {
        precondition(Self.globalInit == CURLE_OK, "curl_global_init failed")
        guard let multi = curl_multi_init() else { fatalError("curl_multi_init failed") }
        self.multi = multi
        self.maxConcurrent = maxConcurrent
        let thread = Thread { [self] in run() }
        thread.name = "briefer-http"
        thread.start()
    }

    /// Runs once the worker thread has ended and no caller is inside a method.
    deinit {
        curl_multi_cleanup(multi)
    }

    func send(_ request: HTTPRequest) async -> Result<HTTPResponse, HTTPError> {
        let id = shared.withLock { shared in
            shared.lastId += 1
            return shared.lastId
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                submit(Job(id: id, request: request, continuation: continuation))
            }
        } onCancel: {
            cancel(id)
        }
    }

    func stop() {
        let first = shared.withLock { shared in
            defer { shared.stopping = true }
            return !shared.stopping
        }
        if first { curl_multi_wakeup(multi) }
    }

    /// Queues the job, unless the task is already cancelled (checked under the mutex, so a cancellation
    /// that `cancel` did not find in the queue is seen here) or the client is stopping.
    private func submit(_ job: Job) {
        let refusal: HTTPError? = shared.withLock { shared in
            if shared.stopping { return Self.shutDownError }
            if Task.isCancelled { return Self.cancelledError }
            shared.queue.append(job)
            return nil
        }
        if let refusal {
            job.continuation.resume(returning: .failure(refusal))
        } else {
            curl_multi_wakeup(multi)
        }
    }

    /// A queued job completes at once; a running one is left for the worker to abort.
    private func cancel(_ id: UInt64) {
        let queued: Job? = shared.withLock { shared in
            if let index = shared.queue.firstIndex(where: { $0.id == id }) { return shared.queue.remove(at: index) }
            if shared.running.contains(id) { shared.cancelled.insert(id) }
            return nil
        }
        if let queued {
            queued.continuation.resume(returning: .failure(Self.cancelledError))
        } else {
            curl_multi_wakeup(multi)
        }
    }

    // MARK: Worker thread

    private func run() {
        var active: Int32 = 0
        var remaining: Int32 = 0
        while true {
            let (jobs, cancelled, stopping) = shared.withLock { shared in
                if shared.stopping {
                    defer { shared.queue.removeAll() }
                    return (shared.queue, Set<UInt64>(), true)
                }
                let jobs = Array(shared.queue.prefix(max(0, maxConcurrent - transfers.count)))
                shared.queue.removeFirst(jobs.count)
                shared.running.formUnion(jobs.map(\.id))
                defer { shared.cancelled.removeAll() }
                return (jobs, shared.cancelled, false)
            }
            if stopping {
                for job in jobs { job.continuation.resume(returning: .failure(Self.shutDownError)) }
                for transfer in transfers.values { complete(transfer, .failure(Self.shutDownError)) }
                return
            }
            // Started first: a job taken just now may already be among the cancelled.
            for job in jobs { start(job) }
            for transfer in transfers.values where cancelled.contains(transfer.job.id) {
                complete(transfer, .failure(Self.cancelledError))
            }

            curl_multi_perform(multi, &active)
            var completed = false
            while let message = curl_multi_info_read(multi, &remaining) {
                guard message.pointee.msg == CURLMSG_DONE, let transfer = transfers[message.pointee.easy_handle] else { continue }
                complete(transfer, transfer.result(message.pointee.data.result))
                completed = true
            }
            // A completion may let queued jobs start: take them before waiting.
            if !completed { curl_multi_poll(multi, nil, 0, 1000, nil) }
        }
    }

    private func start(_ job: Job) {
        guard let transfer = CurlTransfer(job: job) else {
            finish(job, .failure(HTTPError(.transport, "could not create a curl handle (out of memory)")))
            return
        }
        do {
            try transfer.configure()
        } catch {
            finish(job, .failure(error))
            return
        }
        let code = curl_multi_add_handle(multi, transfer.handle)
        guard code == CURLM_OK else {
            finish(
                job, .failure(HTTPError(.transport, "\(String(cString: curl_multi_strerror(code))) (curl multi error \(code.rawValue))")))
            return
        }
        transfers[transfer.handle] = transfer
    }

    /// Takes the transfer out of the multi handle, releases it and resumes its caller.
    private func complete(_ transfer: CurlTransfer, _ result: Result<HTTPResponse, HTTPError>) {
        curl_multi_remove_handle(multi, transfer.handle)
        transfers[transfer.handle] = nil
        finish(transfer.job, result)
    }

    private func finish(_ job: Job, _ result: Result<HTTPResponse, HTTPError>) {
        shared.withLock { shared in
            shared.running.remove(job.id)
            shared.cancelled.remove(job.id)
        }
        job.continuation.resume(returning: result)
    }
}
