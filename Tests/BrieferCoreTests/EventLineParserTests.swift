import Testing
@testable import BrieferCore

struct EventLineParserTests {
    // Ingest "now": 2026-03-25T15:00:00Z; tolerance 300 s (the default hygiene.future_tolerance_seconds).
    let parser = EventLineParser(now: ts("2026-03-25T15:00:00Z"), futureToleranceSeconds: 300)

    func reason(_ line: String) -> QuarantineReason? {
        if case let .failure(rejection) = parser.parse(line) { return rejection.reason }
        return nil
    }

    func accepted(_ line: String) throws -> IncomingEvent {
        switch parser.parse(line) {
        case let .success(event): return event
        case let .failure(rejection):
            Issue.record("refused: \(rejection.reason.rawValue) \(rejection.detail)")
            throw rejection
        }
    }

    static let t = #""timestamp":"2026-03-25T14:22:00Z""#

    @Test(arguments: [
        // malformed_json
        (#"{"type":"track","#, QuarantineReason.malformedJSON),
        ("not json at all", .malformedJSON),
        (#"[{"type":"track"}]"#, .malformedJSON),
        (#""just a string""#, .malformedJSON),
        // missing_user_id
        (#"{"type":"track","event":"x",\#(t)}"#, .missingUserId),
        (#"{"type":"track","userId":"  ","event":"x",\#(t)}"#, .missingUserId),
        (#"{"type":"track","userId":null,"event":"x",\#(t)}"#, .missingUserId),
        (#"{"event_name":"x",\#(t)}"#, .missingUserId),
        (#"{"type":"identify","anonymousId":"a1","traits":{"email":"a@b.com"},\#(t)}"#, .missingUserId),
        // missing_event_name
        (#"{"type":"track","userId":"u1",\#(t)}"#, .missingEventName),
        (#"{"type":"track","userId":"u1","event":null,\#(t)}"#, .missingEventName),
        (#"{"type":"track","userId":"u1","event":"   ",\#(t)}"#, .missingEventName),
        (#"{"user_id":"u1",\#(t)}"#, .missingEventName),
        // missing_group_id
        (#"{"type":"group","userId":"u1","traits":{"name":"Acme"},\#(t)}"#, .missingGroupId),
        // bad_timestamp
        (#"{"type":"track","userId":"u1","event":"x"}"#, .badTimestamp),
        (#"{"type":"track","userId":"u1","event":"x","timestamp":"yesterday"}"#, .badTimestamp),
        (#"{"type":"track","userId":"u1","event":"x","timestamp":"2026-02-30T10:00:00Z"}"#, .badTimestamp),
        (#"{"type":"track","userId":"u1","event":"x","timestamp":null}"#, .badTimestamp),
        // wrong_type
        (#"{"type":"track","userId":"u1","event":5,\#(t)}"#, .wrongType),
        (#"{"type":"track","userId":{"id":"u1"},"event":"x",\#(t)}"#, .wrongType),
        (#"{"type":"track","userId":true,"event":"x",\#(t)}"#, .wrongType),
        (#"{"type":"track","userId":4.5,"event":"x",\#(t)}"#, .wrongType),
        (#"{"type":"track","userId":"u1","event":"x","properties":[1,2],\#(t)}"#, .wrongType),
        (#"{"type":"track","userId":"u1","event":"x","properties":"p",\#(t)}"#, .wrongType),
        (#"{"type":"track","userId":"u1","event":"x","messageId":42,\#(t)}"#, .wrongType),
        (#"{"type":"track","userId":"u1","event":"x","context":"acme.com",\#(t)}"#, .wrongType),
        (#"{"type":7,"userId":"u1","event":"x",\#(t)}"#, .wrongType),
        (#"{"user_id":"u1","event_name":["x"],\#(t)}"#, .wrongType),
        // unsupported_type
        (#"{"type":"stats","userId":"u1","name":"Home",\#(t)}"#, .unsupportedType),
        (#"{"type":"Track","userId":"u1",\#(t)}"#, .unsupportedType),
        // page, screen and alias need their ids
        (#"{"type":"page","name":"Home",\#(t)}"#, .missingUserId),
        (#"{"type":"alias","userId":"u1",\#(t)}"#, .missingUserId),
        (#"{"type":"alias","previousId":"a1",\#(t)}"#, .missingUserId),
        // unknown_shape
        (#"{"foo":"bar",\#(t)}"#, .unknownShape),
        ("{}", .unknownShape),
    ])
    func quarantineReasons(_ line: String, _ expected: QuarantineReason) {
        #expect(reason(line) == expected, "\(line)")
    }

    @Test func invalidUTF8IsItsOwnReason() {
        // {"type":"track","userId":"u<0xFF>","event":"x","timestamp":"…"} — 0xFF never appears in UTF-8.
        var bytes = Array(#"{"type":"track","userId":"u"#.utf8)
        bytes.append(0xFF)
        bytes += Array(#"","event":"x","timestamp":"2026-03-25T14:22:00Z"}"#.utf8)
        let result = bytes.withUnsafeBufferPointer { parser.parse($0) }
        guard case let .failure(rejection) = result else { Issue.record("accepted invalid UTF-8"); return }
        #expect(rejection.reason == .invalidUTF8)

        // A truncated multi-byte sequence (0xC3 without its continuation byte) too.
        let truncated = Array(#"{"user_id":"u1","event_name":"caf"#.utf8) + [0xC3] + Array(#"","timestamp":"2026-03-25T14:22:00Z"}"#.utf8)
        guard case let .failure(r2) = truncated.withUnsafeBufferPointer({ parser.parse($0) }) else { Issue.record("accepted"); return }
        #expect(r2.reason == .invalidUTF8)
    }

    @Test func futureTimestampsBeyondFiveMinutesAreRefused() throws {
        // now + 5 min exactly is accepted; now + 5 min + 1 s is refused.
        let atLimit = try accepted(#"{"type":"track","userId":"u1","event":"x","timestamp":"2026-03-25T15:05:00Z"}"#)
        #expect(atLimit.timestamp == ts("2026-03-25T15:05:00Z"))
        #expect(reason(#"{"type":"track","userId":"u1","event":"x","timestamp":"2026-03-25T15:05:01Z"}"#) == .futureTimestamp)
        // The same instant written with an offset is judged by its UTC value: 17:05:01+02:00 = 15:05:01Z.
        #expect(reason(#"{"type":"track","userId":"u1","event":"x","timestamp":"2026-03-25T17:05:01+02:00"}"#) == .futureTimestamp)
        #expect(reason(#"{"type":"track","userId":"u1","event":"x","timestamp":"2026-03-25T17:05:00+02:00"}"#) == nil)
    }

    @Test func seed004Shape() throws {
        // The minimum event of seed 004, verbatim.
        let line =
            #"{"user_id":"usr_abc123","event_name":"core_feature_used","properties":{"feature":"report_builder","duration_seconds":340},"timestamp":"2026-03-25T14:22:00Z","context":{"company_domain":"acme.com"}}"#
        let event = try accepted(line)
        #expect(event.kind == .track)
        #expect(event.userId == "usr_abc123")
        #expect(event.anonymousId == nil)
        #expect(event.name == "core_feature_used")
        #expect(event.groupHint == "acme.com")
        #expect(event.properties["feature"] == .string("report_builder"))
        #expect(event.properties["duration_seconds"] == .number("340"))
        #expect(event.timestamp.milliseconds == 1_774_448_520_000)  // see TimestampTests
        #expect(event.timestampHadZone)
        // Properties are stored as written in the line.
        #expect(event.propertiesText == #"{"feature":"report_builder","duration_seconds":340}"#)
    }

    @Test func segmentTrackShape() throws {
        let line =
            #"{"type":"track","messageId":"m-1","userId":" u1 ","anonymousId":"anon-9","event":" project_created ","properties":{"plan":"free"},"timestamp":"2026-03-25T14:22:00Z","context":{"groupId":"grp_42","traits":{"x":1}}}"#
        let event = try accepted(line)
        #expect(event.kind == .track)
        #expect(event.userId == "u1")  // trimmed
        #expect(event.anonymousId == "anon-9")
        #expect(event.name == "project_created")  // trimmed
        #expect(event.groupHint == "grp_42")
        #expect(event.properties == .object([(key: "plan", value: .string("free"))]))
    }

    @Test func anonymousOnlyTrackIsAccepted() throws {
        let event = try accepted(#"{"type":"track","anonymousId":"anon-1","event":"x",\#(Self.t)}"#)
        #expect(event.userId == nil)
        #expect(event.anonymousId == "anon-1")
    }

    @Test func typelessSegmentTrackAndIntegerUserId() throws {
        let event = try accepted(#"{"userId":42,"event":"x",\#(Self.t)}"#)
        #expect(event.kind == .track)
        #expect(event.userId == "42")
    }

    @Test func originalTimestampWhenNoTimestamp() throws {
        let event = try accepted(#"{"type":"track","userId":"u1","event":"x","originalTimestamp":"2026-03-25T16:22:00+02:00"}"#)
        #expect(event.timestamp.milliseconds == 1_774_448_520_000)
        // timestamp wins over originalTimestamp when both are there.
        let both = try accepted(
            #"{"type":"track","userId":"u1","event":"x","originalTimestamp":"2026-03-20T00:00:00Z","timestamp":"2026-03-25T14:22:00Z"}"#)
        #expect(both.timestamp.milliseconds == 1_774_448_520_000)
    }

    @Test func timeWithoutZoneIsReadAsUTCAndFlagged() throws {
        let event = try accepted(#"{"type":"track","userId":"u1","event":"x","timestamp":"2026-03-25T14:22:00"}"#)
        #expect(event.timestamp.milliseconds == 1_774_448_520_000)
        #expect(!event.timestampHadZone)
    }

    @Test func identifyAndGroupCalls() throws {
        let identify = try accepted(#"{"type":"identify","userId":"u1","traits":{"email":"ada@acme.com","title":"CTO"},\#(Self.t)}"#)
        #expect(identify.kind == .identify)
        #expect(identify.name == nil)
        #expect(identify.traits["email"] == .string("ada@acme.com"))

        let group = try accepted(#"{"type":"group","userId":"u1","groupId":"grp_42","traits":{"website":"https://acme.com"},\#(Self.t)}"#)
        #expect(group.kind == .group)
        #expect(group.groupHint == "grp_42")
        #expect(group.traits["website"] == .string("https://acme.com"))
    }

    @Test func dedupKeyIsTheMessageIdWhenPresent() throws {
        // Same messageId, different content → same key.
        let a = try accepted(#"{"type":"track","messageId":"m-1","userId":"u1","event":"x",\#(Self.t)}"#)
        let b = try accepted(#"{"type":"track","messageId":"m-1","userId":"u2","event":"y","timestamp":"2026-03-20T00:00:00Z"}"#)
        #expect(a.dedupKey == b.dedupKey)
        #expect(a.dedupKey.count == 16)
        // Different messageIds, same content → different keys.
        let c = try accepted(#"{"type":"track","messageId":"m-2","userId":"u1","event":"x",\#(Self.t)}"#)
        #expect(a.dedupKey != c.dedupKey)
        // The key is MurmurHash3 x64 128 of "m:<messageId>": for "abc", dcd6e08df5ef2fd3 359c8889a1e5fb5c
        // (worked out with an independent reference implementation checked on the published vectors).
        let d = try accepted(#"{"type":"track","messageId":"abc","userId":"u1","event":"x",\#(Self.t)}"#)
        #expect(d.dedupKey == [0xdc, 0xd6, 0xe0, 0x8d, 0xf5, 0xef, 0x2f, 0xd3, 0x35, 0x9c, 0x88, 0x89, 0xa1, 0xe5, 0xfb, 0x5c])
    }

    @Test func dedupKeyWithoutMessageIdIsTheCanonicalContent() throws {
        let a = try accepted(#"{"type":"track","userId":"u1","event":"x","properties":{"p":1,"q":2},\#(Self.t)}"#)
        // Same content, keys in another order and other whitespace → same key.
        let b = try accepted(
            #"{ "timestamp" : "2026-03-25T14:22:00Z", "properties": {"q":2, "p":1}, "event":"x", "userId":"u1", "type":"track" }"#)
        #expect(a.dedupKey == b.dedupKey)
        // Different content → different key.
        let c = try accepted(#"{"type":"track","userId":"u1","event":"x","properties":{"p":1,"q":3},\#(Self.t)}"#)
        #expect(a.dedupKey != c.dedupKey)
        // A null messageId counts as absent.
        let d = try accepted(#"{"type":"track","messageId":null,"userId":"u1","event":"x","properties":{"p":1,"q":2},\#(Self.t)}"#)
        #expect(d.dedupKey != a.dedupKey)  // the canonical content includes the messageId member
        // A messageId equal to some content never collides with that content's key (distinct prefixes).
        #expect(a.dedupKey != (try accepted(#"{"type":"track","messageId":"x","userId":"u1","event":"x",\#(Self.t)}"#)).dedupKey)
    }

    @Test func stableHashKnownValues() {
        // MurmurHash3 x64 128, seed 0: the empty input hashes to (0, 0).
        #expect(StableHash.hex("") == String(repeating: "0", count: 32))
        // Published MurmurHash3_x64_128 vector (bytes 6c1b07bc7bbc4be3 47939ac4a93c437a, i.e.
        // h1 = 0xe34bbc7bbc071b6c, h2 = 0x7a433ca9c49a9347): 2 full blocks and an 11-byte tail.
        #expect(StableHash.hex("The quick brown fox jumps over the lazy dog") == "e34bbc7bbc071b6c7a433ca9c49a9347")
        // "hello" (5-byte tail): h1 = 0xcbd8a7b341bd9b02, h2 = 0x5b1e906a48ae1d19.
        #expect(StableHash.hex("hello") == "cbd8a7b341bd9b025b1e906a48ae1d19")
        #expect(
            StableHash.digest(Array("hello".utf8)) == [
                0xcb, 0xd8, 0xa7, 0xb3, 0x41, 0xbd, 0x9b, 0x02, 0x5b, 0x1e, 0x90, 0x6a, 0x48, 0xae, 0x1d, 0x19,
            ])
        #expect(StableHash.hex("abc") == StableHash.hex(Array("abc".utf8)))
        #expect(StableHash.hex("abc") != StableHash.hex("abd"))
        #expect(StableHash.digest(Array("abc".utf8)).count == 16)
    }

    /// Properties are validated without being built: invalid JSON inside them is still malformed,
    /// and they are stored exactly as written.
    @Test func propertiesAreCheckedAndKeptAsWritten() throws {
        let base = #"{"type":"track","messageId":"p1","userId":"u1","event":"x",\#(Self.t),"properties":"#
        #expect(reason(base + #"{"a":}}"#) == .malformedJSON)
        #expect(reason(base + #"{"a":"\q"}}"#) == .malformedJSON)
        #expect(reason(base + #"{"a":[1,2,}}"#) == .malformedJSON)
        #expect(reason(base + #"{"a":"\ud800"}}"#) == .malformedJSON)
        #expect(reason(base + "[1]}") == .wrongType)
        #expect(reason(base + "true}") == .wrongType)
        let written = #"{ "b" : [1, {"c": null}], "a": "\u00e9" }"#
        let event = try accepted(base + written + "}")
        #expect(event.propertiesText == written)
        #expect(event.properties["a"] == .string("é"))
        #expect(try accepted(base + "null}").propertiesText == "{}")
    }
}
