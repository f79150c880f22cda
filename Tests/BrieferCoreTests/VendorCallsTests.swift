import Testing

@testable import BrieferCore

// PostHog, Amplitude and Mixpanel export lines as Segment calls (SPEC §2); Fixtures/sources/*/README.md cite the
// vendor pages each mapping follows.
struct VendorCallsTests {
    let parser = EventLineParser(now: ts("2026-12-01T00:00:00Z"), futureToleranceSeconds: 300)

    func events(_ line: String, _ parser: EventLineParser? = nil) throws -> [IncomingEvent] {
        try (parser ?? self.parser).parseLine(line).map { try $0.get() }
    }

    @Test func eachSourceIsToldByItsFields() throws {
        let lines: [(String, IncomingEvent.Kind)] = [
            (#"{"uuid":"1","event":"signed_up","distinct_id":"u1","timestamp":"2026-11-10T10:00:00.123000Z","properties":{}}"#, .track),
            (#"{"$insert_id":"2","event_type":"signed_up","user_id":"u1","event_time":"2026-11-10 10:00:00.123000"}"#, .track),
            (#"{"event":"signed_up","properties":{"time":1794304800,"distinct_id":"u1","$insert_id":"3"}}"#, .track),
        ]
        for (line, kind) in lines {
            let event = try #require(try events(line).first)
            #expect(event.kind == kind && event.userId == "u1" && event.name == "signed_up", "\(line)")
        }
    }

    @Test func posthogIdentityGroupsAndPages() throws {
        // An unidentified distinct id is an anonymous id; $identify links it; person_properties are traits.
        let anonymous = try events(
            #"{"uuid":"a","event":"$pageview","distinct_id":"d-1","timestamp":"2026-11-10T10:00:00Z","properties":{"$pathname":"/pricing","$is_identified":false}}"#
        )
        #expect(anonymous.map(\.kind) == [.page] && anonymous[0].anonymousId == "d-1" && anonymous[0].userId == nil)
        #expect(anonymous[0].name == "pricing_page_viewed")
        let byDevice = try events(
            #"{"uuid":"b","event":"clicked","distinct_id":"d-2","timestamp":"2026-11-10T10:00:00Z","properties":{"$device_id":"d-2"}}"#)
        #expect(byDevice[0].anonymousId == "d-2")
        let identify = try events(
            #"{"uuid":"c","event":"$identify","distinct_id":"u1","timestamp":"2026-11-10T10:05:00Z","properties":{"$anon_distinct_id":"d-1"},"person_properties":{"email":"A@Acme.com","title":"CTO"}}"#
        )
        #expect(identify.count == 1 && identify[0].kind == .identify && identify[0].linkFrom == "d-1")
        #expect(IdentifyTraits(identify[0].traits).email == "a@acme.com" && IdentifyTraits(identify[0].traits).title == "CTO")
        let alias = try events(
            #"{"uuid":"d","event":"$create_alias","distinct_id":"u1","timestamp":"2026-11-10T10:05:00Z","properties":{"alias":"u1-old"}}"#)
        #expect(alias[0].kind == .alias && alias[0].linkFrom == "u1-old")
        // Sent from an anonymous distinct id, the alias is the user: the anonymous id is linked to it, nobody retired.
        let fromAnonymous = try events(
            #"{"uuid":"d2","event":"$create_alias","distinct_id":"d-1","timestamp":"2026-11-10T10:05:00Z","properties":{"alias":"u1","$is_identified":false}}"#
        )
        #expect(fromAnonymous.count == 1 && fromAnonymous[0].kind == .identify)
        #expect(fromAnonymous[0].userId == "u1" && fromAnonymous[0].linkFrom == "d-1")
        // A vendor's event carries its source: which events are system events is that source's setting.
        let system = try events(
            #"{"uuid":"s","event":"$autocapture","distinct_id":"u1","timestamp":"2026-11-10T10:05:00Z","properties":{"$set":{"email":"a@acme.com"}}}"#
        )
        #expect(system.map(\.kind) == [.track, .identify] && system.allSatisfy { $0.source == "posthog" } && system[1].isPersonSnapshot)
        let extraction = ActivityExtraction(BrieferConfiguration())
        #expect(extraction.isSystemEvent(source: "posthog", name: "$autocapture"))
        #expect(
            !extraction.isSystemEvent(source: nil, name: "$autocapture")
                && !extraction.isSystemEvent(source: "amplitude", name: "$autocapture"))
        #expect(!extraction.isSystemEvent(source: "amplitude", name: "Contact Sales Form Submitted"))
        let track = try events(
            #"{"uuid":"e","event":"report_exported","distinct_id":"u1","timestamp":"2026-11-10T10:05:00Z","properties":{"$groups":{"company":"acme.com","team":"x"}},"person_properties":{"email":"a@acme.com"}}"#
        )
        #expect(track.map(\.kind) == [.track, .identify] && track[0].groupHint == "acme.com" && track[1].isPersonSnapshot)
        let group = try events(
            #"{"uuid":"f","event":"$groupidentify","distinct_id":"u1","timestamp":"2026-11-10T10:05:00Z","properties":{"$group_type":"company","$group_key":"acme.com","$group_set":{"name":"Acme","employees":800}}}"#
        )
        #expect(group[0].kind == .group && group[0].groupHint == "acme.com" && group[0].traits["name"] == .string("Acme"))
        #expect(
            try events(
                #"{"uuid":"g","event":"$groupidentify","distinct_id":"u1","timestamp":"2026-11-10T10:05:00Z","properties":{"$group_type":"team","$group_key":"x"}}"#
            ).isEmpty)
    }

    @Test func amplitudeTimesDevicesAndGroups() throws {
        for time in ["2026-11-10 10:00:00.123000", "2026-11-10T10:00:00.123000", "2026-11-10T10:00:00.123Z"] {
            let line =
                #"{"$insert_id":"1","event_type":"x","user_id":"u1","device_id":"dev","event_time":"\#(time)","groups":{"company":["acme.com"]}}"#
            let event = try #require(try events(line).first)
            #expect(event.timestamp == ts("2026-11-10T10:00:00.123Z") && event.timestampHadZone, "\(time)")
            #expect(event.linkFrom == "dev" && event.linkVia == "amplitude device_id" && event.groupHint == "acme.com")
        }
        let anonymous = try events(
            #"{"uuid":"2","event_type":"[Amplitude] Page Viewed","device_id":"dev","event_time":"2026-11-10 10:00:00.000000","event_properties":{"[Amplitude] Page Path":"/pricing"}}"#
        )
        #expect(
            anonymous[0].kind == .page && anonymous[0].anonymousId == "dev" && anonymous[0].name == "pricing_page_viewed"
                && anonymous[0].linkFrom == nil)
        guard case let .failure(rejection)? = parser.parseLine(#"{"event_type":"x","event_time":"2026-11-10 10:00:00"}"#).first else {
            Issue.record("an event of nobody was accepted"); return
        }
        #expect(rejection.reason == .missingUserId)
    }

    @Test func mixpanelSecondsDevicesAndTheProjectTimeZone() throws {
        let line =
            #"{"event":"x","properties":{"time":1794304800,"distinct_id":"u1","$device_id":"dev","$user_id":"u1","$insert_id":"i1","company_domain":"acme.com"}}"#
        let event = try #require(try events(line).first)
        #expect(event.timestamp == Timestamp(milliseconds: 1_794_304_800_000) && event.userId == "u1" && event.linkFrom == "dev")
        #expect(event.groupHint == "acme.com")
        let device = try events(
            #"{"event":"x","properties":{"time":1794304800,"distinct_id":"$device:dev","$device_id":"dev","$insert_id":"i2"}}"#)
        #expect(device[0].userId == nil && device[0].anonymousId == "dev")
        var sources = BrieferConfiguration.Sources()
        sources.mixpanel.projectTimeZone = "America/Los_Angeles"
        let pacific = EventLineParser(now: ts("2026-12-01T00:00:00Z"), futureToleranceSeconds: 300, sources: sources)
        // 1794304800 read as Los Angeles wall-clock time (UTC−8 in November) is eight hours later in UTC.
        #expect(try events(line, pacific)[0].timestamp == Timestamp(milliseconds: (1_794_304_800 + 8 * 3600) * 1000))
        // Just after the spring-forward change (2024-03-10 03:30 PDT is 10:30Z): the offset is the one of the real instant.
        let afterChange = try events(#"{"event":"x","properties":{"time":1710041400,"distinct_id":"u1","$insert_id":"i3"}}"#, pacific)
        #expect(afterChange[0].timestamp.iso8601.hasPrefix("2024-03-10T10:30:00"))
        // A device's alias call (original ID merge): the alias is the user, the device is linked to it.
        let alias = try events(#"{"event":"$create_alias","properties":{"time":1794304800,"distinct_id":"$device:dev","alias":"u1"}}"#)
        #expect(alias.count == 1 && alias[0].kind == .identify && alias[0].userId == "u1" && alias[0].linkFrom == "dev")
        let identify = try events(
            #"{"event":"$identify","properties":{"time":1794304800,"distinct_id":"u1","$identified_id":"u1","$anon_id":"dev","$email":"a@acme.com"}}"#
        )
        #expect(identify[0].kind == .identify && identify[0].linkFrom == "dev" && IdentifyTraits(identify[0].traits).email == "a@acme.com")
    }

    /// Found by the line fuzz target: a `time` too large for a time trapped converting it; it is a bad timestamp.
    @Test func aMixpanelTimeOutOfRangeIsABadTimestamp() throws {
        for time in ["1763550244444444444444444444444444444444444444491", "1e400", "-5"] {
            let line = #"{"event":"x","properties":{"time":\#(time),"distinct_id":"u1","$insert_id":"i"}}"#
            guard case let .failure(rejection)? = parser.parseLine(line).first else { Issue.record("\(time) accepted"); continue }
            #expect(rejection.reason == .badTimestamp, "\(time)")
        }
    }
}
