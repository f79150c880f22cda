/// Which hot accounts get a briefing now (SPEC §4).
///
/// An account is selected when it is hot and either has no briefing since it last became hot (newly
/// hot; this survives runs, so one deferred or over capacity is picked up later) or its fingerprint
/// changed and its last briefing is older than the refresh interval. An unchanged fingerprint is never
/// briefed again, even after a hot → warm → hot flip. Newly hot first, then by score; at most the day's
/// remaining capacity.
public enum Selection {
    /// What selection knows about one hot account.
    public struct Candidate: Sendable, Equatable {
        public var account: String
        public var score: Int
        /// Has a briefing (or a needs-review outcome) made after it last became hot.
        public var briefedSinceHot: Bool
        /// Has a briefing (or outcome) for exactly this fingerprint, ever.
        public var briefedWithFingerprint: Bool
        /// When its latest briefing was made (ms since 1970), if any.
        public var lastBriefedMs: Int64?
        /// Deferred by an earlier run (the server asked to wait, the spend cap) until this time, if any.
        public var deferredUntilMs: Int64?
        public init(
            account: String, score: Int, briefedSinceHot: Bool, briefedWithFingerprint: Bool, lastBriefedMs: Int64?,
            deferredUntilMs: Int64? = nil
        ) {
            self.account = account; self.score = score; self.briefedSinceHot = briefedSinceHot
            self.briefedWithFingerprint = briefedWithFingerprint; self.lastBriefedMs = lastBriefedMs
            self.deferredUntilMs = deferredUntilMs
        }
    }

    public enum Reason: String, Sendable, Codable, Equatable {
        /// Selected: no briefing since it became hot.
        case newlyHot = "newly_hot"
        /// Selected: its prompt input, prompt or model changed and the last briefing is old enough.
        case changed
        /// Skipped: already briefed for exactly this fingerprint.
        case unchanged
        /// Skipped: changed, but briefed less than the refresh interval ago.
        case cooldown
        /// Skipped: would be selected, but the day's capacity is used up; it waits for the next day.
        case overCapacity = "over_capacity"
        /// Skipped: would be selected, but an earlier run deferred it until a later time.
        case deferred

        public var isSelected: Bool { self == .newlyHot || self == .changed }
    }

    public struct Decision: Sendable, Equatable {
        public var account: String
        public var score: Int
        public var reason: Reason
        /// For a cooldown, when the account may be briefed again (ms since 1970).
        public var eligibleAtMs: Int64?
    }

    /// Every candidate's decision: the selected ones first, in briefing order (newly hot, then score
    /// descending, then account), then the skipped ones in the same order.
    /// - Parameters:
    ///   - capacity: briefings still allowed today.
    public static func decide(_ candidates: [Candidate], nowMs: Int64, refreshAfterMs: Int64, capacity: Int) -> [Decision] {
        var wanted: [(Candidate, Reason)] = []
        var skipped: [Decision] = []
        for c in candidates {
            if c.briefedWithFingerprint {
                skipped.append(Decision(account: c.account, score: c.score, reason: .unchanged))
            } else if let until = c.deferredUntilMs, until > nowMs {
                // A deferral is cleared when the account is briefed: it stands only for accounts still waiting.
                skipped.append(Decision(account: c.account, score: c.score, reason: .deferred, eligibleAtMs: until))
            } else if !c.briefedSinceHot {
                wanted.append((c, .newlyHot))
            } else if let last = c.lastBriefedMs, nowMs - last < refreshAfterMs {
                skipped.append(Decision(account: c.account, score: c.score, reason: .cooldown, eligibleAtMs: last + refreshAfterMs))
            } else {
                wanted.append((c, .changed))
            }
        }
        wanted.sort { a, b in
            if (a.1 == .newlyHot) != (b.1 == .newlyHot) { return a.1 == .newlyHot }
            if a.0.score != b.0.score { return a.0.score > b.0.score }
            return a.0.account < b.0.account
        }
        var decisions: [Decision] = []
        var overCapacity: [Decision] = []
        for (i, (c, reason)) in wanted.enumerated() {
            let decision = Decision(account: c.account, score: c.score, reason: i < max(capacity, 0) ? reason : .overCapacity)
            if decision.reason.isSelected { decisions.append(decision) } else { overCapacity.append(decision) }
        }
        skipped.sort { $0.score != $1.score ? $0.score > $1.score : $0.account < $1.account }
        return decisions + overCapacity + skipped
    }
}
