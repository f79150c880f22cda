import ArgumentParser
import BrieferApp
import BrieferCore
import BrieferStore
import Foundation
import Logging

/// What `run` and `worker` share: where the CRM writes go, the prompt, the endpoint, the as-of time.
struct PipelineOptions: ParsableArguments {
    @Flag(help: "Push to the CRM (crm.base_url, HUBSPOT_ACCESS_TOKEN) instead of writing request files.")
    var push = false
    @Option(help: ArgumentHelp("Write the CRM request files under this directory (default: crm.out_dir).", valueName: "dir"))
    var out: String?
    @Option(help: ArgumentHelp("Score as of this time (ISO-8601; default: now).", valueName: "time"))
    var asOf: String?

    func validate() throws {
        if push && out != nil { throw ValidationError("--push and --out are two different destinations: give one") }
    }

    func runOptions(inputs: [String], scoresFrom: (any WarehouseTableSource)? = nil, allowOtherConfiguration: Bool = false) throws
        -> Pipeline.Options
    {
        var options = Pipeline.Options(
            inputs: inputs, asOf: try asOf.map { try parseTime($0, option: "--as-of") }, push: push, outDir: out, scoresFrom: scoresFrom)
        options.allowOtherConfiguration = allowOtherConfiguration
        return options
    }
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run every stage once: ingest → score → select → enrich → sync, with one summary at the end.",
        discussion: "Ingests the files in --inputs (if given; re-ingesting a file adds nothing), scores as of --as-of (default now), "
            + "briefs the selected hot accounts (each leased first: two processes on one database never brief the same account), "
            + "and writes the CRM changes as request files (default) or pushes them (--push). Each stage commits before the next: "
            + "stopped anywhere, the next run carries on. The summary counts each stage and the event-to-CRM latency; it is also "
            + "stored (`briefer status`).\n\nExit status: 0, or 5 when a push stopped early or left changes for the next run.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var prompt: PromptOptions
    @OptionGroup var endpoint: EndpointOptions
    @OptionGroup var pipelineOptions: PipelineOptions
    @Option(help: ArgumentHelp("A folder whose event (.jsonl, .ndjson) and table (.csv) files are ingested first.", valueName: "dir"))
    var inputs: String?
    @Option(
        help: ArgumentHelp(
            "Take the scores from a warehouse instead of scoring here: a folder of the output tables of `briefer sql`, or a "
                + "PostgreSQL connection (as `briefer import-scores --from`). The as-of time is the script's.", valueName: "source"))
    var scoresFrom: String?
    @Flag(help: "With --scores-from: take scores computed under another configuration as they are.")
    var allowOtherConfig = false
    @Flag(help: "Print the summary as JSON.")
    var json = false

    func validate() throws {
        if scoresFrom != nil && pipelineOptions.asOf != nil {
            throw ValidationError("--as-of and --scores-from: the warehouse's scores are as of the time its script was given")
        }
    }

    func run() async throws {
        let session = try global.session(prompt: prompt, endpoint: endpoint)
        let files = try inputs.map(Inbox.ingestibleFiles(in:)) ?? []
        let source = try scoresFrom.map { try warehouseSource($0, prefix: session.configuration.warehouse.prefix) }
        let summary = try await session.run(
            try pipelineOptions.runOptions(inputs: files, scoresFrom: source, allowOtherConfiguration: allowOtherConfig),
            stage: { stage in
                if !json { FileHandle.standardError.write(Data("\(stage)…\n".utf8)) }
            })
        print(json ? JSONOutput.render(Reports.runJSON(summary)) : Reports.run(summary))
        if let sync = summary.sync, sync.stopped != nil || sync.leftPending > 0 { throw ExitCode(5) }
    }
}

struct Worker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run every stage on an interval, ingesting new files from an inbox, until SIGTERM or SIGINT.",
        discussion: "Each cycle is `briefer run`: files that appeared in --inbox are ingested, then moved to INBOX/processed/ (only once "
            + "stored; a file is taken when it has not changed for two seconds and does not end in .partial or .tmp — write it "
            + "elsewhere and rename it in). On SIGTERM or SIGINT the worker stops: a cycle in progress is abandoned between its "
            + "committed steps (briefings in flight are dropped, their leases released; CRM changes recorded but not yet sent "
            + "go out next time under the same trace ids), and it exits 0.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var prompt: PromptOptions
    @OptionGroup var endpoint: EndpointOptions
    @OptionGroup var pipelineOptions: PipelineOptions
    @Option(help: ArgumentHelp("Time between the start of two cycles: 90s, 5m, 1h (default 5m).", valueName: "duration"))
    var interval = "5m"
    @Option(help: ArgumentHelp("A folder watched for new event and table files.", valueName: "dir"))
    var inbox: String?
    @Option(help: ArgumentHelp("Stop after this many cycles (default: run until stopped).", valueName: "n"))
    var cycles: Int?

    func validate() throws {
        if parseDuration(interval) == nil { throw ValidationError("--interval must be a number of seconds, minutes or hours: 90s, 5m, 1h") }
        if let cycles, cycles < 1 { throw ValidationError("--cycles must be at least 1") }
    }

    func run() async throws {
        try await global.session(prompt: prompt, endpoint: endpoint).work(
            try pipelineOptions.runOptions(inputs: []), inbox: inbox, interval: .seconds(parseDuration(interval)!), cycles: cycles,
            onSecondSignal: { Foundation.exit(130) },
            report: { summary in FileHandle.standardOutput.write(Data((Reports.run(summary) + "\n").utf8)) })
    }
}

/// `90s`, `5m`, `1h`, `30d`, or plain seconds.
func parseDuration(_ text: String) -> Double? {
    let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
    if let last = text.last, let unit = units[last], let value = Double(text.dropLast()), value > 0 { return value * unit }
    if let value = Double(text), value > 0 { return value }
    return nil
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The last runs, pending work (deferred accounts, CRM outbox), leases, the last run's event-to-CRM latency, "
            + "the database's size and what retention removed.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "How many runs to show.")
    var limit = 10

    func run() throws {
        print(Reports.status(try global.session(mustExist: true).status(runs: limit)))
    }
}

struct Compact: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compact away raw activity events and quarantined lines older than the retention age, now.",
        discussion: "Every `briefer run`, worker and serve cycle does this when retention.raw_event_days is set; this runs it on "
            + "demand (with --days, also when it is not). Removed, whole UTC days before the horizon at a time: raw track, page "
            + "and screen events and quarantined lines. Kept: the daily aggregates scoring reads (scores and backtests at any "
            + "time do not change), identify, group and alias calls, scores, briefings and the CRM outbox, and, without their "
            + "properties, the first and the last activity event of each user, UTC day and group hint (the hint history). `explain` reads days before the horizon from the aggregates. "
            + "From then on an activity event timestamped before the horizon is counted and not stored. Freed pages are reused "
            + "by later writes; the file does not shrink. The work is done in short transactions: an intake or run beside it "
            + "waits for one step at most, and a pass stopped midway carries on at the next.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Compact events older than this many days (default: retention.raw_event_days).")
    var days: Int?
    @Flag(help: "Print what was removed as JSON.")
    var json = false

    func run() throws {
        let pass = try global.session(mustExist: true).compact(days: days)
        if json {
            print(JSONOutput.render(pass.map(Reports.retentionJSON) ?? ["nothing_due": true]))
        } else {
            print(pass.map(Reports.retention) ?? "nothing to compact: the horizon has not moved since the last finished pass")
        }
    }
}

struct Forget: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove a person from every table and from future CRM payloads (a deletion request), and say what was removed.",
        discussion: "Removes every user whose email (users CSV or identify) or user id is EMAIL: their events, daily aggregates, scores, "
            + "subscriptions, quarantined lines naming them, their personal account's scores and briefings, and every CRM record "
            + "of the address; other people's events that name the address have it replaced by [forgotten]. Hashes of the address "
            + "and of those user ids are kept (never the address): no later sync writes to it, and a later file that brings the "
            + "person back has their lines and rows counted as forgotten, not stored. The "
            + "deleted content is overwritten in the database file and the write-ahead log is truncated. It is not removed "
            + "from the CRM itself, from request files already written, or from the input files: delete it there too.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The person's email address.")
    var email: String
    @Flag(help: "Print what was removed as JSON.")
    var json = false

    func validate() throws {
        if !email.contains("@") { throw ValidationError("'\(email)' is not an email address") }
    }

    func run() throws {
        let outcome = try global.session(mustExist: true).forget(email: email)
        let report = outcome.report
        if json {
            print(JSONOutput.render(["users": report.users, "rows": report.rows, "total": report.total]))
        } else {
            print(
                report.users.isEmpty
                    ? "no user has that address; CRM records and quarantined lines naming it: removed if any"
                    : "forgot \(report.users.count) user(s): \(report.users.joined(separator: ", "))")
            for (table, count) in report.rows.sorted(by: { $0.key < $1.key }) { print("  \(table): \(count)") }
            print("future syncs will not write to this address")
        }
        if report.warehouseRuns > 0 {
            FileHandle.standardError.write(
                Data(
                    ("warning: \(report.warehouseRuns) scoring run(s) of this database were scored in a warehouse: the person's events "
                        + "and scores there are not reached from here; delete them in the warehouse's input and output tables too\n").utf8))
        }
        // The copies made before schema upgrades are the database as it was: the person is still in them.
        let backups = outcome.backups
        if !backups.isEmpty {
            FileHandle.standardError.write(
                Data(
                    ("warning: the copies of the database made before schema upgrades still hold this person: "
                        + backups.joined(separator: ", ") + "; delete them once you no longer need them to roll back\n").utf8))
        }
    }
}
