import BrieferCore
import Foundation
import GRDB

/// An identity link (SPEC §2): from `linkedMs` on, what `fromId` did counts for `userId`.
public struct IdentityLink: Sendable, Equatable {
    public var fromId: String
    public var userId: String
    public var linkedMs: Int64
    /// `identify` or `alias`.
    public var via: String
}

extension BrieferStore {
    /// Records that `from` (an anonymous id, or the user id an alias retires) is `user` from `ms` on. The earliest
    /// link of an id wins, whatever order calls arrive in; a link of the same id to another user is kept as a
    /// conflict (reported, not applied); the same link seen again keeps its earliest time.
    /// - Returns: whether a link was set aside as a conflict.
    @discardableResult
    static func recordLink(_ db: Database, from: String, user: Int64, ms: Int64, via: String) throws -> Bool {
        let existing = try Row.fetchOne(
            db, sql: "SELECT user_id, linked_ms, via FROM identity_links WHERE from_id = ?", arguments: [from])
        guard let existing else {
            try db.execute(
                sql: "INSERT INTO identity_links(from_id, user_id, linked_ms, via) VALUES(?, ?, ?, ?)", arguments: [from, user, ms, via])
            return false
        }
        let (holder, heldSince): (Int64, Int64) = (existing["user_id"], existing["linked_ms"])
        if holder == user {
            if ms < heldSince {
                try db.execute(sql: "UPDATE identity_links SET linked_ms = ?, via = ? WHERE from_id = ?", arguments: [ms, via, from])
            }
            return false
        }
        func conflict(_ user: Int64, _ ms: Int64, _ via: String) throws {
            try db.execute(
                sql: """
                    INSERT INTO identity_conflicts(from_id, user_id, linked_ms, via) VALUES(?, ?, ?, ?)
                    ON CONFLICT(from_id, user_id) DO UPDATE SET linked_ms = excluded.linked_ms, via = excluded.via
                    WHERE excluded.linked_ms < linked_ms
                    """, arguments: [from, user, ms, via])
        }
        guard ms < heldSince else {
            try conflict(user, ms, via)
            return true
        }
        // An earlier link to another user arrived late: it is the first, and the one held becomes a conflict.
        try conflict(holder, heldSince, existing["via"])
        try db.execute(sql: "DELETE FROM identity_conflicts WHERE from_id = ? AND user_id = ?", arguments: [from, user])
        try db.execute(
            sql: "UPDATE identity_links SET user_id = ?, linked_ms = ?, via = ? WHERE from_id = ?", arguments: [user, ms, via, from])
        return true
    }

    /// Every link applied, and every conflicting link kept aside, by user id.
    public func identityLinks() throws -> (links: [IdentityLink], conflicts: [IdentityLink]) {
        try read { db in
            func links(_ table: String) throws -> [IdentityLink] {
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT l.from_id, u.external_id, l.linked_ms, l.via FROM \(table) l JOIN users u ON u.id = l.user_id
                        ORDER BY l.from_id, l.linked_ms
                        """
                ).map { IdentityLink(fromId: $0["from_id"], userId: $0["external_id"], linkedMs: $0["linked_ms"], via: $0["via"]) }
            }
            return (try links("identity_links"), try links("identity_conflicts"))
        }
    }

    /// The packed days that count for a user by `asOfMs` besides their own, up to `maxDay`, by the user's row id
    /// (only `users` when given): those of the anonymous ids linked to them, and of the user ids an alias retired
    /// into them.
    static func stitchedDays(_ db: Database, asOfMs: Int64, maxDay: Int64, users: [Int64]? = nil) throws -> [Int64: [ActivityDay]] {
        var days: [Int64: [ActivityDay]] = [:]
        let filter = users.map { " AND l.user_id IN (\($0.map(String.init).joined(separator: ",")))" } ?? ""
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT l.user_id, d.day, d.entries FROM identity_links l
                JOIN anonymous_ids a ON a.anonymous_id = l.from_id JOIN anon_days d ON d.anon_id = a.id
                WHERE l.linked_ms <= ?1 AND d.day <= ?2\(filter)
                UNION ALL
                SELECT l.user_id, d.day, d.entries FROM identity_links l
                JOIN users p ON p.external_id = l.from_id JOIN user_days d ON d.user_id = p.id
                WHERE l.linked_ms <= ?1 AND d.day <= ?2\(filter)
                """, arguments: [asOfMs, maxDay])
        while let row = try rows.next() {
            let blob: Data = row["entries"]
            if let day = blob.withUnsafeBytes({ ActivityDay(day: row["day"], encoded: $0) }) {
                days[row["user_id"], default: []].append(day)
            }
        }
        return days
    }
}

extension ActivityDay {
    /// Days of one person from several sources (their own and stitched ones) as one list: a day's entries together, in order.
    public static func merged(_ days: [ActivityDay]) -> [ActivityDay] {
        Dictionary(grouping: days, by: \.day).map { day, parts in
            parts.count == 1 ? parts[0] : ActivityDay(day: day, entries: parts.flatMap(\.entries).sorted())
        }.sorted { $0.day < $1.day }
    }
}
