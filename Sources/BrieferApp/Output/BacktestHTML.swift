import BrieferCore
import Foundation

/// `briefer backtest --html`: one self-contained page (no scripts, no styles or fonts from elsewhere,
/// no address of any kind) whose charts are inline SVG. Written as well-formed XML so any XML parser
/// can check it.
public enum BacktestHTML {
    public static func page(_ r: BacktestReport) -> String {
        document(title: "Briefer backtest as of \(r.asOf)", body: report(r))
    }

    public static func page(_ c: BacktestComparison) -> String {
        var body = "<h1>Drift from \(escape(c.from.asOf)) to \(escape(c.to.asOf))</h1>\n"
        body += warnings(c.warnings)
        for (name, d) in [("users", c.users), ("accounts", c.accounts)] {
            body += "<h2>Score distribution (\(name))</h2>\n"
            body += shareChart(d)
            body += table(
                ["score", "share then", "share now", "rate then", "rate now"],
                d.buckets.map {
                    [
                        $0.label, Reports.percent($0.shareFrom), Reports.percent($0.shareTo), Reports.percent($0.rateFrom),
                        Reports.percent($0.rateTo),
                    ]
                },
                numeric: [1, 2, 3, 4])
            body +=
                "<p>Stability index \(Reports.decimal(d.stabilityIndex, 3)); largest bucket \(Reports.percent(d.largestBucketShareFrom)) → \(Reports.percent(d.largestBucketShareTo))"
                + (d.clusteredFrom || d.clusteredTo ? " — <strong class=\"red\">red flag: over 50 % in one bucket</strong>" : "") + "</p>\n"
            body += table(
                ["measure", "then", "now"],
                d.changes.map { [$0.name, Reports.driftValue($0.name, $0.from), Reports.driftValue($0.name, $0.to)] }, numeric: [1, 2])
        }
        body += "<hr/>\n" + report(c.to) + "<hr/>\n" + report(c.from)
        return document(title: "Briefer backtest drift \(c.from.asOf) → \(c.to.asOf)", body: body)
    }

    // MARK: Sections

    static func report(_ r: BacktestReport) -> String {
        var s = "<h1>Backtest as of \(escape(r.asOf))</h1>\n"
        s +=
            "<p>Horizon \(escape(TextNumber.days(r.horizonDays))) (conversions to \(escape(r.labelsUntil))), \(escape(r.model)) model, config \(escape(r.configFingerprint)); data to \(escape(r.dataEnd ?? "(none)")).</p>\n"
        let e = r.exclusions
        s +=
            "<p>Eligible: <b>\(r.users.eligible)</b> users (\(r.users.converted) converted, \(Reports.percent(r.users.baseRate))), "
            + "<b>\(r.accounts.eligible)</b> accounts (\(r.accounts.converted) converted, \(Reports.percent(r.accounts.baseRate))). "
            + "Left out: \(e.usersPaying) users already paying, \(e.usersFirstSeenAfter) first seen after, \(e.usersInternal) internal; "
            + "\(e.accountsPaying) accounts already paying, \(e.accountsFirstSeenAfter) first seen after.</p>\n"
        s += warnings(r.warnings)
        s += "<h2>Against the seeds' targets</h2>\n"
        var rows = zip(r.users.targets, r.accounts.targets).map { u, a in
            [u.name, Reports.value(u), Reports.mark(u.status), Reports.value(a), Reports.mark(a.status), u.target, u.source]
        }
        rows.append(["AUC", Reports.decimal(r.users.auc), "", Reports.decimal(r.accounts.auc), "", "0.5 = a coin toss", ""])
        rows.append([
            "hot recall", Reports.percent(r.users.hotRecall), "", Reports.percent(r.accounts.hotRecall), "", "over every converter", "",
        ])
        rows.append([
            "hot+warm precision", Reports.percent(r.users.hotWarmPrecision), "", Reports.percent(r.accounts.hotWarmPrecision), "", "", "",
        ])
        s += table(["measure", "users", "", "accounts", "", "target", "source"], rows, numeric: [1, 3])

        s += "<h2>Conversion by score bucket</h2>\n"
        s += groupedBars(
            groups: r.users.buckets.map(\.label),
            series: [
                ("users", "#3b6ea8", r.users.buckets.map { $0.conversion.rate }),
                ("accounts", "#d98c2b", r.accounts.buckets.map { $0.conversion.rate }),
            ],
            counts: [r.users.buckets.map { $0.conversion.count }, r.accounts.buckets.map { $0.conversion.count }])
        s += table(
            ["score", "users", "converted", "rate", "accounts", "converted", "rate", "seed 001 expects"],
            zip(r.users.buckets, r.accounts.buckets).map { u, a in
                [
                    u.label, "\(u.conversion.count)", "\(u.conversion.converted)", Reports.percent(u.conversion.rate),
                    "\(a.conversion.count)", "\(a.conversion.converted)", Reports.percent(a.conversion.rate), u.expected ?? "",
                ]
            }, numeric: [1, 2, 3, 4, 5, 6])

        s += "<h2>Tier mix and conversion by tier</h2>\n"
        s += tierMix(r)
        s += table(
            ["tier", "users", "converted", "rate", "share", "accounts", "converted", "rate", "share"],
            zip(r.users.tiers, r.accounts.tiers).map { u, a in
                [
                    u.tier.rawValue, "\(u.conversion.count)", "\(u.conversion.converted)", Reports.percent(u.conversion.rate),
                    Reports.percent(u.share),
                    "\(a.conversion.count)", "\(a.conversion.converted)", Reports.percent(a.conversion.rate), Reports.percent(a.share),
                ]
            }, numeric: [1, 2, 3, 4, 5, 6, 7, 8])
        if let health = r.users.pqlShareHealth {
            s +=
                "<p>PQL share of users \(Reports.percent(r.users.pqlShare)): <b>\(escape(health.rawValue))</b> (seed 003: 5–15 % healthy).</p>\n"
        }

        s += "<h2>Lift by signal (users)</h2>\n"
        let signals = r.signals.sorted { ($0.lift ?? -1) > ($1.lift ?? -1) }
        s += liftChart(signals)
        s += table(
            ["signal", "kind", "with", "converted", "rate", "without", "converted", "rate", "lift"],
            signals.map {
                [
                    $0.signal.name, $0.signal.kind, "\($0.with.count)", "\($0.with.converted)", Reports.percent($0.with.rate),
                    "\($0.without.count)", "\($0.without.converted)", Reports.percent($0.without.rate), Reports.times($0.lift),
                ]
            },
            numeric: [2, 3, 4, 5, 6, 7, 8])

        s += "<h2>Score histogram (users)</h2>\n"
        s += histogram(r.users.histogram)

        s +=
            "<h2>Threshold suggestions</h2>\n<pre>"
            + escape(
                Reports.thresholdLines(r.thresholds, model: r.model).joined(separator: "\n")
                    .trimmingCharacters(in: .newlines)) + "</pre>\n"
        if let f = r.feedback {
            s += "<h2>Reps' feedback after the as-of time</h2>\n"
            s +=
                "<p>\(f.accounts) account(s) with feedback within the horizon (a label like a conversion, never a scoring input); "
                + "hot then: \(f.hotWithFeedback), marked positive: \(f.hotPositive) — precision by feedback \(Reports.percent(f.precision)); "
                + "feedback agrees with conversion for \(Reports.percent(f.agreement)).</p>\n"
            s += table(
                ["feedback", "positive", "accounts", "hot then", "converted"],
                f.values.map { [$0.value, $0.positive ? "yes" : "no", "\($0.accounts)", "\($0.hot)", "\($0.converted)"] },
                numeric: [2, 3, 4])
            if !f.sharedReasons.isEmpty {
                s +=
                    "<p>The positive ones share: "
                    + escape(f.sharedReasons.map { "\($0.code) (\($0.accounts), \(Reports.percent($0.share)))" }.joined(separator: ", "))
                    + "</p>\n"
            }
        }
        return s
    }

    static func warnings(_ list: [String]) -> String {
        list.isEmpty ? "" : "<ul class=\"warnings\">" + list.map { "<li>\(escape($0))</li>" }.joined() + "</ul>\n"
    }

    // MARK: Charts

    static let width = 720.0

    /// Bars per group, one per series; `counts` (per series, per group) go in the tooltips when given.
    static func groupedBars(groups: [String], series: [(name: String, color: String, values: [Double?])], counts: [[Int]]?) -> String {
        let height = 240.0, left = 50.0, bottom = 40.0, top = 24.0
        let plotHeight = height - bottom - top
        let top1 = max(0.05, series.flatMap { $0.values.compactMap { $0 } }.max() ?? 0)
        let ceiling = (top1 * 10).rounded(.up) / 10
        var svg = SVGCanvas(width: width, height: height, title: "Conversion rate by score bucket")
        for step in 0...4 {
            let v = ceiling * Double(step) / 4
            let y = top + plotHeight * (1 - v / ceiling)
            svg.line(left, y, width - 10, y, color: "#ddd")
            svg.text(left - 6, y + 4, Reports.percent(v), anchor: "end", size: 10)
        }
        let groupWidth = (width - left - 10) / Double(max(1, groups.count))
        let barWidth = groupWidth * 0.8 / Double(max(1, series.count))
        for (g, label) in groups.enumerated() {
            let x0 = left + Double(g) * groupWidth + groupWidth * 0.1
            for (k, s) in series.enumerated() {
                let value = s.values[g] ?? 0
                let h = plotHeight * value / ceiling
                let x = x0 + Double(k) * barWidth
                svg.rect(
                    x, top + plotHeight - h, barWidth - 2, h, color: s.color,
                    title: "\(s.name) \(label): \(Reports.percent(s.values[g]))" + (counts.map { " of \($0[k][g])" } ?? ""))
                svg.text(x + barWidth / 2, top + plotHeight - h - 4, Reports.percent(s.values[g]), anchor: "middle", size: 9)
            }
            svg.text(x0 + groupWidth * 0.4, height - bottom + 16, label, anchor: "middle", size: 11)
        }
        svg.line(left, top + plotHeight, width - 10, top + plotHeight, color: "#444")
        for (k, s) in series.enumerated() {
            svg.rect(left + Double(k) * 90, height - 14, 10, 10, color: s.color, title: s.name)
            svg.text(left + Double(k) * 90 + 14, height - 5, s.name, anchor: "start", size: 11)
        }
        return svg.render()
    }

    static let tierColors: [Tier: String] = [.hot: "#c0392b", .warm: "#e67e22", .nurture: "#f1c40f", .monitor: "#95a5a6"]

    static func tierMix(_ r: BacktestReport) -> String {
        let rowHeight = 28.0, left = 80.0
        var svg = SVGCanvas(width: width, height: rowHeight * 2 + 40, title: "Tier mix")
        for (i, (name, p)) in [("users", r.users), ("accounts", r.accounts)].enumerated() {
            let y = 8 + Double(i) * (rowHeight + 6)
            svg.text(left - 8, y + rowHeight / 2 + 4, name, anchor: "end", size: 11)
            var x = left
            for t in p.tiers {
                let w = (width - left - 10) * (t.share ?? 0)
                guard w > 0 else { continue }
                svg.rect(
                    x, y, w, rowHeight, color: tierColors[t.tier]!,
                    title: "\(name) \(t.tier.rawValue): \(t.conversion.count) (\(Reports.percent(t.share)))")
                if w > 40 {
                    svg.text(x + w / 2, y + rowHeight / 2 + 4, "\(t.tier.rawValue) \(Reports.percent(t.share))", anchor: "middle", size: 10)
                }
                x += w
            }
        }
        for (k, tier) in Tier.allCases.enumerated() {
            svg.rect(left + Double(k) * 90, rowHeight * 2 + 24, 10, 10, color: tierColors[tier]!, title: tier.rawValue)
            svg.text(left + Double(k) * 90 + 14, rowHeight * 2 + 33, tier.rawValue, anchor: "start", size: 11)
        }
        return svg.render()
    }

    static func liftChart(_ signals: [SignalEvidence]) -> String {
        let rowHeight = 20.0, left = 230.0, right = 70.0
        let maxLift = max(2, signals.compactMap(\.lift).filter(\.isFinite).max() ?? 1) * 1.1
        let scale = (width - left - right) / maxLift
        var svg = SVGCanvas(width: width, height: rowHeight * Double(max(1, signals.count)) + 30, title: "Lift by signal")
        for (i, s) in signals.enumerated() {
            let y = 4 + Double(i) * rowHeight
            svg.text(left - 8, y + 13, s.signal.name, anchor: "end", size: 11)
            if let lift = s.lift.map({ min($0, maxLift) }) {
                svg.rect(
                    left, y + 2, lift * scale, rowHeight - 6, color: lift >= 1 ? "#3b6ea8" : "#b03a2e",
                    title: "\(s.signal.name): \(Reports.percent(s.with.rate)) with, \(Reports.percent(s.without.rate)) without")
                svg.text(left + lift * scale + 4, y + 13, Reports.times(s.lift), anchor: "start", size: 10)
            } else {
                svg.text(left + 4, y + 13, "n/a", anchor: "start", size: 10)
            }
        }
        let bottom = rowHeight * Double(max(1, signals.count)) + 8
        svg.line(left + scale, 0, left + scale, bottom, color: "#444")
        svg.text(left + scale, bottom + 14, "1× (no lift)", anchor: "middle", size: 10)
        return svg.render()
    }

    static func histogram(_ bins: [HistogramBin]) -> String {
        let height = 220.0, left = 50.0, bottom = 40.0, top = 10.0
        let plotHeight = height - bottom - top
        let tallest = max(1, bins.map { $0.converted + $0.notConverted }.max() ?? 1)
        var svg = SVGCanvas(width: width, height: height, title: "Score histogram")
        let barWidth = (width - left - 10) / Double(max(1, bins.count))
        for step in 0...4 {
            let v = Double(tallest) * Double(step) / 4
            let y = top + plotHeight * (1 - v / Double(tallest))
            svg.line(left, y, width - 10, y, color: "#ddd")
            svg.text(left - 6, y + 4, "\(Int(v.rounded()))", anchor: "end", size: 10)
        }
        for (i, bin) in bins.enumerated() {
            let x = left + Double(i) * barWidth
            let hNot = plotHeight * Double(bin.notConverted) / Double(tallest)
            let hConv = plotHeight * Double(bin.converted) / Double(tallest)
            svg.rect(
                x, top + plotHeight - hNot, barWidth - 1, hNot, color: "#b8c7d9",
                title: "\(bin.lower)–\(bin.upper): \(bin.notConverted) did not convert")
            svg.rect(
                x, top + plotHeight - hNot - hConv, barWidth - 1, hConv, color: "#2e7d32",
                title: "\(bin.lower)–\(bin.upper): \(bin.converted) converted")
            if i % 2 == 0 { svg.text(x, height - bottom + 14, "\(bin.lower)", anchor: "middle", size: 10) }
        }
        svg.rect(left, height - 14, 10, 10, color: "#2e7d32", title: "converted")
        svg.text(left + 14, height - 5, "converted", anchor: "start", size: 11)
        svg.rect(left + 100, height - 14, 10, 10, color: "#b8c7d9", title: "did not convert")
        svg.text(left + 114, height - 5, "did not convert", anchor: "start", size: 11)
        return svg.render()
    }

    static func shareChart(_ d: PopulationDrift) -> String {
        groupedBars(
            groups: d.buckets.map(\.label),
            series: [("then", "#95a5a6", d.buckets.map(\.shareFrom)), ("now", "#3b6ea8", d.buckets.map(\.shareTo))],
            counts: nil)
    }

    // MARK: Markup

    static func document(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8"/>
        <title>\(escape(title))</title>
        <style>
        body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 60em; color: #222; }
        table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
        th, td { padding: 2px 10px; border-bottom: 1px solid #e3e3e3; text-align: left; }
        td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        .warnings { background: #fff4e5; padding: 0.5em 2em; }
        .red { color: #b03a2e; }
        svg { display: block; margin: 0.5em 0; }
        pre { background: #f6f6f6; padding: 0.8em; white-space: pre-wrap; }
        </style>
        </head>
        <body>
        \(body)</body>
        </html>

        """
    }

    static func table(_ header: [String], _ rows: [[String]], numeric: Set<Int>) -> String {
        var s = "<table><thead><tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead><tbody>\n"
        for row in rows {
            s +=
                "<tr>"
                + row.enumerated().map { i, cell in
                    numeric.contains(i) ? "<td class=\"n\">\(escape(cell))</td>" : "<td>\(escape(cell))</td>"
                }.joined() + "</tr>\n"
        }
        return s + "</tbody></table>\n"
    }

    /// Text for content and attributes: the JUnit report's XML escaping (characters XML cannot hold dropped).
    static func escape(_ text: String) -> String { Reports.xml(text) }
}

/// A few SVG shapes, each with a tooltip title, coordinates rounded to a tenth.
struct SVGCanvas {
    var width: Double
    var height: Double
    var title: String
    var items: [String] = []

    init(width: Double, height: Double, title: String) { self.width = width; self.height = height; self.title = title }

    static func n(_ v: Double) -> String { String(format: "%.1f", v.isFinite ? v : 0) }

    mutating func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, color: String, title: String) {
        items.append(
            "<rect x=\"\(Self.n(x))\" y=\"\(Self.n(y))\" width=\"\(Self.n(max(0, w)))\" height=\"\(Self.n(max(0, h)))\" fill=\"\(color)\"><title>\(BacktestHTML.escape(title))</title></rect>"
        )
    }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, color: String) {
        items.append("<line x1=\"\(Self.n(x1))\" y1=\"\(Self.n(y1))\" x2=\"\(Self.n(x2))\" y2=\"\(Self.n(y2))\" stroke=\"\(color)\"/>")
    }

    mutating func text(_ x: Double, _ y: Double, _ text: String, anchor: String, size: Int) {
        items.append(
            "<text x=\"\(Self.n(x))\" y=\"\(Self.n(y))\" text-anchor=\"\(anchor)\" font-size=\"\(size)\">\(BacktestHTML.escape(text))</text>"
        )
    }

    func render() -> String {
        "<svg width=\"\(Self.n(width))\" height=\"\(Self.n(height))\" viewBox=\"0 0 \(Self.n(width)) \(Self.n(height))\" role=\"img\" aria-label=\"\(BacktestHTML.escape(title))\">\n"
            + items.joined(separator: "\n") + "\n</svg>\n"
    }
}
