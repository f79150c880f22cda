import Foundation
import Synchronization

/// Named places where a test can make the process die at once, as a crash or `kill -9` would: set
/// `BRIEFER_TEST_CRASH_AT` to the point's name, and `BRIEFER_TEST_CRASH_AFTER` to die at its n-th hit
/// (default 1). Never set in production; read once.
///
/// The points: `ingest-after-batch` (a batch of an input file committed, the rest not), `enrich-after-answer`
/// (a model answer received and logged, its briefing not stored), `sync-after-files-written`,
/// `sync-before-send` (CRM changes recorded, not sent), `sync-after-send` (sent, not marked done), and for the actions
/// for newly-hot accounts `actions-before-send` and `actions-after-send` (a batch of tasks noted as sending, before and
/// after the create request), `actions-before-notify` and `actions-after-notify` (a Slack message or webhook event, the
/// same), and `actions-after-files-written`.
public enum CrashPoint {
    static let armed: String? = ProcessInfo.processInfo.environment["BRIEFER_TEST_CRASH_AT"].flatMap { $0.isEmpty ? nil : $0 }
    static let after: Int = ProcessInfo.processInfo.environment["BRIEFER_TEST_CRASH_AFTER"].flatMap { Int($0) }.map { max(1, $0) } ?? 1
    private static let hits = Mutex(0)

    public static let names = [
        "ingest-after-batch", "enrich-after-answer", "sync-after-files-written", "sync-before-send", "sync-after-send",
        "actions-before-send", "actions-after-send", "actions-before-notify", "actions-after-notify", "actions-after-files-written",
    ]

    /// Dies here (SIGKILL, no cleanup, nothing flushed) when this point is armed and this is its n-th hit.
    public static func hit(_ name: String) {
        guard let armed, armed == name else { return }
        let count = hits.withLock {
            $0 += 1; return $0
        }
        if count >= after { kill(getpid(), SIGKILL) }
    }
}
