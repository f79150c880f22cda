/// A scoring run's fixed inputs: the as-of time, the configuration, and the configuration's event
/// names resolved to term ids once.
public struct ScoringContext: Sendable {
    public let asOf: Timestamp
    public let configuration: BrieferConfiguration
    public let model: BrieferConfiguration.ScoringModel
    public let identity: IdentityRules
    let activationIds: [UInt32?]
    let behaviourIds: [UInt32?]
    let negativeIds: [UInt32?]
    let signalIds: [UInt32?]
    let keyActionIds: Set<UInt32>
    public let terms: [UInt32: String]

    public init(
        asOf: Timestamp, configuration: BrieferConfiguration, model: BrieferConfiguration.ScoringModel? = nil, vocabulary: Vocabulary
    ) {
        self.asOf = asOf
        self.configuration = configuration
        self.model = model ?? configuration.model
        identity = IdentityRules(configuration.identity)
        activationIds = configuration.weighted.activation.events.map { vocabulary.id($0.event) }
        behaviourIds = configuration.points.behaviour.rules.map { vocabulary.id($0.event) }
        negativeIds = configuration.points.behaviour.negativeEvents.map { vocabulary.id($0.event) }
        signalIds = configuration.reasons.signals.map { vocabulary.id($0.event) }
        keyActionIds = Set(configuration.points.behaviour.velocity.keyActions.compactMap { vocabulary.id($0) })
        terms = vocabulary.texts
    }

    /// The user's email is on a domain that is not free mail (the weighted model's work-email points).
    public func hasWorkEmail(_ profile: UserProfile) -> Bool {
        Identity.emailDomain(profile.email).map { !identity.isFreeMail($0) } ?? false
    }

    /// How many days before the as-of time scoring reads, besides each user's activation window.
    public var lookbackDays: Int { Self.lookbackDays(configuration, model: model) }

    /// How many days before the as-of time a model's scoring reads, besides each user's activation window.
    public static func lookbackDays(_ c: BrieferConfiguration, model: BrieferConfiguration.ScoringModel) -> Int {
        let shared = max(c.weighted.engagement.windowDays, c.account.teamActiveDays, c.reasons.signalWindowDays)
        switch model {
        case .weighted: return shared
        case .points: return max(shared, c.points.behaviour.velocity.lookbackDays, c.points.behaviour.negativeWindowDays)
        }
    }

    /// True when the model needs every day of history (the points model counts events over all time).
    public var needsFullHistory: Bool { model == .points }
}

/// Everything scoring needs from one user's events, after the exclusion rules (SPEC §3.3):
/// events after the as-of time, bot-like days and events past the daily cap do not count.
public struct UserFacts: Sendable, Equatable {
    /// Per configured activation rule: counted events within the activation window after signup.
    public var activationCounts: [Int]
    /// Distinct UTC days with a counted event in the engagement window.
    public var activeDays = 0
    /// Distinct features in the engagement window.
    public var features = 0
    /// The last counted event in the engagement window.
    public var lastInWindow: Timestamp?
    /// A counted event within `account.team_active_days`.
    public var teamActive = false
    /// Signals seen: (signal index, detail term id or 0), sorted.
    public var signals: [SignalSeen] = []
    /// Per behaviour rule (points model): counted events in the rule's window.
    public var behaviourCounts: [Int]
    /// Per negative event (points model): counted events in the negative window.
    public var negativeCounts: [Int]
    /// ≥ min_actions key actions within one velocity window, inside the lookback.
    public var velocityBurst = false
    /// The last counted event at or before the as-of time.
    public var lastActivity: Timestamp?
    public var countedEvents = 0
    public var botExcludedEvents = 0
    public var capExcludedEvents = 0

    public struct SignalSeen: Sendable, Hashable, Comparable {
        public var signal: Int
        public var detail: UInt32
        public static func < (a: SignalSeen, b: SignalSeen) -> Bool { (a.signal, a.detail) < (b.signal, b.detail) }
    }

    /// Computes the facts from a user's days (any order; days outside the windows are ignored).
    ///
    /// This is the one definition of which events count and in which window; the scoring run feeds
    /// it the packed aggregates, `explain` feeds it the raw events, and both must agree.
    public static func compute(days: [ActivityDay], signup: Timestamp?, context: ScoringContext) -> UserFacts {
        let c = context.configuration
        let asOf = context.asOf.milliseconds
        let dayMs = Timestamp.millisecondsPerDay
        var facts = UserFacts(
            activationCounts: Array(repeating: 0, count: c.weighted.activation.events.count),
            behaviourCounts: Array(repeating: 0, count: c.points.behaviour.rules.count),
            negativeCounts: Array(repeating: 0, count: c.points.behaviour.negativeEvents.count))
        let engagementStart = asOf - Int64(c.weighted.engagement.windowDays) * dayMs
        let teamStart = asOf - Int64(c.account.teamActiveDays) * dayMs
        let signalStart = asOf - Int64(c.reasons.signalWindowDays) * dayMs
        let negativeStart = asOf - Int64(c.points.behaviour.negativeWindowDays) * dayMs
        let velocityStart = asOf - Int64(c.points.behaviour.velocity.lookbackDays) * dayMs
        let activationEnd = signup.map { $0.milliseconds + Int64(c.weighted.activation.windowDays) * dayMs }
        let featureByProperty = !c.weighted.engagement.featureProperty.isEmpty
        var activeDays = Set<Int64>()
        var features = Set<UInt32>()
        var signals = Set<SignalSeen>()
        var keyTimes: [Int64] = []
        var lastInWindow: Int64?
        var lastActivity: Int64?

        let excluded = forEachCounted(days, asOf: asOf, configuration: c) { day, e in
            facts.countedEvents += 1
            let t = e.milliseconds
            lastActivity = max(lastActivity ?? t, t)
            if t > engagementStart {
                activeDays.insert(day)
                let feature = featureByProperty ? e.feature : e.name
                if feature != 0 { features.insert(feature) }
                lastInWindow = max(lastInWindow ?? t, t)
            }
            if t > teamStart { facts.teamActive = true }
            if let signup, let activationEnd, t >= signup.milliseconds, t <= activationEnd {
                for (i, id) in context.activationIds.enumerated() where id == e.name { facts.activationCounts[i] += 1 }
            }
            for (i, id) in context.behaviourIds.enumerated() where id == e.name {
                let within = c.points.behaviour.rules[i].withinSignupDays
                if within == 0 {
                    facts.behaviourCounts[i] += 1
                } else if let signup, t >= signup.milliseconds, t <= signup.milliseconds + Int64(within) * dayMs {
                    facts.behaviourCounts[i] += 1
                }
            }
            if t > negativeStart {
                for (i, id) in context.negativeIds.enumerated() where id == e.name { facts.negativeCounts[i] += 1 }
            }
            if t > signalStart {
                for (i, id) in context.signalIds.enumerated() where id == e.name {
                    signals.insert(SignalSeen(signal: i, detail: c.reasons.signals[i].detailProperty.isEmpty ? 0 : e.detail))
                }
            }
            if t > velocityStart, context.keyActionIds.contains(e.name) { keyTimes.append(t) }
        }
        facts.botExcludedEvents = excluded.bot
        facts.capExcludedEvents = excluded.cap
        facts.activeDays = activeDays.count
        facts.features = features.count
        facts.lastInWindow = lastInWindow.map(Timestamp.init(milliseconds:))
        facts.lastActivity = lastActivity.map(Timestamp.init(milliseconds:))
        facts.signals = signals.sorted()
        let velocity = c.points.behaviour.velocity
        let span = Int64(velocity.windowHours) * Timestamp.millisecondsPerHour
        keyTimes.sort()
        var start = 0
        for end in keyTimes.indices {
            while keyTimes[end] - keyTimes[start] >= span { start += 1 }
            if end - start + 1 >= velocity.minActions { facts.velocityBurst = true; break }
        }
        return facts
    }
}

extension UserFacts {
    /// Calls `body` with every counted event of `days` at or before `asOf`, in time order within each
    /// day: a bot-like day (more events than `hygiene.bot_max_events_per_day`) counts for nothing, and
    /// at most `hygiene.daily_cap_per_event` events of one name count per day. Scoring and the
    /// briefing's prompt input both read events through this.
    /// - Returns: the events excluded as bot days and over the daily cap.
    @inline(__always)
    public static func forEachCounted(
        _ days: [ActivityDay], asOf: Int64, configuration c: BrieferConfiguration, _ body: (_ day: Int64, ActivityEntry) -> Void
    ) -> (bot: Int, cap: Int) {
        var bot = 0, capped = 0
        let cap = c.hygiene.dailyCapPerEvent
        var rank: [UInt32: Int] = [:]
        for day in days.sorted(by: { $0.day < $1.day }) {
            // Entries are kept in time order; those after the as-of time do not exist for this run.
            let sorted = day.entries.isSorted ? day.entries : day.entries.sorted()
            let end = sorted.partitionPoint { $0.milliseconds > asOf }
            let entries = sorted[..<end]
            if entries.isEmpty { continue }
            if entries.count > c.hygiene.botMaxEventsPerDay {
                bot += entries.count
                continue
            }
            rank.removeAll(keepingCapacity: true)
            for e in entries {
                let r = (rank[e.name] ?? 0) + 1
                rank[e.name] = r
                if r > cap { capped += 1; continue }
                body(day.day, e)
            }
        }
        return (bot, capped)
    }
}

extension Array where Element: Comparable {
    var isSorted: Bool { zip(self, dropFirst()).allSatisfy { $0 <= $1 } }
}

extension Array {
    /// The first index whose element satisfies `predicate`, for a predicate that is false then true.
    func partitionPoint(_ predicate: (Element) -> Bool) -> Int {
        var low = 0, high = count
        while low < high {
            let mid = (low + high) / 2
            if predicate(self[mid]) { high = mid } else { low = mid + 1 }
        }
        return low
    }
}
