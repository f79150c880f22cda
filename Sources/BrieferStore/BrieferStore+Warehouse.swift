import BrieferCore
import Foundation
import GRDB

extension BrieferStore {
    /// One input table of `briefer sql` (SPEC §10), as JSON Lines.
    public enum WarehouseInput: String, Sendable, CaseIterable {
        case events, identities, groups, traits, users, companies, subscriptions
    }

    /// Raw activity before this time was compacted by retention: the inputs cannot give the scores the packed days give.
    public struct InputsCompacted: BrieferError {
        public var horizon: Timestamp
        public var code: BrieferErrorCode { .badArgument }
        public var message: String {
            "retention compacted the raw activity events before \(horizon.iso8601) (retention.raw_event_days): the warehouse "
                + "inputs need every raw event, so they cannot be written from this database"
        }
    }

    /// Writes the store's calls and files as the input tables of `briefer sql`, one JSON object per line, in Briefer's
    /// reading of them: activity named as scoring names it (page rules applied, vendors' system events left out),
    /// identity links, group calls with the domain they name, identify calls' traits, and the three files. Times are
    /// ISO-8601 UTC; `properties` and `traits` are JSON text. Loading these into a warehouse and running the script
    /// gives what `briefer score` gives on this database.
    /// - Parameter write: receives each table's lines, a batch at a time (at most 10 000 lines).
    /// - Returns: rows written per table.
    public func exportWarehouseInputs(
        extraction: ActivityExtraction, write: (WarehouseInput, [String]) throws -> Void
    ) throws -> [WarehouseInput: Int] {
        try ensureAggregates(extraction: extraction)
        return try read { db in
            if let horizon = try Self.retentionHorizonMs(db) {
                let compacted =
                    try Int.fetchOne(
                        db, sql: "SELECT count(*) FROM user_days WHERE day < ?", arguments: [Timestamp(milliseconds: horizon).day]) ?? 0
                if compacted > 0 { throw InputsCompacted(horizon: Timestamp(milliseconds: horizon)) }
            }
            var counts: [WarehouseInput: Int] = [:]
            var batch: [String] = []
            func emit(_ table: WarehouseInput, _ members: [(String, JSONValue)]) throws {
                batch.append(JSONValue.object(members.map { (key: $0.0, value: $0.1) }).canonicalText)
                counts[table, default: 0] += 1
                if batch.count >= 10_000 { try write(table, batch); batch.removeAll(keepingCapacity: true) }
            }
            func flush(_ table: WarehouseInput) throws {
                if !batch.isEmpty { try write(table, batch) }
                batch.removeAll(keepingCapacity: true)
                counts[table, default: 0] += 0
            }
            func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
            func time(_ ms: Int64?) -> JSONValue { ms.map { .string(Timestamp(milliseconds: $0).iso8601) } ?? .null }
            func integer(_ value: Int64?) -> JSONValue { value.map { .number(String($0)) } ?? .null }
            func json(_ value: String?) -> JSONValue { .string(value ?? "{}") }
            func messageId(_ head: Int64, _ tail: Int64) -> JSONValue {
                .string(String(UInt64(bitPattern: head), radix: 16) + "-" + String(UInt64(bitPattern: tail), radix: 16))
            }

            let names = try Self.vocabulary(db).texts
            var users: [Int64: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, external_id FROM users") { users[row["id"]] = row["external_id"] }
            try Self.forEachRawEvent(db) { event in
                guard let name = names[event.name], event.user != nil || event.anonymousId != nil else { return }
                if extraction.isSystemEvent(source: event.source, name: name) { return }
                try emit(
                    .events,
                    [
                        ("message_id", messageId(event.head, event.tail)), ("user_id", text(event.user.flatMap { users[$0] })),
                        ("anonymous_id", text(event.anonymousId)), ("event_name", .string(name)), ("ts", time(event.milliseconds)),
                        ("group_id", text(event.groupHint)), ("properties", json(event.properties)),
                    ])
            }
            try flush(.events)

            // Each (id, user) pair at its earliest link: the holder and the conflicts, which decide the same holder.
            var rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT l.from_id, u.external_id, l.linked_ms, l.via FROM (
                        SELECT from_id, user_id, linked_ms, via FROM identity_links
                        UNION ALL SELECT from_id, user_id, linked_ms, via FROM identity_conflicts
                    ) l JOIN users u ON u.id = l.user_id ORDER BY l.from_id, l.linked_ms
                    """)
            while let row = try rows.next() {
                try emit(
                    .identities,
                    [
                        ("anonymous_id", text(row["from_id"])), ("user_id", text(row["external_id"])), ("ts", time(row["linked_ms"])),
                        ("via", text(row["via"])),
                    ])
            }
            // An alias call naming its own user (previousId = userId) links nothing, but its user is seen by then, as the
            // alias rows of a warehouse's aliases table say: one such row per alias call (the script's links skip them).
            rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT u.external_id, e.ts FROM events e JOIN users u ON u.id = e.user_id WHERE e.kind = 'alias' ORDER BY e.id
                    """)
            while let row = try rows.next() {
                try emit(
                    .identities,
                    [
                        ("anonymous_id", text(row["external_id"])), ("user_id", text(row["external_id"])), ("ts", time(row["ts"])),
                        ("via", .string("alias")),
                    ])
            }
            try flush(.identities)

            rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT u.external_id, e.group_hint, e.ts, e.traits FROM events e LEFT JOIN users u ON u.id = e.user_id
                    WHERE e.kind = 'group' AND e.group_hint IS NOT NULL ORDER BY e.id
                    """)
            while let row = try rows.next() {
                let traits = (row["traits"] as String?).flatMap { try? JSONParser.parse($0) } ?? .object([])
                let domain = traits["website"]?.stringValue ?? traits["domain"]?.stringValue
                try emit(
                    .groups,
                    [
                        ("user_id", text(row["external_id"])), ("group_id", text(row["group_hint"])), ("ts", time(row["ts"])),
                        ("domain", text(domain)), ("traits", json(row["traits"])),
                    ])
            }
            try flush(.groups)

            rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT u.external_id, e.ts, e.traits FROM events e JOIN users u ON u.id = e.user_id
                    WHERE e.kind = 'identify' ORDER BY e.id
                    """)
            while let row = try rows.next() {
                let traits = IdentifyTraits((row["traits"] as String?).flatMap { try? JSONParser.parse($0) } ?? .object([]))
                try emit(
                    .traits,
                    [
                        ("user_id", text(row["external_id"])), ("ts", time(row["ts"])), ("email", text(traits.email)),
                        ("title", text(traits.title)), ("created_at", time(traits.createdAt?.milliseconds)),
                        ("company", text(traits.companyHint)),
                    ])
            }
            try flush(.traits)

            rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT external_id, csv_email, csv_company_domain, csv_title, csv_created_ms FROM users WHERE csv_seen = 1
                    ORDER BY external_id
                    """)
            while let row = try rows.next() {
                try emit(
                    .users,
                    [
                        ("user_id", text(row["external_id"])), ("email", text(row["csv_email"])),
                        ("company_domain", text(row["csv_company_domain"])), ("title", text(row["csv_title"])),
                        ("created_at", time(row["csv_created_ms"])),
                    ])
            }
            try flush(.users)

            rows = try Row.fetchCursor(db, sql: "SELECT * FROM companies ORDER BY domain")
            while let row = try rows.next() {
                try emit(
                    .companies,
                    [
                        ("domain", text(row["domain"])), ("name", text(row["name"])), ("employee_count", integer(row["employee_count"])),
                        ("industry", text(row["industry"])), ("estimated_revenue", integer(row["estimated_revenue"])),
                        ("country", text(row["country"])), ("tech_stack", text(row["tech_stack"])),
                    ])
            }
            try flush(.companies)

            rows = try Row.fetchCursor(
                db, sql: "SELECT user_external_id, plan, start_ms FROM subscriptions ORDER BY user_external_id, start_ms")
            while let row = try rows.next() {
                try emit(
                    .subscriptions,
                    [
                        ("user_id", text(row["user_external_id"])), ("plan", text(row["plan"])),
                        ("subscription_start", time(row["start_ms"])),
                    ])
            }
            try flush(.subscriptions)
            return counts
        }
    }
}

// MARK: Runs scored in a warehouse

/// One row of a warehouse's `account_contacts`.
public struct WarehouseContact: Sendable, Equatable {
    public var account: String
    public var userId: String
    public var email: String
    public var score: Int
    public init(account: String, userId: String, email: String, score: Int) {
        self.account = account; self.userId = userId; self.email = email; self.score = score
    }
}

/// One row of a warehouse's `account_profiles`: a hot account's company and plan.
public struct WarehouseProfile: Sendable, Equatable {
    public var account: String
    public var company: CompanyRecord?
    public var plan: String?
    public init(account: String, company: CompanyRecord?, plan: String?) {
        self.account = account; self.company = company; self.plan = plan
    }
}

extension BrieferStore {
    /// Stores a run scored in a warehouse (`briefer import-scores`): its scores as `briefer score` stores its own (tier
    /// transitions against the runs before it), with its contacts, its hot accounts' activity counts and profiles, in one
    /// transaction.
    public func saveImportedRun(
        context: ScoringContext, source: String, configHash: String, users: [UserScore], accounts: [AccountScore],
        contacts: [WarehouseContact], activity: [String: AccountActivity], profiles: [WarehouseProfile], quarantine: [QuarantinedLine]
    ) throws -> ScoringRun {
        try saveRun(
            context: context, startedAt: Timestamp.now.iso8601, users: users, accounts: accounts, excluded: 0, counted: 0, botExcluded: 0,
            capExcluded: 0,
            imported: (
                source, configHash,
                { db, runId in
                    _ = try Self.insertQuarantine(db, quarantine, ingestId: nil)
                    let contact = try db.makeStatement(
                        sql: "INSERT OR REPLACE INTO warehouse_contacts(run_id, account, user_id, email, score) VALUES(?, ?, ?, ?, ?)")
                    for c in contacts { try contact.execute(arguments: [runId, c.account, c.userId, c.email, c.score]) }
                    let fact = try db.makeStatement(
                        sql: """
                            INSERT OR REPLACE INTO warehouse_facts(run_id, account, fact, name, window_count, ever_count)
                            VALUES(?, ?, ?, ?, ?, ?)
                            """)
                    for (account, a) in activity {
                        for (kind, counts) in [("event", a.events), ("feature", a.features), ("limit", a.limits)] {
                            for (name, n) in counts { try fact.execute(arguments: [runId, account, kind, name, n.window, n.ever]) }
                        }
                        for name in a.integrations { try fact.execute(arguments: [runId, account, "integration", name, 0, 1]) }
                        try fact.execute(arguments: [runId, account, "account", "active_days", a.activeDays, a.activeDays])
                        try fact.execute(arguments: [runId, account, "account", "active_users", a.activeUsers, a.activeUsers])
                    }
                    let profile = try db.makeStatement(
                        sql: """
                            INSERT OR REPLACE INTO warehouse_profiles(run_id, account, company_name, industry, employee_count, country,
                                tech_stack, plan) VALUES(?, ?, ?, ?, ?, ?, ?, ?)
                            """)
                    for p in profiles {
                        try profile.execute(arguments: [
                            runId, p.account, p.company?.name, p.company?.industry, p.company?.employeeCount, p.company?.country,
                            p.company.map { $0.techStack.joined(separator: ";") }, p.plan,
                        ])
                    }
                }
            ))
    }

    /// Stores refused rows alone (an import refused as a whole keeps them for `briefer quarantine`).
    public func storeQuarantined(_ lines: [QuarantinedLine]) throws {
        try write { db in _ = try Self.insertQuarantine(db, lines, ingestId: nil) }
    }

    /// The briefing inputs of a run scored in a warehouse, from the counts and profiles it brought.
    func importedPromptInputs(run: ScoringRun, accounts: [StoredAccountScore], configuration: BrieferConfiguration) throws -> [String:
        PromptInput]
    {
        try read { db in
            let builder = PromptInputBuilder(configuration: configuration, asOf: run.asOf, terms: [:])
            var inputs: [String: PromptInput] = [:]
            for stored in accounts {
                let account = stored.score.account
                var activity = AccountActivity()
                for row in try Row.fetchAll(
                    db, sql: "SELECT fact, name, window_count, ever_count FROM warehouse_facts WHERE run_id = ? AND account = ?",
                    arguments: [run.id, account])
                {
                    _ = activity.record(
                        fact: row["fact"], name: row["name"],
                        count: AccountActivity.Count(window: row["window_count"], ever: row["ever_count"]))
                }
                let profile = try Row.fetchOne(
                    db, sql: "SELECT * FROM warehouse_profiles WHERE run_id = ? AND account = ?", arguments: [run.id, account])
                let company = profile.map { row in
                    CompanyRecord(
                        domain: account, name: row["company_name"], employeeCount: row["employee_count"], industry: row["industry"],
                        estimatedRevenue: nil, country: row["country"],
                        techStack: CompanyRecord.stack(joined: row["tech_stack"]))
                }
                inputs[account] = builder.build(
                    score: stored.score, model: run.model, newlyHot: stored.score.tier == .hot && stored.previousTier != .hot,
                    company: company,
                    activity: activity, plan: profile?["plan"])
            }
            return inputs
        }
    }
}
