/// The sales tier of a score (SPEC §3.1; the points model maps hot to PQL).
public enum Tier: String, Sendable, Codable, CaseIterable, Comparable {
    case hot, warm, nurture, monitor

    var rank: Int {
        switch self {
        case .hot: return 3
        case .warm: return 2
        case .nurture: return 1
        case .monitor: return 0
        }
    }

    public static func < (a: Tier, b: Tier) -> Bool { a.rank < b.rank }
}
