import BrieferCore
import Foundation

/// `briefer backtest`'s terminal report and JSON.
extension Reports {
    static func percent(_ value: Double?) -> String { value.map(ThresholdSuggestions.percent) ?? "n/a" }

    static func times(_ value: Double?) -> String {
        guard let value else { return "n/a" }
        if value.isInfinite { return "∞" }
        return String(format: "%.2f×", value)
    }

    static func decimal(_ value: Double?, _ digits: Int = 2) -> String {
        guard let value else { return "n/a" }
        return String(format: "%.\(digits)f", value)
    }

    static func mark(_ status: TargetCheck.Status) -> String {
        switch status {
        case .met: return "met"
        case .warning: return "WARNING"
        case .redFlag: return "RED FLAG"
        case .unknown: return "not measurable"
        }
    }

    static func value(_ check: TargetCheck) -> String {
        check.name.hasSuffix("lift") ? times(check.value) : percent(check.value)
    }

    public static func backtest(_ r: BacktestReport) -> String {
        var out: [String] = []
        out.append(
            "backtest as of \(r.asOf), horizon \(TextNumber.days(r.horizonDays)) (conversions to \(r.labelsUntil)), \(r.model) model, config \(r.configFingerprint)"
        )
        out.append("data to \(r.dataEnd ?? "(none)")")
        let e = r.exclusions
        out.append(
            "eligible: \(r.users.eligible) users (\(r.users.converted) converted, \(percent(r.users.baseRate))), "
                + "\(r.accounts.eligible) accounts (\(r.accounts.converted) converted, \(percent(r.accounts.baseRate)))")
        out.append(
            "left out: \(e.usersPaying) users already paying, \(e.usersFirstSeenAfter) first seen after the as-of time, "
                + "\(e.usersInternal) internal; \(e.accountsPaying) accounts already paying, \(e.accountsFirstSeenAfter) first seen after")

        out.append("\nagainst the seeds' targets")
        var targets = TextTable(header: ["measure", "users", "", "accounts", "", "target", "source"], rightAligned: [1, 3])
        for (u, a) in zip(r.users.targets, r.accounts.targets) {
            targets.add([u.name, value(u), mark(u.status), value(a), mark(a.status), u.target, u.source])
        }
        targets.add(["AUC", decimal(r.users.auc), "", decimal(r.accounts.auc), "", "0.5 = a coin toss", ""])
        targets.add([
            "hot precision / recall", "\(percent(r.users.hotPrecision)) / \(percent(r.users.hotRecall))", "",
            "\(percent(r.accounts.hotPrecision)) / \(percent(r.accounts.hotRecall))", "", "recall over every converter", "",
        ])
        targets.add(["hot+warm precision", percent(r.users.hotWarmPrecision), "", percent(r.accounts.hotWarmPrecision), "", "", ""])
        targets.add([
            "PQL vs non-PQL rate", "\(percent(r.users.pql.rate)) vs \(percent(r.users.nonPQL.rate))", "",
            "\(percent(r.accounts.pql.rate)) vs \(percent(r.accounts.nonPQL.rate))", "", "", "",
        ])
        targets.add([
            "top 20 % vs bottom 80 %", "\(percent(r.users.top20.rate)) vs \(percent(r.users.bottom80.rate))", "",
            "\(percent(r.accounts.top20.rate)) vs \(percent(r.accounts.bottom80.rate))", "", "", "",
        ])
        out.append(targets.render())

        for (name, p) in [("users", r.users), ("accounts", r.accounts)] {
            out.append("\nconversion by score bucket (\(name))")
            var buckets = TextTable(header: ["score", name, "converted", "rate", "share", "seed 001 expects"], rightAligned: [1, 2, 3, 4])
            for b in p.buckets {
                buckets.add([
                    b.label, "\(b.conversion.count)", "\(b.conversion.converted)", percent(b.conversion.rate), percent(b.share),
                    b.expected ?? "",
                ])
            }
            out.append(buckets.render())
        }

        out.append("\nconversion by tier")
        var tiers = TextTable(
            header: ["tier", "users", "converted", "rate", "share", "accounts", "converted", "rate", "share"],
            rightAligned: [1, 2, 3, 4, 5, 6, 7, 8])
        for (u, a) in zip(r.users.tiers, r.accounts.tiers) {
            tiers.add([
                u.tier.rawValue, "\(u.conversion.count)", "\(u.conversion.converted)", percent(u.conversion.rate), percent(u.share),
                "\(a.conversion.count)", "\(a.conversion.converted)", percent(a.conversion.rate), percent(a.share),
            ])
        }
        out.append(tiers.render())
        if let health = r.users.pqlShareHealth {
            out.append(
                "PQL share of users \(percent(r.users.pqlShare)): \(health.rawValue) (seed 003: 5–15 % healthy, 15–25 % warning, > 25 % or < 3 % red flag)"
            )
        }

        out.append("\nsignals (eligible users with the signal against those without; lift = rate with / rate without)")
        var signals = TextTable(
            header: ["signal", "kind", "with", "converted", "rate", "without", "converted", "rate", "lift"],
            rightAligned: [2, 3, 4, 5, 6, 7, 8])
        for s in r.signals.sorted(by: { ($0.lift ?? -1) > ($1.lift ?? -1) }) {
            signals.add([
                s.signal.name, s.signal.kind, "\(s.with.count)", "\(s.with.converted)", percent(s.with.rate),
                "\(s.without.count)", "\(s.without.converted)", percent(s.without.rate), times(s.lift),
            ])
        }
        out.append(signals.render())

        out.append(contentsOf: thresholdLines(r.thresholds, model: r.model))
        if let f = r.feedback { out.append(contentsOf: feedbackLines(f)) }
        if !r.warnings.isEmpty {
            out.append("\nwarnings:")
            out.append(contentsOf: r.warnings.map { "  " + $0 })
        }
        return out.joined(separator: "\n")
    }

    /// Reps' feedback beside conversions.
    static func feedbackLines(_ f: FeedbackEvidence) -> [String] {
        var out = [
            "\nreps' feedback after the as-of time, within the horizon (a label like a conversion, never a scoring input): \(f.accounts) account(s)",
            "  hot then, with feedback: \(f.hotWithFeedback); marked positive: \(f.hotPositive) (precision by feedback \(percent(f.precision)))"
                + "; feedback agrees with conversion for \(percent(f.agreement))",
        ]
        var table = TextTable(header: ["feedback", "positive", "accounts", "hot then", "converted"])
        for v in f.values { table.add([v.value, v.positive ? "yes" : "no", "\(v.accounts)", "\(v.hot)", "\(v.converted)"]) }
        out.append(table.render())
        if !f.sharedReasons.isEmpty {
            out.append(
                "  the positive ones share: "
                    + f.sharedReasons.map { "\($0.code) (\($0.accounts), \(percent($0.share)))" }.joined(separator: ", "))
        }
        return out
    }

    static func outcomeLine(_ o: ThresholdOutcome, unit: String) -> String {
        var line =
            "\(o.threshold): \(o.hot.count) hot \(unit) (\(percent(o.share))), precision \(percent(o.precision)), recall \(percent(o.recall)), lift \(times(o.lift))"
        if let flow = o.newPerWeek { line += ", \(ThresholdSuggestions.format(flow)) new hot a week" }
        return line
    }

    static func thresholdLines(_ t: ThresholdSuggestions, model: String) -> [String] {
        let key = model == "weighted" ? "weighted.tiers.hot" : "points.pql.min_total"
        var out = [
            "\nthreshold suggestions (not applied: to adopt one, set \(key) in the config; tried \(t.range.lowerBound)–\(t.range.upperBound))"
        ]
        out.append("  PQL share in 5–15 % with the best lift (users):")
        out.append("    now       " + outcomeLine(t.band.current, unit: "users"))
        out.append("    suggested " + (t.band.suggested.map { outcomeLine($0, unit: "users") } ?? "none"))
        out.append("    " + t.band.note)
        if let c = t.capacity {
            out.append(
                "  SDR capacity \(c.capacityPerWeek) accounts a week (flow of newly hot accounts over the \(c.weeksMeasured) week(s) before the as-of time):"
            )
            out.append("    now       " + outcomeLine(c.current, unit: "accounts"))
            out.append("    suggested " + (c.suggested.map { outcomeLine($0, unit: "accounts") } ?? "none"))
            out.append("    " + c.note)
        }
        return out
    }

    public static func backtestComparison(_ c: BacktestComparison) -> String {
        var out: [String] = []
        out.append("drift from \(c.from.asOf) to \(c.to.asOf) (\(c.to.model) model, horizon \(TextNumber.days(c.to.horizonDays)))")
        for (name, d) in [("users", c.users), ("accounts", c.accounts)] {
            out.append("\nscore distribution (\(name))")
            var table = TextTable(
                header: ["score", "share then", "share now", "change", "rate then", "rate now"], rightAligned: [1, 2, 3, 4, 5])
            for b in d.buckets {
                let change =
                    (b.shareFrom != nil && b.shareTo != nil) ? String(format: "%+.1f pts", (b.shareTo! - b.shareFrom!) * 100) : "n/a"
                table.add([b.label, percent(b.shareFrom), percent(b.shareTo), change, percent(b.rateFrom), percent(b.rateTo)])
            }
            out.append(table.render())
            let psi = d.stabilityIndex
            let reading = psi.map { $0 < 0.1 ? "stable" : $0 <= 0.25 ? "a moderate shift" : "a large shift" } ?? "n/a"
            out.append(
                "stability index \(decimal(psi, 3)) (\(reading)); largest bucket \(percent(d.largestBucketShareFrom)) → \(percent(d.largestBucketShareTo))"
                    + (d.clusteredFrom || d.clusteredTo ? " — RED FLAG: over 50 % in one bucket (seed 001)" : ""))
            var metrics = TextTable(header: ["measure", "then", "now"], rightAligned: [1, 2])
            for change in d.changes {
                metrics.add([change.name, driftValue(change.name, change.from), driftValue(change.name, change.to)])
            }
            out.append(metrics.render())
        }
        if !c.warnings.isEmpty {
            out.append("\nwarnings:")
            out.append(contentsOf: c.warnings.map { "  " + $0 })
        }
        out.append("\n== as of \(c.to.asOf) ==\n" + backtest(c.to))
        out.append("\n== as of \(c.from.asOf) ==\n" + backtest(c.from))
        return out.joined(separator: "\n")
    }

    static func driftValue(_ name: String, _ value: Double?) -> String {
        if name.hasSuffix("lift") { return times(value) }
        if name == "AUC" { return decimal(value) }
        if name == "eligible" { return value.map { "\(Int($0))" } ?? "n/a" }
        return percent(value)
    }

    /// Machine-readable: snake_case keys, sorted, with `schema_version`.
    public static func backtestJSON<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // An infinite lift (no conversion on the other side) is the string "inf".
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(SchemaVersioned(value: value)), as: UTF8.self)
    }
}

/// A value's JSON with `schema_version` beside its keys.
struct SchemaVersioned<T: Encodable>: Encodable {
    var value: T
    func encode(to encoder: any Encoder) throws {
        try value.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(JSONOutput.schemaVersion, forKey: Key(stringValue: "schema_version"))
    }
    struct Key: CodingKey {
        var stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }
}

enum TextNumber {
    static func days(_ d: Double) -> String { d == d.rounded() ? "\(Int(d)) days" : String(format: "%.2f days", d) }
}
