import Testing
@testable import BrieferCore

struct ExclusionRulesTests {
    // as_of 2026-03-31T12:00:00Z; signup 2026-03-20T00:00:00Z, so the activation window
    // [2026-03-20T00:00Z, 2026-04-03T00:00Z] covers every event below.
    static let asOf = "2026-03-31T12:00:00Z"
    let context = makeContext(asOf: ExclusionRulesTests.asOf)
    let signup = ts("2026-03-20T00:00:00Z")

    static let tenNames = [
        "project_created", "team_invite_sent", "core_feature_used", "integration_connected",
        "onboarding_completed", "pricing_page_viewed", "checkout_started", "premium_feature_used",
        "report_exported", "login",
    ]

    // MARK: Daily cap (50 per user, UTC day and event name)

    @Test func the51stEventOfOneNameInADayIsNotCounted() {
        // 50 core_feature_used from 08:00:00 one second apart, the 51st at 20:00 (the latest of the name
        // that day), and 3 project_created at 09:00. Only the 51st core_feature_used is capped.
        var entries = burst("core_feature_used", count: 50, from: ts("2026-03-30T08:00:00Z"))
        entries.append(entry("core_feature_used", "2026-03-30T20:00:00Z"))
        entries += burst("project_created", count: 3, from: ts("2026-03-30T09:00:00Z"))
        let facts = UserFacts.compute(days: activityDays(entries), signup: signup, context: context)
        #expect(facts.capExcludedEvents == 1)
        #expect(facts.countedEvents == 53)  // 50 + 3
        // activation rules in order: project_created, team_invite_sent, core_feature_used, integration_connected
        #expect(facts.activationCounts == [3, 0, 50, 0])
        // The capped 20:00 event is not "activity": the last counted event is project_created at 09:00:02.
        #expect(facts.lastInWindow == ts("2026-03-30T09:00:02Z"))
        #expect(facts.lastActivity == ts("2026-03-30T09:00:02Z"))
    }

    @Test func theCapIsPerUTCDay() {
        // 50 on Mar 29 and 50 on Mar 30: every one counts.
        let entries =
            burst("core_feature_used", count: 50, from: ts("2026-03-29T23:00:00Z"))
            + burst("core_feature_used", count: 50, from: ts("2026-03-30T00:00:00Z"))
        let facts = UserFacts.compute(days: activityDays(entries), signup: signup, context: context)
        #expect(facts.capExcludedEvents == 0)
        #expect(facts.countedEvents == 100)
        #expect(facts.activationCounts[2] == 100)
    }

    @Test func theCapIsConfigurable() {
        let context = makeContext(asOf: Self.asOf) { $0.hygiene.dailyCapPerEvent = 2 }
        let entries =
            burst("core_feature_used", count: 3, from: ts("2026-03-30T08:00:00Z"))
            + burst("project_created", count: 2, from: ts("2026-03-30T09:00:00Z"))
        let facts = UserFacts.compute(days: activityDays(entries), signup: signup, context: context)
        #expect(facts.countedEvents == 4)
        #expect(facts.capExcludedEvents == 1)
        // core_feature_used needs 3 for activation; only 2 count → not met.
        let score = Scorer(context: context).score(profile(signup: "2026-03-20T00:00:00Z"), facts: facts)
        #expect(score.activation == 30)  // project_created only
    }

    // MARK: Bot-like days (more than 500 events in a UTC day)

    @Test func aBotLikeDayIsExcludedEntirely() {
        // Mar 29: 10 names × 50 + 1 page_viewed = 501 events (none over the daily cap) → the whole day goes.
        // Mar 30: 2 events → counted.
        var entries: [ActivityEntry] = []
        for (i, name) in Self.tenNames.enumerated() {
            entries += burst(name, count: 50, from: ts("2026-03-29T01:00:00Z").adding(hours: Int64(i)))
        }
        entries.append(entry("page_viewed", "2026-03-29T20:00:00Z"))
        entries += [entry("page_viewed", "2026-03-30T10:00:00Z"), entry("search_run", "2026-03-30T11:00:00Z")]
        let facts = UserFacts.compute(days: activityDays(entries), signup: signup, context: context)
        #expect(facts.botExcludedEvents == 501)
        #expect(facts.countedEvents == 2)
        #expect(facts.capExcludedEvents == 0)
        #expect(facts.activationCounts == [0, 0, 0, 0])
        #expect(facts.activeDays == 1)
        #expect(facts.features == 2)
    }

    @Test func exactly500EventsIsNotABot() {
        var entries: [ActivityEntry] = []
        for (i, name) in Self.tenNames.enumerated() {
            entries += burst(name, count: 50, from: ts("2026-03-29T01:00:00Z").adding(hours: Int64(i)))
        }
        let facts = UserFacts.compute(days: activityDays(entries), signup: signup, context: context)
        #expect(facts.botExcludedEvents == 0)
        #expect(facts.countedEvents == 500)
        #expect(facts.features == 10)
    }

    @Test func onlyEventsUpToAsOfCountTowardsTheBotLimit() {
        // as_of 2026-03-30T12:00Z: 500 events before it and 1 after it on the same UTC day.
        let context = makeContext(asOf: "2026-03-30T12:00:00Z")
        var entries: [ActivityEntry] = []
        for (i, name) in Self.tenNames.enumerated() {
            entries += burst(name, count: 50, from: ts("2026-03-30T01:00:00Z").adding(hours: Int64(i)))
        }
        entries.append(entry("page_viewed", "2026-03-30T13:00:00Z"))
        let facts = UserFacts.compute(days: activityDays(entries), signup: signup, context: context)
        #expect(facts.botExcludedEvents == 0)
        #expect(facts.countedEvents == 500)
    }

    @Test func theBotLimitIsConfigurable() {
        let context = makeContext(asOf: Self.asOf) { $0.hygiene.botMaxEventsPerDay = 3 }
        let entries =
            burst("page_viewed", count: 4, from: ts("2026-03-29T10:00:00Z"))
            + burst("page_viewed", count: 3, from: ts("2026-03-30T10:00:00Z"))
        let facts = UserFacts.compute(days: activityDays(entries), signup: signup, context: context)
        #expect(facts.botExcludedEvents == 4)
        #expect(facts.countedEvents == 3)
        #expect(facts.activeDays == 1)
    }

    // MARK: Internal and test domains

    @Test func internalDomainAndItsSubdomainsAreExcluded() {
        let rules = IdentityRules(BrieferConfiguration().identity)
        typealias Clues = IdentityRules.Clues
        #expect(rules.resolve(Clues(userId: "u1", email: "dev@tallyboard.io"), groupDomains: [:]).isInternal)
        #expect(rules.resolve(Clues(userId: "u2", email: "qa@staging.tallyboard.io"), groupDomains: [:]).isInternal)
        #expect(
            rules.resolve(Clues(userId: "u3", email: "ann@gmail.com", latestGroupHint: "eu.tallyboard.io"), groupDomains: [:]).isInternal)
        // An internal email is excluded even when the account is a customer's.
        let mixed = rules.resolve(Clues(userId: "u4", email: "dev@tallyboard.io", latestGroupHint: "acme.com"), groupDomains: [:])
        #expect(mixed.account == .domain("acme.com"))
        #expect(mixed.isInternal)
        // Look-alikes are not internal.
        #expect(!rules.resolve(Clues(userId: "u5", email: "x@nottallyboard.io"), groupDomains: [:]).isInternal)
        #expect(!rules.resolve(Clues(userId: "u6", email: "x@tallyboard.io.evil.com"), groupDomains: [:]).isInternal)
        #expect(!rules.isInternal(nil))
    }

    @Test func configuredInternalDomains() {
        var identity = BrieferConfiguration().identity
        identity.internalDomains = ["Test.Example"]
        let rules = IdentityRules(identity)
        #expect(rules.resolve(.init(userId: "u1", csvCompanyDomain: "qa.test.example"), groupDomains: [:]).isInternal)
        #expect(!rules.resolve(.init(userId: "u2", email: "dev@tallyboard.io"), groupDomains: [:]).isInternal)
    }

    // MARK: The as-of time

    @Test func eventsAfterAsOfAreIgnored() {
        // No leakage: events after as_of change nothing, not even the counters.
        let user = profile(email: "ada@acme.com", signup: "2026-03-25T00:00:00Z")
        let before: [(String, String)] = [("project_created", "2026-03-25T10:00:00Z"), ("page_viewed", "2026-03-30T10:00:00Z")]
        let after: [(String, String)] = [
            ("team_invite_sent", "2026-03-31T12:00:00.001Z"), ("core_feature_used", "2026-04-01T09:00:00Z"),
            ("core_feature_used", "2026-04-01T09:01:00Z"), ("core_feature_used", "2026-04-01T09:02:00Z"),
        ]
        let a = scoreUser(user, before, context)
        let b = scoreUser(user, before + after, context)
        #expect(a.score == b.score)
        #expect(a.facts == b.facts)
        #expect(b.facts.countedEvents == 2)
        #expect(b.score.activation == 30)
        // An event exactly at as_of counts.
        let c = scoreUser(user, before + [("team_invite_sent", Self.asOf)], context)
        #expect(c.score.activation == 60)
    }
}
