import BrieferApp
import BrieferCore
import BrieferStore
import BrieferTesting
import Foundation
import Testing

/// The validator against answers a careful capable model writes (SPEC §9: ≥ 97 % of good answers kept at
/// the first attempt, ≥ 95 % of answers with one defect rejected with the right code; on the held-out set
/// ≥ 95 % and ≥ 93 %). The answers were written against the prompts Briefer renders for the fixture
/// workspace and for the generator's `briefings` workspace, and labelled by the rulings in
/// Fixtures/validator/RULINGS.md (README there says how). The held-out set was committed before the
/// validator was changed and is never tuned on: its misses are printed only with BRIEFER_SHOW_HELDOUT=1.
@Suite(.serialized)
struct CapableAnswersTests {
    struct Answer: Decodable {
        var id: String
        var set: String
        var account: String
        var workspace: String
        var kind: String
        var defect: String?
        var code: String?
        var traits: [String]
        var content: String
        var input: PromptInput
    }

    static func answers(_ set: String) throws -> [Answer] {
        let url = FixturePaths.root.appendingPathComponent("Fixtures/validator/capable/\(set).jsonl")
        let text = try String(contentsOf: url, encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Answer.self, from: Data($0.utf8)) }
    }

    /// The configuration the answers are judged under: the repository's config file.
    static func configuration() throws -> BrieferConfiguration {
        try ConfigurationLoader.load(path: FixturePaths.root.appendingPathComponent("config/briefer.yaml").path)
    }

    /// The validator `briefer enrich` builds for each workspace: its terms, the configured rules.
    static let validators: Result<[String: BriefingValidator], any Error> = Result {
        let configuration = try CapableAnswersTests.configuration()
        let fixture = try TemporaryStore()
        _ = try ingest(FixturePaths.workspaceFiles, into: fixture.store)
        // The generator's `briefings` workspace, at the seeds the answers were written for.
        func generated(seed: Int) throws -> TemporaryStore {
            let t = try TemporaryStore()
            let directory = t.directory.appendingPathComponent("briefings")
            let python = try Process.run(
                URL(fileURLWithPath: "/usr/bin/env"),
                arguments: [
                    "python3", FixturePaths.root.appendingPathComponent("Fixtures/generator/generate.py").path, "briefings",
                    "--out", directory.path, "--seed", String(seed),
                ])
            python.waitUntilExit()
            guard python.terminationStatus == 0 else { throw CocoaError(.fileReadUnknown) }
            _ = try ingest(
                ["companies.csv", "users.csv", "subscriptions.csv", "events.jsonl"].map { directory.appendingPathComponent($0).path },
                into: t.store)
            return t
        }
        func validator(_ t: TemporaryStore) throws -> BriefingValidator {
            BriefingValidator(
                rules: configuration.enrichment.briefing, vocabulary: GroundingVocabulary(terms: try t.store.workspaceTerms()))
        }
        return [
            "fixture": try validator(fixture), "gen": try validator(try generated(seed: 13)),
            "gen2": try validator(try generated(seed: 29)),
            "gen3": try validator(try generated(seed: 47)), "gen4": try validator(try generated(seed: 61)),
            "gen5": try validator(try generated(seed: 73)), "gen6": try validator(try generated(seed: 89)),
            "gen7": try validator(try generated(seed: 97)), "gen8": try validator(try generated(seed: 101)),
            "gen9": try validator(try generated(seed: 103)), "gen10": try validator(try generated(seed: 107)),
            "gen11": try validator(try generated(seed: 109)),
        ]
    }

    /// How one set fares: good answers kept, flawed ones rejected with their code, and per code
    /// precision and recall ("right code" = the labelled code among those found).
    struct Tally {
        var good = 0, kept = 0, flawed = 0, caught = 0
        var tp: [String: Int] = [:], fp: [String: Int] = [:], fn: [String: Int] = [:]
        var misses: [String] = []

        var keptShare: Double { good == 0 ? 1 : Double(kept) / Double(good) }
        var caughtShare: Double { flawed == 0 ? 1 : Double(caught) / Double(flawed) }

        mutating func add(_ answer: Answer, found: BriefingValidation) {
            let codes = Set(found.codes.map(\.rawValue))
            if let code = answer.code {
                flawed += 1
                if codes.contains(code) {
                    caught += 1
                } else {
                    misses.append("\(answer.id) \(answer.defect ?? "") [\(code)] missed; found \(codes.sorted())")
                }
                // A code beside the labelled one is a false finding too (precision), though the answer is caught.
                for error in found.errors where error.code.rawValue != code {
                    misses.append(
                        "\(answer.id) \(answer.defect ?? "") [\(code)] also found: \(error.code.rawValue) \(error.field ?? ""): \(error.detail)"
                    )
                }
            } else {
                good += 1
                if codes.isEmpty {
                    kept += 1
                } else {
                    misses.append(
                        "\(answer.id) good, rejected: "
                            + found.errors.map { "\($0.code.rawValue) \($0.field ?? ""): \($0.detail)" }.joined(separator: " | "))
                }
            }
            for code in codes {
                if code == answer.code { tp[code, default: 0] += 1 } else { fp[code, default: 0] += 1 }
            }
            if let code = answer.code, !codes.contains(code) { fn[code, default: 0] += 1 }
        }

        func report(_ title: String) -> String {
            var text =
                "\(title): good kept \(kept)/\(good) (\(String(format: "%.1f", keptShare * 100)) %), flawed rejected with the right code \(caught)/\(flawed) (\(String(format: "%.1f", caughtShare * 100)) %)\n"
            text += "  code                 labelled  found   tp  fp  fn  precision  recall\n"
            for code in BriefingErrorCode.allCases.map(\.rawValue) {
                let t = tp[code] ?? 0, f = fp[code] ?? 0, n = fn[code] ?? 0
                guard t + f + n > 0 else { continue }
                let precision = t + f == 0 ? 1 : Double(t) / Double(t + f)
                let recall = t + n == 0 ? 1 : Double(t) / Double(t + n)
                text +=
                    "  " + code.padding(toLength: 20, withPad: " ", startingAt: 0)
                    + String(format: " %8d %6d %4d %3d %3d %9.2f %7.2f\n", t + n, t + f, t, f, n, precision, recall)
            }
            let overall = (tp.values.reduce(0, +), fp.values.reduce(0, +), fn.values.reduce(0, +))
            text += String(
                format: "  overall              %8d %6d %4d %3d %3d %9.2f %7.2f\n", overall.0 + overall.2, overall.0 + overall.1,
                overall.0, overall.1, overall.2, Double(overall.0) / Double(max(1, overall.0 + overall.1)),
                Double(overall.0) / Double(max(1, overall.0 + overall.2)))
            return text
        }
    }

    static func tally(_ set: String) throws -> Tally {
        let validators = try validators.get()
        var tally = Tally()
        for answer in try answers(set) {
            let validator = try #require(validators[answer.workspace], "\(answer.id): unknown workspace \(answer.workspace)")
            tally.add(answer, found: validator.validate(ModelAnswer(content: answer.content, finishReason: "stop"), input: answer.input))
        }
        return tally
    }

    @Test func theSetsAreWhatTheIssueAsks() throws {
        let all = try Self.answers("tuning") + Self.answers("heldout")
        let good = all.filter { $0.kind == "good" }
        #expect(good.count >= 150)
        for trait in [
            "number_words", "weeks", "list_count", "comparison", "paraphrased_name", "company_name", "industry", "sparse_account",
        ] {
            #expect(good.filter { $0.traits.contains(trait) }.count >= 10, "good answers with \(trait)")
        }
        let defects = Dictionary(grouping: all.compactMap(\.defect), by: { $0 }).mapValues(\.count)
        for defect in [
            "invented_name", "wrong_count", "contradiction", "two_sentences", "duplicate_point", "generic_phrase",
            "contact_data", "self_talk", "planted_echo",
        ] {
            #expect((defects[defect] ?? 0) >= 10, "flawed answers with \(defect)")
        }
        // A third of the first 294 answers (writers A, B, C) is held out; writers D to G, J, K and N to S added
        // tuning answers later, writers H, I, L and M held-out ones: about a quarter of all (a fifth at least).
        let heldout = try Self.answers("heldout").count
        #expect(heldout >= 284 && heldout * 5 >= all.count, "held out: \(heldout) of \(all.count)")
        #expect(Set(all.map(\.code)).compactMap { $0 }.allSatisfy { BriefingErrorCode(rawValue: $0) != nil })
    }

    @Test func tuningSetMeetsTheTargets() throws {
        let tally = try Self.tally("tuning")
        print(
            tally.report("capable answers, tuning set")
                + (tally.misses.isEmpty ? "" : "  misses:\n    " + tally.misses.joined(separator: "\n    ")))
        Self.check(tally, target: (0.97, 0.95))
    }

    /// SPEC §9's targets: below either, `make test` fails.
    static func check(_ tally: Tally, target: (kept: Double, caught: Double)) {
        #expect(
            tally.keptShare >= target.kept, "good answers kept at the first attempt: \(tally.kept)/\(tally.good), target \(target.kept)")
        #expect(
            tally.caughtShare >= target.caught,
            "flawed answers rejected with the right code: \(tally.caught)/\(tally.flawed), target \(target.caught)")
    }

    @Test func heldOutSetMeetsTheTargets() throws {
        let tally = try Self.tally("heldout")
        let show = ProcessInfo.processInfo.environment["BRIEFER_SHOW_HELDOUT"] == "1"
        print(
            tally.report("capable answers, held-out set")
                + (show && !tally.misses.isEmpty ? "  misses:\n    " + tally.misses.joined(separator: "\n    ") : ""))
        Self.check(tally, target: (0.95, 0.93))
    }
}
