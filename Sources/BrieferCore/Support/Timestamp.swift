/// A UTC instant in whole milliseconds since the Unix epoch: the only time type scoring uses,
/// so that every comparison and window is exact integer arithmetic.
public struct Timestamp: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var milliseconds: Int64

    public static let millisecondsPerDay: Int64 = 86_400_000
    public static let millisecondsPerHour: Int64 = 3_600_000

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.milliseconds < rhs.milliseconds }

    /// The UTC day index (days since 1970-01-01).
    public var day: Int64 { Timestamp.floorDiv(milliseconds, Timestamp.millisecondsPerDay) }

    public func adding(days: Int64) -> Timestamp { Timestamp(milliseconds: milliseconds + days * Timestamp.millisecondsPerDay) }
    public func adding(hours: Int64) -> Timestamp { Timestamp(milliseconds: milliseconds + hours * Timestamp.millisecondsPerHour) }
    public func adding(milliseconds delta: Int64) -> Timestamp { Timestamp(milliseconds: milliseconds + delta) }

    public static func startOfDay(_ day: Int64) -> Timestamp { Timestamp(milliseconds: day * millisecondsPerDay) }
    /// 00:00 UTC of this time's day.
    public var startOfDay: Timestamp { Self.startOfDay(day) }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    /// ISO-8601 UTC with milliseconds when there are any: `2026-11-20T12:00:00Z`, `2026-11-20T12:00:00.250Z`.
    public var iso8601: String {
        let day = self.day
        let msOfDay = milliseconds - day * Timestamp.millisecondsPerDay
        let (y, m, d) = Timestamp.civil(fromDays: day)
        let h = msOfDay / 3_600_000, mi = (msOfDay / 60_000) % 60, s = (msOfDay / 1000) % 60, ms = msOfDay % 1000
        var out = "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(h, 2)):\(pad(mi, 2)):\(pad(s, 2))"
        if ms != 0 { out += ".\(pad(ms, 3))" }
        return out + "Z"
    }

    /// `YYYY-MM-DD` of the UTC day.
    public var isoDate: String {
        let (y, m, d) = Timestamp.civil(fromDays: day)
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }

    public var description: String { iso8601 }

    private func pad(_ v: Int64, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    // Howard Hinnant's days-from-civil algorithms: exact for the proleptic Gregorian calendar.
    static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    /// The result of reading a textual time.
    public struct Parsed: Sendable, Equatable {
        public var timestamp: Timestamp
        /// False when the text had no zone offset and was read as UTC.
        public var hadZone: Bool
    }

    /// Reads ISO-8601 / RFC 3339 times: `2026-11-20T12:00:00Z`, `2026-11-20 12:00:00.5+02:00`,
    /// `2026-11-20T12:00:00` (no zone: UTC, reported through `hadZone`), or a bare date `2026-11-20`.
    public static func parse(_ text: String) -> Parsed? {
        var copy = text
        return copy.withUTF8 { parse(bytes: $0) }
    }

    static func parse(bytes b: UnsafeBufferPointer<UInt8>) -> Parsed? {
        var i = 0
        func digits(_ n: Int) -> Int64? {
            guard i + n <= b.count else { return nil }
            var v: Int64 = 0
            for k in 0..<n {
                let c = b[i + k]
                guard c >= 0x30, c <= 0x39 else { return nil }
                v = v * 10 + Int64(c - 0x30)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(UInt8(ascii: "-")), let month = digits(2), expect(UInt8(ascii: "-")),
            let day = digits(2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysInMonth(year, month) else { return nil }
        var ms = days(fromCivil: year, month, day) * millisecondsPerDay
        if i == b.count { return Parsed(timestamp: Timestamp(milliseconds: ms), hadZone: false) }
        guard i < b.count, b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: "t") || b[i] == UInt8(ascii: " ") else { return nil }
        i += 1
        guard let hour = digits(2), expect(UInt8(ascii: ":")), let minute = digits(2) else { return nil }
        var second: Int64 = 0
        if expect(UInt8(ascii: ":")) {
            guard let s = digits(2) else { return nil }
            second = s
        }
        guard hour < 24, minute < 60, second < 61 else { return nil }
        ms += hour * 3_600_000 + minute * 60_000 + min(second, 59) * 1000
        if expect(UInt8(ascii: ".")) || expect(UInt8(ascii: ",")) {
            var fraction: Int64 = 0, scale: Int64 = 1000, count = 0
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                if count < 3 { scale /= 10; fraction += Int64(b[i] - 0x30) * scale }
                count += 1
                i += 1
            }
            guard count > 0 else { return nil }
            ms += fraction
        }
        if i == b.count { return Parsed(timestamp: Timestamp(milliseconds: ms), hadZone: false) }
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
            i += 1
            return i == b.count ? Parsed(timestamp: Timestamp(milliseconds: ms), hadZone: true) : nil
        }
        guard b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") else { return nil }
        let sign: Int64 = b[i] == UInt8(ascii: "+") ? 1 : -1
        i += 1
        guard let oh = digits(2) else { return nil }
        _ = expect(UInt8(ascii: ":"))
        guard let om = digits(2), i == b.count, oh < 24, om < 60 else { return nil }
        ms -= sign * (oh * 3_600_000 + om * 60_000)
        return Parsed(timestamp: Timestamp(milliseconds: ms), hadZone: true)
    }

    static func daysInMonth(_ year: Int64, _ month: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
