import BrieferCore
import GRDB

extension BrieferStore {
    /// One row of the subscriptions CSV.
    public struct SubscriptionStart: Sendable, Equatable {
        public var plan: String
        public var start: Timestamp
    }

    /// Every stored subscription by user id, oldest first.
    public func subscriptionsByUser() throws -> [String: [SubscriptionStart]] {
        try read { db in
            var byUser: [String: [SubscriptionStart]] = [:]
            let rows = try Row.fetchCursor(
                db, sql: "SELECT user_external_id, plan, start_ms FROM subscriptions ORDER BY user_external_id, start_ms, plan")
            while let row = try rows.next() {
                byUser[row["user_external_id"], default: []].append(
                    SubscriptionStart(plan: row["plan"], start: Timestamp(milliseconds: row["start_ms"])))
            }
            return byUser
        }
    }

    /// How far the data reaches: the first and the latest event, the latest subscription start, and
    /// how many users are stored.
    public typealias DataSpan = (firstEvent: Timestamp?, lastEvent: Timestamp?, lastSubscription: Timestamp?, users: Int)

    public func dataSpan() throws -> DataSpan {
        try read { db in
            let events = try Row.fetchOne(
                db,
                sql: """
                    SELECT min(low), max(high) FROM (
                        SELECT min(ts) AS low, max(ts) AS high FROM events WHERE kind NOT IN ('forgotten', 'compacted')
                        UNION ALL SELECT min(first_ms), max(last_ms) FROM event_blocks)
                    """)
            let subscriptions = try Int64.fetchOne(db, sql: "SELECT MAX(start_ms) FROM subscriptions")
            let users = try Int.fetchOne(db, sql: "SELECT count(*) FROM users") ?? 0
            let first: Int64? = events?[0], last: Int64? = events?[1]
            return (
                first.map(Timestamp.init(milliseconds:)), last.map(Timestamp.init(milliseconds:)),
                subscriptions.map(Timestamp.init(milliseconds:)), users
            )
        }
    }
}
