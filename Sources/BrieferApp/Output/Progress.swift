import Foundation
import Synchronization

/// A one-line progress bar on standard error, drawn only when it is a terminal.
public final class Progress: Sendable {
    // Used from one thread at a time (the ingest loop); the mutex only guards against misuse.
    private let state = Mutex((lastDraw: Date.distantPast, drawn: false))

    public init?() {
        guard isatty(STDERR_FILENO) == 1 else { return nil }
    }

    /// What `done` and `total` count: bytes (shown in MiB) or items (shown as `done/total`).
    public enum Unit: Sendable { case bytes, items }

    public func update(label: String, done: Int, total: Int, unit: Unit = .bytes) {
        let now = Date()
        guard
            state.withLock({ state in
                guard now.timeIntervalSince(state.lastDraw) > 0.1 else { return false }
                state = (now, true)
                return true
            })
        else { return }
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 0
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let name = (label as NSString).lastPathComponent
        FileHandle.standardError.write(
            Data(
                "\r\(name.prefix(30)) [\(bar)] \(Int(fraction * 100))% \(unit == .bytes ? "\(done / 1_048_576) MiB" : "\(done)/\(total)")\u{1B}[K"
                    .utf8))
    }

    public func finish() {
        let drawn = state.withLock { state in
            defer { state = (.distantPast, false) }
            return state.drawn
        }
        if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
