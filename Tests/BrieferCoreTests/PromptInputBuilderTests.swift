import Testing
@testable import BrieferCore

// The prompt input (SPEC §5, seed 004's list) built from an account's score and its users' activity,
// counted exactly as scoring counts it: the engagement window (as_of − 14 d, as_of], nothing after the
// as-of time, no bot-like days, at most the daily cap per event name.

/// The shared test terms plus a few property values (integrations, limits, features).
private let terms = testTerms + ["slack", "hubspot", "zapier", "seats", "projects", "sql_editor"]
private let vocabulary = Vocabulary(ids: Dictionary(uniqueKeysWithValues: terms.enumerated().map { ($1, UInt32($0 + 1)) }))

private func id(_ term: String) -> UInt32 {
    guard let id = vocabulary.id(term) else { preconditionFailure("unknown test term \(term)") }
    return id
}

/// 2024-03-15T12:00:00Z; the engagement window is (2024-03-01T12:00:00Z, 2024-03-15T12:00:00Z].
private let asOf = ts("2024-03-15T12:00:00Z")

/// `days` days and `hours` hours before the as-of time.
private func ago(_ days: Int64, hours: Int64 = 0) -> Timestamp { asOf.adding(days: -days).adding(hours: -hours) }

private func ev(_ name: String, _ time: Timestamp, detail: String? = nil, feature: String? = nil) -> ActivityEntry {
    ActivityEntry(milliseconds: time.milliseconds, name: id(name), feature: feature.map(id) ?? 0, detail: detail.map(id) ?? 0)
}

/// `count` events of one name (and detail), a minute apart from `start`.
private func evs(_ name: String, _ count: Int, from start: Timestamp, detail: String? = nil) -> [ActivityEntry] {
    (0..<count).map { ev(name, start.adding(milliseconds: Int64($0) * 60_000), detail: detail) }
}

private func accountScore(
    _ account: String = "acme.com", score: Int = 82, tier: Tier = .hot, users: Int = 1,
    reasons: [ReasonCode] = []
) -> AccountScore {
    AccountScore(
        account: account, score: score, tier: tier, isPQL: tier == .hot, bestUserId: "u1", users: users, activeTeammates: 0,
        teamBonus: 0, activation: 0, engagement: 0, firmographic: 0, fit: 0, behaviour: 0, reasons: reasons)
}

private func builder(listLimit: Int = 6, _ configure: (inout BrieferConfiguration) -> Void = { _ in }) -> PromptInputBuilder {
    var configuration = BrieferConfiguration()
    configure(&configuration)
    var b = PromptInputBuilder(configuration: configuration, asOf: asOf, terms: vocabulary.texts)
    b.listLimit = listLimit
    return b
}

/// The input for one account whose users did `users` (one entry list per user).
private func build(
    _ users: [[ActivityEntry]], score: AccountScore = accountScore(), company: CompanyRecord? = nil,
    plan: String? = nil, newlyHot: Bool = false, model: BrieferConfiguration.ScoringModel = .weighted,
    using b: PromptInputBuilder = builder()
) -> PromptInput {
    b.build(score: score, model: model, newlyHot: newlyHot, company: company, userDays: users.map(activityDays), plan: plan)
}

private func usages(_ input: [PromptInput.Usage]) -> [String] { input.map { "\($0.name) \($0.count)" } }

struct PromptInputBuilderTests {
    @Test func onlyTheEngagementWindowCounts() {
        let windowStart = asOf.adding(days: -14)
        let input = build([
            [
                ev("search_run", windowStart),  // on the open end: out
                ev("search_run", windowStart.adding(milliseconds: -1)),  // before: out
                ev("login", windowStart.adding(milliseconds: 1)),  // just inside
                ev("comment_added", asOf),  // the as-of time itself: in
                ev("file_uploaded", asOf.adding(milliseconds: 1)),  // after the as-of time: does not exist
            ]
        ])
        #expect(usages(input.recentEvents) == ["comment_added 1", "login 1"])
        #expect(input.activeDays == 2)  // 2024-03-01 and 2024-03-15
        #expect(input.activeUsers == 1)
        #expect(input.windowDays == 14)
    }

    @Test func eventsAfterTheAsOfTimeAreIgnoredEverywhere() {
        let later = asOf.adding(hours: 1)
        let input = build([
            [
                ev("login", ago(2)),
                ev("project_created", later), ev("team_invite_sent", later), ev("integration_connected", later, detail: "slack"),
                ev("plan_limit_reached", later, detail: "seats"), ev("core_feature_used", later, detail: "alerts"),
            ]
        ])
        #expect(usages(input.recentEvents) == ["login 1"])
        #expect(input.invitedTeammates == 0)
        #expect(input.integrations.isEmpty)
        #expect(input.limitsHit.isEmpty)
        #expect(input.topFeatures.isEmpty)
        #expect(input.completedActivations.isEmpty)
        #expect(input.missingActivations == ["project_created", "team_invite_sent", "core_feature_used", "integration_connected"])
    }

    @Test func aBotLikeDayContributesNothing() {
        let b = builder { $0.hygiene.botMaxEventsPerDay = 5 }
        let input = build(
            [
                // 6 events in one day: a bot-like burst, project_created included.
                evs("login", 5, from: ago(3)) + [ev("project_created", ago(3, hours: -1))]
                    // exactly 5 in one day: counted.
                    + evs("dashboard_viewed", 4, from: ago(2)) + [ev("core_feature_used", ago(2, hours: -1), detail: "alerts")]
                    // 5 before the as-of time and 2 after it on the same day: counted (the later ones do not exist).
                    + evs("search_run", 5, from: ago(0, hours: 2)) + evs("search_run", 2, from: asOf.adding(hours: 1))
            ], using: b)
        #expect(usages(input.recentEvents) == ["search_run 5", "dashboard_viewed 4", "core_feature_used 1"])
        #expect(input.activeDays == 2)
        #expect(!input.completedActivations.contains("project_created"))
        #expect(usages(input.topFeatures) == ["alerts 1"])
    }

    @Test func theDailyCapPerEventApplies() {
        let b = builder { $0.hygiene.dailyCapPerEvent = 2 }
        let input = build(
            [
                evs("core_feature_used", 4, from: ago(3), detail: "report_builder") + evs("login", 3, from: ago(3, hours: 3))
                    + [ev("core_feature_used", ago(1), detail: "report_builder")]
            ], using: b)
        // 2 of 4 on the first day + 1 on the second; 2 of 3 logins.
        #expect(usages(input.recentEvents) == ["core_feature_used 3", "login 2"])
        #expect(usages(input.topFeatures) == ["report_builder 3"])
        #expect(input.completedActivations == ["core_feature_used"])  // 3 ≥ min_count 3

        let strict = build(
            [
                evs("core_feature_used", 4, from: ago(3), detail: "report_builder") + [
                    ev("core_feature_used", ago(1), detail: "report_builder")
                ]
            ], using: builder { $0.hygiene.dailyCapPerEvent = 1 })
        #expect(usages(strict.topFeatures) == ["report_builder 2"])
        #expect(strict.missingActivations.contains("core_feature_used"))  // 2 < 3
    }

    @Test func integrationsComeFromAllHistoryUpToTheAsOfTime() {
        let input = build([
            [
                ev("integration_connected", ago(60), detail: "slack"), ev("integration_connected", ago(2), detail: "hubspot"),
                ev("integration_connected", ago(1), detail: "slack"), ev("integration_connected", ago(1, hours: 1)),
                ev("integration_connected", asOf.adding(days: 1), detail: "zapier"),
            ]
        ])
        #expect(input.integrations == ["hubspot", "slack"])
        // Integrations are not features; their events still count as events in the window.
        #expect(input.topFeatures.isEmpty)
        #expect(usages(input.recentEvents) == ["integration_connected 3"])
        #expect(input.completedActivations == ["integration_connected"])
    }

    @Test func limitsHitInTheWindowRankedByCount() {
        let input = build([
            [
                ev("plan_limit_reached", ago(40), detail: "projects"),
                ev("plan_limit_reached", ago(5), detail: "api_requests"),
                ev("plan_limit_reached", ago(4), detail: "seats"), ev("plan_limit_reached", ago(3), detail: "seats"),
                ev("plan_limit_reached", ago(1)),
            ],  // no limit named: not a limit, not a feature
            [ev("plan_limit_reached", ago(2), detail: "seats")],
        ])
        #expect(input.limitsHit == ["seats", "api_requests"])
        #expect(input.topFeatures.isEmpty)
        #expect(usages(input.recentEvents) == ["plan_limit_reached 5"])

        let tie = build([[ev("plan_limit_reached", ago(2), detail: "seats"), ev("plan_limit_reached", ago(3), detail: "api_requests")]])
        #expect(tie.limitsHit == ["api_requests", "seats"])
    }

    @Test func topFeaturesRankedByCountThenNameAtMostTheListLimit() {
        let events =
            evs("core_feature_used", 3, from: ago(2), detail: "report_builder")
            + evs("core_feature_used", 2, from: ago(3), detail: "alerts") + [ev("premium_feature_used", ago(4), detail: "alerts")]
            + [ev("core_feature_used", ago(5), detail: "sql_editor")]
            + evs("core_feature_used", 4, from: ago(20), detail: "sql_editor")  // outside the window
            + [ev("dashboard_viewed", ago(1)), ev("core_feature_used", ago(1))]  // no feature named
        let input = build([events])
        #expect(usages(input.topFeatures) == ["alerts 3", "report_builder 3", "sql_editor 1"])
        let limited = build([events], using: builder(listLimit: 2))
        #expect(usages(limited.topFeatures) == ["alerts 3", "report_builder 3"])
        #expect(usages(limited.recentEvents) == ["core_feature_used 7", "dashboard_viewed 1"])
    }

    @Test func aFeaturePropertyCountsAsTheFeature() {
        let input = build([
            [
                ActivityEntry(milliseconds: ago(1).milliseconds, name: id("dashboard_viewed"), feature: id("sql_editor")),
                ActivityEntry(milliseconds: ago(2).milliseconds, name: id("search_run"), feature: id("sql_editor")),
            ]
        ])
        #expect(usages(input.topFeatures) == ["sql_editor 2"])
    }

    @Test func invitedTeammatesAreTheInvitationsInTheWindow() {
        let input = build(
            [
                [ev("team_invite_sent", ago(30)), ev("team_invite_sent", ago(5)), ev("team_invite_sent", ago(5, hours: 1))],
                [ev("team_invite_sent", ago(0, hours: 1))],
            ], score: accountScore(users: 2))
        #expect(input.invitedTeammates == 3)
    }

    @Test func activationsOverAllHistoryAndAllUsers() {
        let input = build(
            [
                [
                    ev("project_created", ago(200)), ev("core_feature_used", ago(90), detail: "alerts"),
                    ev("core_feature_used", ago(1), detail: "alerts"),
                ],
                [ev("core_feature_used", ago(50), detail: "report_builder")],
            ], score: accountScore(users: 2))
        // core_feature_used: 3 across the two users ≥ 3; no invitation, no integration.
        #expect(input.completedActivations == ["project_created", "core_feature_used"])
        #expect(input.missingActivations == ["team_invite_sent", "integration_connected"])

        let two = build([[ev("core_feature_used", ago(3)), ev("core_feature_used", ago(2))]])
        #expect(two.completedActivations.isEmpty)
        #expect(two.missingActivations == ["project_created", "team_invite_sent", "core_feature_used", "integration_connected"])
    }

    @Test func activationRulesComeFromTheConfiguration() {
        let b = builder {
            $0.weighted.activation.events = [
                .init(event: "dashboard_viewed", minCount: 2, weight: 50),
                .init(event: "report_exported", minCount: 1, weight: 50),
            ]
        }
        let input = build([[ev("dashboard_viewed", ago(30)), ev("dashboard_viewed", ago(1))]], using: b)
        #expect(input.completedActivations == ["dashboard_viewed"])
        #expect(input.missingActivations == ["report_exported"])
    }

    @Test func activeDaysAreDistinctDaysAcrossUsers() {
        let input = build(
            [
                [ev("login", ago(1)), ev("login", ago(1, hours: 3)), ev("login", ago(4))],
                [ev("login", ago(4, hours: 2)), ev("login", ago(6))],
                [ev("login", ago(20))],  // known but not active in the window
                [],
            ], score: accountScore(users: 4))
        #expect(input.activeDays == 3)
        #expect(input.activeUsers == 2)
        #expect(input.users == 4)
    }

    @Test func theWindowFollowsTheConfiguration() {
        let b = builder { $0.weighted.engagement.windowDays = 7 }
        let input = build([[ev("login", ago(6)), ev("login", ago(8)), ev("team_invite_sent", ago(8))]], using: b)
        #expect(input.windowDays == 7)
        #expect(input.activeDays == 1)
        #expect(input.invitedTeammates == 0)
    }

    @Test func accountFactsPlanAndCompany() {
        let reasons = [ReasonCode("team_invite_sent", points: 30), ReasonCode("plan_limit_reached", "api_requests", points: 0)]
        let score = accountScore("acme.com", score: 88, tier: .hot, users: 5, reasons: reasons)
        let company = CompanyRecord(
            domain: "acme.com", name: "Acme Corp", employeeCount: 250, industry: "saas", estimatedRevenue: nil,
            country: "US", techStack: ["bigquery", "jira"])
        let input = build([[ev("login", ago(1))]], score: score, company: company, plan: "pro", newlyHot: true, model: .points)
        #expect(input.account == "acme.com")
        #expect(input.companyName == "Acme Corp")
        #expect(input.industry == "saas")
        #expect(input.employeeCount == 250)
        #expect(input.country == "US")
        #expect(input.techStack == ["bigquery", "jira"])
        #expect(input.plan == "pro")
        #expect(input.score == 88)
        #expect(input.tier == "hot")
        #expect(input.newlyHot)
        #expect(input.scoringModel == "points")
        #expect(input.users == 5)
        #expect(input.reasons == ["team_invite_sent:+30", "plan_limit_reached:api_requests:+0"])
    }

    @Test func noPlanIsFreeAndNoNameIsTheDomain() {
        let input = build([[ev("login", ago(1))]], score: accountScore("globex.com", tier: .warm))
        #expect(input.plan == "free")
        #expect(input.companyName == "globex.com")
        #expect(input.industry == nil)
        #expect(input.employeeCount == nil)
        #expect(input.country == nil)
        #expect(input.techStack.isEmpty)
        #expect(!input.newlyHot)
        #expect(input.scoringModel == "weighted")
        #expect(input.tier == "warm")
    }

    @Test func noActivityAtAll() {
        let input = build([], score: accountScore(users: 0))
        #expect(input.activeDays == 0)
        #expect(input.activeUsers == 0)
        #expect(input.invitedTeammates == 0)
        #expect(input.topFeatures.isEmpty && input.recentEvents.isEmpty && input.integrations.isEmpty && input.limitsHit.isEmpty)
        #expect(input.completedActivations.isEmpty)
        #expect(input.missingActivations.count == 4)
    }

    @Test func recentEventsAreTheMostFrequentInTheWindow() {
        let input = build([
            evs("login", 4, from: ago(1)) + evs("search_run", 2, from: ago(2)) + evs("alert_created", 2, from: ago(3))
                + [ev("tag_added", ago(3)), ev("file_uploaded", ago(3)), ev("comment_added", ago(3)), ev("page_viewed", ago(3))]
        ])
        #expect(
            usages(input.recentEvents) == [
                "login 4", "alert_created 2", "search_run 2", "comment_added 1", "file_uploaded 1", "page_viewed 1",
            ])
    }
}

extension PromptInputBuilderTests {
    struct MentionsTests {
        private let input = PromptInput(
            account: "acme42.com", companyName: "3M Labs", industry: "saas", employeeCount: 1200, country: "US",
            score: 82, tier: "hot", windowDays: 14, users: 6, activeUsers: 3, activeDays: 9, invitedTeammates: 5,
            completedActivations: ["project_created"], missingActivations: ["integration_connected"],
            topFeatures: [.init(name: "report_builder", count: 42)], integrations: ["slack"], limitsHit: ["api_requests_10k"],
            plan: "pro", techStack: ["bigquery"], recentEvents: [.init(name: "dashboard_viewed", count: 120)],
            reasons: ["active_days:9:+20", "team_invite_sent:+30"])

        @Test func mentionedNumbers() {
            // …and the sizes of the activation lists the prompt shows as "1 of 2".
            #expect(input.mentionedNumbers == [82, 14, 6, 3, 9, 5, 1200, 42, 120, 10, 20, 30, 1, 2])
            #expect(!input.mentionedNumbers.contains(7))
            // A bare input: the counts and the score, no employee count.
            let bare = PromptInput(account: "bare.io", companyName: "Bare", score: 76, tier: "hot")
            #expect(bare.mentionedNumbers == [76, 14, 1, 0])
        }

        @Test func mentionedNames() {
            #expect(
                Set(input.mentionedNames) == [
                    "project_created", "integration_connected", "slack", "api_requests_10k", "bigquery", "pro",
                    "report_builder", "dashboard_viewed", "saas",
                ])
            // The company name and the account are not names a briefing may use as features.
            #expect(!input.mentionedNames.contains("3M Labs"))
            let bare = PromptInput(account: "bare.io", companyName: "Bare", score: 76, tier: "hot")
            #expect(bare.mentionedNames == ["free"])
        }
    }
}
