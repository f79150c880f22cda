import BrieferApp
import BrieferCore
import BrieferStore
import BrieferTesting
import Foundation
import Testing

/// The same events as Segment, PostHog, Amplitude and Mixpanel export them, plain and gzipped, give the same
/// account scores (SPEC §2) — the visitor's pricing views stitched to the user in every one.
@Suite struct EventSourcesTests {
    struct Scored: Equatable, CustomStringConvertible {
        var account: String, score: Int, tier: Tier, reasons: String
        var description: String { "\(account) \(score) \(tier.rawValue) \(reasons)" }
    }

    static func scores(_ file: String, _ content: [UInt8], format: EventFormat = .auto, asOf: Timestamp = SourceExports.asOf) throws
        -> (scores: [Scored], summary: IngestSummary, eventsCounted: Int, users: [String])
    {
        let t = try TemporaryStore()
        let session = BrieferSession(configuration: BrieferConfiguration(), configurationFile: nil, store: t.store, logger: .quiet)
        let path = t.directory.appendingPathComponent(file)
        try Data(content).write(to: path)
        let summary = try session.ingest(files: [try t.file("companies.csv", SourceExports.companies), path.path], format: format)
        let outcome = try session.score(asOf: asOf)
        let scores = outcome.accounts.map {
            Scored(account: $0.account.description, score: $0.score, tier: $0.tier, reasons: ReasonCode.joined($0.reasons))
        }.sorted { $0.account < $1.account }
        let users = outcome.users.map { "\($0.userId) \($0.score) \(ReasonCode.joined($0.reasons))" }.sorted()
        return (scores, summary, outcome.run.eventsCounted, users)
    }

    @Test func everySourceGivesTheSameScoresPlainAndGzipped() throws {
        let segment = try Self.scores("segment.jsonl", Array(SourceExports.segment().utf8))
        #expect(segment.summary.quarantined == 0)
        #expect(segment.scores.map(\.account) == ["acme.com", "globex.com"], "\(segment.scores)")
        let exports: [(String, String)] = [
            ("posthog.jsonl", SourceExports.posthog()), ("amplitude.json", SourceExports.amplitude()),
            ("mixpanel.jsonl", SourceExports.mixpanel()),
        ]
        for (name, text) in exports {
            for gzipped in [false, true] {
                let bytes = gzipped ? Gzip.compress(text) : Array(text.utf8)
                let other = try Self.scores(name + (gzipped ? ".gz" : ""), bytes)
                #expect(other.summary.quarantined == 0, "\(name): \(other.summary.quarantineReasons)")
                #expect(other.scores == segment.scores, "\(name)\(gzipped ? ".gz" : ""): \(other.scores) vs \(segment.scores)")
                #expect(other.eventsCounted == segment.eventsCounted, "\(name)")
            }
        }
    }

    /// Amplitude's export: a zip of gzipped JSON files, one per hour, read in name order.
    @Test func anAmplitudeZipOfGzippedFilesGivesTheSameScores() throws {
        let segment = try Self.scores("segment.jsonl", Array(SourceExports.segment().utf8))
        let lines = SourceExports.amplitude().split(separator: "\n").map(String.init)
        let half = lines.count / 2
        let t = try TemporaryStore()
        let zip = t.directory.appendingPathComponent("export.zip")
        try ZipFile.write(
            [
                ("123456/123456_2025-11-17_10#0.json.gz", Gzip.compress(lines[half...].joined(separator: "\n") + "\n")),
                ("123456/123456_2025-11-10_10#0.json.gz", Gzip.compress(lines[..<half].joined(separator: "\n") + "\n")),
            ], to: zip)
        let zipped = try Self.scores("export.zip", Array(try Data(contentsOf: zip)))
        #expect(
            zipped.summary.files.map { ($0.path as NSString).lastPathComponent } == [
                "companies.csv", "123456_2025-11-10_10#0.json.gz", "123456_2025-11-17_10#0.json.gz",
            ])
        #expect(zipped.scores == segment.scores && zipped.eventsCounted == segment.eventsCounted)
        // A damaged archive entry is said and the rest is read.
        var bytes = Array(try Data(contentsOf: zip))
        let middle = bytes.count / 4
        for i in middle..<(middle + 40) { bytes[i] ^= 0xFF }
        let damaged = try Self.scores("export.zip", bytes)
        #expect(damaged.summary.unfinished.count >= 1, "\(damaged.summary.files.map { $0.error ?? "ok" })")
        // Cut short, its directory gone: said, and the ingest goes on.
        let cut = try Self.scores("export.zip", Array(try Data(contentsOf: zip)).dropLast(40).map { $0 })
        #expect(cut.summary.unfinished.map { ($0.path as NSString).lastPathComponent } == ["export.zip"])
    }

    @Test func theVisitorsPricingViewsCountInEverySource() throws {
        for (name, text) in [
            ("segment.jsonl", SourceExports.segment()), ("posthog.jsonl", SourceExports.posthog()),
            ("amplitude.json", SourceExports.amplitude()), ("mixpanel.jsonl", SourceExports.mixpanel()),
        ] {
            let withLink = try Self.scores(name, Array(text.utf8))
            // Without the visitor's lines, two events fewer are counted for acme.com's users.
            let lines = text.split(separator: "\n").filter { !$0.contains("pv-1") && !$0.contains("pv-2") }
            let without = try Self.scores(name, Array((lines.joined(separator: "\n") + "\n").utf8))
            #expect(withLink.eventsCounted == without.eventsCounted + 2, "\(name)")
        }
    }

    @Test func aNamedFormatReadsEveryLineAsThatSource() throws {
        // A Mixpanel line read as PostHog is refused, not guessed.
        let mixpanel = try Self.scores("m.jsonl", Array(SourceExports.mixpanel().utf8), format: .posthog)
        #expect(mixpanel.summary.files[1].inserted == 0 && mixpanel.summary.files[1].quarantined == mixpanel.summary.files[1].read)
        let named = try Self.scores("m.jsonl", Array(SourceExports.mixpanel().utf8), format: .mixpanel)
        #expect(named.summary.quarantined == 0 && named.summary.files[1].inserted > 0)
    }

    /// Exports come newest first as often as oldest first: the scores, also as of an earlier time, do not depend on it.
    @Test func anExportInReverseOrderGivesTheSameScoresAsOfAnyTime() throws {
        for text in [SourceExports.amplitude(), SourceExports.mixpanel(), SourceExports.posthog()] {
            let lines = text.split(separator: "\n").map(String.init)
            for asOf in [SourceExports.asOf, Timestamp(milliseconds: SourceExports.asOf.milliseconds - 4 * Timestamp.millisecondsPerDay)] {
                func scored(_ lines: [String]) throws -> [String] {
                    try Self.scores("e.jsonl", Array((lines.joined(separator: "\n") + "\n").utf8), asOf: asOf).users
                }
                #expect(try scored(lines) == scored(lines.reversed()), "\(lines[0].prefix(30)) as of \(asOf.iso8601)")
            }
        }
    }

    /// What a vendor's SDK sends on its own (autocaptured clicks, page leaves, session bookkeeping, replay) names no
    /// product action: the scores are those of the export without it, the summary counts it, and the device link an
    /// Amplitude session event carries still stitches that device's earlier pricing views to the user.
    @Test func vendorSystemEventsAreNotActivity() throws {
        let day = 1_762_768_800 + 12 * 86_400
        let extra: [(String, String, [String])] = [
            (
                "posthog", SourceExports.posthog(),
                (0..<40).map { i in
                    #"{"uuid":"sys-\#(i)","event":"\#(["$autocapture", "$pageleave", "$feature_flag_called", "$web_vitals"][i % 4])","distinct_id":"u_bo","timestamp":"\#(SourceExports.iso(Int64(day + i)))","properties":{"$groups":{"company":"acme.com"}}}"#
                }
            ),
            (
                "amplitude", SourceExports.amplitude(),
                (0..<40).map { i in
                    #"{"$insert_id":"sys-\#(i)","event_type":"\#(["session_start", "session_end", "[Amplitude] Element Clicked", "Session Started"][i % 4])","user_id":"u_bo","device_id":"dev-bo","event_time":"\#(SourceExports.amplitudeTime(Int64(day + i)))","groups":{"company":"acme.com"}}"#
                }
            ),
            (
                "mixpanel", SourceExports.mixpanel(),
                (0..<40).map { i in
                    #"{"event":"\#(["$mp_click", "$mp_scroll", "$mp_page_leave", "$merge"][i % 4])","properties":{"time":\#(day + i),"distinct_id":"u_bo","$user_id":"u_bo","$insert_id":"sys-\#(i)","company_domain":"acme.com"}}"#
                }
            ),
        ]
        for (vendor, export, system) in extra {
            let plain = try Self.scores("e.jsonl", Array(export.utf8))
            let with = try Self.scores("e.jsonl", Array((export + system.joined(separator: "\n") + "\n").utf8))
            #expect(with.users == plain.users && with.eventsCounted == plain.eventsCounted, "\(vendor)")
            #expect(with.summary.systemEvents == 40 && with.summary.quarantined == 0, "\(vendor)")
        }
        // An anonymous visitor's system events too: stored, counted, nobody's activity, nothing quarantined.
        let anonymousSystem = [
            #"{"uuid":"an-1","event":"$autocapture","distinct_id":"anon-1","timestamp":"\#(SourceExports.iso(Int64(day)))","properties":{"$is_identified":false}}"#,
            #"{"$insert_id":"an-2","event_type":"session_start","device_id":"dev-x","event_time":"\#(SourceExports.amplitudeTime(Int64(day)))"}"#,
            #"{"event":"$mp_click","properties":{"time":\#(day),"distinct_id":"$device:abc","$device_id":"abc","$insert_id":"an-3"}}"#,
        ]
        let visitors = try Self.scores("e.jsonl", Array((SourceExports.posthog() + anonymousSystem.joined(separator: "\n") + "\n").utf8))
        let plain = try Self.scores("e.jsonl", Array(SourceExports.posthog().utf8))
        #expect(visitors.summary.systemEvents == 3 && visitors.summary.quarantined == 0)
        #expect(visitors.summary.files[1].anonymousEvents == plain.summary.files[1].anonymousEvents)
        #expect(visitors.users == plain.users && visitors.eventsCounted == plain.eventsCounted)
        // Amplitude: a device seen only anonymously, then in a session_start of u_bo — the link it carries counts.
        let anonymous = (0..<3).map { i in
            #"{"$insert_id":"anon-\#(i)","event_type":"[Amplitude] Page Viewed","device_id":"dev-new","event_time":"\#(SourceExports.amplitudeTime(Int64(day - 86_400 + i)))","event_properties":{"[Amplitude] Page Path":"/pricing"}}"#
        }
        let session =
            #"{"$insert_id":"s-1","event_type":"session_start","user_id":"u_bo","device_id":"dev-new","event_time":"\#(SourceExports.amplitudeTime(Int64(day)))"}"#
        let export = SourceExports.amplitude() + anonymous.joined(separator: "\n") + "\n"
        let unlinked = try Self.scores("e.jsonl", Array(export.utf8))
        let linked = try Self.scores("e.jsonl", Array((export + session + "\n").utf8))
        #expect(linked.eventsCounted == unlinked.eventsCounted + 3 && linked.summary.systemEvents == 1)
    }

    /// The lists are configuration: emptied, the events already stored count as activity (the aggregates are rebuilt).
    @Test func aChangedSystemEventListAppliesToStoredEvents() throws {
        let t = try TemporaryStore()
        let day = 1_762_768_800 + 12 * 86_400
        let system = (0..<6).map { i in
            #"{"uuid":"sys-\#(i)","event":"\#(["$autocapture", "$pageleave"][i % 2])","distinct_id":"u_bo","timestamp":"\#(SourceExports.iso(Int64(day + i)))","properties":{"$groups":{"company":"acme.com"}}}"#
        }
        let events = try t.file("e.jsonl", SourceExports.posthog() + system.joined(separator: "\n") + "\n")
        let session = BrieferSession(configuration: BrieferConfiguration(), configurationFile: nil, store: t.store, logger: .quiet)
        _ = try session.ingest(files: [try t.file("companies.csv", SourceExports.companies), events])
        let before = try session.score(asOf: SourceExports.asOf)
        var everything = BrieferConfiguration()
        everything.sources.posthog.ignoredEvents = []
        let after = try BrieferSession(configuration: everything, configurationFile: nil, store: t.store, logger: .quiet)
            .score(asOf: SourceExports.asOf)
        #expect(after.run.eventsCounted == before.run.eventsCounted + 6)
        let explained = try BrieferSession(configuration: everything, configurationFile: nil, store: t.store, logger: .quiet)
            .explain(account: "acme.com", runId: after.run.id).explanation
        #expect(explained.matches, "\(explained.lines.joined(separator: "\n"))")
    }
}
