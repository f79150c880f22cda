import Testing
@testable import BrieferCore

/// The weighted model (SPEC §3.1, SCORING_RULES.md). Every expected number is worked out by hand.
///
/// Fixed points used below: as_of A = 2026-03-31T12:00:00Z, so the engagement window is
/// (2026-03-17T12:00:00Z, A]; A − 1 d = 03-30T12:00Z, A − 3 d = 03-28T12:00Z, A − 7 d = 03-24T12:00Z.
/// engagement = round_half_up(n / 56), n = 160·min(days,14) + 245·min(features,8) + 14·recency.
/// PQL = round_half_up((40·activation + 35·engagement + 25·firmographic) / 100).
struct WeightedModelTests {
    static let asOf = "2026-03-31T12:00:00Z"
    static let signup = "2026-03-01T12:00:00Z"  // activation window [03-01T12:00Z, 03-15T12:00Z]
    let context = makeContext(asOf: WeightedModelTests.asOf)

    /// A user with no company and no email: firmographic 5 + 10 + 5 = 20.
    func bare(signup: String? = WeightedModelTests.signup) -> UserProfile { profile(signup: signup) }

    // MARK: Exact arithmetic

    @Test(arguments: [
        (3150, 100, 32),  // round(0.35 × 90) = round(31.5) = 32 (binary floating point gives 31)
        (3149, 100, 31),
        (3151, 100, 32),
        (2660, 56, 48),  // engagement 47.5 → 48
        (7450, 100, 75),  // PQL 74.5 → 75
        (0, 56, 0),
        (5, 10, 1),  // 0.5 → 1
        (4, 10, 0),
        (-5, 10, 0),  // −0.5 → 0 (half up is toward +∞)
        (-15, 10, -1),  // −1.5 → −1
        (-16, 10, -2),  // −1.6 → −2
        (-20, 10, -2),
    ])
    func roundHalfUp(_ numerator: Int, _ denominator: Int, _ expected: Int) {
        #expect(ExactArithmetic.roundHalfUp(numerator, over: denominator) == expected)
    }

    // MARK: Activation

    @Test(arguments: [
        ("2026-03-01T12:00:00Z", 30),  // exactly at signup: inclusive
        ("2026-03-08T00:00:00Z", 30),
        ("2026-03-15T12:00:00Z", 30),  // exactly signup + 14 d: inclusive
        ("2026-03-15T12:00:00.001Z", 0),  // 1 ms after the window
        ("2026-03-01T11:59:59.999Z", 0),  // 1 ms before signup
    ])
    func activationWindowFromSignupInclusive(_ time: String, _ expected: Int) {
        let s = scoreUser(bare(), [("project_created", time)], context)
        #expect(s.score.activation == expected)
    }

    @Test func minCount() {
        let two = scoreUser(
            bare(), [("core_feature_used", "2026-03-02T10:00:00Z"), ("core_feature_used", "2026-03-03T10:00:00Z")], context)
        #expect(two.score.activation == 0)  // 2 < 3
        let three = scoreUser(
            bare(),
            [
                ("core_feature_used", "2026-03-02T10:00:00Z"), ("core_feature_used", "2026-03-03T10:00:00Z"),
                ("core_feature_used", "2026-03-03T10:00:00Z"),
            ], context)
        #expect(three.score.activation == 25)
        // The third one 1 ms after the window does not count.
        let late = scoreUser(
            bare(),
            [
                ("core_feature_used", "2026-03-02T10:00:00Z"), ("core_feature_used", "2026-03-03T10:00:00Z"),
                ("core_feature_used", "2026-03-15T12:00:00.001Z"),
            ], context)
        #expect(late.score.activation == 0)
    }

    @Test func everyActivationRule() {
        let events: [(String, String)] = [
            ("project_created", "2026-03-01T13:00:00Z"), ("team_invite_sent", "2026-03-02T10:00:00Z"),
            ("core_feature_used", "2026-03-03T10:00:00Z"), ("core_feature_used", "2026-03-03T11:00:00Z"),
            ("core_feature_used", "2026-03-04T10:00:00Z"), ("integration_connected", "2026-03-05T10:00:00Z"),
        ]
        let s = scoreUser(bare(), events, context)
        #expect(s.score.activation == 100)  // 30 + 30 + 25 + 15
        // Every one of those is before the engagement window: engagement 0.
        #expect(s.score.engagement == 0)
        // PQL = (40·100 + 0 + 25·20) / 100 = 4500 / 100 = 45 → nurture
        #expect(s.score.score == 45)
        #expect(s.score.tier == .nurture)
        // Without integration_connected: 85.
        #expect(scoreUser(bare(), Array(events.dropLast()), context).score.activation == 85)
    }

    @Test func activationIsCappedAtMax() {
        // An extra rule worth 30 makes the weights add to 130; activation stays 100.
        let context = makeContext(asOf: Self.asOf) {
            $0.weighted.activation.events.append(.init(event: "report_exported", minCount: 1, weight: 30))
        }
        let events: [(String, String)] = [
            ("project_created", "2026-03-02T10:00:00Z"), ("team_invite_sent", "2026-03-02T10:00:00Z"),
            ("core_feature_used", "2026-03-02T10:00:00Z"), ("core_feature_used", "2026-03-02T10:00:01Z"),
            ("core_feature_used", "2026-03-02T10:00:02Z"), ("integration_connected", "2026-03-02T10:00:00Z"),
            ("report_exported", "2026-03-02T10:00:00Z"),
        ]
        #expect(scoreUser(bare(), events, context).score.activation == 100)
    }

    // MARK: Engagement

    @Test(arguments: [
        // one page_viewed: days 1, features 1; n = 160 + 245 + 14·recency
        ("2026-03-31T12:00:00Z", 32),  // at as_of: recency 100 → n 1805 → 32.23 → 32
        ("2026-03-30T12:00:00.001Z", 32),  // just inside 1 day → 100
        ("2026-03-30T12:00:00Z", 26),  // exactly 24 h before: NOT within 1 day → 75 → n 1455 → 25.98 → 26
        ("2026-03-28T12:00:00.001Z", 26),  // just inside 3 days → 75
        ("2026-03-28T12:00:00Z", 17),  // exactly 3 d → 40 → n 965 → 17.23 → 17
        ("2026-03-24T12:00:00.001Z", 17),  // just inside 7 days → 40
        ("2026-03-24T12:00:00Z", 10),  // exactly 7 d → 10 → n 545 → 9.73 → 10
        ("2026-03-17T12:00:00.001Z", 10),  // just inside the 14-day window → 10
        ("2026-03-17T12:00:00Z", 0),  // exactly 14 d: outside (as_of − 14 d, as_of] → no activity → 0
    ])
    func recencyBucketsAndWindowBoundaries(_ time: String, _ expected: Int) {
        let s = scoreUser(bare(signup: nil), [("page_viewed", time)], context)
        #expect(s.score.engagement == expected)
    }

    @Test func engagementNumeratorOnExactlyHalfRoundsUp() {
        // 7 active days (03-24 … 03-30), 2 features, last 03-30T10:00Z (26 h before as_of → 75):
        // n = 160·7 + 245·2 + 14·75 = 1120 + 490 + 1050 = 2660; 2660 / 56 = 47.5 → 48.
        var events: [(String, String)] = []
        for (i, day) in (24...30).enumerated() {
            events.append((i % 2 == 0 ? "core_feature_used" : "report_exported", "2026-03-\(day)T10:00:00Z"))
        }
        let s = scoreUser(bare(signup: nil), events, context)
        #expect(s.facts.activeDays == 7)
        #expect(s.facts.features == 2)
        #expect(s.score.engagement == 48)
    }

    @Test func frequencyAndBreadthAreCapped() {
        // The window (03-17T12:00Z, 03-31T12:00Z] touches 15 UTC days; one event on each, 10 names in all:
        // days min(15,14) = 14, features min(10,8) = 8, recency 100 → n = 2240 + 1960 + 1400 = 5600 → 100.
        let names = [
            "page_viewed", "dashboard_viewed", "search_run", "comment_added", "file_uploaded",
            "alert_created", "tag_added", "report_exported", "login", "premium_feature_used",
        ]
        var events: [(String, String)] = [("page_viewed", "2026-03-17T13:00:00Z")]
        for day in 18...31 { events.append((names[(day - 18) % names.count], "2026-03-\(day)T10:00:00Z")) }
        let s = scoreUser(bare(signup: nil), events, context)
        #expect(s.facts.activeDays == 15)
        #expect(s.facts.features == 10)
        #expect(s.score.engagement == 100)
    }

    @Test func activeDaysAreUTCDays() {
        // 23:59:59 and 00:00:01 are two UTC days: days 2, features 1, last 03-31T00:00:01Z (< 1 d) → 100:
        // n = 320 + 245 + 1400 = 1965 → 35.09 → 35.
        let two = scoreUser(bare(signup: nil), [("page_viewed", "2026-03-30T23:59:59Z"), ("page_viewed", "2026-03-31T00:00:01Z")], context)
        #expect(two.facts.activeDays == 2)
        #expect(two.score.engagement == 35)
        // Two events 23 h apart on one UTC day: 1 day → n = 1805 → 32.
        let one = scoreUser(bare(signup: nil), [("page_viewed", "2026-03-31T00:00:00Z"), ("search_run", "2026-03-31T11:00:00Z")], context)
        #expect(one.facts.activeDays == 1)
        // features 2: n = 160 + 490 + 1400 = 2050 → 36.6 → 37.
        #expect(one.score.engagement == 37)
    }

    @Test func featuresFromAProperty() {
        // feature_property = "feature": distinct property values are the features; events without one add none.
        let context = makeContext(asOf: Self.asOf) { $0.weighted.engagement.featureProperty = "feature" }
        let entries = [
            entry("core_feature_used", "2026-03-31T10:00:00Z", feature: "report_builder"),
            entry("core_feature_used", "2026-03-31T10:01:00Z", feature: "alerts"),
            entry("page_viewed", "2026-03-31T10:02:00Z", feature: "alerts"),
            entry("search_run", "2026-03-31T10:03:00Z"),
        ]
        let s = scoreUser(bare(signup: nil), activityDays(entries), context)
        #expect(s.facts.features == 2)
        // days 1, features 2, recency 100 → n = 160 + 490 + 1400 = 2050 → 37
        #expect(s.score.engagement == 37)
    }

    // MARK: Firmographic

    func firmographic(_ company: CompanyRecord?, email: String? = nil) -> Int {
        scoreUser(profile(email: email, company: company), context).score.firmographic
    }

    @Test(arguments: [
        // firmographic = employees + industry unknown 10 + revenue unknown 5
        (Int64?(501), 45), (500, 40), (101, 40), (100, 35), (21, 35), (20, 30), (6, 30), (5, 20), (0, 20), (nil, 20),
    ])
    func employeesTable(_ employees: Int64?, _ expected: Int) {
        #expect(firmographic(CompanyRecord(domain: "acme.com", employeeCount: employees)) == expected)
    }

    @Test(arguments: [
        // firmographic = employees unknown 5 + industry + revenue unknown 5
        (String?("saas"), 35), ("technology", 35), ("fintech", 35), ("ecommerce", 30), ("media", 30), ("education", 30),
        ("healthcare", 25), ("manufacturing", 25), ("retail", 20), (nil, 20), (" SaaS ", 35), ("Technology", 35),
    ])
    func industryTable(_ industry: String?, _ expected: Int) {
        #expect(firmographic(CompanyRecord(domain: "acme.com", industry: industry)) == expected)
    }

    @Test(arguments: [
        // firmographic = employees unknown 5 + industry unknown 10 + revenue
        (Int64?(10_000_001), 40), (10_000_000, 35), (1_000_001, 35), (1_000_000, 30), (100_001, 30), (100_000, 20), (0, 20), (nil, 20),
    ])
    func revenueTable(_ revenue: Int64?, _ expected: Int) {
        #expect(firmographic(CompanyRecord(domain: "acme.com", estimatedRevenue: revenue)) == expected)
    }

    @Test(arguments: [
        (String?("ann@acme.com"), 40),  // 20 + work email 20
        ("ann@gmail.com", 20),  // free-mail: no work email
        ("Ann@GMail.com", 20),
        ("ann@yahoo.com", 20),
        ("ann@outlook.com", 20),
        (nil, 20),
    ])
    func workEmail(_ email: String?, _ expected: Int) {
        #expect(firmographic(nil, email: email) == expected)
    }

    @Test func unknownCompanyIs5Plus10Plus5() {
        let s = scoreUser(bare(), context)
        #expect(s.score.firmographic == 20)
    }

    // MARK: Tiers and inactive users

    @Test(arguments: [(100, Tier.hot), (75, .hot), (74, .warm), (50, .warm), (49, .nurture), (25, .nurture), (24, .monitor), (0, .monitor)])
    func tierBoundaries(_ score: Int, _ tier: Tier) {
        #expect(Scorer(context: context).weightedTier(score) == tier)
    }

    @Test func inactiveUserScoresZeroActivity() {
        // No events: activation 0, engagement 0, score = round(25·firm / 100).
        // Unknown company, no email: firm 20 → 500 / 100 = 5 → monitor.
        let none = scoreUser(bare(), context)
        #expect(none.score.activation == 0)
        #expect(none.score.engagement == 0)
        #expect(none.score.firmographic == 20)
        #expect(none.score.score == 5)
        #expect(none.score.tier == .monitor)
        #expect(!none.score.teamActive)
        // A perfect company and a work email: firm 30 + 25 + 25 + 20 = 100 → 2500 / 100 = 25 → nurture.
        let company = CompanyRecord(domain: "acme.com", employeeCount: 600, industry: "saas", estimatedRevenue: 20_000_000)
        let rich = scoreUser(profile(email: "ada@acme.com", company: company), context)
        #expect(rich.score.firmographic == 100)
        #expect(rich.score.score == 25)
        #expect(rich.score.tier == .nurture)
        // Firm 30 (employees 6–20 → 15, 10, 5): 750 / 100 = 7.5 → 8 (half up).
        let small = scoreUser(profile(company: CompanyRecord(domain: "acme.com", employeeCount: 10)), context)
        #expect(small.score.score == 8)
    }

    // MARK: Whole users

    @Test func seed004User() {
        // usr_abc123 at acme.com: 120 employees (25), saas (25), revenue 2,500,000 (20), work email (20) → 90.
        // Signup 2026-03-11T09:00Z, so the activation window ends 2026-03-25T09:00Z. as_of 2026-03-25T18:00Z,
        // engagement window (2026-03-11T18:00Z, 2026-03-25T18:00Z].
        let context = makeContext(asOf: "2026-03-25T18:00:00Z")
        let company = CompanyRecord(
            domain: "acme.com", name: "Acme", employeeCount: 120, industry: "saas", estimatedRevenue: 2_500_000, country: "US")
        let user = profile("usr_abc123", email: "ada@acme.com", signup: "2026-03-11T09:00:00Z", company: company)
        let events: [(String, String)] = [
            ("project_created", "2026-03-11T10:00:00Z"),  // activation; before the engagement window
            ("team_invite_sent", "2026-03-12T09:00:00Z"),  // activation
            ("core_feature_used", "2026-03-13T10:00:00Z"),  // activation 1
            ("core_feature_used", "2026-03-18T10:00:00Z"),  // activation 2
            ("core_feature_used", "2026-03-20T11:00:00Z"),  // activation 3 → met
            ("report_exported", "2026-03-24T16:00:00Z"),
            ("core_feature_used", "2026-03-25T14:22:00Z"),  // seed 004's event; after the activation window
        ]
        let s = scoreUser(user, events, context)
        // activation = 30 + 30 + 25 = 85 (no integration_connected)
        #expect(s.score.activation == 85)
        // engagement: days {03-12, 13, 18, 20, 24, 25} = 6; features {team_invite_sent, core_feature_used,
        // report_exported} = 3; last 03-25T14:22Z is 3 h 38 min before as_of → 100.
        // n = 960 + 735 + 1400 = 3095 → 55.27 → 55
        #expect(s.facts.activeDays == 6)
        #expect(s.facts.features == 3)
        #expect(s.score.engagement == 55)
        #expect(s.score.firmographic == 90)
        // PQL = (40·85 + 35·55 + 25·90) / 100 = (3400 + 1925 + 2250) / 100 = 75.75 → 76 → hot
        #expect(s.score.score == 76)
        #expect(s.score.tier == .hot)
        #expect(s.score.isPQL)
        #expect(s.score.userId == "usr_abc123")
        #expect(s.score.account == "acme.com")
        #expect(s.score.fit == 0 && s.score.behaviour == 0)
    }

    @Test func pqlOnExactlyHalfRoundsUpIntoHot() {
        // activation 100 (all four rules early in March), engagement 45, firmographic 75:
        // PQL = (4000 + 35·45 + 25·75) / 100 = (4000 + 1575 + 1875) / 100 = 74.5 → 75 → hot.
        // (Round-half-to-even, as Python's round or SQL engines using it, would give 74: warm.)
        let company = CompanyRecord(domain: "bigco.com", employeeCount: 600, industry: "saas", estimatedRevenue: 5_000_000)
        let user = profile(email: "zed@gmail.com", signup: Self.signup, company: company)  // 30 + 25 + 20 + no work email = 75
        let events: [(String, String)] = [
            ("project_created", "2026-03-01T13:00:00Z"), ("team_invite_sent", "2026-03-02T10:00:00Z"),
            ("core_feature_used", "2026-03-03T10:00:00Z"), ("core_feature_used", "2026-03-03T11:00:00Z"),
            ("core_feature_used", "2026-03-04T10:00:00Z"), ("integration_connected", "2026-03-05T10:00:00Z"),
            // engagement: days {28, 29, 30, 31} = 4, features {core_feature_used, report_exported} = 2,
            // last 03-31T10:00Z → 100: n = 640 + 490 + 1400 = 2530 → 45.18 → 45
            ("core_feature_used", "2026-03-28T10:00:00Z"), ("core_feature_used", "2026-03-29T10:00:00Z"),
            ("report_exported", "2026-03-30T10:00:00Z"), ("core_feature_used", "2026-03-31T10:00:00Z"),
        ]
        let s = scoreUser(user, events, context)
        #expect(s.score.activation == 100)
        #expect(s.score.engagement == 45)
        #expect(s.score.firmographic == 75)
        #expect(s.score.score == 75)
        #expect(s.score.tier == .hot)
    }

    @Test func configuredComponentWeights() {
        // weights 50/30/20, seed-004-like numbers a 85, e 55, f 90 would be (4250 + 1650 + 1800) / 100 = 77;
        // here: no events, firm 20 → 20·20 / 100 = 4.
        let context = makeContext(asOf: Self.asOf) { $0.weighted.weights = .init(activation: 50, engagement: 30, firmographic: 20) }
        #expect(scoreUser(bare(), context).score.score == 4)
    }

    // MARK: Determinism

    @Test func sameInputsSameScoreInAnyDayOrder() {
        let company = CompanyRecord(domain: "acme.com", employeeCount: 120, industry: "saas", estimatedRevenue: 2_500_000)
        let user = profile(email: "ada@acme.com", signup: Self.signup, company: company)
        let entries = [
            entry("project_created", "2026-03-01T13:00:00Z"), entry("team_invite_sent", "2026-03-02T10:00:00Z"),
            entry("core_feature_used", "2026-03-20T10:00:00Z"), entry("report_exported", "2026-03-25T10:00:00Z"),
            entry("plan_limit_reached", "2026-03-30T10:00:00Z", detail: "api_requests"),
            entry("pricing_page_viewed", "2026-03-31T09:00:00Z"), entry("core_feature_used", "2026-03-31T10:00:00Z"),
        ]
        let days = activityDays(entries)
        let first = scoreUser(user, days, context).score
        let again = scoreUser(user, days, context).score
        let reversed = scoreUser(user, days.reversed(), context).score
        // Entries of a day given out of order too.
        let shuffled = days.map { ActivityDay(day: $0.day, entries: $0.entries.reversed()) }.reversed()
        let third = scoreUser(user, Array(shuffled), context).score
        #expect(first == again)
        #expect(first == reversed)
        #expect(first == third)
        // A fresh context built from the same inputs agrees too.
        #expect(first == scoreUser(user, days, makeContext(asOf: Self.asOf)).score)
    }
}
