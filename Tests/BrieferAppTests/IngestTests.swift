import BrieferApp
import BrieferCore
import BrieferStore
import BrieferTesting
import Foundation
import Testing

struct IngestTests {
    /// Fixtures/bad/README.md: each bad line's expected reason (the line numbers come from that table).
    static let expectedEventRejections: [Int: String] = [
        3: "malformed_json", 5: "missing_user_id", 6: "missing_event_name", 8: "bad_timestamp", 9: "future_timestamp",
        10: "wrong_type", 11: "wrong_type", 13: "oversized_line", 15: "invalid_utf8",
    ]

    @Test func everyBadLineIsQuarantinedAndEveryValidLineStored() throws {
        let t = try TemporaryStore()
        let path = FixturePaths.bad.appendingPathComponent("bad_events.jsonl").path
        let summary = try ingest([path], into: t.store)
        #expect(summary.read == 16)
        #expect(summary.inserted == 7)
        #expect(summary.quarantined == 9)
        let stored = try t.store.quarantine(limit: 100)
        #expect(stored.total == 9)
        var byLine: [Int: String] = [:]
        for entry in stored.entries { byLine[entry.line] = entry.reason }
        #expect(byLine == Self.expectedEventRejections)
        // The raw text is kept (the oversized line in part).
        let oversized = try #require(stored.entries.first { $0.line == 13 })
        #expect(oversized.rawBytes == 65_536)
        let malformed = try #require(stored.entries.first { $0.line == 3 })
        #expect(malformed.raw.hasPrefix("{"))
        #expect(try t.store.count("events") == 7)
    }

    @Test func reingestingTheSameFilesAddsNothing() throws {
        let t = try TemporaryStore()
        let files = FixturePaths.workspaceFiles + [FixturePaths.bad.appendingPathComponent("bad_events.jsonl").path]
        let first = try ingest(files, into: t.store)
        #expect(first.inserted > 6000)
        let counts = { try ["events", "users", "companies", "subscriptions", "quarantine", "user_days"].map { try t.store.count($0) } }
        let before = try counts()
        let second = try ingest(files, into: t.store)
        #expect(second.inserted == 0)
        #expect(second.read == first.read)
        #expect(try counts() == before)
    }

    @Test func badCSVRowsAreQuarantinedWithTheirReasons() throws {
        let t = try TemporaryStore()
        let companies = FixturePaths.bad.appendingPathComponent("bad_companies.csv").path
        let users = FixturePaths.bad.appendingPathComponent("bad_users.csv").path
        let summary = try ingest([companies, users], into: t.store)
        #expect(summary.files.map(\.kind) == ["companies", "users"])
        #expect(summary.files.map(\.inserted) == [4, 4])
        let stored = try t.store.quarantine(limit: 10).entries.map { "\(($0.file as NSString).lastPathComponent):\($0.line):\($0.reason)" }
        #expect(
            Set(stored) == [
                "bad_companies.csv:4:wrong_column_count", "bad_companies.csv:6:bad_number",
                "bad_users.csv:5:wrong_column_count", "bad_users.csv:6:bad_timestamp",
            ])
        let name = try t.store.scalar("SELECT name FROM companies WHERE domain = 'dundermifflin.com'")
        #expect(name == "Dunder Mifflin, Inc.")
    }

    @Test func aCSVWhoseHeaderMatchesNoKindIsRefusedWithAClearError() throws {
        let t = try TemporaryStore()
        let path = try t.file("mystery.csv", "a,b,c\n1,2,3\n")
        let error = try #require(throws: IngestError.self) { try ingest([path], into: t.store) }
        #expect(error.code == .unknownCSV)
    }

    @Test func aQuotedFieldMaySpanLines() throws {
        let t = try TemporaryStore()
        let path = try t.file(
            "companies.csv", "domain,name,employee_count,industry,estimated_revenue,country\nacme.com,\"Acme\nWest\",10,saas,100,US\n")
        let summary = try ingest([path], into: t.store)
        #expect(summary.inserted == 1)
        let name = try t.store.scalar("SELECT name FROM companies")
        #expect(name == "Acme\nWest")
    }

    @Test func anonymousAndZonelessEventsAreCounted() throws {
        let t = try TemporaryStore()
        let path = try t.file(
            "e.jsonl",
            """
            {"type":"track","messageId":"a","anonymousId":"anon-1","event":"pricing_page_viewed","timestamp":"2026-11-01T10:00:00Z"}
            {"type":"track","messageId":"b","userId":"u1","event":"login","timestamp":"2026-11-01T10:00:00"}
            """)
        let summary = try ingest([path], into: t.store)
        #expect(summary.files[0].anonymousEvents == 1)
        #expect(summary.files[0].zonelessTimestamps == 1)
        #expect(summary.inserted == 2)
    }
}

struct MoreIngestTests {
    @Test func anUnbalancedQuoteDoesNotSwallowTheRestOfTheFile() throws {
        let t = try TemporaryStore()
        let path = try t.file(
            "c.csv",
            """
            domain,name,employee_count,industry,estimated_revenue,country
            a.com,Q1,10,saas,100,US
            b.com,Q2 5" screen,10,saas,100,US
            c.com,Q3,10,saas,100,US
            d.com,"Q4 never closed,10,saas,100,US
            e.com,Q5,10,saas,100,US
            """)
        let summary = try ingest([path], into: t.store)
        #expect(summary.inserted == 3)
        #expect(try t.store.scalar("SELECT name FROM companies WHERE domain = 'b.com'") == "Q2 5\" screen")
        let quarantined = try t.store.quarantine().entries
        #expect(quarantined.map(\.line) == [5])
        #expect(quarantined.map(\.reason) == ["unterminated_quote"])
    }

    @Test func aByteOrderMarkIsNotPartOfTheHeader() throws {
        let t = try TemporaryStore()
        let path = try t.file("bom.csv", "\u{FEFF}user_id,email,company_domain,title,created_at\nu1,a@acme.com,acme.com,CTO,2026-10-01\n")
        let summary = try ingest([path], into: t.store)
        #expect(summary.files.first?.kind == "users")
        #expect(summary.inserted == 1)
    }

    @Test func aDirectoryIsItsFilesInNameOrderRecursivelyAndAnEmptyOneIsRefused() throws {
        let t = try TemporaryStore()
        let inbox = t.directory.appendingPathComponent("inbox")
        try FileManager.default.createDirectory(at: inbox.appendingPathComponent("b/c"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: inbox.appendingPathComponent(".hidden"), withIntermediateDirectories: true)
        let line = #"{"type":"track","userId":"u1","event":"x","timestamp":"2026-11-10T10:00:00Z","messageId":"#
        try (line + #""m1"}"# + "\n").write(to: inbox.appendingPathComponent("b/c/2.jsonl"), atomically: true, encoding: .utf8)
        try Data(Gzip.compress(line + #""m2"}"# + "\n")).write(to: inbox.appendingPathComponent("a.jsonl.gz"))
        try (line + #""m3"}"# + "\n").write(to: inbox.appendingPathComponent("b/1.jsonl"), atomically: true, encoding: .utf8)
        try (line + #""m4"}"# + "\n").write(to: inbox.appendingPathComponent(".hidden/x.jsonl"), atomically: true, encoding: .utf8)
        let summary = try ingest([inbox.path], into: t.store)
        #expect(summary.files.map { ($0.path as NSString).lastPathComponent } == ["a.jsonl.gz", "1.jsonl", "2.jsonl"])
        #expect(summary.inserted == 3)
        let empty = t.directory.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let error = try #require(throws: IngestError.self) { try ingest([empty.path], into: t.store) }
        #expect(error.code == .unreadableInput)
    }

    @Test func aGzippedFileIsReadAsItsContent() throws {
        let (plain, zipped) = (try TemporaryStore(), try TemporaryStore())
        let files = FixturePaths.workspaceFiles
        let gzipped = try files.map { path in
            let target = zipped.directory.appendingPathComponent((path as NSString).lastPathComponent + ".gz")
            try Data(Gzip.compress(Array(try Data(contentsOf: URL(fileURLWithPath: path))))).write(to: target)
            return target.path
        }
        let a = try ingest(files, into: plain.store), b = try ingest(gzipped, into: zipped.store)
        #expect(a.inserted == b.inserted && a.quarantined == b.quarantined && a.files.map(\.kind) == b.files.map(\.kind))
        #expect(try plain.store.count("events") == zipped.store.count("events"))
    }

    @Test func aDamagedGzipFileKeepsItsLinesBeforeTheDamageAndTheIngestGoesOn() throws {
        let t = try TemporaryStore()
        var lines = ""
        for i in 0..<5000 {
            lines +=
                #"{"type":"track","userId":"u\#(i % 9)","event":"e\#(i % 13)","timestamp":"2026-11-10T10:00:00Z","messageId":"m\#(i)"}"#
                + "\n"
        }
        let compressed = Gzip.compress(lines)
        let truncated = t.directory.appendingPathComponent("cut.jsonl.gz")
        try Data(compressed[..<(compressed.count / 2)]).write(to: truncated)
        let after = try t.file("after.jsonl", #"{"type":"track","userId":"z","event":"x","timestamp":"2026-11-10T10:00:00Z"}"# + "\n")
        let summary = try ingest([truncated.path, after], into: t.store)
        let cut = summary.files[0]
        #expect(cut.read > 0 && cut.read < 5000 && cut.inserted == cut.read)
        #expect(cut.error?.contains("ends early") == true && cut.error?.contains("after \(cut.read) line(s)") == true)
        #expect(summary.files[1].inserted == 1 && summary.files[1].error == nil)

        // Damaged before its first line (a CSV's header, or any file whose kind its first line would tell): said, and
        // the ingest goes on.
        let csv = Gzip.compress("user_id,email,company_domain,title,created_at\nu1,a@acme.com,acme.com,CTO,2026-01-01T00:00:00Z\n")
        var broken = Array(csv)
        for i in 10..<min(40, broken.count) { broken[i] ^= 0x5A }
        for name in ["users.csv.gz", "export.gz"] {
            let damaged = t.directory.appendingPathComponent(name)
            try Data(broken).write(to: damaged)
            let again = try ingest([damaged.path, after], into: t.store)
            #expect(again.files[0].error != nil && again.files[0].read == 0, "\(name)")
            #expect(again.files.count == 2 && again.files[1].error == nil, "\(name)")
        }
    }

    /// A batch envelope with two bad calls: each is quarantined with its reason (once, however often the file is read),
    /// and a second user on a shared device is one link set aside, not one per event.
    @Test func eachBadCallOfABatchIsKeptAndAConflictCountsOnce() throws {
        let t = try TemporaryStore()
        let envelope =
            #"{"batch":[{"type":"track","userId":"u1","event":"a","timestamp":"2026-11-10T10:00:00Z","messageId":"b1"},{"type":"track","event":"b","timestamp":"2026-11-10T10:00:00Z","messageId":"b2"},{"type":"track","userId":"u1","timestamp":"2026-11-10T10:00:00Z","messageId":"b3"}]}"#
        let path = try t.file("batch.jsonl", envelope + "\n")
        let first = try ingest([path], into: t.store)
        #expect(first.read == 3 && first.inserted == 1 && first.quarantined == 2 && first.alreadyQuarantined == 0)
        #expect(first.quarantineReasons == ["missing_user_id": 1, "missing_event_name": 1])
        #expect(try t.store.count("quarantine") == 2)
        let second = try ingest([path], into: t.store)
        #expect(try second.alreadyQuarantined == 2 && t.store.count("quarantine") == 2)

        let shared = (0..<5).map { i in
            #"{"$insert_id":"s\#(i)","event_type":"report_viewed","user_id":"\#(i == 0 ? "ann" : "bob")","device_id":"dev","event_time":"2026-11-1\#(i) 10:00:00.000000"}"#
        }
        let devices = try ingest([try t.file("amplitude.jsonl", shared.joined(separator: "\n") + "\n")], into: t.store)
        #expect(devices.linkConflicts == 1)
    }

    /// Read = inserted + duplicates + bad lines, on the first ingest and on the second.
    @Test func reingestCountsAddUp() throws {
        let t = try TemporaryStore()
        let path = FixturePaths.bad.appendingPathComponent("bad_events.jsonl").path
        for round in 0..<2 {
            let summary = try ingest([path], into: t.store)
            #expect(summary.read == summary.inserted + summary.duplicates + summary.quarantined)
            #expect(summary.quarantined == 9)
            #expect(summary.alreadyQuarantined == (round == 0 ? 0 : 9))
        }
        #expect(try t.store.count("quarantine") == 9)
    }

    @Test func standardInputIsReadForADash() throws {
        let t = try TemporaryStore()
        let events = try Data(contentsOf: URL(fileURLWithPath: FixturePaths.workspaceFiles.first { $0.hasSuffix(".jsonl") }!))
        let db = t.directory.appendingPathComponent("stdin.sqlite").path
        let plain = try BrieferBinary.run(["ingest", "--db", db, "--json", "-"], input: events)
        let zipped = try BrieferBinary.run(
            ["ingest", "--db", t.directory.appendingPathComponent("gz.sqlite").path, "--json", "-"],
            input: Data(Gzip.compress(Array(events))))
        #expect(plain.status == 0 && zipped.status == 0, "\(plain.output)\n\(zipped.output)")
        func inserted(_ output: String) -> Int? {
            output.firstMatch(of: /"inserted" : (\d+)/).flatMap { Int($0.1) }
        }
        #expect(inserted(plain.output) != nil && inserted(plain.output) == inserted(zipped.output))
        #expect(try BrieferBinary.run(["ingest", "--db", db, "-", "-"]).status == 1)
    }
}
