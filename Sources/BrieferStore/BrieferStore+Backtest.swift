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
            let rows = try Row.fetchCursor(db, sql: "SELECT user_external_id, plan, start_ms FROM subscriptions ORDER BY user_external_id, start_ms, plan")
            while let row = try rows.next() {
                byUser[row[0], default: []].append(SubscriptionStart(plan: row[1], start: Timestamp(milliseconds: row[2])))
            }
            return byUser
        }
    }

    /// The latest event time and the latest subscription start stored: how far the data reaches.
    public func dataEnd() throws -> (events: Timestamp?, subscriptions: Timestamp?) {
        try read { db in
            let events = try Int64.fetchOne(db, sql: "SELECT MAX(ts) FROM events")
            let subscriptions = try Int64.fetchOne(db, sql: "SELECT MAX(start_ms) FROM subscriptions")
            return (events.map(Timestamp.init(milliseconds:)), subscriptions.map(Timestamp.init(milliseconds:)))
        }
    }
}
