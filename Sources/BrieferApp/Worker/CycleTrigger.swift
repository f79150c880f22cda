/// Starts a pipeline cycle soon rather than at the interval (`briefer serve`, on a high-intent event). Pulls coalesce:
/// however many arrive while a cycle runs or the loop waits, they make one cycle.
public final class CycleTrigger: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation
    /// How long a pull waits for more before the cycle starts.
    public let delay: Duration

    public init(delay: Duration) {
        (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.delay = delay
    }

    /// Asks for a cycle soon.
    public func pull() { continuation.yield() }

    /// Waits until `timeout` has passed or a pull arrives (then `delay` more, for the pulls of a burst); a pull that
    /// arrived before counts at once.
    /// - Returns: whether a pull ended the wait.
    func wait(upTo timeout: Duration) async -> Bool {
        let pulled = await withTaskGroup(of: Bool.self) { group in
            group.addTask { [stream] in
                for await _ in stream { return true }
                return false
            }
            group.addTask {
                if timeout > .zero { try? await Task.sleep(for: timeout) }
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        if pulled, delay > .zero { try? await Task.sleep(for: delay) }
        return pulled
    }
}
