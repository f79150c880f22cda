import Testing
@testable import BrieferCore

/// Reason codes (SPEC §3.3): `code[:detail]:+points`, most points first then by text, at most `reasons.max`.
struct ReasonCodeTests {
    @Test(arguments: [
        (ReasonCode("team_invite_sent", points: 30), "team_invite_sent:+30"),
        (ReasonCode("plan_limit_reached", "api_requests", points: 0), "plan_limit_reached:api_requests:+0"),
        (ReasonCode("work_email", points: 20), "work_email:+20"),
        (ReasonCode("decay", "75d", points: -20), "decay:75d:-20"),
        (ReasonCode("personal_email", points: -15), "personal_email:-15"),
    ])
    func format(_ reason: ReasonCode, _ text: String) {
        #expect(reason.description == text)
    }

    @Test(arguments: [
        "team_invite_sent:+30", "plan_limit_reached:api_requests:+0", "work_email:+20", "decay:75d:-20",
        "limit:a_b:+3", "velocity:5_in_48h:+25",
    ])
    func parseRoundTrips(_ text: String) throws {
        let reason = try #require(ReasonCode(parsing: text))
        #expect(reason.description == text)
    }

    /// Details come from the data: the separators of the joined form never survive in them, so a
    /// stored list of reasons always reads back as the same reasons.
    @Test func separatorsInDataBecomeUnderscores() throws {
        let reason = ReasonCode("plan_limit_reached", "seats;api: v2\n", points: 0)
        #expect(reason.description == "plan_limit_reached:seats_api__v2_:+0")
        let joined = ReasonCode.joined([reason, ReasonCode("work_email", points: 20)])
        let back = joined.split(separator: ";").compactMap { ReasonCode(parsing: String($0).trimmedWhitespace) }
        #expect(back == [reason, ReasonCode("work_email", points: 20)])
        #expect(ReasonCode("x", String(repeating: "d", count: 100), points: 1).detail?.count == 64)
    }

    @Test func parseReadsTheParts() throws {
        let reason = try #require(ReasonCode(parsing: "plan_limit_reached:api_requests:+0"))
        #expect(reason == ReasonCode("plan_limit_reached", "api_requests", points: 0))
        #expect(ReasonCode(parsing: "decay:75d:-20") == ReasonCode("decay", "75d", points: -20))
        #expect(ReasonCode(parsing: "work_email:+20") == ReasonCode("work_email", points: 20))
    }

    @Test(arguments: ["work_email", "work_email:20", "work_email:+", "work_email:+x", "+5", ""])
    func parseRefusesMalformedText(_ text: String) {
        #expect(ReasonCode(parsing: text) == nil)
    }

    @Test func orderingIsMostPointsFirstThenText() {
        let reasons = [
            ReasonCode("work_email", points: 20), ReasonCode("team_invite_sent", points: 30), ReasonCode("pricing_page_viewed", points: 0),
            ReasonCode("industry", "saas", points: 25), ReasonCode("project_created", points: 30), ReasonCode("decay", "40d", points: -10),
            ReasonCode("company_size", "120", points: 25),
        ]
        let top = ReasonCode.top(reasons, limit: 10)
        #expect(
            top.map(\.description) == [
                "project_created:+30", "team_invite_sent:+30", "company_size:120:+25", "industry:saas:+25", "work_email:+20",
                "pricing_page_viewed:+0", "decay:40d:-10",
            ])
    }

    @Test func topKeepsAtMostLimitAndDropsDuplicates() {
        let a = ReasonCode("a", points: 5), b = ReasonCode("b", points: 4)
        let top = ReasonCode.top(
            [b, a, a, ReasonCode("c", points: 3), ReasonCode("d", points: 2), ReasonCode("e", points: 1), ReasonCode("f", points: 0)],
            limit: 5)
        #expect(top.map(\.description) == ["a:+5", "b:+4", "c:+3", "d:+2", "e:+1"])
    }

    @Test func joinedForTheCRM() {
        #expect(
            ReasonCode.joined([ReasonCode("team_invite_sent", points: 30), ReasonCode("work_email", points: 20)])
                == "team_invite_sent:+30; work_email:+20")
        #expect(ReasonCode.joined([]) == "")
    }

    // MARK: Reasons of real scores

    static let company = CompanyRecord(domain: "acme.com", name: "Acme", employeeCount: 120, industry: "saas", estimatedRevenue: 2_500_000)
    static let seed004Events: [(String, String)] = [
        ("project_created", "2026-03-11T10:00:00Z"), ("team_invite_sent", "2026-03-12T09:00:00Z"),
        ("core_feature_used", "2026-03-13T10:00:00Z"), ("core_feature_used", "2026-03-18T10:00:00Z"),
        ("core_feature_used", "2026-03-20T11:00:00Z"), ("report_exported", "2026-03-24T16:00:00Z"),
        ("core_feature_used", "2026-03-25T14:22:00Z"),
    ]

    @Test func weightedUserReasons() {
        // The seed 004 user of WeightedModelTests. Contributions: project_created +30, team_invite_sent +30,
        // core_feature_used +25, active days 6 → round(40·6/14) = 17, features 3 → round(35·3/8) = 13,
        // recency 100 → +25, company_size 120 +25, industry saas +25, revenue +20, work_email +20.
        // Top 5 by points then text ("company_size" < "core_feature_used" < "industry" < "recency").
        let context = makeContext(asOf: "2026-03-25T18:00:00Z")
        let user = profile("usr_abc123", email: "ada@acme.com", signup: "2026-03-11T09:00:00Z", company: Self.company)
        let s = scoreUser(user, Self.seed004Events, context).score
        #expect(
            s.reasons.map(\.description) == [
                "project_created:+30", "team_invite_sent:+30", "company_size:120:+25", "core_feature_used:+25", "industry:saas:+25",
            ])
    }

    @Test func atMostReasonsMax() {
        let context = makeContext(asOf: "2026-03-25T18:00:00Z") { $0.reasons.max = 3 }
        let user = profile("usr_abc123", email: "ada@acme.com", signup: "2026-03-11T09:00:00Z", company: Self.company)
        let s = scoreUser(user, Self.seed004Events, context).score
        #expect(s.reasons.map(\.description) == ["project_created:+30", "team_invite_sent:+30", "company_size:120:+25"])
    }

    @Test func pointsUserReasons() {
        // Seed 003's VP: velocity +25, core_feature_used (5) +20, then the +15s by text:
        // company_size:120, integration_connected:1, onboarding_completed:1 (team_invite_sent:2 is sixth).
        let context = makeContext(asOf: PointsModelTests.seedAsOf, model: .points)
        let s = scoreUser(PointsModelTests.vp(), PointsModelTests.seedBehaviour, context).score
        #expect(s.reasons.count == 5)
        #expect(s.reasons.first?.points == 25)
        #expect(s.reasons.first?.code == "velocity")
        #expect(
            s.reasons.dropFirst().map(\.description) == [
                "core_feature_used:5:+20", "company_size:120:+15", "integration_connected:1:+15", "onboarding_completed:1:+15",
            ])
    }

    @Test func signalsAreZeroPointReasonsWithTheirDetail() {
        // plan_limit_reached (detail from its `limit` property) and pricing_page_viewed seen in the last 14 days.
        let context = makeContext(asOf: "2026-03-31T12:00:00Z") { $0.reasons.max = 20 }
        let entries = [
            entry("plan_limit_reached", "2026-03-30T10:00:00Z", detail: "api_requests"),
            entry("pricing_page_viewed", "2026-03-31T09:00:00Z"),
            entry("plan_limit_reached", "2026-03-16T10:00:00Z", detail: "report_builder"),  // 15 days ago: outside
        ]
        let s = scoreUser(profile(), activityDays(entries), context).score
        #expect(s.signals.map(\.description) == ["plan_limit_reached:api_requests:+0", "pricing_page_viewed:+0"])
        let zero = s.reasons.filter { $0.points == 0 }.map(\.description)
        #expect(zero == ["plan_limit_reached:api_requests:+0", "pricing_page_viewed:+0"])
        // +0 reasons come after every positive one.
        #expect(s.reasons.last?.points == 0)
    }
}

/// Reasons in the prompt's words.
struct ReasonPhraseTests {
    @Test func revenueIsGroupedAndNotMaskedAsAPhoneNumber() throws {
        let reason = try #require(ReasonCode(parsing: "revenue:1250000000:+25"))
        let phrase = reason.phrase(windowDays: 14)
        #expect(phrase == "estimated revenue of 1,250,000,000 (+25)")
        // Ten ungrouped digits read as a phone number and were masked in the prompt ("revenue of [phone]").
        #expect(UntrustedText.maskingPersonalData(phrase) == phrase)
        #expect(ReasonCode.grouped(10_191_000) == "10,191,000" && ReasonCode.grouped(999) == "999")
    }
}
