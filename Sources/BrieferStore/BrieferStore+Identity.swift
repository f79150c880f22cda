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
    /// link of an id wins (at the same time, the smaller user id), whatever order calls arrive in; a link of the same
    /// id to another user is kept as a conflict (reported, not applied); the same link seen again keeps its earliest
    /// time.
    /// - Returns: whether a link was newly set aside as a conflict (a user's link already set aside, seen again on
    /// their next event, is not counted again).
    @discardableResult
    static func recordLink(_ db: Database, from: String, user: Int64, ms: Int64, via: String) throws -> Bool {
        func conflicts() throws -> Int {
            try Int.fetchOne(db, sql: "SELECT count(*) FROM identity_conflicts WHERE from_id = ?", arguments: [from]) ?? 0
        }
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
        // At the same millisecond (Mixpanel's times are whole seconds) the smaller user id is first, whatever the order.
        func externalId(_ row: Int64) throws -> String {
            try String.fetchOne(db, sql: "SELECT external_id FROM users WHERE id = ?", arguments: [row]) ?? ""
        }
        let first = try ms < heldSince || (ms == heldSince && externalId(user) < externalId(holder))
        let before = try conflicts()
        guard first else {
            try conflict(user, ms, via)
            return try conflicts() > before
        }
        // An earlier link to another user arrived late: it is the first, and the one held becomes a conflict.
        try conflict(holder, heldSince, existing["via"])
        try db.execute(sql: "DELETE FROM identity_conflicts WHERE from_id = ? AND user_id = ?", arguments: [from, user])
        try db.execute(
            sql: "UPDATE identity_links SET user_id = ?, linked_ms = ?, via = ? WHERE from_id = ?", arguments: [user, ms, via, from])
        return try conflicts() > before
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

    /// Who each user id an alias made by `asOfMs` retired has become, by row id: the end of its chain of aliases
    /// (u0 → u1 → u2 makes u0 and u1 both u2). Only an alias merges two user ids: an identify or a device naming a user
    /// id as its anonymous id does not (two identified people stay two, as PostHog keeps them). In a cycle (u1 → u2, later u2 → u1) the latest alias decides: the
    /// user it names is the person, and only the other ids of the cycle are retired. A user id not in the result is
    /// its own person.
    static func aliasSurvivors(_ db: Database, asOfMs: Int64) throws -> [Int64: Int64] {
        var next: [Int64: (to: Int64, ms: Int64, from: String)] = [:]
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT p.id, p.external_id, l.user_id, l.linked_ms FROM identity_links l JOIN users p ON p.external_id = l.from_id
                WHERE l.via = 'alias' AND l.linked_ms <= ?
                """, arguments: [asOfMs])
        while let row = try rows.next() { next[row["id"]] = (row["user_id"], row["linked_ms"], row["external_id"]) }
        var survivor: [Int64: Int64] = [:]
        var settled = Set<Int64>()
        for start in next.keys.sorted() where !settled.contains(start) {
            var path: [Int64] = [], onPath: [Int64: Int] = [:]
            var node = start
            var end: Int64
            while true {
                if settled.contains(node) {
                    end = survivor[node] ?? node
                    break
                }
                if let at = onPath[node] {
                    // A cycle: the user the latest of its aliases names is the person.
                    let latest = path[at...].max { a, b in (next[a]!.ms, next[a]!.from) < (next[b]!.ms, next[b]!.from) }!
                    end = next[latest]!.to
                    break
                }
                guard let link = next[node] else {
                    end = node
                    break
                }
                onPath[node] = path.count
                path.append(node)
                node = link.to
            }
            for id in path {
                settled.insert(id)
                if id != end { survivor[id] = end }
            }
        }
        return survivor
    }

    /// The packed days that count for a user by `asOfMs` besides their own, up to `maxDay`, by the user's row id
    /// (only `users` when given): those of the anonymous ids linked to them or to a user id retired into them, and
    /// of the user ids an alias retired into them (see ``aliasSurvivors(_:asOfMs:)``).
    /// `survivors`: the alias map as of `asOfMs` when the caller has read it already (the same one its profiles used).
    static func stitchedDays(
        _ db: Database, asOfMs: Int64, maxDay: Int64, users: [Int64]? = nil, survivors known: [Int64: Int64]? = nil
    ) throws -> [Int64: [ActivityDay]] {
        var days: [Int64: [ActivityDay]] = [:]
        let survivors = try known ?? aliasSurvivors(db, asOfMs: asOfMs)
        var filter = ("", "")
        if let users {
            let wanted = Set(users)
            let sources = (users + survivors.filter { wanted.contains($0.value) }.map(\.key)).map(String.init).joined(separator: ",")
            filter = (" AND l.user_id IN (\(sources))", " AND p.id IN (\(sources))")
        }
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT 0 AS retired, l.user_id AS source, d.day, d.entries FROM identity_links l
                JOIN anonymous_ids a ON a.anonymous_id = l.from_id JOIN anon_days d ON d.anon_id = a.id
                WHERE l.linked_ms <= ?1 AND d.day <= ?2\(filter.0)
                UNION ALL
                SELECT 1 AS retired, p.id AS source, d.day, d.entries FROM identity_links l
                JOIN users p ON p.external_id = l.from_id JOIN user_days d ON d.user_id = p.id
                WHERE l.via = 'alias' AND l.linked_ms <= ?1 AND d.day <= ?2\(filter.1)
                """, arguments: [asOfMs, maxDay])
        while let row = try rows.next() {
            let source: Int64 = row["source"]
            let person = survivors[source] ?? source
            // A user id an alias names but that is still its own person (a cycle's survivor) has only its own days.
            if row["retired"] as Bool, person == source { continue }
            let blob: Data = row["entries"]
            if let day = blob.withUnsafeBytes({ ActivityDay(day: row["day"], encoded: $0) }) {
                days[person, default: []].append(day)
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

extension BrieferStore {
    /// Merges what identify calls said (``IdentifyFields``) into a user's row, field by field: a value replaces the stored
    /// one when its call is later (at the same millisecond, when it is greater). Arguments: ``mergeIdentifyArguments(_:user:)``.
    static let mergeIdentifySQL: String = {
        /// A field and the time of the call that gave it, from the arguments ?v (value) and ?t (time): replaced when the
        /// new call is later, or as late with a greater value.
        func field(_ column: String, _ time: String, value v: Int, time t: Int) -> String {
            let later = "?\(v) IS NOT NULL AND (\(time) IS NULL OR \(time) < ?\(t) OR (\(time) = ?\(t) AND \(column) < ?\(v)))"
            return "\(column) = CASE WHEN \(later) THEN ?\(v) ELSE \(column) END, \(time) = CASE WHEN \(later) THEN ?\(t) ELSE \(time) END"
        }
        let fields = [
            field("identify_email", "identify_email_ms", value: 1, time: 2),
            field("identify_title", "identify_title_ms", value: 3, time: 4),
            field("identify_created_ms", "identify_created_set_ms", value: 5, time: 6),
            "identify_ms = CASE WHEN identify_ms IS NULL OR identify_ms < ?7 THEN ?7 ELSE identify_ms END",
        ]
        return "UPDATE users SET " + fields.joined(separator: ", ") + " WHERE id = ?8"
    }()

    static func mergeIdentifyArguments(_ f: IdentifyFields, user: Int64) -> StatementArguments {
        [f.email?.value, f.email?.ms, f.title?.value, f.title?.ms, f.created?.value, f.created?.ms, f.ms, user]
    }

    /// Every user's identify fields read again from their identify calls (v14: before it, a later call without a field
    /// could leave an older value than the latest in place).
    static func refoldIdentifyFields(_ db: Database) throws {
        try db.execute(
            sql: """
                UPDATE users SET identify_email = NULL, identify_email_ms = NULL, identify_title = NULL, identify_title_ms = NULL,
                    identify_created_ms = NULL, identify_created_set_ms = NULL, identify_ms = NULL
                """)
        let rows = try Row.fetchCursor(
            db, sql: "SELECT user_id, ts, traits FROM events WHERE kind = 'identify' AND user_id IS NOT NULL ORDER BY user_id")
        let merge = try db.makeStatement(sql: mergeIdentifySQL)
        var current: (user: Int64, fields: IdentifyFields)?
        func flush() throws {
            if let current { try merge.execute(arguments: mergeIdentifyArguments(current.fields, user: current.user)) }
        }
        while let row = try rows.next() {
            let user: Int64 = row["user_id"]
            if current?.user != user {
                try flush()
                current = (user, IdentifyFields())
            }
            let traits = IdentifyTraits((row["traits"] as String?).flatMap { try? JSONParser.parse($0) } ?? .object([]))
            current!.fields.add(ms: row["ts"], traits)
        }
        try flush()
    }
}
