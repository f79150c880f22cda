import ArgumentParser
import BrieferApp
import BrieferCore
import BrieferStore
import Foundation

struct Ingest: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Store event JSONL and companies / users / subscriptions CSV files.",
        discussion: "Event lines may be Segment calls (track, page, screen, identify, group, alias, and the batch envelope), seed 004 "
            + "events, or PostHog, Amplitude or Mixpanel export lines (detected per line, or named with --format). "
            + "CSV files are told apart by their header, or by --kind. Each bad line or row is quarantined with its file, line, "
            + "reason and raw text (see `briefer quarantine`) and the ingest goes on. Re-ingesting a file adds nothing.")

    @OptionGroup var global: GlobalOptions
    @Argument(
        help: ArgumentHelp(
            "Files to ingest (.jsonl / .ndjson events, .csv tables, either gzipped); a directory for its files in name order, "
                + "recursively; - for standard input.", valueName: "file"))
    var files: [String]
    @Option(help: "Read every CSV file as this kind: companies, users or subscriptions.")
    var kind: CSVKind?
    @Option(
        help: ArgumentHelp(
            "Where the event lines come from: segment (and seed 004's shape), posthog, amplitude or mixpanel; auto tells each line "
                + "by its fields.", valueName: "source"))
    var format: EventFormat = .auto
    @Flag(help: "Exit with status 3 when any line was quarantined or a compressed file was not read to its end.")
    var strict = false
    @Flag(help: "Print the summary as JSON.")
    var json = false

    func run() throws {
        let summary = try global.session().ingest(files: files, csvKind: kind, format: format, progress: json ? nil : Progress())
        print(json ? JSONOutput.render(Reports.ingestJSON(summary)) : Reports.ingest(summary))
        for file in summary.unfinished { FileHandle.standardError.write(Data("warning: \(file.error!)\n".utf8)) }
        if summary.quarantined > 0 {
            let new = summary.quarantined - summary.alreadyQuarantined
            FileHandle.standardError.write(
                Data("warning: \(summary.quarantined) bad line(s), \(new) newly quarantined; see `briefer quarantine`\n".utf8))
        }
        if strict && (summary.quarantined > 0 || !summary.unfinished.isEmpty) { throw ExitCode(3) }
    }
}

struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score every user and account as of a time, and store the run.",
        discussion: "Same events, as-of time and configuration give the same scores, bit for bit.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Score as of this ISO-8601 time (default: now). Events after it are ignored.")
    var asOf: String?
    @Option(help: "weighted (seed 004, the default) or points (seeds 001/003); default from the config's `model`.")
    var model: BrieferConfiguration.ScoringModel?
    @Option(help: ArgumentHelp("Also write every user's scores to this CSV file.", valueName: "path"))
    var usersCsv: String?
    @Flag(help: "Print the run summary as JSON.")
    var json = false

    func run() throws {
        let asOf = try parseTime(asOf, option: "--as-of")
        let outcome = try global.session().score(asOf: asOf, model: model)
        if let usersCsv {
            try Reports.usersCSV(outcome.users).write(toFile: usersCsv, atomically: true, encoding: .utf8)
        }
        let tiers = Dictionary(grouping: outcome.accounts, by: \.tier).mapValues(\.count)
        if json {
            var o = Reports.runJSON(outcome.run)
            o["accounts_by_tier"] = Dictionary(uniqueKeysWithValues: Tier.allCases.map { ($0.rawValue, tiers[$0] ?? 0) })
            print(JSONOutput.render(o))
        } else {
            print(Reports.run(outcome.run, tiers: tiers))
        }
    }
}

struct Owners: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Give the hot accounts of the latest scoring run their owners, and show who owns what and why.",
        discussion: "An account's owner is its owner in the CRM when one is known, else the first of actions.owners.territories its "
            + "company matches (countries, industries, employees), else the next id of actions.owners.round_robin in turn, in the "
            + "order accounts became hot. An account keeps the owner it was given while that owner is still configured. With "
            + "no rule configured, accounts have no owner (tasks then go unassigned). --read-crm first asks HubSpot "
            + "(crm.base_url, HUBSPOT_ACCESS_TOKEN) for the owners of the accounts' contacts not read within "
            + "actions.owners.refresh_after_hours; without it, owners read before count.")

    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("run"), help: "A run id (default: the latest).")
    var runId: Int64?
    @Flag(help: "First read the contacts' owners from HubSpot (batch/read asking for hubspot_owner_id).")
    var readCRM = false
    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        let session = try global.session(mustExist: true)
        let client = readCRM ? try session.hubspotClient() : nil
        defer { client?.shutdown() }
        let list = try await session.owners(runId: runId, crm: client)
        if readCRM {
            FileHandle.standardError.write(
                Data(
                    ("read the owners of \(list.crmRead) contact(s) from HubSpot"
                        + (list.crmStopped.map { "; stopped early: \($0)" } ?? "") + "\n").utf8))
        }
        if json {
            print(
                JSONOutput.render([
                    "run": list.run.id, "as_of": list.run.asOf.iso8601,
                    "accounts": list.accounts.map { row -> [String: Any] in
                        [
                            "account": row.account.score.account, "score": row.account.score.score,
                            "became_hot_at": row.account.becameHotAt ?? NSNull(), "owner": row.owner?.ownerId ?? NSNull(),
                            "source": row.owner?.source.rawValue ?? NSNull(), "why": row.owner?.why ?? NSNull(),
                        ]
                    },
                ]))
            return
        }
        print("run \(list.run.id) as of \(list.run.asOf.iso8601): \(list.accounts.count) hot account(s)")
        guard !list.accounts.isEmpty else { return }
        var table = TextTable(header: ["account", "score", "became hot", "owner", "why"], rightAligned: [1])
        for row in list.accounts {
            table.add([
                row.account.score.account, "\(row.account.score.score)", row.account.becameHotAt ?? "-", row.owner?.ownerId ?? "(none)",
                row.owner?.why ?? "no owner in the CRM and no rule in actions.owners",
            ])
        }
        print(table.render())
    }
}

struct Accounts: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List accounts of the latest scoring run with score, tier, previous tier and top reasons.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Only this tier: hot, warm, nurture or monitor.")
    var tier: Tier?
    @Option(help: "Show at most this many accounts.")
    var limit: Int?

    func validate() throws {
        if let limit, limit < 0 { throw ValidationError("--limit must not be negative") }
    }
    @Option(name: .customLong("run"), help: "A run id (default: the latest).")
    var runId: Int64?
    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let list = try global.session(mustExist: true).accounts(runId: runId, tier: tier, limit: limit)
        let (scoringRun, accounts) = (list.run, list.accounts)
        if json {
            print(JSONOutput.render(Reports.accountsJSON(accounts, run: scoringRun)))
        } else {
            print(
                "run \(scoringRun.id) as of \(scoringRun.asOf.iso8601) (\(scoringRun.model.rawValue)): \(accounts.count) \(tier.map { "\($0.rawValue) " } ?? "")account(s)"
            )
            if !accounts.isEmpty { print(Reports.accounts(accounts, model: scoringRun.model)) }
        }
    }
}

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show how one account's score was reached, rule by rule, recomputed from its raw events.",
        discussion: "The recomputation is checked against the stored run; a difference exits with status 4.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The account: a domain (acme.com) or user:<id> for an account of one.")
    var account: String
    @Option(name: .customLong("run"), help: "A run id (default: the latest).")
    var runId: Int64?

    func run() throws {
        let outcome = try global.session(mustExist: true).explain(account: account, runId: runId)
        let explanation = outcome.explanation
        print(explanation.lines.joined(separator: "\n"))
        if let briefing = outcome.latestBriefing {
            print("\nlatest briefing:\n" + Reports.briefings([briefing]))
            if !briefing.errors.isEmpty {
                print(
                    "  errors seen: "
                        + briefing.errors.map { "attempt \($0.attempt) \($0.code)\($0.field.map { " (\($0))" } ?? ""): \($0.detail)" }
                        .joined(separator: "\n    "))
            }
        }
        if !explanation.matches { throw ExitCode(4) }
    }
}

struct QuarantineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quarantine", abstract: "List rejected lines with file, line, reason and raw text.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Only this reason (e.g. malformed_json).")
    var reason: String?
    @Option(help: "Only files whose path ends with this.")
    var file: String?
    @Option(help: "Show at most this many lines.")
    var limit: Int = 100

    func validate() throws {
        if limit < 0 { throw ValidationError("--limit must not be negative") }
    }
    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let result = try global.session(mustExist: true).quarantine(reason: reason, file: file, limit: limit)
        if json {
            print(
                JSONOutput.render([
                    "total": result.total, "by_reason": result.byReason,
                    "entries": result.entries.map {
                        [
                            "file": $0.file, "line": $0.line, "reason": $0.reason, "detail": $0.detail,
                            "raw": $0.raw, "raw_bytes": $0.rawBytes, "created_at": $0.createdAt,
                        ] as [String: Any]
                    },
                ]))
            return
        }
        print(
            "\(result.total) quarantined line(s)"
                + (result.byReason.isEmpty
                    ? "" : ": " + result.byReason.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))
        guard !result.entries.isEmpty else { return }
        var table = TextTable(header: ["file", "line", "reason", "detail", "raw"], rightAligned: [1])
        for e in result.entries {
            let raw = e.raw.replacingOccurrences(of: "\n", with: " ")
            table.add([
                (e.file as NSString).lastPathComponent, "\(e.line)", e.reason, String(e.detail.prefix(60)),
                String(raw.prefix(60)) + (e.rawBytes > 60 ? "… (\(e.rawBytes) bytes)" : ""),
            ])
        }
        print(table.render())
    }
}

struct Config: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check or print the configuration.", subcommands: [Check.self, Print.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a configuration file: unknown keys, wrong types and impossible values, each named.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The file (default: the one that applies: --config, BRIEFER_CONFIG, or found as `briefer --help` says).")
        var path: String?

        func run() throws {
            guard let file = path ?? ConfigurationLoader.resolvePath(flag: global.config) else {
                print("no configuration file: the built-in defaults apply")
                return
            }
            let configuration = try ConfigurationLoader.load(path: file)
            print("\(file): ok (fingerprint \(configuration.fingerprint))")
        }
    }

    struct Print: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the effective configuration (file over defaults) as JSON.",
            discussion: "Which file it was read from (or that none was found and the built-in defaults apply) is said on standard error.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let session = try global.session(database: false)
            let (configuration, file, prompt) = (session.configuration, session.configurationFile, session.promptSource)
            FileHandle.standardError.write(
                Data(
                    ("configuration: "
                        + (file ?? "none found (looked for "
                            + ConfigurationLoader.searchPaths().joined(separator: ", ") + "): the built-in defaults apply")
                        + "\nprompt template: \(prompt)\n").utf8))
            let data = Data(ConfigurationCoding.canonicalJSON(of: configuration).utf8)
            let object = try JSONSerialization.jsonObject(with: data)
            let pretty = try JSONSerialization.data(
                withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: pretty, as: UTF8.self))
        }
    }
}
