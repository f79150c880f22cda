import BrieferApp
import BrieferCore
import BrieferStore
import BrieferTesting
import Foundation
import Testing

/// Fixtures/sources: one sample export per source (SourceExports' workspace), each beside a README citing the
/// vendor pages its field mappings follow, and the account scores every one of them must give (expected.txt).
/// `BRIEFER_WRITE_SOURCE_FIXTURES=1 swift test --filter SourceFixturesTests` writes them again.
@Suite struct SourceFixturesTests {
    static let root = FixturePaths.root.appendingPathComponent("Fixtures/sources")
    static let writing = ProcessInfo.processInfo.environment["BRIEFER_WRITE_SOURCE_FIXTURES"] == "1"

    static let texts: [(String, String)] = [
        ("segment/events.jsonl", SourceExports.segment()), ("posthog/events.jsonl", SourceExports.posthog()),
        ("mixpanel/events.jsonl", SourceExports.mixpanel()), ("companies.csv", SourceExports.companies),
    ]

    static func amplitudeZip() -> [(path: String, bytes: [UInt8])] {
        let lines = SourceExports.amplitude().split(separator: "\n").map(String.init)
        let half = lines.count / 2
        return [
            ("123456/123456_2025-11-10_10#0.json.gz", Gzip.compress(lines[..<half].joined(separator: "\n") + "\n")),
            ("123456/123456_2025-11-17_10#0.json.gz", Gzip.compress(lines[half...].joined(separator: "\n") + "\n")),
        ]
    }

    static func scores(of export: String) throws -> String {
        let t = try TemporaryStore()
        let session = BrieferSession(configuration: BrieferConfiguration(), configurationFile: nil, store: t.store, logger: .quiet)
        let summary = try session.ingest(files: [
            root.appendingPathComponent("companies.csv").path, root.appendingPathComponent(export).path,
        ])
        #expect(summary.quarantined == 0 && summary.unfinished.isEmpty, "\(export)")
        let outcome = try session.score(asOf: SourceExports.asOf)
        return outcome.accounts.sorted { $0.account.description < $1.account.description }
            .map { "\($0.account) \($0.score) \($0.tier.rawValue) \(ReasonCode.joined($0.reasons))" }.joined(separator: "\n") + "\n"
    }

    @Test func theSamplesAreTheWorkspaceAndEachGivesTheExpectedScores() throws {
        if Self.writing {
            for (path, text) in Self.texts {
                let url = Self.root.appendingPathComponent(path)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try text.write(to: url, atomically: true, encoding: .utf8)
            }
            try FileManager.default.createDirectory(at: Self.root.appendingPathComponent("amplitude"), withIntermediateDirectories: true)
            try ZipFile.write(Self.amplitudeZip(), to: Self.root.appendingPathComponent("amplitude/export.zip"))
            try Self.scores(of: "segment/events.jsonl").write(
                to: Self.root.appendingPathComponent("expected.txt"), atomically: true, encoding: .utf8)
        }
        for (path, text) in Self.texts {
            let committed = try String(contentsOf: Self.root.appendingPathComponent(path), encoding: .utf8)
            #expect(
                committed == text,
                "Fixtures/sources/\(path) is out of date: BRIEFER_WRITE_SOURCE_FIXTURES=1 swift test --filter SourceFixturesTests")
        }
        let expected = try String(contentsOf: Self.root.appendingPathComponent("expected.txt"), encoding: .utf8)
        #expect(expected.split(separator: "\n").count == 2)
        for export in ["segment/events.jsonl", "posthog/events.jsonl", "amplitude/export.zip", "mixpanel/events.jsonl"] {
            #expect(try Self.scores(of: export) == expected, "\(export)")
        }
    }
}
