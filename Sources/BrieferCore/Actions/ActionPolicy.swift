/// When a newly-hot account gets an action, and when not (SPEC §6.1), decided without I/O: transitions made before actions
/// were enabled are not acted on (no flood for accounts already hot); a second transition of one account within the
/// cool-down of the last one acted on is skipped (a hot → warm → hot flap is one hand-raise); and at most the daily cap
/// is acted on per UTC day, the rest skipped. Decided once per transition and kind, and recorded: a rerun decides nothing
/// again.
public struct ActionPolicy: Sendable {
    public struct Transition: Sendable, Equatable {
        public var account: String
        public var becameHot: Timestamp
        public init(account: String, becameHot: Timestamp) { self.account = account; self.becameHot = becameHot }
    }

    public enum Decision: Sendable, Equatable {
        case act
        /// Recorded as skipped, with why.
        case skip(String)
        /// Made before actions were enabled: not recorded at all.
        case before
    }

    /// What was acted on already, for one kind of action at one destination.
    public struct History: Sendable, Equatable {
        /// Per account, when its last transition acted on became hot.
        public var lastActed: [String: Timestamp]
        /// Transitions acted on today (UTC), this kind, this destination.
        public var actedToday: Int
        public init(lastActed: [String: Timestamp] = [:], actedToday: Int = 0) { self.lastActed = lastActed; self.actedToday = actedToday }
    }

    /// Transitions that became hot before this time are not acted on: the as-of time of the first run actions saw on.
    public var enabledFrom: Timestamp
    public var coolDownHours: Int
    public var dailyCap: Int

    public init(enabledFrom: Timestamp, coolDownHours: Int, dailyCap: Int) {
        self.enabledFrom = enabledFrom; self.coolDownHours = coolDownHours; self.dailyCap = dailyCap
    }

    /// Decides `transitions` (oldest first, then by account, so the cap keeps the earliest), updating `history` with
    /// those acted on.
    public func decide(_ transitions: [Transition], history: inout History) -> [(transition: Transition, decision: Decision)] {
        let ordered = transitions.sorted { ($0.becameHot, $0.account) < ($1.becameHot, $1.account) }
        return ordered.map { t in
            guard t.becameHot >= enabledFrom else { return (t, .before) }
            if let last = history.lastActed[t.account], t.becameHot >= last,
                t.becameHot.milliseconds - last.milliseconds < Int64(coolDownHours) * 3_600_000
            {
                return (
                    t, .skip("cool-down: \(t.account) became hot at \(last.iso8601) too, within actions.cool_down_hours (\(coolDownHours))")
                )
            }
            guard history.actedToday < dailyCap else {
                return (t, .skip("daily cap: \(dailyCap) acted on today (actions.daily_cap)"))
            }
            history.actedToday += 1
            history.lastActed[t.account] = t.becameHot
            return (t, .act)
        }
    }
}
