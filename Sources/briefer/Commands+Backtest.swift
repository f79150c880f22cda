import ArgumentParser
import BrieferApp
import BrieferCore
import Foundation

struct Backtest: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Does the score predict conversion? Score as of a past time and compare with who started paying after it.",
        discussion: """
            Scores every user and account as of --as-of from the events up to that time only (an event after it never \
            changes the backtest), then labels each one converted when a paid subscription (a plan not in \
            backtest.free_plans) started within the horizon after it. Users and accounts already paying at that time, or \
            first seen after it, are left out and counted. Nothing is stored.

            The report: conversion by score bucket and by tier, PQL (hot) conversion against non-PQL and the lift \
            (seed 001: 3-5x), precision of hot and of hot+warm, recall over every converter among the eligible (seed 004: \
            precision > 30 %, hot+warm recall > 70 %), top 20 % against bottom 80 % (seed 003: 2x+), AUC, the PQL share \
            against seed 003's healthy 5-15 %, the lift of each configured signal, and threshold suggestions (never applied).

            --compare-as-of T1 T2 backtests both times and shows how the score distribution and the lift moved.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("Score as of this ISO-8601 time (a past time with conversions after it).", valueName: "time"))
    var asOf: String?
    @Option(parsing: .upToNextOption, help: ArgumentHelp("Backtest two times and show the drift between them.", valueName: "T1 T2"))
    var compareAsOf: [String] = []
    @Option(
        help: ArgumentHelp("The labelling window after the as-of time: 30d, 720h (default: backtest.horizon_days).", valueName: "duration"))
    var horizon: String?
    @Option(help: "weighted or points (default: the config's `model`).")
    var model: BrieferConfiguration.ScoringModel?
    @Option(help: ArgumentHelp("SDR capacity in new leads a week: suggest the hot threshold that fills it.", valueName: "N"))
    var capacity: Int?
    @Flag(help: "Print the report as JSON instead of text.")
    var json = false
    @Option(help: ArgumentHelp("Also write the report as a self-contained HTML page (inline SVG charts, no network).", valueName: "path"))
    var html: String?

    func validate() throws {
        if asOf == nil && compareAsOf.isEmpty { throw ValidationError("give --as-of T, or --compare-as-of T1 T2") }
        if asOf != nil && !compareAsOf.isEmpty { throw ValidationError("give --as-of or --compare-as-of, not both") }
        if !compareAsOf.isEmpty && compareAsOf.count != 2 { throw ValidationError("--compare-as-of takes two times: T1 T2") }
        if let horizon, parseDuration(horizon).map({ $0.isFinite && $0 >= 3600 && $0 <= 3650 * 86_400 }) != true {
            throw ValidationError("--horizon must be a duration from an hour to 3650 days: 30d, 720h")
        }
        if let capacity, capacity < 1 { throw ValidationError("--capacity must be at least 1 lead a week") }
    }

    func run() throws {
        let session = try global.session(mustExist: true)
        let horizonDays = horizon.flatMap(parseDuration).map { $0 / 86_400 }
        let text: String
        let page: String
        if let asOf {
            let report = try session.backtest(
                asOf: try parseTime(asOf, option: "--as-of"), horizonDays: horizonDays, model: model, capacityPerWeek: capacity)
            text = json ? try Reports.backtestJSON(report) : Reports.backtest(report)
            page = html == nil ? "" : BacktestHTML.page(report)
        } else {
            let comparison = try session.backtest(
                comparing: try parseTime(compareAsOf[0], option: "--compare-as-of"),
                try parseTime(compareAsOf[1], option: "--compare-as-of"),
                horizonDays: horizonDays, model: model, capacityPerWeek: capacity)
            text = json ? try Reports.backtestJSON(comparison) : Reports.backtestComparison(comparison)
            page = html == nil ? "" : BacktestHTML.page(comparison)
        }
        if let html { try Data(page.utf8).write(to: URL(fileURLWithPath: html), options: .atomic) }
        print(text)
        if let html {
            fflush(nil)  // the report first (every open stream flushed), then the note on standard error
            FileHandle.standardError.write(Data("wrote \(html)\n".utf8))
        }
    }
}
