import Testing
@testable import BrieferCore

/// Account roll-up (SPEC §3.3): best user's score + 3 per *other* user active in the last 7 days,
/// bonus capped at 15, clamped to the model's maximum; the tier comes from that total.
struct AccountRollupTests {
    let weighted = makeContext(asOf: "2026-03-31T12:00:00Z")

    func user(_ id: String, _ score: Int, active: Bool, fit: Int = 0, behaviour: Int = 0) -> UserScore {
        var u = UserScore(userId: id, account: "acme.com")
        u.score = score
        u.teamActive = active
        u.fit = fit
        u.behaviour = behaviour
        return u
    }

    @Test func bestUserPlusThreePerOtherActiveUser() {
        // best 70 (active) + 2 other active users × 3 = 76 → hot; the inactive one adds nothing.
        let account = Scorer(context: weighted).account(
            "acme.com",
            users: [
                user("b", 40, active: true), user("a", 70, active: true), user("c", 55, active: true), user("d", 60, active: false),
            ])
        #expect(account.bestUserId == "a")
        #expect(account.activeTeammates == 2)
        #expect(account.teamBonus == 6)
        #expect(account.score == 76)
        #expect(account.tier == .hot)
        #expect(account.isPQL)
        #expect(account.users == 4)
    }

    @Test func theBestUserIsNotCounted() {
        let alone = Scorer(context: weighted).account("acme.com", users: [user("a", 60, active: true)])
        #expect(alone.teamBonus == 0)
        #expect(alone.score == 60)
        let withIdle = Scorer(context: weighted).account("acme.com", users: [user("a", 60, active: true), user("b", 10, active: false)])
        #expect(withIdle.activeTeammates == 0)
        #expect(withIdle.score == 60)
        #expect(withIdle.tier == .warm)
    }

    @Test func bonusIsCappedAt15() {
        // best 50 + 7 active others: 21 → capped 15 → 65 (warm).
        let users = [user("a", 50, active: false)] + (1...7).map { user("t\($0)", 10, active: true) }
        let account = Scorer(context: weighted).account("acme.com", users: users)
        #expect(account.activeTeammates == 7)
        #expect(account.teamBonus == 15)
        #expect(account.score == 65)
        #expect(account.tier == .warm)
    }

    @Test func totalIsClampedAt100() {
        // 95 + 3 × 3 = 104 → 100.
        let users = [user("a", 95, active: true)] + (1...3).map { user("t\($0)", 20, active: true) }
        let account = Scorer(context: weighted).account("acme.com", users: users)
        #expect(account.score == 100)
        #expect(account.teamBonus == 9)
    }

    @Test func bonusCanLiftTheTier() {
        // 72 (warm) + 1 active teammate = 75 → hot.
        let account = Scorer(context: weighted).account("acme.com", users: [user("a", 72, active: false), user("b", 30, active: true)])
        #expect(account.score == 75)
        #expect(account.tier == .hot)
    }

    @Test func tiesGoToTheSmallestUserId() {
        let account = Scorer(context: weighted).account("acme.com", users: [user("zoe", 70, active: true), user("ann", 70, active: true)])
        #expect(account.bestUserId == "ann")
        #expect(account.activeTeammates == 1)  // zoe
        #expect(account.score == 73)
    }

    @Test func bonusIsConfigurable() {
        let context = makeContext(asOf: "2026-03-31T12:00:00Z") {
            $0.account.teamBonusPerUser = 5; $0.account.teamBonusCap = 10
        }
        let users = [user("a", 50, active: true)] + (1...3).map { user("t\($0)", 20, active: true) }
        let account = Scorer(context: context).account("acme.com", users: users)
        #expect(account.teamBonus == 10)  // 15 capped at 10
        #expect(account.score == 60)
    }

    @Test func pointsModelClampsAt150AndQualifiesOnTheBestUser() {
        let context = makeContext(asOf: "2026-03-31T12:00:00Z", model: .points)
        // 145 + 2 × 3 = 151 → 150.
        let top = Scorer(context: context).account(
            "acme.com",
            users: [
                user("a", 145, active: true, fit: 50, behaviour: 95), user("b", 10, active: true), user("c", 10, active: true),
            ])
        #expect(top.score == 150)
        #expect(top.isPQL)
        #expect(top.tier == .hot)
        // best 78 (fit 38, behaviour 40) + 3 = 81 ≥ 80 → PQL.
        let lifted = Scorer(context: context).account(
            "acme.com", users: [user("a", 78, active: false, fit: 38, behaviour: 40), user("b", 5, active: true)])
        #expect(lifted.score == 81)
        #expect(lifted.isPQL)
        #expect(lifted.tier == .hot)
        // best 78 with fit 10: total 81 but fit < 15 → not PQL → warm.
        let weakFit = Scorer(context: context).account(
            "acme.com", users: [user("a", 78, active: false, fit: 10, behaviour: 68), user("b", 5, active: true)])
        #expect(weakFit.score == 81)
        #expect(!weakFit.isPQL)
        #expect(weakFit.tier == .warm)
    }

    @Test(arguments: [
        ("2026-03-24T12:00:00Z", false),  // exactly as_of − 7 d: outside (as_of − 7 d, as_of]
        ("2026-03-24T12:00:00.001Z", true),
        ("2026-03-31T12:00:00Z", true),  // at as_of
        ("2026-03-31T12:00:00.001Z", false),  // after as_of: ignored
    ])
    func teamActiveWindow(_ time: String, _ active: Bool) {
        let facts = UserFacts.compute(days: activityDays([("page_viewed", time)]), signup: nil, context: weighted)
        #expect(facts.teamActive == active)
    }

    @Test func cappedOrBotEventsDoNotMakeAUserActive() {
        // A teammate whose only recent day is a bot-like burst (501 events) is not active.
        let context = makeContext(asOf: "2026-03-31T12:00:00Z") { $0.hygiene.dailyCapPerEvent = 1000 }
        let facts = UserFacts.compute(
            days: activityDays(burst("page_viewed", count: 501, from: ts("2026-03-30T00:00:00Z"))),
            signup: nil, context: context)
        #expect(!facts.teamActive)
    }

    @Test func accountReasonsCarryTheTeamBonus() {
        let account = Scorer(context: weighted).account(
            "acme.com",
            users: [
                user("a", 70, active: true), user("b", 40, active: true), user("c", 20, active: true),
            ])
        #expect(account.reasons.contains(ReasonCode("team_active_users", "2", points: 6)))
        #expect(account.reasons.map(\.description).contains("team_active_users:2:+6"))
    }

    @Test func endToEndFromEvents() {
        // Three users of acme.com scored from events; the account is the best one + 3 per active teammate.
        let context = weighted
        let company = CompanyRecord(domain: "acme.com", employeeCount: 120, industry: "saas", estimatedRevenue: 2_500_000)
        // ada: no events, firm 90 (25 + 25 + 20 + 20) → round(2250 / 100) = 23 (22.5 half up).
        let ada = scoreUser(profile("ada", email: "ada@acme.com", company: company), context).score
        #expect(ada.score == 23)
        // bob: firm 90, one page_viewed at 03-31T10:00Z → engagement 32 (see WeightedModelTests):
        // (35·32 + 25·90) / 100 = (1120 + 2250) / 100 = 33.7 → 34; active.
        let bob = scoreUser(profile("bob", email: "bob@acme.com", company: company), [("page_viewed", "2026-03-31T10:00:00Z")], context)
            .score
        #expect(bob.score == 34)
        #expect(bob.teamActive)
        // cy: gmail (firm 70), active 03-30T10:00Z (26 h before: recency 75 → engagement 26):
        // (35·26 + 25·70) / 100 = (910 + 1750) / 100 = 26.6 → 27; active.
        let cy = scoreUser(profile("cy", email: "cy@gmail.com", company: company), [("search_run", "2026-03-30T10:00:00Z")], context).score
        #expect(cy.score == 27)
        // best bob 34 + 1 other active (cy) → 37 → nurture.
        let account = Scorer(context: context).account("acme.com", users: [ada, bob, cy])
        #expect(account.bestUserId == "bob")
        #expect(account.score == 37)
        #expect(account.tier == .nurture)
        #expect(account.firmographic == 90)
        #expect(account.engagement == 32)
    }
}
