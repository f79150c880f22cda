import Testing
@testable import BrieferCore

/// The points model (SPEC §3.2, seeds 001 and 003). Fit 0–50 + behaviour (rubric capped at 100,
/// + velocity 25), negative signals, decay; PQL = total ≥ 80 AND fit ≥ 15 AND behaviour ≥ 40.
struct PointsModelTests {
    /// Seed 003's lead: VP Marketing at a 120-employee SaaS company using Salesforce, in the US.
    static let saasCo = CompanyRecord(
        domain: "saasco.com", name: "SaaS Co", employeeCount: 120, industry: "saas",
        country: "US", techStack: ["salesforce"])

    static func vp(signup: String? = "2026-03-20T09:00:00Z", company: CompanyRecord? = saasCo, email: String? = "vp@saasco.com")
        -> UserProfile
    {
        profile("vp", email: email, title: "VP Marketing", signup: signup, account: .domain("saasco.com"), company: company)
    }

    /// Seed 003's behaviour, signup 2026-03-20T09:00Z, everything within the last 7 days of as_of 2026-03-26T18:00Z.
    static let seedBehaviour: [(String, String)] = [
        ("onboarding_completed", "2026-03-20T09:30:00Z"),  // +15
        ("core_feature_used", "2026-03-20T10:00:00Z"),  // core feature 5 times in week 1: +20
        ("core_feature_used", "2026-03-21T10:00:00Z"),
        ("core_feature_used", "2026-03-22T10:00:00Z"),
        ("core_feature_used", "2026-03-24T10:00:00Z"),
        ("core_feature_used", "2026-03-24T15:00:00Z"),
        ("integration_connected", "2026-03-25T09:00:00Z"),  // +15
        ("team_invite_sent", "2026-03-25T10:00:00Z"),  // 2 invites: +15
        ("team_invite_sent", "2026-03-25T11:00:00Z"),
        ("pricing_page_viewed", "2026-03-25T12:00:00Z"),  // +10
        // key actions 03-24T10:00 … 03-25T12:00 (26 h): core ×2, integration, invite ×2, pricing = 6 → velocity +25
    ]
    static let seedAsOf = "2026-03-26T18:00:00Z"

    func points(_ asOf: String, _ configure: (inout BrieferConfiguration) -> Void = { _ in }) -> ScoringContext {
        makeContext(asOf: asOf, model: .points, configure)
    }

    // MARK: Seed 003's worked examples

    @Test func seed003Fit50PlusBehaviour100Is150AndPQL() {
        let s = scoreUser(Self.vp(), Self.seedBehaviour, points(Self.seedAsOf))
        // fit: size 120 in 50–500 +15, SaaS +10, VP +10, Salesforce +8, US +7 = 50
        #expect(s.score.fit == 50)
        // behaviour: 15 + 20 + 15 + 15 + 10 = 75, velocity +25 = 100; last activity 30 h ago: no decay
        #expect(s.facts.velocityBurst)
        #expect(s.score.behaviour == 100)
        #expect(s.score.score == 150)
        #expect(s.score.isPQL)
        #expect(s.score.tier == .hot)
        #expect(s.score.activation == 0 && s.score.engagement == 0 && s.score.firmographic == 0)
    }

    @Test func seed003DecayTakes70To50After75IdleDays() {
        // Raw behaviour 70: onboarding 15 + integration 15 + 2 invites 15 + pricing 10 + checkout 15.
        // Last activity 2026-01-10T14:00Z; as_of 75 days later (Jan 10 + 21 = Jan 31, + 28 = Feb 28, + 26 = Mar 26).
        // Decay alone (inactivity points_per_period = 0): floor(75 / 30) = 2 periods × 10 = 20 → 50.
        let context = points("2026-03-26T14:00:00Z") { $0.points.behaviour.inactivity.pointsPerPeriod = 0 }
        let events: [(String, String)] = [
            ("onboarding_completed", "2026-01-10T10:00:00Z"), ("integration_connected", "2026-01-10T11:00:00Z"),
            ("team_invite_sent", "2026-01-10T12:00:00Z"), ("team_invite_sent", "2026-01-10T12:30:00Z"),
            ("pricing_page_viewed", "2026-01-10T13:00:00Z"), ("checkout_started", "2026-01-10T14:00:00Z"),
        ]
        let user = profile("lapsed", signup: "2026-01-10T09:00:00Z")  // fit 0
        let s = scoreUser(user, events, context)
        #expect(!s.facts.velocityBurst)  // the burst is older than the 14-day lookback
        #expect(s.score.behaviour == 50)
        #expect(s.score.score == 50)
        #expect(s.score.tier == .nurture)
    }

    @Test func decayStopsAtTheFloor() {
        // Onboarding only (15), 75 idle days, decay alone: 15 − 20 = −5 → floor 5.
        let context = points("2026-03-26T14:00:00Z") { $0.points.behaviour.inactivity.pointsPerPeriod = 0 }
        let s = scoreUser(profile(signup: "2026-01-10T09:00:00Z"), [("onboarding_completed", "2026-01-10T14:00:00Z")], context)
        #expect(s.score.behaviour == 5)
    }

    @Test func decayNeverRaisesBehaviour() {
        // One login at signup: rubric 2 (1–2 logins in the first 7 days). 30 idle days, decay alone:
        // one period of −10 would take it below the floor, but decay only ever takes points away, so the
        // floor cannot lift 2 to 5 (seed 003: "Adjusted = Raw − Decay", the floor only stops the fall).
        let context = points("2026-03-31T09:00:00Z") { $0.points.behaviour.inactivity.pointsPerPeriod = 0 }
        let fresh = scoreUser(
            profile(signup: "2026-03-01T09:00:00Z"), [("login", "2026-03-01T09:00:00Z")],
            points("2026-03-01T10:00:00Z") { $0.points.behaviour.inactivity.pointsPerPeriod = 0 })
        #expect(fresh.score.behaviour == 2)
        let idle = scoreUser(profile(signup: "2026-03-01T09:00:00Z"), [("login", "2026-03-01T09:00:00Z")], context)
        #expect(idle.score.behaviour <= fresh.score.behaviour, "30 idle days raised behaviour from 2 to \(idle.score.behaviour)")
    }

    @Test func moreInactivityNeverScoresHigher() {
        // Onboarding only (15), default negative signals (−10 per full 14 idle days) and decay (−10 per 30, floor 5):
        //   28 idle days: 15 − 2·10 = −5 → 0;   30 idle days: 15 − 2·10 − 1·10 = −15.
        // A user idle longer must not score more than the same user idle less.
        let user = profile(signup: "2026-02-01T09:00:00Z")
        let events = [("onboarding_completed", "2026-02-01T10:00:00Z")]
        let day28 = scoreUser(user, events, points("2026-03-01T10:00:00Z"))  // Feb 1 + 28 d
        let day30 = scoreUser(user, events, points("2026-03-03T10:00:00Z"))  // Feb 1 + 30 d
        #expect(day28.score.behaviour == 0)
        #expect(
            day30.score.behaviour <= day28.score.behaviour, "30 idle days: \(day30.score.behaviour), 28 idle days: \(day28.score.behaviour)"
        )
    }

    @Test func inactivityCostsTenPerFullFourteenDays() {
        // Raw 40: onboarding 15 + integration 15 + pricing 10 on 2026-03-01; as_of 20 days later:
        // floor(20 / 14) = 1 period → −10 → 30; no decay period yet (20 < 30).
        let events: [(String, String)] = [
            ("onboarding_completed", "2026-03-01T10:00:00Z"),
            ("integration_connected", "2026-03-01T11:00:00Z"), ("pricing_page_viewed", "2026-03-01T12:00:00Z"),
        ]
        let s = scoreUser(profile(signup: "2026-03-01T09:00:00Z"), events, points("2026-03-21T12:00:00Z"))
        #expect(s.score.behaviour == 30)
        // 13 days: no period → 40.
        #expect(scoreUser(profile(signup: "2026-03-01T09:00:00Z"), events, points("2026-03-14T12:00:00Z")).score.behaviour == 40)
    }

    // MARK: AND-threshold

    @Test func highTotalWithFitBelow15IsNotPQL() {
        // fit 10 (SaaS only: no size, title, stack or country), behaviour 100 → total 110 ≥ 80, but fit < 15.
        let weakFit = profile("x", signup: "2026-03-20T09:00:00Z", company: CompanyRecord(domain: "x.com", industry: "saas"))
        let s = scoreUser(weakFit, Self.seedBehaviour, points(Self.seedAsOf))
        #expect(s.score.fit == 10)
        #expect(s.score.behaviour == 100)
        #expect(s.score.score == 110)
        #expect(!s.score.isPQL)
        #expect(s.score.tier == .warm)  // total ≥ 60
    }

    @Test func highTotalWithBehaviourBelow40IsNotPQL() {
        // fit 50, behaviour onboarding 15 + integration 15 + report 5 = 35 → total 85 ≥ 80, but behaviour < 40.
        let events: [(String, String)] = [
            ("onboarding_completed", "2026-03-20T10:00:00Z"),
            ("integration_connected", "2026-03-20T11:00:00Z"), ("report_exported", "2026-03-20T12:00:00Z"),
        ]
        let s = scoreUser(Self.vp(), events, points("2026-03-21T12:00:00Z"))
        #expect(s.score.fit == 50)
        #expect(s.score.behaviour == 35)
        #expect(s.score.score == 85)
        #expect(!s.score.isPQL)
        #expect(s.score.tier == .warm)
    }

    @Test func exactlyAtEveryThresholdIsPQL() {
        // fit 40 (size 15 + SaaS 10 + Salesforce 8 + US 7, no title); behaviour 40 (onboarding 15 + integration 15
        // + 1 invite 10) → total 80.
        let user = profile("y", signup: "2026-03-20T09:00:00Z", company: Self.saasCo)
        let events: [(String, String)] = [
            ("onboarding_completed", "2026-03-20T10:00:00Z"),
            ("integration_connected", "2026-03-20T11:00:00Z"), ("team_invite_sent", "2026-03-20T12:00:00Z"),
        ]
        let s = scoreUser(user, events, points("2026-03-21T12:00:00Z"))
        #expect(s.score.fit == 40)
        #expect(s.score.behaviour == 40)
        #expect(s.score.score == 80)
        #expect(s.score.isPQL)
        #expect(s.score.tier == .hot)
    }

    @Test(arguments: [
        (80, 15, 40, true), (150, 50, 100, true), (79, 39, 40, false), (80, 14, 66, false), (80, 41, 39, false), (120, 50, 70, true),
    ])
    func pqlRule(_ total: Int, _ fit: Int, _ behaviour: Int, _ expected: Bool) {
        #expect(Scorer(context: points(Self.seedAsOf)).isPQL(total: total, fit: fit, behaviour: behaviour) == expected)
    }

    @Test(arguments: [
        (150, true, Tier.hot), (150, false, .warm), (60, false, .warm), (59, false, .nurture),
        (30, false, .nurture), (29, false, .monitor), (0, false, .monitor),
    ])
    func pointsTiers(_ total: Int, _ isPQL: Bool, _ tier: Tier) {
        #expect(Scorer(context: points(Self.seedAsOf)).pointsTier(total: total, isPQL: isPQL) == tier)
    }

    // MARK: Fit rubric

    func fit(_ user: UserProfile) -> Int { scoreUser(user, points(Self.seedAsOf)).score.fit }

    @Test(arguments: [
        ("VP Marketing", 10), ("Director of Sales", 10), ("Chief Revenue Officer", 10), ("Head of Growth", 10),
        ("CEO", 10), ("Engineering Manager", 6), ("Team Lead", 6), ("Software Engineer", 2),
        ("Leadership Coach", 2), ("", 0),
    ])
    func titleSeniority(_ title: String, _ expected: Int) {
        #expect(fit(profile(title: title)) == expected)
    }

    @Test(arguments: [(Int64(50), 15), (120, 15), (500, 15), (49, 8), (25, 8), (501, 8), (1000, 8), (24, 0), (1001, 0)])
    func companySizeBands(_ employees: Int64, _ expected: Int) {
        #expect(fit(profile(company: CompanyRecord(domain: "c.com", employeeCount: employees))) == expected)
    }

    @Test(arguments: [("saas", 10), ("technology", 10), ("fintech", 5), ("ecommerce", 5), ("media", 5), ("healthcare", 0)])
    func industryMatch(_ industry: String, _ expected: Int) {
        #expect(fit(profile(company: CompanyRecord(domain: "c.com", industry: industry))) == expected)
    }

    @Test(arguments: [
        (["salesforce"], 8), (["segment", "dbt"], 8), (["slack"], 4), (["slack", "hubspot"], 8), (["dbt"], 0), ([String](), 0),
    ])
    func techStack(_ stack: [String], _ expected: Int) {
        #expect(fit(profile(company: CompanyRecord(domain: "c.com", techStack: stack))) == expected)
    }

    @Test(arguments: [("US", 7), ("us", 7), ("GB", 7), ("DE", 4), ("AU", 4), ("BR", 0)])
    func geography(_ country: String, _ expected: Int) {
        #expect(fit(profile(company: CompanyRecord(domain: "c.com", country: country))) == expected)
    }

    @Test func disqualifiers() {
        // Personal email −15: the seed's VP with a gmail address scores 50 − 15 = 35.
        #expect(fit(Self.vp(email: "vp@gmail.com")) == 35)
        // Alone it cannot go below 0.
        #expect(fit(profile(email: "x@gmail.com")) == 0)
        // Student −10: size 120 (15) + "Student" title (2 for an individual, −10) = 7.
        #expect(fit(profile(title: "PhD Student", company: CompanyRecord(domain: "c.com", employeeCount: 120))) == 7)
        // .edu email: 15 − 10 = 5.
        #expect(fit(profile(email: "a@uni.edu", company: CompanyRecord(domain: "c.com", employeeCount: 120))) == 5)
        // Competitor −30: 50 − 30 = 20.
        let context = makeContext(asOf: Self.seedAsOf, model: .points) { $0.points.fit.competitorDomains = ["saasco.com"] }
        #expect(scoreUser(Self.vp(), context).score.fit == 20)
    }

    // MARK: Behaviour rubric

    @Test func noActivityMeansBehaviourZero() {
        let s = scoreUser(Self.vp(), points(Self.seedAsOf))
        #expect(s.score.fit == 50)
        #expect(s.score.behaviour == 0)
        #expect(s.score.score == 50)
        #expect(!s.score.isPQL)
        #expect(s.score.tier == .nurture)
    }

    @Test func rubricIsCappedAt100BeforeVelocity() {
        // Every rule met, key actions ≥ 50 h apart (never 5 in 48 h):
        // 15 + 10 (5 logins) + 20 + 15 + 15 + 10 + 15 + 8 + 5 = 113 → 100.
        let events: [(String, String)] = [
            ("onboarding_completed", "2026-03-01T01:00:00Z"),
            ("login", "2026-03-01T02:00:00Z"), ("login", "2026-03-01T03:00:00Z"), ("login", "2026-03-01T04:00:00Z"),
            ("login", "2026-03-01T05:00:00Z"), ("login", "2026-03-01T06:00:00Z"),
            ("core_feature_used", "2026-03-01T10:00:00Z"), ("core_feature_used", "2026-03-03T12:00:00Z"),
            ("core_feature_used", "2026-03-05T14:00:00Z"), ("integration_connected", "2026-03-07T16:00:00Z"),
            ("team_invite_sent", "2026-03-09T18:00:00Z"), ("team_invite_sent", "2026-03-11T20:00:00Z"),
            ("pricing_page_viewed", "2026-03-13T22:00:00Z"), ("checkout_started", "2026-03-16T00:00:00Z"),
            ("premium_feature_used", "2026-03-18T02:00:00Z"), ("report_exported", "2026-03-20T04:00:00Z"),
        ]
        let s = scoreUser(profile(signup: "2026-03-01T00:00:00Z"), events, points("2026-03-25T00:00:00Z"))
        #expect(!s.facts.velocityBurst)
        #expect(s.score.behaviour == 100)
    }

    @Test func coreFeatureCountsOnlyInTheFirst14Days() {
        // signup 03-01T00:00Z: core_feature_used counts up to 03-15T00:00Z inclusive.
        let user = profile(signup: "2026-03-01T00:00:00Z")
        let atEdge = (0..<3).map { _ in ("core_feature_used", "2026-03-15T00:00:00Z") }
        #expect(scoreUser(user, atEdge, points("2026-03-16T00:00:00Z")).score.behaviour == 20)
        let late = (0..<3).map { _ in ("core_feature_used", "2026-03-15T00:00:00.001Z") }
        #expect(scoreUser(user, late, points("2026-03-16T00:00:00Z")).score.behaviour == 0)
    }

    @Test(arguments: [(5, 10), (4, 5), (3, 5), (2, 2), (1, 2), (0, 0)])
    func loginFrequencyInWeekOne(_ logins: Int, _ expected: Int) {
        // logins on signup day + one login on day 8 (outside the first 7 days, not counted).
        var events = (0..<logins).map { ("login", "2026-03-01T1\($0):00:00Z") }
        events.append(("login", "2026-03-09T10:00:00Z"))
        let s = scoreUser(profile(signup: "2026-03-01T09:00:00Z"), events, points("2026-03-09T12:00:00Z"))
        #expect(s.score.behaviour == expected)
    }

    @Test func velocityBonus() {
        let user = profile(signup: "2026-03-01T00:00:00Z")
        let context = points("2026-03-25T12:00:00Z")
        // 5 pricing_page_viewed (key actions) within 47 h: rubric 10 + velocity 25 = 35.
        let five = ["2026-03-23T10:00:00Z", "2026-03-23T20:00:00Z", "2026-03-24T10:00:00Z", "2026-03-24T20:00:00Z", "2026-03-25T09:00:00Z"]
        let burst = scoreUser(user, five.map { ("pricing_page_viewed", $0) }, context)
        #expect(burst.facts.velocityBurst)
        #expect(burst.score.behaviour == 35)
        // 4 of them: no bonus.
        #expect(scoreUser(user, five.dropLast().map { ("pricing_page_viewed", $0) }, context).score.behaviour == 10)
        // 5 spread over 52 h (13 h apart: any 5 span 52 h): no bonus.
        let spread = [
            "2026-03-23T05:00:00Z", "2026-03-23T18:00:00Z", "2026-03-24T07:00:00Z", "2026-03-24T20:00:00Z", "2026-03-25T09:00:00Z",
        ]
        #expect(scoreUser(user, spread.map { ("pricing_page_viewed", $0) }, context).score.behaviour == 10)
        // Non-key events do not count towards velocity (onboarding_completed, login are not key actions).
        let nonKey = [
            "2026-03-25T01:00:00Z", "2026-03-25T02:00:00Z", "2026-03-25T03:00:00Z", "2026-03-25T04:00:00Z", "2026-03-25T05:00:00Z",
        ]
        #expect(!scoreUser(user, nonKey.map { ("page_viewed", $0) }, context).facts.velocityBurst)
        // Two bursts still earn the bonus once: 10 + 25.
        let twice =
            five.map { ("pricing_page_viewed", $0) }
            + [
                "2026-03-20T01:00:00Z", "2026-03-20T02:00:00Z", "2026-03-20T03:00:00Z",
                "2026-03-20T04:00:00Z", "2026-03-20T05:00:00Z",
            ].map { ("report_exported", $0) }
        #expect(scoreUser(user, twice, context).score.behaviour == 10 + 5 + 25)
    }

    @Test func negativeSignals() {
        // Base 40: onboarding 15 + integration 15 + pricing 10 on 03-25; as_of 03-26T12:00Z (negative window 30 d).
        let user = profile(signup: "2026-03-20T00:00:00Z")
        let base: [(String, String)] = [
            ("onboarding_completed", "2026-03-25T10:00:00Z"),
            ("integration_connected", "2026-03-25T11:00:00Z"), ("pricing_page_viewed", "2026-03-25T12:00:00Z"),
        ]
        let context = points("2026-03-26T12:00:00Z")
        #expect(scoreUser(user, base, context).score.behaviour == 40)
        // Unsubscribed −5 → 35.
        #expect(scoreUser(user, base + [("email_unsubscribed", "2026-03-25T13:00:00Z")], context).score.behaviour == 35)
        // And downgraded −8 → 27.
        #expect(
            scoreUser(user, base + [("email_unsubscribed", "2026-03-25T13:00:00Z"), ("plan_downgraded", "2026-03-25T14:00:00Z")], context)
                .score.behaviour == 27)
        // An unsubscribe 31 days before as_of (02-23T12:00Z) is outside the window: 40.
        #expect(scoreUser(user, base + [("email_unsubscribed", "2026-02-23T12:00:00Z")], context).score.behaviour == 40)
    }
}
