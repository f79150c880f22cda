import BrieferCore
import Foundation
import GRDB
import GRDBSQLite

/// A stored scoring run.
public struct ScoringRun: Sendable, Codable, Equatable {
    public var id: Int64
    public var asOf: Timestamp
    public var model: BrieferConfiguration.ScoringModel
    public var configHash: String
    public var startedAt: String
    public var finishedAt: String
    public var usersScored: Int
    public var usersExcluded: Int
    public var accountsScored: Int
    public var eventsCounted: Int
    public var eventsBotExcluded: Int
    public var eventsCapExcluded: Int
    /// Where the scores were computed: nil here, `warehouse (<dialect>)` for a run `briefer import-scores` brought in.
    public var source: String? = nil

    /// Scored in a warehouse: no local events behind it, its contacts and briefing facts came with it.
    public var isImported: Bool { source != nil }
}

/// An account's stored score with its tier transition.
public struct StoredAccountScore: Sendable, Codable, Equatable {
    public var score: AccountScore
    public var previousTier: Tier?
    public var becameHotAt: String?
}

/// What scoring reads for every user: profile, packed days, and who is excluded.
public struct ScoringInput: Sendable {
    public var profiles: [UserProfile]
    public var days: [String: [ActivityDay]]
    public var internalUsers: [String]
}

extension BrieferStore {
    /// Users' profiles: identity clues resolved to accounts, companies joined (CSV first, group traits
    /// filling gaps). Internal users are returned apart.
    /// - Returns: the profiles; internal users; each user's row id; for users whose signup as of this time
    ///   differs from the stored one (which the activation-window query uses), their row id; and who each user id an
    ///   alias retired by then has become (``aliasSurvivors(_:asOfMs:)``), for the stitched days read with them.
    public func profiles(context: ScoringContext) throws
        -> (profiles: [UserProfile], internal: [String], rowIds: [String: Int64], signupMoved: Set<Int64>, retired: [Int64: Int64])
    {
        try read { db in
            let (companies, groupDomains) = try Self.companyRecords(db, asOf: context.asOf.milliseconds)
            struct Stored {
                var rowId: Int64, userId: String, csvEmail: String?, csvTitle: String?, csvCreated: Int64?, csvDomain: String?
                var identifyEmail: String?, identifyTitle: String?, identifyCreated: Int64?, identifyMs: Int64?
                var hint: String?, hintMs: Int64?, firstEvent: Int64?, firstSeen: Int64?
            }
            let asOf = context.asOf.milliseconds
            var stored: [Stored] = []
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT id, external_id, csv_email, csv_title, csv_created_ms, csv_company_domain, identify_email, identify_title,
                           identify_created_ms, identify_ms, group_hint, group_hint_ms, first_event_ms, csv_seen, first_seen_ms
                    FROM users ORDER BY external_id
                    """)
            while let row = try rows.next() {
                let userId: String = row["external_id"]
                // A user is known at the as-of time from a call made by then, or from the users CSV unless
                // its created_at is later (the file is today's: a backtest must not meet people who
                // signed up after its time).
                let inCSV: Bool = row["csv_seen"]
                let csvCreated: Int64? = row["csv_created_ms"]
                let firstSeen: Int64? = row["first_seen_ms"]
                guard (inCSV && (csvCreated.map { $0 <= asOf } ?? true)) || (firstSeen.map { $0 <= asOf } ?? false) else { continue }
                stored.append(
                    Stored(
                        rowId: row["id"], userId: userId, csvEmail: row["csv_email"], csvTitle: row["csv_title"], csvCreated: csvCreated,
                        csvDomain: row["csv_company_domain"], identifyEmail: row["identify_email"], identifyTitle: row["identify_title"],
                        identifyCreated: row["identify_created_ms"], identifyMs: row["identify_ms"], hint: row["group_hint"],
                        hintMs: row["group_hint_ms"], firstEvent: row["first_event_ms"], firstSeen: firstSeen))
            }
            // The stored identity clues are the latest ever seen. For a user whose latest hint or
            // identify call is after the as-of time (a backtest), they are read again from the raw
            // calls made by then: an event after the as-of time never changes a score as of it.
            let stale = Set(stored.filter { ($0.hintMs ?? .min) > asOf || ($0.identifyMs ?? .min) > asOf }.map(\.rowId))
            var history: [Int64: (hint: (ms: Int64, text: String)?, identify: IdentifyFields)] = [:]
            if !stale.isEmpty {
                // The calls that give a hint at ingest too (IngestWriter): activity that is not a vendor's system event,
                // identify traits, group calls — never an alias call's context.
                var texts: [UInt32: String] = [:]
                func term(_ id: UInt32) throws -> String {
                    if let text = texts[id] { return text }
                    let text = try String.fetchOne(db, sql: "SELECT text FROM terms WHERE id = ?", arguments: [Int64(id)]) ?? ""
                    texts[id] = text
                    return text
                }
                func take(_ user: Int64, _ ms: Int64, hint: String?, identify: IdentifyTraits?) {
                    var h = history[user] ?? (nil, IdentifyFields())
                    var hint = hint
                    if let identify {
                        h.identify.add(ms: ms, identify)
                        hint = identify.companyHint
                    }
                    if let hint, IngestWriter.isLater(ms, hint, than: h.hint) { h.hint = (ms, hint) }
                    history[user] = h
                }
                // Calls (identify, group; the order does not matter: the latest wins, ties by text), then activity.
                let calls = try Row.fetchCursor(
                    db,
                    sql: """
                        SELECT user_id, kind, ts, group_hint, traits FROM events
                        WHERE user_id IS NOT NULL AND ts <= ? AND kind IN ('identify', 'group')
                        """, arguments: [asOf])
                while let row = try calls.next() {
                    let user: Int64 = row["user_id"]
                    guard stale.contains(user) else { continue }
                    let identify =
                        (row["kind"] as String) == "identify"
                        ? IdentifyTraits((row["traits"] as String?).flatMap { try? JSONParser.parse($0) } ?? .object([])) : nil
                    take(user, row["ts"], hint: row["group_hint"], identify: identify)
                }
                // Activity's hints, by day with the aggregates (HintDay): a vendor's system events left out already.
                let days = try db.makeStatement(
                    sql: "SELECT day, hints FROM user_days WHERE user_id = ? AND day <= ? AND hints IS NOT NULL")
                for user in stale {
                    let rows = try Row.fetchCursor(days, arguments: [user, Timestamp(milliseconds: asOf).day])
                    while let row = try rows.next() {
                        let hints = (row["hints"] as Data).withUnsafeBytes { HintDay.decode(day: row["day"], $0) }
                        for (ms, hint) in hints where ms <= asOf { take(user, ms, hint: try term(hint), identify: nil) }
                    }
                }
            }
            var profiles: [UserProfile] = []
            var internalUsers: [String] = []
            var rowIds: [String: Int64] = [:]
            var signupMoved = Set<Int64>()
            // A user id an alias made by then retires is the same person as the user at the end of its aliases: not
            // scored on its own (its days count for that user, see stitchedDays), and what it says of the person
            // (email, title, company, signup) stands where the person's own ids say nothing.
            let retired = try Self.aliasSurvivors(db, asOfMs: asOf)
            struct Clues {
                var email, title, csvDomain: String?
                var created, firstEvent: Int64?
                var hint: (ms: Int64, text: String)?
            }
            func clues(_ user: Stored) -> Clues {
                var c = Clues(
                    email: user.csvEmail ?? user.identifyEmail, title: user.csvTitle ?? user.identifyTitle, csvDomain: user.csvDomain,
                    created: user.csvCreated ?? user.identifyCreated, firstEvent: user.firstEvent,
                    hint: user.hint.map { (user.hintMs ?? .min, $0) })
                if stale.contains(user.rowId) {
                    let h = history[user.rowId]
                    (c.email, c.title, c.created, c.hint) = (
                        user.csvEmail ?? h?.identify.email?.value, user.csvTitle ?? h?.identify.title?.value,
                        user.csvCreated ?? h?.identify.created?.value, h?.hint
                    )
                }
                return c
            }
            var retiredInto: [Int64: [Stored]] = [:]
            for user in stored { if let person = retired[user.rowId] { retiredInto[person, default: []].append(user) } }
            for user in stored where retired[user.rowId] == nil {
                var c = clues(user)
                for other in retiredInto[user.rowId] ?? [] {
                    let o = clues(other)
                    (c.email, c.title, c.csvDomain, c.created) = (
                        c.email ?? o.email, c.title ?? o.title, c.csvDomain ?? o.csvDomain, c.created ?? o.created
                    )
                    if let h = o.hint, IngestWriter.isLater(h.ms, h.text, than: c.hint) { c.hint = h }
                    if let first = o.firstEvent { c.firstEvent = min(c.firstEvent ?? first, first) }
                }
                let identity = IdentityRules.Clues(
                    userId: user.userId, email: c.email, latestGroupHint: c.hint?.text, csvCompanyDomain: c.csvDomain)
                let (account, isInternal) = context.identity.resolve(identity, groupDomains: groupDomains)
                if isInternal { internalUsers.append(user.userId); continue }
                rowIds[user.userId] = user.rowId
                let signup = c.created ?? c.firstEvent
                if signup != user.csvCreated ?? user.identifyCreated ?? user.firstEvent { signupMoved.insert(user.rowId) }
                profiles.append(
                    UserProfile(
                        userId: user.userId, email: c.email, title: c.title,
                        signup: signup.map(Timestamp.init(milliseconds:)), account: account,
                        company: account.domain.flatMap { companies[$0] }, firstSeen: user.firstSeen.map(Timestamp.init(milliseconds:))))
            }
            return (profiles, internalUsers, rowIds, signupMoved, retired)
        }
    }

    /// Every known company: the companies file's fields over those of the latest group call naming its
    /// domain; and each group id's domain. Scoring and the briefing's prompt both read companies so.
    /// With `asOf`, only group calls made by then count (a backtest: a later call never changes it).
    static func companyRecords(_ db: Database, asOf: Int64? = nil) throws -> (
        records: [String: CompanyRecord], groupDomains: [String: String]
    ) {
        var groupDomains: [String: String] = [:]
        var companies: [String: CompanyRecord] = [:]
        func add(_ groupId: String, _ g: IngestWriter.GroupFields) {
            guard let domain = g.domain else { return }
            groupDomains[groupId] = domain
            companies[domain] = CompanyRecord(
                domain: domain, name: g.name, employeeCount: g.employees, industry: g.industry,
                estimatedRevenue: g.revenue, country: g.country)
        }
        let latest = try Int64.fetchOne(db, sql: "SELECT MAX(updated_ms) FROM groups")
        if let asOf, let latest, latest > asOf {
            // The stored groups hold the latest call of each: read the calls made by `asOf` instead,
            // each group's last one, applied in time order as ingest applies them.
            var last: [String: (ms: Int64, fields: IngestWriter.GroupFields)] = [:]
            let rows = try Row.fetchCursor(
                db, sql: "SELECT group_hint, ts, traits FROM events WHERE kind = 'group' AND ts <= ? ORDER BY ts, rowid",
                arguments: [asOf])
            while let row = try rows.next() {
                guard let groupId: String = row["group_hint"] else { continue }
                let traits = (row["traits"] as String?).flatMap { try? JSONParser.parse($0) } ?? .object([])
                last[groupId] = (row["ts"], IngestWriter.GroupFields(groupId: groupId, traits: traits))
            }
            for (groupId, call) in last.sorted(by: { ($0.value.ms, $0.key) < ($1.value.ms, $1.key) }) { add(groupId, call.fields) }
        } else {
            for row in try Row.fetchAll(
                db,
                sql:
                    "SELECT group_id, domain, name, industry, employee_count, estimated_revenue, country FROM groups ORDER BY updated_ms, group_id"
            ) {
                guard let domain: String = row["domain"] else { continue }
                groupDomains[row["group_id"]] = domain
                companies[domain] = CompanyRecord(
                    domain: domain, name: row["name"], employeeCount: row["employee_count"],
                    industry: row["industry"], estimatedRevenue: row["estimated_revenue"], country: row["country"])
            }
        }
        for row in try Row.fetchAll(db, sql: "SELECT * FROM companies") {
            let domain: String = row["domain"]
            let fromGroup = companies[domain]
            companies[domain] = CompanyRecord(
                domain: domain, name: row["name"] ?? fromGroup?.name, employeeCount: row["employee_count"] ?? fromGroup?.employeeCount,
                industry: row["industry"] ?? fromGroup?.industry, estimatedRevenue: row["estimated_revenue"] ?? fromGroup?.estimatedRevenue,
                country: row["country"] ?? fromGroup?.country,
                techStack: CompanyRecord.stack(joined: row["tech_stack"]))
        }
        return (companies, groupDomains)
    }

    /// Loads what scoring at `context.asOf` reads: profiles and, per user, the packed days inside the
    /// look-back windows and the user's activation window (all days for the points model).
    public func scoringInput(context: ScoringContext) throws -> ScoringInput {
        try ensureAggregates(extraction: ActivityExtraction(context.configuration))
        let (profiles, internalUsers, rowIds, signupMoved, retired) = try self.profiles(context: context)
        var byRow: [Int64: String] = [:]
        for (user, row) in rowIds { byRow[row] = user }
        let asOfDay = context.asOf.day
        let lookbackStart = asOfDay - Int64(context.lookbackDays) - 1
        let windowDays = Int64(context.configuration.weighted.activation.windowDays)
        var days: [String: [ActivityDay]] = [:]
        try read { db in
            // Read column values in place: a run reads tens of thousands of packed days.
            func collect(_ sql: String, _ arguments: StatementArguments) throws {
                let select = try NamedColumns(db, sql: sql)
                let (userAt, dayAt, entriesAt) = try (
                    Int32(select.position("user_id")), Int32(select.position("day")), Int32(select.position("entries"))
                )
                let cursor = try select.rows(arguments: arguments)
                let raw = select.statement.sqliteStatement
                while try cursor.next() != nil {
                    guard let user = byRow[sqlite3_column_int64(raw, userAt)] else { continue }
                    let day = sqlite3_column_int64(raw, dayAt)
                    let count = Int(sqlite3_column_bytes(raw, entriesAt))
                    let bytes = UnsafeRawBufferPointer(start: sqlite3_column_blob(raw, entriesAt), count: count)
                    if let packed = ActivityDay(day: day, encoded: bytes) { days[user, default: []].append(packed) }
                }
            }
            if context.needsFullHistory {
                try collect("SELECT user_id, day, entries FROM user_days WHERE day <= ?", [asOfDay])
            } else {
                try collect("SELECT user_id, day, entries FROM user_days WHERE day BETWEEN ? AND ?", [lookbackStart, asOfDay])
                // Each user's activation window, where it lies before the look-back.
                try collect(
                    """
                    WITH signups AS (
                        SELECT id, coalesce(csv_created_ms, identify_created_ms, first_event_ms) AS ms FROM users
                    ), signup_days AS (
                        -- floor division: SQLite's `/` truncates toward zero, wrong for times before 1970
                        SELECT id, (ms - ((ms % 86400000) + 86400000) % 86400000) / 86400000 AS day FROM signups WHERE ms IS NOT NULL
                    )
                    SELECT d.user_id, d.day, d.entries FROM signup_days s
                    JOIN user_days d ON d.user_id = s.id AND d.day BETWEEN s.day AND s.day + ?
                    WHERE d.day < ? AND d.day <= ?
                    """, [windowDays + 1, lookbackStart, asOfDay])
                // A user whose signup as of this time differs from the stored one (an identify call
                // after the as-of time, in a backtest) gets that signup's window read on its own.
                for profile in profiles {
                    guard let signup = profile.signup, let row = rowIds[profile.userId], signupMoved.contains(row) else { continue }
                    let have = Set(days[profile.userId, default: []].map(\.day))
                    let extra = try Row.fetchAll(
                        db,
                        sql: """
                            SELECT day, entries FROM user_days WHERE user_id = ? AND day BETWEEN ? AND ? AND day < ? AND day <= ?
                            """, arguments: [row, signup.day, signup.day + windowDays + 1, lookbackStart, asOfDay])
                    for dayRow in extra where !have.contains(dayRow["day"]) {
                        let blob: Data = dayRow["entries"]
                        if let packed = blob.withUnsafeBytes({ ActivityDay(day: dayRow["day"], encoded: $0) }) {
                            days[profile.userId, default: []].append(packed)
                        }
                    }
                }
            }
            // What a user did before the anonymous id was linked to them counts, from the link on (SPEC §2): read by
            // the same windows as their own days.
            let signups = Dictionary(profiles.map { ($0.userId, $0.signup?.day) }, uniquingKeysWith: { a, _ in a })
            for (row, stitched) in try Self.stitchedDays(db, asOfMs: context.asOf.milliseconds, maxDay: asOfDay, survivors: retired) {
                guard let user = byRow[row] else { continue }
                let kept = stitched.filter { day in
                    if context.needsFullHistory || day.day >= lookbackStart { return true }
                    guard let signup = signups[user] ?? nil else { return false }
                    return day.day >= signup && day.day <= signup + windowDays + 1
                }
                guard !kept.isEmpty else { continue }
                days[user] = ActivityDay.merged(days[user, default: []] + kept)
            }
        }
        return ScoringInput(profiles: profiles, days: days, internalUsers: internalUsers)
    }

    /// The raw events of some users, grouped into days exactly as ingest packs them (for `explain`): their own, and
    /// those of the anonymous ids linked to them by `asOfMs` (SPEC §2), which are also counted by id.
    public struct RawActivity: Sendable {
        public var days: [String: [ActivityDay]] = [:]
        /// By user: each anonymous id whose events count for them, how many, and the link.
        public var stitched: [String: [(link: IdentityLink, events: Int)]] = [:]
        /// Retention's horizon: raw activity events before it were compacted away, and `days` start there.
        public var horizon: Timestamp?
    }

    public func rawActivity(userIds: Set<String>, extraction: ActivityExtraction, asOfMs: Int64) throws -> RawActivity {
        try read { db in
            let vocabulary = try Self.vocabulary(db)
            let names = vocabulary.texts
            var result: [String: [Int64: [ActivityEntry]]] = [:]
            var activity = RawActivity()
            let horizon = try Self.retentionHorizonMs(db)
            activity.horizon = horizon.map(Timestamp.init(milliseconds:))
            // Only from the horizon on: before it, only events kept for their group hint remain, without properties.
            let from = horizon ?? .min
            // Stitched events are credited to the person at the end of the link's user's aliases (see stitchedDays).
            let survivors = try Self.aliasSurvivors(db, asOfMs: asOfMs)
            var externalIds: [Int64: String] = [:]
            var rowIds: [String: Int64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, external_id FROM users") {
                externalIds[row["id"]] = row["external_id"]
                rowIds[row["external_id"]] = row["id"]
            }
            // The links made by then: an anonymous id's events of no user count for the link's user, and a user id an alias
            // retired counts for the alias's user.
            var links: [String: (user: Int64, ms: Int64, via: String)] = [:]
            var aliased: [Int64: (from: String, user: Int64, ms: Int64)] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT from_id, user_id, linked_ms, via FROM identity_links WHERE linked_ms <= ?", arguments: [asOfMs])
            {
                let from: String = row["from_id"]
                links[from] = (row["user_id"], row["linked_ms"], row["via"])
                if (row["via"] as String) == "alias", let retired = rowIds[from] {
                    aliased[retired] = (from, row["user_id"], row["linked_ms"])
                }
            }
            var counts: [String: [String: (IdentityLink, Int)]] = [:]
            func take(_ event: RawEvent, for person: String, link: IdentityLink?) {
                guard userIds.contains(person) else { return }
                if let source = event.source, extraction.isSystemEvent(source: source, name: names[event.name] ?? "") { return }
                let entry = extraction.entry(
                    milliseconds: event.milliseconds, nameId: event.name, name: names[event.name] ?? "",
                    propertiesText: event.properties, term: vocabulary.id)
                result[person, default: [:]][Timestamp(milliseconds: event.milliseconds).day, default: []].append(entry)
                if let link, event.milliseconds <= asOfMs { counts[person, default: [:]][link.fromId, default: (link, 0)].1 += 1 }
            }
            /// The person a stitched event counts for: the end of the link's user's aliases; nil for a cycle's survivor's own
            /// events seen through its alias (read as its own).
            func person(_ source: Int64, linkUser: Int64, retired: Bool) -> String? {
                if let end = survivors[source] { return externalIds[end] ?? externalIds[linkUser] }
                return retired ? nil : externalIds[linkUser]
            }
            try Self.forEachRawEvent(db, from: from) { event in
                guard event.milliseconds >= from else { return }
                if let user = event.user {
                    if let own = externalIds[user] { take(event, for: own, link: nil) }
                    if let alias = aliased[user], let link = links[alias.from], let who = person(user, linkUser: alias.user, retired: true)
                    {
                        take(event, for: who, link: IdentityLink(fromId: alias.from, userId: who, linkedMs: link.ms, via: link.via))
                    }
                } else if let anonymous = event.anonymousId, let link = links[anonymous],
                    let who = person(link.user, linkUser: link.user, retired: false)
                {
                    take(event, for: who, link: IdentityLink(fromId: anonymous, userId: who, linkedMs: link.ms, via: link.via))
                }
            }
            for (user, byId) in counts {
                activity.stitched[user] = byId.values.sorted { $0.0.fromId < $1.0.fromId }.map { (link: $0.0, events: $0.1) }
            }
            activity.days = result.mapValues { days in
                days.map { ActivityDay(day: $0.key, entries: $0.value.sorted()) }.sorted { $0.day < $1.day }
            }
            return activity
        }
    }

    /// Stores a run: every user's and account's score, and each account's tier transition.
    ///
    /// The previous tier is the account's tier in the latest run of the same model at an earlier
    /// as-of time (not merely the last run made), so a backtest in between, or the same as-of run
    /// again, changes nothing; `became_hot_at` is the as-of time of the run where it last became hot.
    /// - Parameters:
    ///   - imported: for a run scored in a warehouse: where, its configuration's fingerprint, and what to store with it in the
    ///     same transaction (its contacts and briefing facts).
    public func saveRun(
        context: ScoringContext, startedAt: String, users: [UserScore], accounts: [AccountScore], excluded: Int,
        counted: Int, botExcluded: Int, capExcluded: Int,
        imported: (source: String, configHash: String, store: (Database, Int64) throws -> Void)? = nil
    ) throws -> ScoringRun {
        let configHash = imported?.configHash ?? context.configuration.fingerprint
        return try write { db in
            var previous: [String: (tier: String, becameHotAt: String?)] = [:]
            if let earlier = try Int64.fetchOne(
                db,
                sql: """
                    SELECT id FROM scoring_runs WHERE model = ? AND as_of_ms < ? ORDER BY as_of_ms DESC, id DESC LIMIT 1
                    """, arguments: [context.model.rawValue, context.asOf.milliseconds])
            {
                for row in try Row.fetchAll(
                    db, sql: "SELECT account, tier, became_hot_at FROM account_scores WHERE run_id = ?", arguments: [earlier])
                {
                    previous[row["account"]] = (row["tier"], row["became_hot_at"])
                }
            }
            let finished = Timestamp.now.iso8601
            try db.execute(
                sql: """
                    INSERT INTO scoring_runs(as_of, as_of_ms, model, config_hash, started_at, finished_at, users_scored, users_excluded,
                        accounts_scored, events_counted, events_bot_excluded, events_cap_excluded, source)
                    VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    context.asOf.iso8601, context.asOf.milliseconds, context.model.rawValue, configHash,
                    startedAt, finished, users.count, excluded, accounts.count, counted, botExcluded, capExcluded, imported?.source,
                ])
            let runId = db.lastInsertedRowID
            let insertUser = try db.makeStatement(sql: "INSERT INTO user_scores VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            for u in users {
                try RawStatement.execute(db, insertUser) { b in
                    b.integer(1, runId); b.text(2, u.userId); b.text(3, u.account); b.integer(4, Int64(u.activation))
                    b.integer(5, Int64(u.engagement)); b.integer(6, Int64(u.firmographic)); b.integer(7, Int64(u.fit))
                    b.integer(8, Int64(u.behaviour)); b.integer(9, Int64(u.score)); b.text(10, u.tier.rawValue)
                    b.integer(11, u.isPQL ? 1 : 0); b.text(12, ReasonCode.joined(u.reasons))
                }
            }
            let insertAccount = try db.makeStatement(
                sql: "INSERT INTO account_scores VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            for a in accounts {
                let before = previous[a.account]
                let becameHotAt = a.tier == .hot && before?.tier != Tier.hot.rawValue ? context.asOf.iso8601 : before?.becameHotAt
                try insertAccount.execute(arguments: [
                    runId, a.account, a.score, a.tier.rawValue, before?.tier, a.isPQL, a.bestUserId, a.users,
                    a.activeTeammates, a.teamBonus, a.activation, a.engagement, a.firmographic, a.fit,
                    a.behaviour, ReasonCode.joined(a.reasons), becameHotAt,
                ])
            }
            try imported?.store(db, runId)
            return ScoringRun(
                id: runId, asOf: context.asOf, model: context.model, configHash: configHash,
                startedAt: startedAt, finishedAt: finished, usersScored: users.count, usersExcluded: excluded,
                accountsScored: accounts.count, eventsCounted: counted, eventsBotExcluded: botExcluded, eventsCapExcluded: capExcluded,
                source: imported?.source)
        }
    }

    /// The latest run, or the run with this id.
    public func run(id: Int64? = nil) throws -> ScoringRun? {
        try read { db in
            let row =
                try id.map { try Row.fetchOne(db, sql: "SELECT * FROM scoring_runs WHERE id = ?", arguments: [$0]) }
                ?? Row.fetchOne(db, sql: "SELECT * FROM scoring_runs ORDER BY id DESC LIMIT 1")
            return try row.map(Self.scoringRun)
        }
    }

    /// The run of `model` at the latest as-of time (a backtest made afterwards does not count).
    public func latestRun(model: BrieferConfiguration.ScoringModel) throws -> ScoringRun? {
        try read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM scoring_runs WHERE model = ? ORDER BY as_of_ms DESC, id DESC LIMIT 1",
                arguments: [model.rawValue]
            ).map(Self.scoringRun)
        }
    }

    static func scoringRun(_ row: Row) throws -> ScoringRun {
        ScoringRun(
            id: row["id"], asOf: Timestamp(milliseconds: row["as_of_ms"]),
            model: try row.decode("model", as: BrieferConfiguration.ScoringModel.self, table: "scoring_runs", row: "\(row["id"] as Int64)"),
            configHash: row["config_hash"],
            startedAt: row["started_at"], finishedAt: row["finished_at"], usersScored: row["users_scored"],
            usersExcluded: row["users_excluded"], accountsScored: row["accounts_scored"], eventsCounted: row["events_counted"],
            eventsBotExcluded: row["events_bot_excluded"], eventsCapExcluded: row["events_cap_excluded"], source: row["source"])
    }

    /// Account scores of a run, best first.
    public func accountScores(runId: Int64, tier: Tier? = nil) throws -> [StoredAccountScore] {
        try read { db in
            var sql = "SELECT * FROM account_scores s WHERE s.run_id = ?"
            var arguments: StatementArguments = [runId]
            if let tier { sql += " AND s.tier = ?"; arguments += [tier.rawValue] }
            sql += " ORDER BY s.score DESC, s.account"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                let key = "run \(runId) account \(row["account"] as String)"
                return StoredAccountScore(
                    score: AccountScore(
                        account: row["account"], score: row["score"],
                        tier: try row.decode("tier", as: Tier.self, table: "account_scores", row: key),
                        isPQL: row["is_pql"],
                        bestUserId: row["best_user_id"], users: row["users"], activeTeammates: row["active_teammates"],
                        teamBonus: row["team_bonus"], activation: row["activation"], engagement: row["engagement"],
                        firmographic: row["firmographic"], fit: row["fit"], behaviour: row["behaviour"],
                        reasons: (row["reasons"] as String).split(separator: ";").compactMap {
                            ReasonCode(parsing: String($0).trimmedWhitespace)
                        }),
                    previousTier: try row.decodeIfPresent("previous_tier", as: Tier.self, table: "account_scores", row: key),
                    becameHotAt: row["became_hot_at"])
            }
        }
    }

    /// User scores of a run, by user id.
    public func userScores(runId: Int64, account: String? = nil) throws -> [UserScore] {
        try read { db in
            var sql = "SELECT * FROM user_scores WHERE run_id = ?"
            var arguments: StatementArguments = [runId]
            if let account { sql += " AND account = ?"; arguments += [account] }
            sql += " ORDER BY user_id"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                var u = UserScore(userId: row["user_id"], account: row["account"])
                u.activation = row["activation"]; u.engagement = row["engagement"]; u.firmographic = row["firmographic"]
                u.fit = row["fit"]; u.behaviour = row["behaviour"]; u.score = row["score"]
                u.tier = try row.decode("tier", as: Tier.self, table: "user_scores", row: "run \(runId) user \(u.userId)")
                u.isPQL = row["is_pql"]
                u.reasons = (row["reasons"] as String).split(separator: ";").compactMap {
                    ReasonCode(parsing: String($0).trimmedWhitespace)
                }
                return u
            }
        }
    }
}
