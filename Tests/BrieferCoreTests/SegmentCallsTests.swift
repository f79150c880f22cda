import Testing

@testable import BrieferCore

// Segment as it really sends (SPEC §2): page and screen calls as named events, alias and identify links, the
// batch envelope, and the device clock's skew undone as Segment does.
struct SegmentCallsTests {
    let parser = EventLineParser(now: ts("2026-03-25T15:00:00Z"), futureToleranceSeconds: 300)
    static let t = #""timestamp":"2026-03-25T14:22:00Z""#

    func event(_ line: String, _ parser: EventLineParser? = nil) throws -> IncomingEvent {
        try (parser ?? self.parser).parse(line).get()
    }

    @Test func aPricingPageViewIsTheIntentEventByItsPath() throws {
        let page = try event(#"{"type":"page","anonymousId":"a1","name":"Plans","properties":{"path":"/pricing/teams"},\#(Self.t)}"#)
        #expect(page.kind == .page && page.name == "pricing_page_viewed" && page.userId == nil && page.anonymousId == "a1")
        // By context.page.path, by the URL's path, by the call's name, in any letter case.
        for line in [
            #"{"type":"page","userId":"u1","context":{"page":{"path":"/Pricing"}},\#(Self.t)}"#,
            #"{"type":"page","userId":"u1","properties":{"url":"https://tallyboard.io/pricing?plan=pro#faq"},\#(Self.t)}"#,
            #"{"type":"page","userId":"u1","name":"pricing",\#(Self.t)}"#,
        ] {
            #expect(try event(line).name == "pricing_page_viewed", "\(line)")
        }
    }

    @Test func pagesAndScreensNoRuleMatchesAreNamedAsSegmentsDestinationsNameThem() throws {
        let named: [(String, String)] = [
            (#"{"type":"page","userId":"u1","name":"Signup","category":"Docs",\#(Self.t)}"#, "Viewed Docs Signup Page"),
            (#"{"type":"page","userId":"u1","name":"Home",\#(Self.t)}"#, "Viewed Home Page"),
            (#"{"type":"page","userId":"u1","properties":{"path":"/blog"},\#(Self.t)}"#, "Loaded a Page"),
            (#"{"type":"screen","userId":"u1","name":"Dashboard",\#(Self.t)}"#, "Viewed Dashboard Screen"),
            (#"{"type":"screen","userId":"u1",\#(Self.t)}"#, "Loaded a Screen"),
        ]
        for (line, name) in named { #expect(try event(line).name == name, "\(line)") }
    }

    @Test func theFirstMatchingRuleNamesTheCall() throws {
        var segment = BrieferConfiguration.Sources.Segment()
        segment.pageEvents = [
            .init(path: "/docs/*/api", event: "api_docs_viewed"), .init(name: "Upgrade*", event: "upgrade_viewed"),
            .init(path: "/docs*", event: "docs_viewed"),
        ]
        let parser = EventLineParser(now: ts("2026-03-25T15:00:00Z"), futureToleranceSeconds: 300, segment: segment)
        #expect(
            try event(#"{"type":"page","userId":"u1","properties":{"path":"/docs/v2/api"},\#(Self.t)}"#, parser).name == "api_docs_viewed")
        #expect(try event(#"{"type":"page","userId":"u1","properties":{"path":"/docs/v2"},\#(Self.t)}"#, parser).name == "docs_viewed")
        #expect(try event(#"{"type":"screen","userId":"u1","name":"Upgrade Plan",\#(Self.t)}"#, parser).name == "upgrade_viewed")
        // The default rules are gone: a pricing page is just a page.
        #expect(try event(#"{"type":"page","userId":"u1","properties":{"path":"/pricing"},\#(Self.t)}"#, parser).name == "Loaded a Page")
    }

    @Test func globMatching() {
        #expect(EventLineParser.glob("/pricing*", matches: "/pricing"))
        #expect(EventLineParser.glob("/pricing*", matches: "/PRICING/teams"))
        #expect(!EventLineParser.glob("/pricing*", matches: "/en/pricing"))
        #expect(EventLineParser.glob("*pricing*", matches: "/en/pricing"))
        #expect(EventLineParser.glob("/a*b*c", matches: "/axxbyyc") && !EventLineParser.glob("/a*b*c", matches: "/axxbyy"))
        #expect(EventLineParser.path(ofURL: "https://x.io/p/q?z=1") == "/p/q" && EventLineParser.path(ofURL: "https://x.io") == "/")
    }

    @Test func identifyWithBothIdsAndAliasLinkAnIdToTheUser() throws {
        let identify = try event(#"{"type":"identify","userId":"u1","anonymousId":"a1","traits":{"email":"a@acme.com"},\#(Self.t)}"#)
        #expect(identify.kind == .identify && identify.linkFrom == "a1")
        let alias = try event(#"{"type":"alias","userId":"u2","previousId":"u1-old",\#(Self.t)}"#)
        #expect(alias.kind == .alias && alias.userId == "u2" && alias.linkFrom == "u1-old" && alias.name == nil)
        #expect(try event(#"{"type":"identify","userId":"u1","anonymousId":"u1",\#(Self.t)}"#).linkFrom == nil)
        #expect(try event(#"{"type":"track","userId":"u1","anonymousId":"a1","event":"x",\#(Self.t)}"#).linkFrom == nil)
    }

    @Test func aBatchEnvelopeIsEachOfItsCallsWithTheSharedContext() throws {
        let line = """
            {"batch":[{"type":"track","userId":"u1","event":"project_created","messageId":"m1",\(Self.t)},\
            {"type":"page","anonymousId":"a1","properties":{"path":"/pricing"},"messageId":"m2","context":{"groupId":"own.com"},\(Self.t)},\
            {"type":"bogus","userId":"u1",\(Self.t)},\
            {"type":"identify","userId":"u1","anonymousId":"a1","messageId":"m3",\(Self.t)}],\
            "context":{"groupId":"acme.com"},"sentAt":"2026-03-25T14:22:05Z"}
            """
        let results = parser.parseLine(line)
        #expect(results.count == 4)
        let events = results.compactMap { try? $0.get() }
        #expect(events.map(\.kind) == [.track, .page, .identify])
        #expect(events[0].groupHint == "acme.com" && events[1].groupHint == "own.com")
        guard case let .failure(bad) = results[2] else { Issue.record("the bogus call was accepted"); return }
        #expect(bad.reason == .unsupportedType && bad.detail.hasPrefix("batch[2]: "))
        // Each call keeps its own dedup key: the same batch again adds nothing new.
        #expect(Set(events.map(\.dedupKey)).count == 3)
        #expect(parser.parseLine(line).compactMap { try? $0.get().dedupKey } == events.map(\.dedupKey))
        // Not an envelope: one call, as before.
        #expect(parser.parseLine(#"{"type":"track","userId":"u1","event":"x",\#(Self.t)}"#).count == 1)
        guard case let .failure(notList) = parser.parseLine(#"{"batch":{"type":"track"}}"#).first else { Issue.record("accepted"); return }
        #expect(notList.reason == .wrongType)
    }

    @Test func theDeviceClocksSkewIsUndoneAsSegmentDoes() throws {
        // The device's clock is 10 minutes fast: it says it sent at 14:40 what the server received at 14:30:02.
        let line = #"""
            {"type":"track","userId":"u1","event":"x","originalTimestamp":"2026-03-25T14:39:00Z","sentAt":"2026-03-25T14:40:00Z","receivedAt":"2026-03-25T14:30:02Z"}
            """#
        #expect(try event(line).timestamp == ts("2026-03-25T14:29:02Z"))
        var off = BrieferConfiguration.Sources.Segment()
        off.correctClockSkew = false
        let raw = EventLineParser(now: ts("2026-03-25T15:00:00Z"), futureToleranceSeconds: 300, segment: off)
        #expect(try event(line, raw).timestamp == ts("2026-03-25T14:39:00Z"))
        // A `timestamp` Segment already computed is taken as it is.
        let stamped =
            #"{"type":"track","userId":"u1","event":"x","timestamp":"2026-03-25T14:00:00Z","originalTimestamp":"2026-03-25T14:39:00Z","sentAt":"2026-03-25T14:40:00Z","receivedAt":"2026-03-25T14:30:02Z"}"#
        #expect(try event(stamped).timestamp == ts("2026-03-25T14:00:00Z"))
    }
}
