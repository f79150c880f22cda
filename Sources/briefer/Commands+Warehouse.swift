import ArgumentParser
import BrieferApp
import BrieferCore
import BrieferStore
import Foundation

extension SQLDialect: ExpressibleByArgument {}

/// `briefer sql`: scoring past one machine (SPEC §10).
struct SQLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sql",
        abstract: "Write the scoring model as SQL for a warehouse or Spark, or this database's events as its input tables.",
        discussion: "`briefer sql --dialect duckdb` prints one script, generated from the effective configuration, that scores "
            + "every user and account over the input tables named by warehouse.tables and writes what `briefer score` stores "
            + "into <warehouse.prefix>user_scores, account_scores and run. `briefer sql inputs --out DIR` writes this database's "
            + "calls and files as those input tables (JSON Lines), to load into a warehouse. README: \"When you outgrow one machine\".",
        subcommands: [Generate.self, Inputs.self], defaultSubcommand: Generate.self)

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate", abstract: "Print the scoring script for one SQL engine.",
            discussion: "Integer arithmetic only; every rule, weight, window, event name, threshold and domain list comes from the "
                + "configuration, so the script must be generated again when it changes (its run table carries the "
                + "configuration's fingerprint, which `briefer import-scores` checks).")

        @OptionGroup var global: GlobalOptions
        @Option(help: "duckdb, postgres, spark, bigquery or snowflake.")
        var dialect: SQLDialect
        @Option(help: "weighted or points; default from the config's `model`.")
        var model: BrieferConfiguration.ScoringModel?
        @Option(help: "Score as of this ISO-8601 time (default: the engine's clock when the script runs).")
        var asOf: String?
        @Option(help: ArgumentHelp("Write the script to this file instead of standard output.", valueName: "path"))
        var output: String?

        func run() throws {
            let asOf = try self.asOf.map { try parseTime($0, option: "--as-of").milliseconds }
            let session = try global.session(database: false)
            let script = WarehouseScript(
                configuration: session.configuration, model: model, dialect: dialect, asOf: asOf,
                configHash: session.configuration.fingerprint(scoring: model ?? session.configuration.model))
            if let output {
                do { try script.text.write(toFile: output, atomically: true, encoding: .utf8) } catch {
                    throw CommandError(.cannotWrite, "cannot write \(output): \(error.localizedDescription)")
                }
            } else {
                print(script.text, terminator: "")
            }
        }
    }

    struct Inputs: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write this database's calls and files as the script's input tables, one JSON Lines file each.",
            discussion: "events.jsonl (activity, named as scoring names it, vendors' system events left out), identities.jsonl, "
                + "groups.jsonl, traits.jsonl (identify calls), users.jsonl, companies.jsonl and subscriptions.jsonl. Times are "
                + "ISO-8601 UTC; properties and traits are JSON text. Refused when retention has compacted raw events away.")

        @OptionGroup var global: GlobalOptions
        @Option(help: ArgumentHelp("The folder to write (created; existing files of the same names are replaced).", valueName: "dir"))
        var out: String

        func run() throws {
            let session = try global.session(mustExist: true)
            let counts = try session.exportWarehouseInputs(to: out)
            for table in BrieferStore.WarehouseInput.allCases {
                print("\(table.rawValue).jsonl: \(counts[table] ?? 0) rows")
            }
        }
    }
}

/// `briefer import-scores`: a warehouse's scores as a stored run (SPEC §10).
struct ImportScores: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-scores",
        abstract:
            "Store the scores `briefer sql`'s script wrote in a warehouse as a scoring run, for select, enrich, sync and the actions.",
        discussion: "Reads <warehouse.prefix>run, user_scores, account_scores, account_contacts, account_facts and account_profiles: "
            + "exported files in --from (CSV with a header, or JSON Lines: <name>.csv, .jsonl, .ndjson or .json, with or without the "
            + "prefix), or the tables themselves in PostgreSQL (--from postgresql://user@host/db, or libpq's host=… dbname=…; "
            + "the password from PGPASSWORD or ~/.pgpass). The run is stored as scored in the warehouse: its accounts' tier transitions are worked out against the runs "
            + "before it, its contacts and briefing facts come with it. Rows that do not read are quarantined with their reason "
            + "(`briefer quarantine`). Refused when the script was generated from another configuration than this one, unless "
            + "--allow-other-config. `explain` cannot recompute such a run (its events are in the warehouse); `backtest` scores "
            + "this database's own events.")

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("A folder of exported output tables, or a PostgreSQL connection (postgresql://…).", valueName: "source"))
    var from: String
    @Flag(help: "Take scores computed under another configuration as they are.")
    var allowOtherConfig = false
    @Flag(help: "Print the summary as JSON.")
    var json = false

    func run() throws {
        let session = try global.session()
        let summary = try session.importScores(
            from: try warehouseSource(from, prefix: session.configuration.warehouse.prefix), allowOtherConfiguration: allowOtherConfig)
        print(json ? JSONOutput.render(Reports.importJSON(summary)) : Reports.importSummary(summary))
    }
}
