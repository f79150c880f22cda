/// One contributing signal of a score: `code[:detail]:+points` (SPEC §3.3), e.g. `team_invite_sent:+30`.
public struct ReasonCode: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var code: String
    public var detail: String?
    public var points: Int

    /// Codes and details come partly from the data (event names, property values, industries): `;`
    /// and `:` (the separators of the joined form), control characters and runs of spaces become `_`,
    /// and a detail is cut to 64 characters, so the stored text always reads back as the same reasons.
    public init(_ code: String, _ detail: String? = nil, points: Int) {
        self.code = ReasonCode.clean(code)
        self.detail = detail.map { String(ReasonCode.clean($0).prefix(64)) }
        self.points = points
    }

    static func clean(_ text: String) -> String {
        // Fast path (nearly every reason): printable ASCII without separators or spaces.
        if text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ";") && $0 != UInt8(ascii: ":") }) { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            let replace = scalar == ";" || scalar == ":" || scalar.properties.generalCategory == .control || scalar.properties.isWhitespace
            out.append(replace ? "_" : scalar)
        }
        return String(out)
    }

    public var description: String {
        var out = ""
        write(into: &out)
        return out
    }

    private func write(into out: inout String) {
        out += code
        if let detail {
            out += ":"
            out += detail
        }
        out += points >= 0 ? ":+" : ":-"
        out += String(points.magnitude)
    }

    /// Most points first, then by code, then by detail.
    public static func < (a: ReasonCode, b: ReasonCode) -> Bool {
        if a.points != b.points { return a.points > b.points }
        if a.code != b.code { return a.code < b.code }
        return (a.detail ?? "") < (b.detail ?? "")
    }

    /// The top `limit` reasons in order; the joined text is what the CRM gets.
    public static func top(_ reasons: [ReasonCode], limit: Int) -> [ReasonCode] {
        Array(Set(reasons).sorted().prefix(limit))
    }

    public static func joined(_ reasons: [ReasonCode]) -> String {
        var out = ""
        out.reserveCapacity(reasons.count * 24)
        for (i, reason) in reasons.enumerated() {
            if i > 0 { out += "; " }
            reason.write(into: &out)
        }
        return out
    }

    /// Reads `code[:detail]:+points` back.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2, let last = parts.last, let sign = last.first, sign == "+" || sign == "-",
            let value = Int(last.dropFirst())
        else { return nil }
        self.init(
            parts[0], parts.count > 2 ? parts[1..<(parts.count - 1)].joined(separator: ":") : nil, points: sign == "-" ? -value : value)
    }
}
