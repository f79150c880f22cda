import BrieferApp
import BrieferCore
import BrieferStore
import BrieferTesting
import Foundation
import Testing

/// The validator against real answers of the local model (SmolLM2-135M over the fixture workspace,
/// collected by Tests/llm/collect_answers.py), each labelled by hand with the rules it breaks
/// (Fixtures/validator/answers.jsonl, README there). Prints precision and recall per error code.
@Suite(.serialized)
struct ValidatorGroundTruthTests {
    struct Labelled: Decodable {
        var id: String
        var input: PromptInput
        var content: String?
        var finish_reason: String?
        var refusal: String?
        var labels: [String]
    }

    static func answers() throws -> [Labelled] {
        let url = FixturePaths.root.appendingPathComponent("Fixtures/validator/answers.jsonl")
        let text = try String(contentsOf: url, encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Labelled.self, from: Data($0.utf8)) }
    }

    /// The validator as `briefer enrich` builds it over the fixture workspace.
    static func validator() throws -> BriefingValidator {
        let t = try TemporaryStore()
        _ = try ingest(FixturePaths.workspaceFiles, into: t.store)
        let configuration = BrieferConfiguration()
        return BriefingValidator(
            rules: configuration.enrichment.briefing, vocabulary: GroundingVocabulary(terms: try t.store.workspaceTerms()))
    }

    @Test func precisionAndRecallPerCodeAgainstTheHandLabels() throws {
        let answers = try Self.answers()
        #expect(answers.count >= 100)
        let validator = try Self.validator()
        var tp: [String: Int] = [:], fp: [String: Int] = [:], fn: [String: Int] = [:]
        var agree = 0
        var disagreements: [String] = []
        for a in answers {
            let verdict = validator.validate(
                ModelAnswer(content: a.content, finishReason: a.finish_reason, refusal: a.refusal), input: a.input)
            let found = Set(verdict.codes.map(\.rawValue))
            let labelled = Set(a.labels)
            #expect(labelled.allSatisfy { BriefingErrorCode(rawValue: $0) != nil }, "\(a.id): unknown label in \(labelled.sorted())")
            for code in found.intersection(labelled) { tp[code, default: 0] += 1 }
            for code in found.subtracting(labelled) { fp[code, default: 0] += 1 }
            for code in labelled.subtracting(found) { fn[code, default: 0] += 1 }
            if found.isEmpty == labelled.isEmpty { agree += 1 }
            if found != labelled {
                let extra = verdict.errors.filter { !labelled.contains($0.code.rawValue) }.map {
                    "\($0.code.rawValue) \($0.field ?? ""): \($0.detail)"
                }
                disagreements.append(
                    "\(a.id): labelled \(labelled.sorted()) found \(found.sorted())"
                        + (extra.isEmpty ? "" : "\n      " + extra.joined(separator: "\n      ")))
            }
        }
        var report = "validator vs \(answers.count) hand-labelled answers: valid/invalid agree on \(agree)\n"
        report += "code                 labelled  found   tp  fp  fn  precision  recall\n"
        var weak: [String] = []
        for code in BriefingErrorCode.allCases.map(\.rawValue) {
            let t = tp[code] ?? 0, f = fp[code] ?? 0, n = fn[code] ?? 0
            guard t + f + n > 0 else { continue }
            let precision = t + f == 0 ? 1 : Double(t) / Double(t + f)
            let recall = t + n == 0 ? 1 : Double(t) / Double(t + n)
            report +=
                code.padding(toLength: 20, withPad: " ", startingAt: 0)
                + String(format: " %8d %6d %4d %3d %3d %9.2f %7.2f\n", t + n, t + f, t, f, n, precision, recall)
            if t + n >= 3 && (precision < 0.8 || recall < 0.8) { weak.append(code) }
        }
        print(report + (disagreements.isEmpty ? "" : "disagreements:\n  " + disagreements.joined(separator: "\n  ")))
        if let path = ProcessInfo.processInfo.environment["BRIEFER_GROUND_TRUTH_DUMP"] {
            // What the validator finds per answer, for relabelling by hand (Fixtures/validator/README.md).
            let found = answers.map { a in
                (
                    a.id,
                    validator.validate(ModelAnswer(content: a.content, finishReason: a.finish_reason, refusal: a.refusal), input: a.input)
                        .codes.map(\.rawValue)
                )
            }
            let data = try JSONSerialization.data(
                withJSONObject: Dictionary(found, uniquingKeysWith: { a, _ in a }), options: [.sortedKeys])
            try data.write(to: URL(fileURLWithPath: path))
        }
        // Whether an answer is usable at all is what decides repair and fallback: that must agree.
        #expect(Double(agree) >= 0.95 * Double(answers.count), "valid/invalid agreement \(agree)/\(answers.count)")
        #expect(weak.isEmpty, "codes below 0.8 precision or recall (with ≥ 3 labelled): \(weak)")
    }
}
