/// Builds an account's ``PromptInput`` from its score and its users' activity, reading events exactly
/// as scoring counts them (``UserFacts/forEachCounted(_:asOf:configuration:_:)``: no bot days, daily caps).
public struct PromptInputBuilder: Sendable {
    public let configuration: BrieferConfiguration
    public let asOf: Timestamp
    public let terms: [UInt32: String]
    /// Most used features and most frequent events listed, at most.
    public var listLimit = 6

    /// Term ids by text, and the ids of the events the input reads specially: worked out once per run.
    let ids: [String: UInt32]
    let integrationId: UInt32, limitId: UInt32, inviteId: UInt32
    /// Events whose detail is a feature: the configured detail properties other than the integration
    /// and limit events, where the aggregates really keep that property (a signal may read another).
    let featureEventIds: Set<UInt32>

    public init(configuration: BrieferConfiguration, asOf: Timestamp, terms: [UInt32: String]) {
        self.configuration = configuration; self.asOf = asOf; self.terms = terms
        let e = configuration.enrichment
        let ids = Dictionary(terms.map { ($0.value, $0.key) }, uniquingKeysWith: { a, _ in a })
        self.ids = ids
        integrationId = ids[e.integrationEvent] ?? 0
        limitId = ids[e.limitEvent] ?? 0
        inviteId = ids[e.inviteEvent] ?? 0
        featureEventIds = Set(Self.featureEvents(configuration).compactMap { ids[$0] })
    }

    /// Events whose detail is a feature: the configured detail properties other than the integration and limit events,
    /// where the aggregates really keep that property (a signal may read another). `briefer sql`'s facts count them so.
    public static func featureEvents(_ configuration: BrieferConfiguration) -> [String] {
        let e = configuration.enrichment
        let extracted = ActivityExtraction(configuration).signalDetails
        return e.detailProperties.filter { d in
            d.event != e.integrationEvent && d.event != e.limitEvent && extracted[d.event] == d.property
        }.map(\.event)
    }

    /// - Parameters:
    ///   - userDays: each of the account's users' days (all history up to the as-of time is enough).
    ///   - company: what the companies file (over a group call) says about the account, if anything.
    ///   - plan: the account's current paid plan, or nil for free.
    public func build(
        score: AccountScore, model: BrieferConfiguration.ScoringModel, newlyHot: Bool, company: CompanyRecord?,
        userDays: [[ActivityDay]], plan: String?
    ) -> PromptInput {
        build(score: score, model: model, newlyHot: newlyHot, company: company, activity: activity(userDays: userDays), plan: plan)
    }

    /// What an account's users did, counted as scoring counts events (no bot days, daily caps): what a briefing
    /// input is built from. A warehouse's `account_facts` rows are the same counts (`briefer sql`).
    public func activity(userDays: [[ActivityDay]]) -> AccountActivity {
        let windowStart = asOf.milliseconds - Int64(configuration.weighted.engagement.windowDays) * Timestamp.millisecondsPerDay
        var activity = AccountActivity()
        var events: [UInt32: AccountActivity.Count] = [:]
        var features: [UInt32: AccountActivity.Count] = [:]
        var limits: [UInt32: AccountActivity.Count] = [:]
        var integrations: Set<UInt32> = []
        var activeDays: Set<Int64> = []
        for days in userDays {
            var active = false
            _ = UserFacts.forEachCounted(days, asOf: asOf.milliseconds, configuration: configuration) { day, entry in
                // The same event counts ever and, when inside the window, in the window too: the prompt shows
                // both scopes, and they never disagree (a feature used in the window was used ever).
                let inWindow = entry.milliseconds > windowStart
                events[entry.name, default: .init()].add(inWindow)
                if entry.name == integrationId, entry.detail != 0 { integrations.insert(entry.detail) }
                if inWindow {
                    active = true
                    activeDays.insert(day)
                }
                if entry.name == limitId, entry.detail != 0 {
                    limits[entry.detail, default: .init()].add(inWindow)
                } else if let feature = entry.feature != 0
                    ? entry.feature
                    : (entry.detail != 0 && featureEventIds.contains(entry.name) ? entry.detail : nil)
                {
                    features[feature, default: .init()].add(inWindow)
                }
            }
            if active { activity.activeUsers += 1 }
        }
        func named(_ counts: [UInt32: AccountActivity.Count]) -> [String: AccountActivity.Count] {
            var out: [String: AccountActivity.Count] = [:]
            for (id, n) in counts { if let name = terms[id] { out[name] = n } }
            return out
        }
        activity.events = named(events)
        activity.features = named(features)
        activity.limits = named(limits)
        activity.integrations = Set(integrations.compactMap { terms[$0] })
        activity.activeDays = activeDays.count
        return activity
    }

    /// The briefing input of an account from what its users did (``activity(userDays:)``, or a warehouse's facts).
    public func build(
        score: AccountScore, model: BrieferConfiguration.ScoringModel, newlyHot: Bool, company: CompanyRecord?,
        activity: AccountActivity, plan: String?
    ) -> PromptInput {
        let c = configuration
        let windowDays = c.weighted.engagement.windowDays
        func ranked(_ counts: [String: AccountActivity.Count], _ scope: KeyPath<AccountActivity.Count, Int>) -> [PromptInput.Usage] {
            counts.compactMap { name, n in n[keyPath: scope] > 0 ? PromptInput.Usage(name: name, count: n[keyPath: scope]) : nil }
                .sorted { $0.count != $1.count ? $0.count > $1.count : $0.name < $1.name }
        }
        var completed: [String] = []
        var missing: [String] = []
        for rule in c.weighted.activation.events {
            let n = activity.events[rule.event]?.ever ?? 0
            if n >= rule.minCount { completed.append(rule.event) } else { missing.append(rule.event) }
        }
        let invites = activity.events[c.enrichment.inviteEvent] ?? .init()
        let features = ranked(activity.features, \.window), featuresEver = ranked(activity.features, \.ever)
        let events = ranked(activity.events, \.window)
        return PromptInput(
            account: score.account, companyName: company?.name ?? score.account, industry: company?.industry,
            employeeCount: company?.employeeCount.map { Int(clamping: $0) }, country: company?.country, scoringModel: model.rawValue,
            score: score.score,
            tier: score.tier.rawValue, newlyHot: newlyHot, windowDays: windowDays, users: score.users, activeUsers: activity.activeUsers,
            // The window (as-of − N days, as-of] touches N + 1 calendar days; like scoring, at most N count.
            activeDays: min(activity.activeDays, windowDays), invitedTeammates: invites.window, invitedTeammatesEver: invites.ever,
            completedActivations: completed, missingActivations: missing,
            topFeatures: Array(features.prefix(listLimit)),
            topFeaturesEver: Array(featuresEver.prefix(listLimit)),
            featureCount: features.count, featureCountEver: featuresEver.count, eventTypeCount: events.count,
            integrations: activity.integrations.sorted(),
            limitsHit: ranked(activity.limits, \.window).map(\.name), limitsHitEver: ranked(activity.limits, \.ever).map(\.name),
            plan: plan ?? "free", techStack: company?.techStack ?? [],
            recentEvents: Array(events.prefix(listLimit)),
            reasons: score.reasons.map(\.description),
            reasonsInWords: score.reasons.map {
                $0.phrase(windowDays: windowDays, featuresAreEventTypes: c.weighted.engagement.featureProperty.isEmpty)
            })
    }
}

/// What an account's users did, as a briefing input reads it: per event name, feature and plan limit, how many counted
/// events in the engagement window and ever (up to the as-of time); the integrations connected; the distinct UTC days
/// and users active in the window.
public struct AccountActivity: Sendable, Equatable {
    public struct Count: Sendable, Equatable {
        public var window = 0
        public var ever = 0
        public init(window: Int = 0, ever: Int = 0) { self.window = window; self.ever = ever }
        mutating func add(_ inWindow: Bool) {
            ever += 1
            if inWindow { window += 1 }
        }
    }

    public var events: [String: Count] = [:]
    public var features: [String: Count] = [:]
    public var limits: [String: Count] = [:]
    public var integrations: Set<String> = []
    public var activeDays = 0
    public var activeUsers = 0

    public init() {}

    /// Records one row of a warehouse's `account_facts` (kept so by an imported run too).
    /// - Returns: false for a fact the script does not write.
    public mutating func record(fact: String, name: String, count: Count) -> Bool {
        switch (fact, name) {
        case ("event", _): events[name] = count
        case ("feature", _): features[name] = count
        case ("limit", _): limits[name] = count
        case ("integration", _): integrations.insert(name)
        case ("account", "active_days"): activeDays = count.window
        case ("account", "active_users"): activeUsers = count.window
        default: return false
        }
        return true
    }
}
