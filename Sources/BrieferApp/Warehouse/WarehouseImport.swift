import BrieferCore
import BrieferStore
import Foundation
import Logging

/// Where the output tables of `briefer sql` are read from: exported files, or a PostgreSQL database.
public protocol WarehouseTableSource: Sendable {
    /// How the source is named in messages and quarantined rows (never with a password).
    var name: String { get }
    /// The rows of the output table `name` (without the prefix), each a column → text map (nil: NULL), in the source's
    /// order; nil when there is no such table.
    func rows(_ table: String) throws -> [WarehouseRow]?
}

/// One row of an output table: its position (1-based, the line of a file) and its columns as text.
public struct WarehouseRow: Sendable {
    public var number: Int
    public var values: [String: String?]
    public var raw: String

    public init(number: Int, values: [String: String?], raw: String) { self.number = number; self.values = values; self.raw = raw }

    subscript(_ column: String) -> String? { values[column] ?? nil }
}

/// Why an import was refused as a whole.
public struct WarehouseImportError: BrieferError {
    public var code: BrieferErrorCode
    public var message: String
    init(_ code: BrieferErrorCode, _ message: String) { self.code = code; self.message = message }
    init(_ message: String) { self.init(.badArgument, message) }
}

/// The output tables as files a warehouse exported: `<prefix><table>.csv` (a header line, NULL as an empty field) or
/// `.jsonl` / `.ndjson` / `.json` (one JSON object per line), in one folder.
public struct WarehouseFiles: WarehouseTableSource {
    public let folder: String
    public let prefix: String

    public init(folder: String, prefix: String) { self.folder = folder; self.prefix = prefix }

    public var name: String { folder }

    public func rows(_ table: String) throws -> [WarehouseRow]? {
        let fm = FileManager.default
        for base in [prefix + table, table] {
            for ext in ["csv", "jsonl", "ndjson", "json"] {
                let path = (folder as NSString).appendingPathComponent("\(base).\(ext)")
                guard fm.fileExists(atPath: path) else { continue }
                guard let data = fm.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                    throw WarehouseImportError(.unreadableInput, "cannot read \(path) as UTF-8 text")
                }
                // An export of no rows may be an empty file, header or not.
                if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return [] }
                return ext == "csv" ? try csvRows(text, path: path) : try jsonRows(text, path: path)
            }
        }
        return nil
    }

    /// Lines ending in LF or CRLF (one Character in Swift: splitting on "\n" alone would not split it).
    static func lines(_ text: String) -> [Substring] {
        text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
    }

    private func csvRows(_ text: String, path: String) throws -> [WarehouseRow] {
        var records: [(line: Int, text: Substring)] = []
        var pending: Substring? = nil
        var start = 0
        for (i, line) in Self.lines(text).enumerated() {
            let joined = pending.map { Substring($0 + "\n" + line) } ?? line
            if CSVRowParser.isIncomplete(joined) {
                if pending == nil { start = i + 1 }
                pending = joined
                continue
            }
            records.append((pending == nil ? i + 1 : start, joined))
            pending = nil
        }
        if let pending { records.append((start, pending)) }
        records.removeAll { $0.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        guard let header = records.first else { throw WarehouseImportError(.emptyInput, "\(path) has no header line") }
        let names = CSVRowParser.fields(of: header.text).map { $0.trimmedWhitespace.lowercased() }
        return records.dropFirst().map { record in
            let fields = CSVRowParser.fields(of: record.text)
            var values: [String: String?] = [:]
            for (i, name) in names.enumerated() {
                let value = i < fields.count ? fields[i] : ""
                values[name] = value.isEmpty ? nil : value
            }
            // A row of another width is kept with what it has: the column checks say what is missing.
            if fields.count != names.count { values["_width"] = "\(fields.count) columns, the header has \(names.count)" }
            return WarehouseRow(number: record.line, values: values, raw: String(record.text))
        }
    }

    private func jsonRows(_ text: String, path: String) throws -> [WarehouseRow] {
        var rows: [WarehouseRow] = []
        for (i, line) in Self.lines(text).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            var values: [String: String?] = [:]
            if case let .object(members)? = try? JSONParser.parse(trimmed) {
                for (key, value) in members {
                    switch value {
                    case .null: values[key.lowercased()] = .some(nil)
                    case let .string(s): values[key.lowercased()] = s
                    case let .number(n): values[key.lowercased()] = n
                    case let .bool(b): values[key.lowercased()] = b ? "true" : "false"
                    case .array, .object: values[key.lowercased()] = value.canonicalText
                    }
                }
            } else {
                values["_width"] = "not a JSON object"
            }
            rows.append(WarehouseRow(number: i + 1, values: values, raw: trimmed))
        }
        return rows
    }
}

/// What `briefer import-scores` did.
public struct WarehouseImportSummary: Sendable {
    public var run: ScoringRun
    public var users: Int
    public var accounts: Int
    public var contacts: Int
    public var factAccounts: Int
    /// Rows refused, by table, each quarantined with its reason.
    public var quarantined: [String: Int]
    /// Set when the scores were computed under another configuration than this one (allowed by the caller).
    public var otherConfiguration: String?
}

/// `briefer import-scores` (SPEC §10): a warehouse's output of `briefer sql` as a stored scoring run, so that select,
/// enrich, sync and the actions work on it as on a local one. Rows that do not read are quarantined with their reason
/// (`briefer quarantine`), never guessed at.
public struct WarehouseImporter {
    public var store: BrieferStore
    public var configuration: BrieferConfiguration
    public var logger: Logger

    public init(store: BrieferStore, configuration: BrieferConfiguration, logger: Logger) {
        self.store = store; self.configuration = configuration; self.logger = logger
    }

    public func importScores(from source: any WarehouseTableSource, allowOtherConfiguration: Bool = false) throws -> WarehouseImportSummary
    {
        var quarantine: [QuarantinedLine] = []
        var refused: [String: Int] = [:]
        func table(_ name: String, required: Bool = true) throws -> [WarehouseRow] {
            guard let rows = try source.rows(name) else {
                if required {
                    throw WarehouseImportError(
                        .unreadableInput,
                        "\(source.name) has no \(configuration.warehouse.prefix)\(name) table: run `briefer sql`'s script first")
                }
                return []
            }
            return rows
        }
        /// Quarantines a row read whole but refused on a later check; false, for a filter.
        func reject(_ name: String, _ row: WarehouseRow?, _ reason: QuarantineReason, _ detail: String) -> Bool {
            guard let row else { return false }
            quarantine.append(
                QuarantinedLine(
                    file: "\(source.name): \(configuration.warehouse.prefix)\(name)", line: row.number, reason: reason, detail: detail,
                    raw: Array(row.raw.utf8)))
            refused[name, default: 0] += 1
            return false
        }
        /// Reads one row, or quarantines it with the first problem found.
        func read<T>(_ name: String, _ row: WarehouseRow, _ parse: (RowReader) throws -> T) -> T? {
            do {
                if let width = row["_width"] { throw Rejection(.wrongColumnCount, width) }
                return try parse(RowReader(row: row))
            } catch let rejection as Rejection {
                quarantine.append(
                    QuarantinedLine(
                        file: "\(source.name): \(configuration.warehouse.prefix)\(name)", line: row.number, reason: rejection.reason,
                        detail: rejection.detail, raw: Array(row.raw.utf8)))
                refused[name, default: 0] += 1
                return nil
            } catch {
                return nil
            }
        }

        // The run: which model, as of when, under which configuration and contract.
        let runs = try table("run")
        guard runs.count == 1, let runRow = runs.first else {
            throw WarehouseImportError("\(source.name): the run table has \(runs.count) rows; the script writes one")
        }
        let run = RowReader(row: runRow)
        guard let version = runRow["script_version"], version == BrieferScriptVersion.current else {
            throw WarehouseImportError(
                "\(source.name) was written by a script of version \(runRow["script_version"] ?? "unknown"); this briefer reads "
                    + "version \(BrieferScriptVersion.current): generate the script again with `briefer sql`")
        }
        let asOf: Int64
        let model: BrieferConfiguration.ScoringModel
        do {
            asOf = try run.int64("as_of_ms")
            guard let m = BrieferConfiguration.ScoringModel(rawValue: try run.text("model")) else {
                throw Rejection(.wrongType, "model is neither weighted nor points")
            }
            model = m
        } catch let rejection as Rejection {
            throw WarehouseImportError("\(source.name): the run row does not read: \(rejection.detail)")
        }
        let configHash = runRow["config_hash"] ?? "unknown"
        var other: String?
        let expected = configuration.fingerprint(scoring: model)
        if configHash != expected {
            guard allowOtherConfiguration else {
                throw WarehouseImportError(
                    .invalidConfiguration,
                    "the warehouse scored with configuration \(configHash), this one is \(expected): generate the "
                        + "script again from this configuration (briefer sql), or pass --allow-other-config to take its scores as they are")
            }
            other = configHash
        }

        let userRows = try table("user_scores")
        var userIds = Set<String>()
        var users = userRows.compactMap { row in
            read("user_scores", row) { r -> UserScore in
                var u = UserScore(userId: try r.text("user_id"), account: try r.text("account"))
                guard userIds.insert(u.userId).inserted else { throw Rejection(.duplicateRow, "user \(u.userId) is in user_scores twice") }
                (u.activation, u.engagement, u.firmographic) = (try r.int("activation"), try r.int("engagement"), try r.int("firmographic"))
                (u.fit, u.behaviour, u.score) = (try r.int("fit"), try r.int("behaviour"), try r.int("score"))
                u.tier = try r.tier("tier")
                u.isPQL = try r.bool("is_pql")
                u.reasons = try r.reasons("reasons")
                return u
            }
        }
        let accountRows = try table("account_scores")
        var accountKeys = Set<String>()
        var accounts = accountRows.compactMap { row in
            read("account_scores", row) { r -> AccountScore in
                let key = try r.text("account")
                guard accountKeys.insert(key).inserted else { throw Rejection(.duplicateRow, "account \(key) is in account_scores twice") }
                return AccountScore(
                    account: try r.text("account"), score: try r.int("score"), tier: try r.tier("tier"), isPQL: try r.bool("is_pql"),
                    bestUserId: try r.text("best_user_id"), users: try r.int("users"), activeTeammates: try r.int("active_teammates"),
                    teamBonus: try r.int("team_bonus"), activation: try r.int("activation"), engagement: try r.int("engagement"),
                    firmographic: try r.int("firmographic"), fit: try r.int("fit"), behaviour: try r.int("behaviour"),
                    reasons: try r.reasons("reasons"))
            }
        }
        // Every user's account, and every account's best user, must be there: a run missing some would make them look
        // newly hot at the next run.
        let accountNames = Set(accounts.map(\.account)), userNames = Set(users.map(\.userId))
        users = users.filter { user in
            accountNames.contains(user.account)
                || reject(
                    "user_scores", userRows.first { $0["user_id"] == user.userId }, .missingReference,
                    "account \(user.account) is not in account_scores")
        }
        accounts = accounts.filter { account in
            userNames.contains(account.bestUserId)
                || reject(
                    "account_scores", accountRows.first { $0["account"] == account.account }, .missingReference,
                    "best user \(account.bestUserId) is not in user_scores")
        }
        let badScores = (refused["user_scores"] ?? 0) + (refused["account_scores"] ?? 0)
        if badScores > 0 {
            try store.storeQuarantined(quarantine)
            throw WarehouseImportError(
                .unreadableInput,
                "\(source.name): \(badScores) score row(s) did not read; they are "
                    + "quarantined with their reasons (briefer quarantine) and no run was stored: a run without them would make their "
                    + "accounts newly hot again")
        }
        // The rows the script wrote, all of them: a cut export is refused, not stored as a smaller run.
        for (name, rows, column) in [
            ("user_scores", userRows.count, "users_scored"), ("account_scores", accountRows.count, "accounts_scored"),
        ] {
            if let written = runRow[column].flatMap({ Int($0) }), written != rows {
                throw WarehouseImportError(
                    .unreadableInput,
                    "\(source.name): \(configuration.warehouse.prefix)\(name) has \(rows) rows, the script wrote \(written): a partial export; "
                        + "nothing was stored")
            }
        }
        var contactKeys = Set<String>()
        let contacts = try table("account_contacts").compactMap { row in
            read("account_contacts", row) { r -> WarehouseContact in
                let email = try r.text("email")
                guard email.contains("@") else { throw Rejection(.wrongType, "email is not an address") }
                let account = try r.text("account"), user = try r.text("user_id")
                guard accountNames.contains(account), userNames.contains(user) else {
                    throw Rejection(
                        .missingReference, "\(accountNames.contains(account) ? "user \(user)" : "account \(account)") is not in the scores")
                }
                guard contactKeys.insert(account + "\u{1}" + user).inserted else {
                    throw Rejection(.duplicateRow, "user \(user) of \(account) is in account_contacts twice")
                }
                return WarehouseContact(account: account, userId: user, email: email, score: try r.int("score"))
            }
        }
        var activity: [String: AccountActivity] = [:]
        var factKeys = Set<String>()
        for row in try table("account_facts") {
            _ = read("account_facts", row) { r -> Void in
                let account = try r.text("account"), fact = try r.text("fact"), name = try r.text("name")
                let count = AccountActivity.Count(window: try r.int("window_count"), ever: try r.int("ever_count"))
                guard count.window >= 0, count.ever >= count.window else {
                    throw Rejection(.badNumber, "window_count and ever_count must be 0 <= window_count <= ever_count")
                }
                guard accountNames.contains(account) else {
                    throw Rejection(.missingReference, "account \(account) is not in account_scores")
                }
                guard factKeys.insert([account, fact, name].joined(separator: "\u{1}")).inserted else {
                    throw Rejection(.duplicateRow, "\(fact) \(name) of \(account) is in account_facts twice")
                }
                var a = activity[account] ?? AccountActivity()
                guard a.record(fact: fact, name: name, count: count) else {
                    throw Rejection(.wrongType, "fact \(fact) \(name) is none the script writes")
                }
                activity[account] = a
            }
        }
        var profileKeys = Set<String>()
        let profiles = try table("account_profiles").compactMap { row in
            read("account_profiles", row) { r -> WarehouseProfile in
                let account = try r.text("account")
                guard accountNames.contains(account) else {
                    throw Rejection(.missingReference, "account \(account) is not in account_scores")
                }
                guard profileKeys.insert(account).inserted else {
                    throw Rejection(.duplicateRow, "account \(account) is in account_profiles twice")
                }
                let company = CompanyRecord(
                    domain: account, name: r.optional("company_name"), employeeCount: try r.optionalInt64("employee_count"),
                    industry: r.optional("industry"), estimatedRevenue: nil, country: r.optional("country"),
                    techStack: CompanyRecord.stack(joined: r.optional("tech_stack")))
                return WarehouseProfile(account: account, company: company, plan: r.optional("plan"))
            }
        }
        let context = ScoringContext(
            asOf: Timestamp(milliseconds: asOf), configuration: configuration, model: model, vocabulary: Vocabulary(ids: [:]))
        let dialect = runRow["dialect"] ?? "sql"
        let saved = try store.saveImportedRun(
            context: context, source: "warehouse (\(dialect))", configHash: configHash, users: users, accounts: accounts,
            contacts: contacts, activity: activity, profiles: profiles, quarantine: quarantine)
        logger.info(
            "imported warehouse scores",
            metadata: [
                "run.id": "\(saved.id)", "as_of": "\(saved.asOf.iso8601)", "users": "\(users.count)", "accounts": "\(accounts.count)",
                "quarantined": "\(quarantine.count)",
            ])
        return WarehouseImportSummary(
            run: saved, users: users.count, accounts: accounts.count, contacts: contacts.count, factAccounts: activity.count,
            quarantined: refused, otherConfiguration: other)
    }
}

/// Reads one row's columns, refusing what does not read.
struct RowReader {
    let row: WarehouseRow

    func optional(_ column: String) -> String? { row[column] }

    func text(_ column: String) throws -> String {
        guard let v = row[column], !v.isEmpty else { throw Rejection(.missingField, "\(column) is empty") }
        return v
    }

    func int64(_ column: String) throws -> Int64 {
        let v = try text(column)
        // Engines print integers plainly; some exports add a fraction of zeros (`12.0`).
        if let n = Int64(v) { return n }
        if let d = Double(v), d.rounded() == d, abs(d) < 9e15 { return Int64(d) }
        throw Rejection(.badNumber, "\(column) is not an integer: \(v.prefix(40))")
    }

    func optionalInt64(_ column: String) throws -> Int64? { row[column] == nil ? nil : try int64(column) }

    func int(_ column: String) throws -> Int {
        let n = try int64(column)
        guard let v = Int(exactly: n), abs(v) <= 1_000_000_000 else { throw Rejection(.badNumber, "\(column) is out of range: \(n)") }
        return v
    }

    func bool(_ column: String) throws -> Bool {
        switch try text(column).lowercased() {
        case "1", "true", "t": return true
        case "0", "false", "f": return false
        default: throw Rejection(.wrongType, "\(column) is not 0 or 1")
        }
    }

    func tier(_ column: String) throws -> Tier {
        guard let t = Tier(rawValue: try text(column)) else {
            throw Rejection(.wrongType, "\(column) is no tier (hot, warm, nurture, monitor)")
        }
        return t
    }

    func reasons(_ column: String) throws -> [ReasonCode] {
        guard let text = row[column], !text.isEmpty else { return [] }
        return try text.components(separatedBy: "; ").map { part in
            guard let reason = ReasonCode(parsing: part) else {
                throw Rejection(.wrongType, "\(column) has a reason that does not read: \(part.prefix(60))")
            }
            return reason
        }
    }
}

/// Where `--from` / `--scores-from` points: a PostgreSQL connection (URI or libpq's `key=value` form), else a folder of
/// exported files.
public func warehouseSource(_ text: String, prefix: String) throws -> any WarehouseTableSource {
    if PostgresTables.isConnection(text) { return try PostgresTables(connection: text, prefix: prefix) }
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: text, isDirectory: &isFolder), isFolder.boolValue else {
        // A mistyped connection may hold a password: it is not repeated.
        let shown = text.contains("@") || text.contains("://") || text.contains("password") ? "--from" : text
        throw WarehouseImportError(.unreadableInput, "\(shown) is neither a folder of exported tables nor a postgresql:// connection")
    }
    return WarehouseFiles(folder: text, prefix: prefix)
}
