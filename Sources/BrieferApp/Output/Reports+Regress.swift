import BrieferCore
import Foundation

/// A finished regression run: the candidate prompt's report, what it was compared with, and the verdict.
public struct RegressionResult: Sendable {
    public var candidate: PromptRunReport
    /// The baseline prompt's run (`--baseline`), when the comparison is side by side.
    public var baseline: PromptRunReport?
    /// What the outcomes were compared with, in words ("the committed baseline", a prompt file).
    public var comparedWith: String
    public var comparison: OutcomeComparison
    /// Golden copies written (`--update-golden`) and whether the baseline was accepted (`--accept`).
    public var goldensUpdated: Int
    public var accepted: Bool
    /// Things the reader should know that are not failures (a baseline accepted with another model).
    public var notes: [String]

    public init(
        candidate: PromptRunReport, baseline: PromptRunReport?, comparedWith: String, comparison: OutcomeComparison,
        goldensUpdated: Int, accepted: Bool, notes: [String] = []
    ) {
        self.candidate = candidate; self.baseline = baseline; self.comparedWith = comparedWith; self.comparison = comparison
        self.goldensUpdated = goldensUpdated; self.accepted = accepted; self.notes = notes
    }

    /// Golden prompts that changed (or are new) and were not accepted with `--update-golden`. Side by side
    /// they are shown but do not fail the run: a candidate prompt renders differently by design.
    public var unacceptedGoldens: [CaseReport] { goldensUpdated > 0 || baseline != nil ? [] : candidate.goldenChanges }
    public var missing: [MissingCassette] { candidate.missing + (baseline?.missing ?? []) }
    public var unanswered: [(caseName: String, failure: String)] { candidate.unanswered + (baseline?.unanswered ?? []) }
    /// Regressions that make the run fail: all of them, unless `--accept` took the outcomes as the new baseline.
    public var gatingRegressions: [OutcomeComparison.Finding] { accepted ? [] : comparison.regressions }

    /// Why the gate fails, one reason per line; empty when it passes.
    public var gateFailures: [String] {
        var reasons: [String] = []
        if !gatingRegressions.isEmpty {
            reasons.append(
                "\(gatingRegressions.count) regression(s) in \(Set(gatingRegressions.map(\.caseName)).count) case(s) against \(comparedWith)"
            )
        }
        let goldens = unacceptedGoldens
        if !goldens.isEmpty {
            reasons.append("\(goldens.count) golden prompt(s) changed or new, not accepted (review the diff, then --update-golden)")
        }
        if !missing.isEmpty { reasons.append("\(missing.count) request(s) without a recorded answer (--mode record)") }
        if !unanswered.isEmpty { reasons.append("\(unanswered.count) run(s) without an answer from the endpoint (run again)") }
        return reasons
    }
}

extension Reports {
    /// The terminal report: the table (one prompt, or two side by side), golden diffs, missing cassettes,
    /// what changed against the baseline and why, and the totals.
    public static func regression(_ r: RegressionResult, verbose: Bool = false) -> String {
        var out: [String] = []
        let c = r.candidate
        out.append(
            "regress: \(c.cases.count) case(s), model \(c.model), \(c.mode.rawValue) mode"
                + (c.repeats > 1 ? ", \(c.repeats) runs each" : "")
                + ", \(String(format: "%.1f", c.seconds + (r.baseline?.seconds ?? 0))) s")
        if let b = r.baseline {
            out.append("  baseline:  \(b.template.version) (\(b.promptPath))")
            out.append("  candidate: \(c.template.version) (\(c.promptPath))\n")
            out.append(sideBySideTable(b, c, r.comparison))
        } else {
            out.append("  prompt: \(c.template.version) (\(c.promptPath), \(c.template.hash)); compared with \(r.comparedWith)\n")
            out.append(singleTable(c, r.comparison))
        }

        let regressed = Dictionary(grouping: r.comparison.regressions, by: \.caseName)
        if !regressed.isEmpty {
            out.append("\nregressions (passed in \(r.comparedWith), fail now):")
            for name in regressed.keys.sorted() {
                guard let report = c.cases.first(where: { $0.name == name }) else { continue }
                out.append("  \(name)" + (report.regressionCase.description.isEmpty ? "" : " — \(report.regressionCase.description)"))
                for finding in regressed[name]! {
                    guard let label = finding.assertion else {
                        out.append("    the case: passed, fails now (score \(score(report.grade.score)))"); continue
                    }
                    out.append("    \(label): \(message(report, label))")
                }
            }
        }
        if !r.comparison.dropped.isEmpty {
            out.append("\nin \(r.comparedWith) but not in this run (no longer checked):")
            for f in r.comparison.dropped { out.append("  \(f.caseName)" + (f.assertion.map { ": \($0)" } ?? " (the whole case)")) }
        }
        if let b = r.baseline {
            let changes = changedSentences(b, c)
            if !changes.isEmpty {
                out.append("\nchanged sentences (baseline → candidate):")
                out += changes
            }
        }
        if verbose {
            out.append("\nevery failing assertion:")
            for report in c.cases where report.grade.assertionSummaries.contains(where: { $0.passRate < 1 }) {
                out.append("  \(report.name):")
                for a in report.grade.assertionSummaries where a.passRate < 1 {
                    out.append("    \(a.label)\(c.repeats > 1 ? " (passes \(percent(a.passRate)))" : ""): \(a.message)")
                }
                if let briefing = report.runs.first?.briefing {
                    out.append("      the briefing judged\(c.repeats > 1 ? " in run 1" : ""):")
                    for field in briefing.fields { out.append("        \(field.name): \(field.text)") }
                }
            }
        }
        if !c.goldenChanges.isEmpty {
            let state =
                r.goldensUpdated > 0
                ? "accepted with --update-golden: \(r.goldensUpdated) written"
                : r.baseline != nil ? "the candidate's, side by side: not accepted, not failing the run" : "not accepted"
            out.append("\ngolden prompts (\(state)):")
            out += goldenDiffs(c.goldenChanges)
        }
        if !r.missing.isEmpty {
            out.append("\nmissing cassettes (no recorded answer for the request):")
            for m in r.missing { out.append("  " + m.description) }
        }
        if !r.unanswered.isEmpty {
            out.append("\nno answer from the endpoint (nothing recorded; the case is not judged):")
            for u in r.unanswered { out.append("  case \(u.caseName): \(u.failure)") }
        }
        out.append("\n" + totals(r))
        return out.joined(separator: "\n")
    }

    /// The golden diffs, each distinct change once with the cases it applies to: one edited sentence of
    /// the prompt is one diff (shown with the first case's context), not one per case.
    static func goldenDiffs(_ reports: [CaseReport]) -> [String] {
        var order: [[Substring]] = []
        var groups: [[Substring]: (first: [Substring], names: [String])] = [:]
        var new: [String] = []
        for report in reports {
            switch report.golden {
            case let .changed(diff):
                let lines = diff.split(separator: "\n", omittingEmptySubsequences: false)
                // The same change: the same removed and added lines, whatever the account data around them.
                let key = lines.dropFirst(2).filter { $0.hasPrefix("-") || $0.hasPrefix("+") }
                if groups[key] == nil { order.append(key); groups[key] = (lines, []) }
                groups[key]!.names.append(report.name)
            case .new: new.append(report.name)
            case .same: break
            }
        }
        var out: [String] = []
        for key in order {
            let (lines, names) = groups[key]!
            let header =
                names.count == 1
                ? "--- golden/\(names[0]).txt"
                : "--- golden/*.txt (the same change in \(names.count) cases: \(names.joined(separator: ", ")); shown for \(names[0]))"
            out.append(([Substring(header)] + lines.dropFirst()).joined(separator: "\n"))
        }
        if !new.isEmpty { out.append("new (no golden copy yet): " + new.joined(separator: ", ")) }
        return out
    }

    static func singleTable(_ c: PromptRunReport, _ comparison: OutcomeComparison) -> String {
        var table = TextTable(
            header: ["case", "result", "score", "tries", "latency", "golden", "vs baseline", "failing assertions"],
            rightAligned: [2, 3, 4])
        for report in c.cases {
            table.add([
                report.name, result(report, repeats: c.repeats), score(report.grade.score), attempts(report),
                "\(latency(report)) ms", goldenWord(report.golden), change(report.name, comparison), failing(report),
            ])
        }
        return table.render()
    }

    static func sideBySideTable(_ b: PromptRunReport, _ c: PromptRunReport, _ comparison: OutcomeComparison) -> String {
        var table = TextTable(
            header: ["case", "baseline", "score", "candidate", "score", "change", "candidate fails"], rightAligned: [2, 4])
        let before = Dictionary(uniqueKeysWithValues: b.cases.map { ($0.name, $0) })
        for report in c.cases {
            let old = before[report.name]
            table.add([
                report.name, old.map { result($0, repeats: b.repeats) } ?? "-", old.map { score($0.grade.score) } ?? "-",
                result(report, repeats: c.repeats), score(report.grade.score), change(report.name, comparison), failing(report),
            ])
        }
        let mean = { (r: PromptRunReport) in r.cases.isEmpty ? 0 : r.cases.reduce(0) { $0 + $1.grade.score } / Double(r.cases.count) }
        table.add([
            "total", "\(b.passedCount)/\(b.cases.count)", score(mean(b)), "\(c.passedCount)/\(c.cases.count)", score(mean(c)),
            "\(comparison.regressedCases.count) worse, \(Set(comparison.fixes.map(\.caseName)).count) better", "",
        ])
        return table.render()
    }

    /// Per case, the fields whose final briefing (of run 1) differs between the two prompts.
    static func changedSentences(_ b: PromptRunReport, _ c: PromptRunReport) -> [String] {
        let before = Dictionary(uniqueKeysWithValues: b.cases.map { ($0.name, $0) })
        var out: [String] = []
        for report in c.cases {
            let old = before[report.name]?.runs.first?.briefing
            let new = report.runs.first?.briefing
            guard old != new else { continue }
            var lines: [String] = []
            for name in Briefing.fieldNames {
                let was = old?.fields.first { $0.name == name }?.text
                let now = new?.fields.first { $0.name == name }?.text
                guard was != now else { continue }
                lines.append("    \(name)")
                lines.append("      - " + (was.map { clip($0, 160) } ?? "(no briefing)"))
                lines.append("      + " + (now.map { clip($0, 160) } ?? "(no briefing)"))
            }
            if !lines.isEmpty { out.append("  \(report.name)"); out += lines }
        }
        return out
    }

    static func totals(_ r: RegressionResult) -> String {
        let c = r.candidate
        var line =
            "passed \(c.passedCount)/\(c.cases.count); against \(r.comparedWith): \(r.comparison.regressions.count) regression(s), "
            + "\(r.comparison.fixes.count) fixed, \(r.comparison.stillFailing.count) failing as before, \(r.comparison.new.count) new, "
            + "\(r.comparison.dropped.count) no longer checked; "
            + "golden changed \(c.goldenChanges.count); missing cassettes \(r.missing.count)"
        for note in r.notes { line += "\nnote: \(note)" }
        if r.accepted { line += "\nbaseline accepted: the outcomes above are the new baseline" }
        let failures = r.gateFailures
        line += failures.isEmpty ? "\nOK: no regression" : "\nFAILED: " + failures.joined(separator: "; ")
        return line
    }

    static func result(_ report: CaseReport, repeats: Int) -> String {
        if !report.missing.isEmpty || report.runs.contains(where: { $0.answer.validation == nil }) { return "no answer" }
        if repeats > 1 { return "\(percent(report.grade.passRate)) pass" }
        return report.passed ? "pass" : "FAIL"
    }

    static func score(_ value: Double) -> String { String(format: "%.2f", value) }
    static func percent(_ value: Double) -> String { "\(Int((value * 100).rounded()))%" }

    static func attempts(_ report: CaseReport) -> String {
        let counts = report.runs.map(\.attempts)
        guard let low = counts.min(), let high = counts.max() else { return "0" }
        return low == high ? "\(low)" : "\(low)-\(high)"
    }

    static func latency(_ report: CaseReport) -> Int {
        report.runs.isEmpty ? 0 : report.runs.reduce(0) { $0 + $1.answer.latencyMs } / report.runs.count
    }

    static func goldenWord(_ status: GoldenStatus) -> String {
        switch status {
        case .same: return "same"
        case .changed: return "CHANGED"
        case .new: return "new"
        }
    }

    static func change(_ name: String, _ comparison: OutcomeComparison) -> String {
        if comparison.regressions.contains(where: { $0.caseName == name }) { return "REGRESSED" }
        if comparison.new.contains(where: { $0.caseName == name && $0.assertion == nil }) { return "new" }
        if comparison.fixes.contains(where: { $0.caseName == name }) { return "better" }
        return "-"
    }

    static func failing(_ report: CaseReport) -> String {
        let labels = report.grade.assertionSummaries.filter { $0.passRate < 1 }.map(\.label)
        return clip(labels.joined(separator: "; "), 70)
    }

    static func message(_ report: CaseReport, _ label: String) -> String {
        clip(report.grade.assertionSummaries.first { $0.label == label }?.message ?? "", 300)
    }

    /// `text` cut to `max` characters, with an ellipsis when cut.
    static func clip(_ text: String, _ max: Int) -> String {
        text.count <= max ? text : String(text.prefix(max - 1)) + "…"
    }

    // MARK: Machine-readable

    /// The run as JSON: every case's assertions, briefing, golden status and change against the baseline.
    public static func regressionJSON(_ r: RegressionResult) -> [String: Any] {
        func run(_ p: PromptRunReport) -> [String: Any] {
            [
                "prompt": p.promptPath, "prompt_version": p.template.version, "prompt_hash": p.template.hash, "model": p.model,
                "mode": p.mode.rawValue, "repeat": p.repeats, "seconds": p.seconds, "passed": p.passedCount,
                "cases": p.cases.map { report -> [String: Any] in
                    var golden: [String: Any] = ["status": goldenWord(report.golden).lowercased()]
                    if case let .changed(diff) = report.golden { golden["diff"] = diff }
                    return [
                        "name": report.name, "description": report.regressionCase.description, "passed": report.passed,
                        "score": report.grade.score, "pass_rate": report.grade.passRate, "threshold": report.regressionCase.threshold,
                        "attempts": report.runs.map(\.attempts), "latency_ms": report.runs.map(\.answer.latencyMs),
                        "cost_usd": report.runs.reduce(0) { $0 + $1.answer.costUsd },
                        "golden": golden,
                        "missing_cassettes": report.missing.map(\.key),
                        "assertions": report.grade.assertionSummaries.map {
                            [
                                "label": $0.label, "weight": $0.weight, "pass_rate": $0.passRate, "passed": $0.passRate * 2 > 1,
                                "message": $0.message,
                            ] as [String: Any]
                        },
                        "briefing": report.runs.first?.briefing.map { b in
                            Dictionary(uniqueKeysWithValues: b.fields.map { ($0.name, $0.text as Any) })
                        } ?? NSNull(),
                        "errors": report.runs.first?.answer.validation?.errors.map(\.description) ?? [],
                    ]
                },
            ]
        }
        func findings(_ list: [OutcomeComparison.Finding]) -> [[String: Any]] {
            list.map { ["case": $0.caseName, "assertion": $0.assertion ?? NSNull()] }
        }
        var object: [String: Any] = [
            "candidate": run(r.candidate), "compared_with": r.comparedWith,
            "regressions": findings(r.comparison.regressions), "fixes": findings(r.comparison.fixes),
            "still_failing": findings(r.comparison.stillFailing), "new": findings(r.comparison.new),
            "dropped": findings(r.comparison.dropped), "notes": r.notes,
            "accepted": r.accepted, "goldens_updated": r.goldensUpdated,
            "gate": ["passed": r.gateFailures.isEmpty, "failures": r.gateFailures] as [String: Any],
        ]
        if let b = r.baseline { object["baseline"] = run(b) }
        return object
    }

    /// JUnit XML, one test case per regression case: a regression or an unaccepted golden change is a
    /// `<failure>`, a missing cassette an `<error>`; a case failing as it did in the baseline passes the
    /// gate and says so in `<system-out>`.
    public static func regressionJUnit(_ r: RegressionResult) -> String {
        let c = r.candidate
        let regressed = Dictionary(grouping: r.gatingRegressions, by: \.caseName)
        let goldens = Set(r.unacceptedGoldens.map(\.name))
        var failures = 0, errors = 0
        var body: [String] = []
        for report in c.cases {
            let time = String(format: "%.3f", Double(latency(report)) / 1000)
            var inner: [String] = []
            if !report.missing.isEmpty {
                errors += 1
                inner.append("<error message=\"\(xml(report.missing[0].description))\" type=\"missing_cassette\"/>")
            } else if let failure = report.runs.lazy.compactMap(\.answer.failure).first {
                errors += 1
                inner.append("<error message=\"\(xml(failure))\" type=\"no_answer\"/>")
            } else if regressed[report.name] != nil || goldens.contains(report.name) {
                failures += 1
                var lines = (regressed[report.name] ?? []).map { f in
                    f.assertion.map { "\($0): \(message(report, $0))" } ?? "the case passed in \(r.comparedWith) and fails now"
                }
                if case let .changed(diff) = report.golden, goldens.contains(report.name) {
                    lines.append("golden prompt changed:\n" + diff)
                }
                if report.golden == .new, goldens.contains(report.name) { lines.append("no golden copy yet") }
                let first = lines.first?.split(separator: "\n").first.map(String.init) ?? "regression"
                inner.append("<failure message=\"\(xml(first))\" type=\"regression\">\(xml(lines.joined(separator: "\n")))</failure>")
            }
            let failing = report.grade.assertionSummaries.filter { $0.passRate < 1 }
            if !failing.isEmpty {
                inner.append("<system-out>\(xml(failing.map { "\($0.label): \($0.message)" }.joined(separator: "\n")))</system-out>")
            }
            let open = "<testcase classname=\"briefer.regress.\(xml(c.template.version))\" name=\"\(xml(report.name))\" time=\"\(time)\""
            body.append(inner.isEmpty ? open + "/>" : open + ">\n      " + inner.joined(separator: "\n      ") + "\n    </testcase>")
        }
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <testsuites name="briefer regress" tests="\(c.cases.count)" failures="\(failures)" errors="\(errors)" time="\(String(format: "%.3f", c.seconds))">
              <testsuite name="\(xml(c.template.version)) (\(xml(c.promptPath)))" tests="\(c.cases.count)" failures="\(failures)" errors="\(errors)" time="\(String(format: "%.3f", c.seconds))">
                \(body.joined(separator: "\n    "))
              </testsuite>
            </testsuites>

            """
    }

    /// Text escaped for XML attributes and content; characters XML 1.0 cannot hold are dropped.
    static func xml(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                let v = scalar.value
                if v < 0x20 || (0xFFFE...0xFFFF).contains(v) { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
