import Testing
@testable import BrieferCore

struct TimestampTests {
    // 2026-03-25 is day 20537 since 1970-01-01:
    //   1970..2025 = 56 years, 14 of them leap (1972, 76, …, 2024) → 56·365 + 14 = 20454 = 2026-01-01;
    //   + Jan 31 + Feb 28 + 24 = 83 → 20537.
    // 20537 · 86_400_000 = 1_774_396_800_000; + 14 h 22 min = 51_720_000 → 1_774_448_520_000.
    static let seedInstant: Int64 = 1_774_448_520_000

    @Test(arguments: [
        "2026-03-25T14:22:00Z",
        "2026-03-25T14:22:00z",
        "2026-03-25t14:22:00Z",
        "2026-03-25T14:22:00.000Z",
        "2026-03-25T16:22:00+02:00",
        "2026-03-25T16:22:00+0200",
        "2026-03-25T09:22:00-05:00",
        "2026-03-26T00:22:00+10:00",
        "2026-03-25 14:22:00Z",
    ])
    func readsZonedTimes(_ text: String) throws {
        let parsed = try #require(Timestamp.parse(text))
        #expect(parsed.timestamp.milliseconds == Self.seedInstant)
        #expect(parsed.hadZone)
    }

    @Test(arguments: ["2026-03-25T14:22:00", "2026-03-25 14:22:00", "2026-03-25T14:22"])
    func timeWithoutZoneIsUTCAndFlagged(_ text: String) throws {
        let parsed = try #require(Timestamp.parse(text))
        #expect(parsed.timestamp.milliseconds == Self.seedInstant)
        #expect(!parsed.hadZone)
    }

    @Test func bareDateIsMidnightUTC() throws {
        let parsed = try #require(Timestamp.parse("2026-03-25"))
        #expect(parsed.timestamp.milliseconds == 1_774_396_800_000)
        #expect(!parsed.hadZone)
    }

    @Test(arguments: [
        ("2026-03-25T14:22:00.5Z", Int64(500)),
        ("2026-03-25T14:22:00.25Z", 250),
        ("2026-03-25T14:22:00.250Z", 250),
        ("2026-03-25T14:22:00.001Z", 1),
        ("2026-03-25T14:22:00.123456Z", 123),  // digits past milliseconds are dropped
        ("2026-03-25T14:22:00,5Z", 500),
    ])
    func fractionsOfASecond(_ text: String, _ extra: Int64) throws {
        let parsed = try #require(Timestamp.parse(text))
        #expect(parsed.timestamp.milliseconds == Self.seedInstant + extra)
    }

    @Test func leapDays() throws {
        // 2024-02-29: 2024-01-01 is 54·365 + 13 = 19723; + 31 + 28 = 19782 → 1_709_164_800_000.
        #expect(Timestamp.parse("2024-02-29T00:00:00Z")?.timestamp.milliseconds == 1_709_164_800_000)
        #expect(Timestamp.parse("2000-02-29T00:00:00Z") != nil)  // divisible by 400
        #expect(Timestamp.parse("1900-02-29T00:00:00Z") == nil)  // divisible by 100
        #expect(Timestamp.parse("2026-02-29T00:00:00Z") == nil)
    }

    @Test func leapSecondIsReadAs59() {
        #expect(Timestamp.parse("2016-12-31T23:59:60Z")?.timestamp == Timestamp.parse("2016-12-31T23:59:59Z")?.timestamp)
    }

    @Test(arguments: [
        "", "yesterday", "1711376520000", "2026-3-25", "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z",
        "2026-04-31T00:00:00Z", "2026-03-25T24:00:00Z", "2026-03-25T14:60:00Z", "2026-03-25T14:22:00.Z",
        "2026-03-25T14:22:00Zjunk", "2026-03-25T14:22:00+25:00", "2026-03-25T14:22:00+02", "2026-03-25X14:22:00Z",
        "2026-03-25T14", " 2026-03-25T14:22:00Z",
    ])
    func refusesUnreadableTimes(_ text: String) {
        #expect(Timestamp.parse(text) == nil)
    }

    @Test func formatsAsISO8601UTC() {
        let t = Timestamp(milliseconds: Self.seedInstant)
        #expect(t.iso8601 == "2026-03-25T14:22:00Z")
        #expect(t.isoDate == "2026-03-25")
        #expect(t.day == 20537)
        #expect(Timestamp(milliseconds: Self.seedInstant + 250).iso8601 == "2026-03-25T14:22:00.250Z")
        #expect(Timestamp(milliseconds: 0).iso8601 == "1970-01-01T00:00:00Z")
    }

    @Test func negativeTimesFloorToThePreviousDay() {
        let t = Timestamp(milliseconds: -1)
        #expect(t.day == -1)
        #expect(t.iso8601 == "1969-12-31T23:59:59.999Z")
        #expect(Timestamp(milliseconds: -86_400_000).day == -1)
        #expect(Timestamp(milliseconds: -86_400_001).day == -2)
    }

    @Test func dayArithmetic() {
        let t = Timestamp(milliseconds: Self.seedInstant)
        #expect(t.adding(days: 1).milliseconds == Self.seedInstant + 86_400_000)
        #expect(t.adding(hours: -2).milliseconds == Self.seedInstant - 7_200_000)
        #expect(Timestamp.startOfDay(20537).milliseconds == 1_774_396_800_000)
        #expect(t.adding(days: 1) > t)
    }

    @Test func formattingRoundTrips() throws {
        for ms: Int64 in [0, 1, 999, 86_399_999, Self.seedInstant, Self.seedInstant + 7, 4_102_444_800_000, -1_000] {
            let t = Timestamp(milliseconds: ms)
            let back = try #require(Timestamp.parse(t.iso8601))
            #expect(back.timestamp == t)
            #expect(back.hadZone)
        }
    }
}
