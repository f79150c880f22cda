import BrieferCore
import Foundation
import GRDB

/// What `forget` removed, table by table.
public struct ForgetReport: Sendable, Equatable {
    /// The people (user ids) the email named.
    public var users: [String] = []
    /// Rows removed (or, for account scores, anonymised) per table.
    public var rows: [String: Int] = [:]
    public var total: Int { rows.values.reduce(0, +) }
    /// Scoring runs brought in from a warehouse: their events and scores there are not reached from here.
    public var warehouseRuns = 0
}

extension BrieferStore {
    /// The key `forgotten` keeps for an email: a hash of the trimmed, lowercased address.
    static func forgottenHash(_ email: String) -> String {
        StableHash.hex(email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased())
    }

    /// The key `forgotten` keeps for a forgotten person's user id.
    static func forgottenUserHash(_ userId: String) -> String { StableHash.hex("user:" + userId) }

    /// Who has been forgotten, for ingest to keep them out.
    public func forgottenPeople() throws -> ForgottenPeople { try read(Self.forgottenPeople) }

    static func forgottenPeople(_ db: Database) throws -> ForgottenPeople {
        ForgottenPeople(hashes: Set(try String.fetchAll(db, sql: "SELECT email_hash FROM forgotten")))
    }

    /// Removes a person (a deletion request, SPEC §8): every user whose email (users CSV or identify) or
    /// user id is `email`, and every user id an alias joined to one of them, with their events, the anonymous ids
    /// linked to them, daily aggregates, scores, subscriptions, quarantined lines
    /// that name them, their personal account's scores, briefings and model calls if they had one, and
    /// every CRM record of the address; then remembers hashes of the address and of those user ids, so no
    /// later sync writes the address and no later ingest stores the person again.
    /// One transaction: all of it or nothing. Deleted content is overwritten in the file (`secure_delete`)
    /// and the write-ahead log is checkpointed and truncated, so the address is not left in free pages.
    public func forget(email: String) throws -> ForgetReport {
        let address = email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA secure_delete = ON") }
        defer { try? queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA secure_delete = OFF") } }
        let report = try write { db in
            var report = ForgetReport()
            func delete(_ table: String, _ sql: String, _ arguments: StatementArguments) throws {
                try db.execute(sql: sql, arguments: arguments)
                if db.changesCount > 0 { report.rows[table, default: 0] += db.changesCount }
            }
            func deleteEvents(_ condition: String, _ arguments: StatementArguments) throws {
                let removed = try Self.removeEvents(db, where: condition, arguments, tombstone: "forgotten")
                if removed > 0 { report.rows["events", default: 0] += removed }
            }
            // The users the address names, and every user id an alias joined to one of them (either way, at any time):
            // one person under several ids.
            var people = try Row.fetchAll(
                db,
                sql: """
                    SELECT id, external_id FROM users
                    WHERE lower(csv_email) = ? OR lower(identify_email) = ? OR lower(external_id) = ?
                    """, arguments: [address, address, address])
            var seen = Set(people.map { $0["id"] as Int64 })
            var index = 0
            while index < people.count {
                let (id, externalId): (Int64, String) = (people[index]["id"], people[index]["external_id"])
                index += 1
                for other in try Row.fetchAll(
                    db,
                    sql: """
                        SELECT p.id, p.external_id FROM identity_links l JOIN users p ON p.external_id = l.from_id
                        WHERE l.via = 'alias' AND l.user_id = ?1
                        UNION
                        SELECT u.id, u.external_id FROM identity_links l JOIN users u ON u.id = l.user_id
                        WHERE l.via = 'alias' AND l.from_id = ?2
                        """, arguments: [id, externalId])
                where seen.insert(other["id"]).inserted {
                    people.append(other)
                }
            }
            var personIds = Set<Int64>(), linkedIds = Set<String>()
            for person in people {
                let id: Int64 = person["id"], externalId: String = person["external_id"]
                personIds.insert(id)
                report.users.append(externalId)
                let personalAccount = "user:" + externalId
                // The anonymous ids linked to the person are theirs: their events, days and links go, and a later file
                // bringing them back is kept out like the person's own user id.
                // Only the links held: an id in identity_conflicts was linked to someone else first and is theirs.
                let linked = try String.fetchAll(
                    db,
                    sql: """
                        SELECT from_id FROM identity_links l WHERE l.user_id = ?
                        AND NOT EXISTS (SELECT 1 FROM users u WHERE u.external_id = l.from_id)
                        """, arguments: [id])
                linkedIds.formUnion(linked)
                for from in linked {
                    try deleteEvents("anonymous_id = ? AND user_id IS NULL", [from])
                    try delete(
                        "anon_days", "DELETE FROM anon_days WHERE anon_id IN (SELECT id FROM anonymous_ids WHERE anonymous_id = ?)", [from])
                    try delete("anonymous_ids", "DELETE FROM anonymous_ids WHERE anonymous_id = ?", [from])
                    try delete("identity_conflicts", "DELETE FROM identity_conflicts WHERE from_id = ?", [from])
                    try db.execute(
                        sql: "INSERT OR REPLACE INTO forgotten(email_hash, forgotten_ms) VALUES(?, ?)",
                        arguments: [Self.forgottenUserHash(from), Timestamp.now.milliseconds])
                }
                try delete("identity_links", "DELETE FROM identity_links WHERE user_id = ? OR from_id = ?", [id, externalId])
                try delete("identity_conflicts", "DELETE FROM identity_conflicts WHERE user_id = ? OR from_id = ?", [id, externalId])
                try deleteEvents("user_id = ?", [id])
                try delete("user_days", "DELETE FROM user_days WHERE user_id = ?", [id])
                try delete("user_scores", "DELETE FROM user_scores WHERE user_id = ?", [externalId])
                try delete("subscriptions", "DELETE FROM subscriptions WHERE user_external_id = ?", [externalId])
                try delete("account_scores", "DELETE FROM account_scores WHERE account = ?", [personalAccount])
                try delete("account_scores", "UPDATE account_scores SET best_user_id = '(forgotten)' WHERE best_user_id = ?", [externalId])
                for table in ["briefings", "llm_calls", "deferrals", "leases"] {
                    try delete(table, "DELETE FROM \(table) WHERE account = ?", [personalAccount])
                }
                // Bad lines that carried the user id: a JSON value, or the first column of a users/subscriptions row.
                try delete(
                    "quarantine", "DELETE FROM quarantine WHERE instr(CAST(raw AS TEXT), ?) > 0 OR instr(CAST(raw AS TEXT), ?) = 1",
                    ["\"\(externalId)\"", "\(externalId),"])
                try delete("users", "DELETE FROM users WHERE id = ?", [id])
                try db.execute(
                    sql: "INSERT OR REPLACE INTO forgotten(email_hash, forgotten_ms) VALUES(?, ?)",
                    arguments: [Self.forgottenUserHash(externalId), Timestamp.now.milliseconds])
            }
            try delete("quarantine", "DELETE FROM quarantine WHERE instr(lower(CAST(raw AS TEXT)), ?) > 0", [address])
            // Events that carry the address as their anonymous id are the person's, and so are that id's days and links.
            try deleteEvents("lower(anonymous_id) = ?", [address])
            try delete(
                "anon_days", "DELETE FROM anon_days WHERE anon_id IN (SELECT id FROM anonymous_ids WHERE lower(anonymous_id) = ?)",
                [address])
            try delete("anonymous_ids", "DELETE FROM anonymous_ids WHERE lower(anonymous_id) = ?", [address])
            try delete("identity_links", "DELETE FROM identity_links WHERE lower(from_id) = ?", [address])
            try delete("identity_conflicts", "DELETE FROM identity_conflicts WHERE lower(from_id) = ?", [address])
            // Other people's events and groups that name the address (an invitation sent to it): redacted, in any
            // letter case (each pass replaces the spelling it finds first, until none is left).
            // So are the CRM's messages kept on other changes (a refused batch's message may list addresses)
            // and the stored run and sync summaries that quote them.
            // Actions not yet sent that name the person are not sent at all.
            try db.execute(
                sql: """
                    UPDATE crm_actions SET status = 'skipped', message = 'not sent: it named a person since forgotten', settled_ms = ?
                    WHERE status IN ('pending', 'waiting') AND instr(lower(COALESCE(body, '')), ?) > 0
                    """, arguments: [Timestamp.now.milliseconds, address])
            if db.changesCount > 0 { report.rows["crm_actions (not sent)", default: 0] += db.changesCount }
            // The raw activity events in blocks: the person's go (their keys leave the dedup index), and others' are redacted.
            var redacted = (properties: 0, traits: 0)
            let removed = try Self.rewriteBlocks(db) { events in
                events = events.compactMap { event in
                    if let user = event.user, personIds.contains(user) { return nil }
                    if let anonymous = event.anonymousId {
                        if event.user == nil && linkedIds.contains(anonymous) { return nil }
                        if anonymous.lowercased() == address { return nil }
                    }
                    var event = event
                    if let text = event.properties, let r = Self.redacting(address, in: text) {
                        event.properties = r
                        redacted.properties += 1
                    }
                    if let text = event.traits, let r = Self.redacting(address, in: text) {
                        event.traits = r
                        redacted.traits += 1
                    }
                    return event
                }
            }
            if removed > 0 { report.rows["events", default: 0] += removed }
            if redacted.properties > 0 { report.rows["events (properties redacted)", default: 0] += redacted.properties }
            if redacted.traits > 0 { report.rows["events (traits redacted)", default: 0] += redacted.traits }
            for (table, column) in [
                ("events", "properties"), ("events", "traits"), ("groups", "traits"), ("crm_outbox", "message"),
                ("crm_syncs", "summary"), ("pipeline_runs", "summary"), ("crm_actions", "body"), ("crm_actions", "message"),
            ] {
                for _ in 0..<16 {
                    try db.execute(
                        sql: """
                            UPDATE \(table) SET \(column) = replace(\(column), substr(\(column), instr(lower(\(column)), ?1), length(?1)), '[forgotten]')
                            WHERE instr(lower(\(column)), ?1) > 0
                            """, arguments: [address])
                    guard db.changesCount > 0 else { break }
                    report.rows["\(table) (\(column) redacted)", default: 0] += db.changesCount
                }
            }
            // Runs scored in a warehouse know the person by the user ids of their contact rows: their scores, their personal
            // account, and their name as an account's best user go as for a local run (the warehouse's own tables are not
            // reached from here).
            let importedIds = try String.fetchAll(
                db, sql: "SELECT DISTINCT user_id FROM warehouse_contacts WHERE lower(email) = ?", arguments: [address])
            let imported = "SELECT id FROM scoring_runs WHERE source IS NOT NULL"
            for id in importedIds where !report.users.contains(id) {
                report.users.append(id)
                try delete("user_scores", "DELETE FROM user_scores WHERE user_id = ? AND run_id IN (\(imported))", [id])
                try delete("account_scores", "DELETE FROM account_scores WHERE account = ? AND run_id IN (\(imported))", ["user:" + id])
                try delete(
                    "account_scores",
                    "UPDATE account_scores SET best_user_id = '(forgotten)' WHERE best_user_id = ? AND run_id IN (\(imported))", [id])
                for table in ["warehouse_facts", "warehouse_profiles"] {
                    try delete(table, "DELETE FROM \(table) WHERE account = ?", ["user:" + id])
                }
                try db.execute(
                    sql: "INSERT OR REPLACE INTO forgotten(email_hash, forgotten_ms) VALUES(?, ?)",
                    arguments: [Self.forgottenUserHash(id), Timestamp.now.milliseconds])
            }
            report.warehouseRuns = try Int.fetchOne(db, sql: "SELECT count(*) FROM scoring_runs WHERE source IS NOT NULL") ?? 0
            for table in ["crm_outbox", "crm_synced", "crm_contacts", "crm_owners", "crm_company_contacts", "warehouse_contacts"] {
                try delete(table, "DELETE FROM \(table) WHERE lower(email) = ?", [address])
            }
            try delete("crm_feedback", "DELETE FROM crm_feedback WHERE object = 'contact' AND lower(record) = ?", [address])
            try db.execute(
                sql: "INSERT OR REPLACE INTO forgotten(email_hash, forgotten_ms) VALUES(?, ?)",
                arguments: [Self.forgottenHash(address), Timestamp.now.milliseconds])
            return report
        }
        // Best effort: a reader holding the log open (a worker) keeps some pages until its next checkpoint.
        try? checkpoint()
        return report
    }

    /// `text` with every occurrence of `address` (lowercase), in any ASCII letter case, replaced by `[forgotten]`, as SQL's
    /// `lower` and `instr` find it; nil when it holds none.
    static func redacting(_ address: String, in text: String) -> String? {
        let needle = Array(address.utf8)
        let hay = Array(text.utf8)
        guard !needle.isEmpty, hay.count >= needle.count else { return nil }
        func lower(_ b: UInt8) -> UInt8 { b >= 65 && b <= 90 ? b + 32 : b }
        var out: [UInt8] = []
        var i = 0
        var found = false
        while i < hay.count {
            if i + needle.count <= hay.count && needle.indices.allSatisfy({ lower(hay[i + $0]) == needle[$0] }) {
                out += Array("[forgotten]".utf8)
                i += needle.count
                found = true
            } else {
                out.append(hay[i])
                i += 1
            }
        }
        return found ? String(decoding: out, as: UTF8.self) : nil
    }
}

/// The people `forget` removed, as hashes of their addresses and user ids: what a later ingest keeps out
/// (their events, identify calls, users and subscriptions rows), counted but not stored.
public struct ForgottenPeople: Sendable {
    let hashes: Set<String>

    public var isEmpty: Bool { hashes.isEmpty }

    public func contains(email: String?) -> Bool {
        guard let email, !hashes.isEmpty else { return false }
        return hashes.contains(BrieferStore.forgottenHash(email))
    }

    /// A forgotten person's user id, or a user id that is a forgotten address.
    public func contains(userId: String?) -> Bool {
        guard let userId, !hashes.isEmpty else { return false }
        return hashes.contains(BrieferStore.forgottenUserHash(userId)) || contains(email: userId)
    }

    /// An event of a forgotten person: by user id, an anonymous id that is their address, or an identify
    /// call naming their address.
    public func covers(_ event: IncomingEvent) -> Bool {
        guard !hashes.isEmpty else { return false }
        // An anonymous id the person held counts only on events of no user: a device later used by someone else
        // carries their user id, and their events stay.
        return contains(userId: event.userId) || (event.userId == nil && contains(userId: event.anonymousId))
            || contains(email: event.anonymousId)
            || (event.kind == .identify && contains(email: IdentifyTraits(event.traits).email))
    }

    /// A bad line that names a forgotten person — a quoted string, a CSV field or an address in it is
    /// their user id or address — is theirs: not kept in the quarantine either.
    public func mentioned(in raw: [UInt8]) -> Bool {
        guard !hashes.isEmpty else { return false }
        let text = String(decoding: raw, as: UTF8.self)
        var tokens = text.matches(of: /"([^"\\]{1,256})"/).map { String($0.1) }
        tokens += text.split(separator: ",", omittingEmptySubsequences: true).map {
            $0.trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        var found = false
        _ = UntrustedText.replacingEmails(
            in: text,
            where: { address in
                if contains(email: address) { found = true }
                return false
            }, with: "")
        return found || tokens.contains { contains(userId: $0) || contains(email: $0) }
    }

    /// `text` with every forgotten address in it (any letter case) replaced by `[forgotten]`, as
    /// `forget` redacts other people's events that name one.
    public func redacting(_ text: String) -> String {
        guard !hashes.isEmpty else { return text }
        return UntrustedText.replacingEmails(in: text, where: { contains(email: $0) }, with: "[forgotten]")
    }

    /// `event` with forgotten addresses in its properties or traits redacted (an invitation sent to one).
    public func redacting(_ event: IncomingEvent) -> IncomingEvent {
        guard !hashes.isEmpty else { return event }
        var event = event
        event.propertiesText = redacting(event.propertiesText)
        if event.kind != .track {
            let text = event.traits.canonicalText
            let redacted = redacting(text)
            if redacted != text, let traits = try? JSONParser.parse(redacted) { event.traits = traits }
        }
        return event
    }

    /// A users or subscriptions row of a forgotten person.
    public func covers(_ row: CSVRow) -> Bool {
        guard !hashes.isEmpty else { return false }
        switch row {
        case let .user(u): return contains(userId: u.userId) || contains(email: u.email)
        case let .subscription(s): return contains(userId: s.userId)
        case .company: return false
        }
    }
}
