import Foundation
import Synchronization

/// The writers of one database in this process, taking turns in the order they asked.
///
/// SQLite lets one connection write at a time and makes the others wait by sleeping and trying again, up to 100 ms
/// between tries. A connection that commits many transactions back to back — a pipeline cycle recording thousands of
/// CRM changes, a retention pass — releases the lock for microseconds between them, and a connection polling for it
/// keeps missing that window: serve's intake once waited 1.5 s behind a sync that way. Every ``BrieferStore/write(_:)``
/// of this process takes a turn here first, so a request waits for the one transaction ahead of it at most. (Writers in
/// other processes still meet SQLite's own waiting.)
final class WriteTurns: @unchecked Sendable {
    private let condition = NSCondition()
    private var next: UInt64 = 0
    private var serving: UInt64 = 0

    private static let byPath = Mutex<[String: WriteTurns]>([:])

    /// The turns of the database at `path` (a database in memory has its own).
    static func forDatabase(_ path: String) -> WriteTurns {
        guard path != ":memory:" else { return WriteTurns() }
        let key = URL(fileURLWithPath: path).standardizedFileURL.path
        return byPath.withLock { all in
            if let turns = all[key] { return turns }
            let turns = WriteTurns()
            all[key] = turns
            return turns
        }
    }

    /// Waits for this caller's turn, runs `body`, and hands the turn on.
    func take<T>(_ body: () throws -> T) rethrows -> T {
        condition.lock()
        let ticket = next
        next &+= 1
        while serving != ticket { condition.wait() }
        condition.unlock()
        defer {
            condition.lock()
            serving &+= 1
            condition.broadcast()
            condition.unlock()
        }
        return try body()
    }
}
