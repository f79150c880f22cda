import Dispatch
import Foundation
import Logging
import Synchronization

/// Runs work until it ends or SIGTERM / SIGINT arrives: the first signal cancels it (it stops between its
/// committed steps), a second calls `onSecondSignal` (the CLI exits at once with status 130).
public enum GracefulShutdown {
    public static func run(
        logger: Logger, onSecondSignal: @escaping @Sendable () -> Void,
        _ work: @escaping @Sendable () async -> Void
    ) async {
        // The handlers first: a signal that arrives before the work starts still stops it.
        let task = Mutex<(task: Task<Void, Never>?, cancelled: Bool)>((nil, false))
        let signals = SignalHandlers { count in
            if count > 1 {
                logger.warning("second signal: exiting at once")
                onSecondSignal()
                return
            }
            logger.notice("stopping: signal received; abandoning the work in progress between committed steps (again to exit at once)")
            task.withLock {
                $0.cancelled = true; $0.task?.cancel()
            }
        }
        let running = Task { await work() }
        task.withLock {
            $0.task = running; if $0.cancelled { running.cancel() }
        }
        await running.value
        withExtendedLifetime(signals) {}
    }
}

/// Calls a handler on every SIGTERM or SIGINT with how many have arrived (their default action, ending the
/// process, is replaced while it lives).
final class SignalHandlers {
    private let sources: [any DispatchSourceSignal]

    init(_ handler: @escaping @Sendable (Int) -> Void) {
        let count = Mutex(0)
        sources = [SIGTERM, SIGINT].map { sig in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                handler(
                    count.withLock {
                        $0 += 1; return $0
                    })
            }
            source.resume()
            return source
        }
    }
}
