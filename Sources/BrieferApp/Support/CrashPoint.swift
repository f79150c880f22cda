import Foundation

/// Named places where a test can make the process die at once, as a crash or `kill -9` would: set
/// `BRIEFER_TEST_CRASH_AT` to the point's name. Never set in production; read once.
public enum CrashPoint {
    static let armed: String? = ProcessInfo.processInfo.environment["BRIEFER_TEST_CRASH_AT"].flatMap { $0.isEmpty ? nil : $0 }

    /// Dies here (SIGKILL, no cleanup, nothing flushed) when this point is armed.
    public static func hit(_ name: String) {
        guard let armed, armed == name else { return }
        kill(getpid(), SIGKILL)
    }
}
