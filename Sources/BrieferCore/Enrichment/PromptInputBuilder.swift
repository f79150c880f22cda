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
        let extracted = ActivityExtraction(configuration).signalDetails
        featureEventIds = Set(
            e.detailProperties.compactMap { d -> UInt32? in
                guard d.event != e.integrationEvent, d.event != e.limitEvent, extracted[d.event] == d.property else { return nil }
                return ids[d.event]
            })
    }

    /// - Parameters:
    ///   - userDays: each of the account's users' days (all history up to the as-of time is enough).
    ///   - company: what the companies file (over a group call) says about the account, if anything.
    ///   - plan: the account's current paid plan, or nil for free.
    public func build(
        score: AccountScore, model: BrieferConfiguration.ScoringModel, newlyHot: Bool, company: CompanyRecord?,
        userDays: [[ActivityDay]], plan: String?
    ) -> PromptInput {
        let c = configuration
        let windowDays = c.weighted.engagement.windowDays
        let windowStart = asOf.milliseconds - Int64(windowDays) * Timestamp.millisecondsPerDay

        var eventCounts: [UInt32: Int] = [:]
        var featureCounts: [UInt32: Int] = [:]
        var limitCounts: [UInt32: Int] = [:]
        var integrations: Set<UInt32> = []
        var everCounts: [UInt32: Int] = [:]
        var activeDays: Set<Int64> = []
        var activeUsers = 0
        var invites = 0, invitesEver = 0
        var featureCountsEver: [UInt32: Int] = [:]
        var limitCountsEver: [UInt32: Int] = [:]
        for days in userDays {
            var active = false
            _ = UserFacts.forEachCounted(days, asOf: asOf.milliseconds, configuration: c) { day, entry in
                everCounts[entry.name, default: 0] += 1
                if entry.name == integrationId, entry.detail != 0 { integrations.insert(entry.detail) }
                // The same event counts ever and, when inside the window, in the window too: the prompt shows
                // both scopes, and they never disagree (a feature used in the window was used ever).
                let inWindow = entry.milliseconds > windowStart
                if inWindow {
                    active = true
                    activeDays.insert(day)
                    eventCounts[entry.name, default: 0] += 1
                }
                if entry.name == inviteId {
                    invitesEver += 1
                    if inWindow { invites += 1 }
                }
                if entry.name == limitId, entry.detail != 0 {
                    limitCountsEver[entry.detail, default: 0] += 1
                    if inWindow { limitCounts[entry.detail, default: 0] += 1 }
                } else if let feature = entry.feature != 0
                    ? entry.feature
                    : (entry.detail != 0 && featureEventIds.contains(entry.name) ? entry.detail : nil)
                {
                    featureCountsEver[feature, default: 0] += 1
                    if inWindow { featureCounts[feature, default: 0] += 1 }
                }
            }
            if active { activeUsers += 1 }
        }

        func ranked(_ counts: [UInt32: Int]) -> [PromptInput.Usage] {
            counts.compactMap { id, n in terms[id].map { PromptInput.Usage(name: $0, count: n) } }
                .sorted { $0.count != $1.count ? $0.count > $1.count : $0.name < $1.name }
        }
        var completed: [String] = []
        var missing: [String] = []
        for rule in c.weighted.activation.events {
            let n = ids[rule.event].flatMap { everCounts[$0] } ?? 0
            if n >= rule.minCount { completed.append(rule.event) } else { missing.append(rule.event) }
        }
        return PromptInput(
            account: score.account, companyName: company?.name ?? score.account, industry: company?.industry,
            employeeCount: company?.employeeCount.map { Int(clamping: $0) }, country: company?.country, scoringModel: model.rawValue,
            score: score.score,
            tier: score.tier.rawValue, newlyHot: newlyHot, windowDays: windowDays, users: score.users, activeUsers: activeUsers,
            // The window (as-of − N days, as-of] touches N + 1 calendar days; like scoring, at most N count.
            activeDays: min(activeDays.count, windowDays), invitedTeammates: invites, invitedTeammatesEver: invitesEver,
            completedActivations: completed, missingActivations: missing,
            topFeatures: Array(ranked(featureCounts).prefix(listLimit)),
            topFeaturesEver: Array(ranked(featureCountsEver).prefix(listLimit)),
            featureCount: featureCounts.count, featureCountEver: featureCountsEver.count, eventTypeCount: eventCounts.count,
            integrations: integrations.compactMap { terms[$0] }.sorted(),
            limitsHit: ranked(limitCounts).map(\.name), limitsHitEver: ranked(limitCountsEver).map(\.name),
            plan: plan ?? "free", techStack: company?.techStack ?? [],
            recentEvents: Array(ranked(eventCounts).prefix(listLimit)),
            reasons: score.reasons.map(\.description),
            reasonsInWords: score.reasons.map {
                $0.phrase(windowDays: windowDays, featuresAreEventTypes: c.weighted.engagement.featureProperty.isEmpty)
            })
    }
}
