import Testing
@testable import BrieferCore

/// Configuration trees (as the YAML loader hands them over) and validation: every problem names its key.
struct ConfigurationTests {

    @Test func defaultsValidateClean() throws {
        #expect(BrieferConfiguration().validate().isEmpty)
        #expect(try ConfigurationCoding.configuration(from: .null) == BrieferConfiguration())
        #expect(try configuration("{}") == BrieferConfiguration())
        #expect(try ConfigurationCoding.configuration(from: ConfigurationCoding.defaultTree) == BrieferConfiguration())
    }

    @Test func valuesAreLaidOverTheDefaults() throws {
        let c = try configuration(#"{"model":"points","hygiene":{"daily_cap_per_event":20},"weighted":{"tiers":{"hot":80}}}"#)
        var expected = BrieferConfiguration()
        expected.model = .points
        expected.hygiene.dailyCapPerEvent = 20
        expected.weighted.tiers.hot = 80
        #expect(c == expected)
    }

    @Test func listsReplaceTheDefaultList() throws {
        let c = try configuration(#"{"weighted":{"activation":{"events":[{"event":"dashboard_viewed","min_count":2,"weight":100}]}}}"#)
        #expect(c.weighted.activation.events == [.init(event: "dashboard_viewed", minCount: 2, weight: 100)])
        // Optional list-item keys may be left out: within_signup_days defaults to 0.
        let p = try configuration(#"{"points":{"behaviour":{"rules":[{"event":"login","steps":[{"min_count":1,"points":5}]}]}}}"#)
        #expect(p.points.behaviour.rules == [.init(event: "login", withinSignupDays: 0, steps: [.init(minCount: 1, points: 5)])])
    }

    @Test func unknownKeyIsNamed() throws {
        #expect(try problemKeys(#"{"weighted":{"tierz":{}}}"#) == ["weighted.tierz"])
        #expect(try problemKeys(#"{"modle":"points"}"#) == ["modle"])
        #expect(try problemKeys(#"{"hygiene":{"daily_cap":5,"bot_max":3}}"#) == ["hygiene.daily_cap", "hygiene.bot_max"])
    }

    @Test func wrongTypeIsNamed() throws {
        #expect(try problemKeys(#"{"hygiene":{"daily_cap_per_event":"many"}}"#) == ["hygiene.daily_cap_per_event"])
        #expect(try problemKeys(#"{"hygiene":{"daily_cap_per_event":{"x":1}}}"#) == ["hygiene.daily_cap_per_event"])
        #expect(try problemKeys(#"{"identity":{"free_mail_domains":"gmail.com"}}"#) == ["identity.free_mail_domains"])
        #expect(try problemKeys(#"{"identity":{"internal_domains":[5]}}"#) == ["identity.internal_domains[0]"])
        #expect(try problemKeys(#"{"model":"fancy"}"#) == ["model"])
    }

    @Test func negativeWeightIsNamed() throws {
        // −10 + 75 + 35 = 100, so only the negative weight is wrong.
        #expect(
            try problemKeys(#"{"weighted":{"weights":{"activation":-10,"engagement":75,"firmographic":35}}}"#) == [
                "weighted.weights.activation"
            ])
        #expect(
            try problemKeys(#"{"weighted":{"activation":{"events":[{"event":"x","min_count":1,"weight":-5}]}}}"#)
                == ["weighted.activation.events[0].weight"])
    }

    @Test func weightsMustAddUpTo100() throws {
        // 50 + 35 + 25 = 110.
        #expect(try problemKeys(#"{"weighted":{"weights":{"activation":50}}}"#) == ["weighted.weights"])
        // 40 + 35 + 20 = 95 for engagement.
        #expect(try problemKeys(#"{"weighted":{"engagement":{"weights":{"recency":20}}}}"#) == ["weighted.engagement.weights"])
    }

    @Test func tiersMustBeInOrder() throws {
        #expect(try problemKeys(#"{"weighted":{"tiers":{"hot":50}}}"#) == ["weighted.tiers.hot"])  // hot 50 ≤ warm 50
        #expect(try problemKeys(#"{"weighted":{"tiers":{"hot":40}}}"#) == ["weighted.tiers.hot"])
        #expect(try problemKeys(#"{"weighted":{"tiers":{"warm":20}}}"#) == ["weighted.tiers.warm"])  // warm 20 ≤ nurture 25
    }

    @Test func unknownKeyInAListItemIsNamedWithItsIndex() throws {
        #expect(
            try problemKeys(#"{"weighted":{"activation":{"events":[{"event":"x","min_count":1,"wieght":5}]}}}"#)
                == ["weighted.activation.events[0].wieght"])
        #expect(
            try problemKeys(
                #"{"weighted":{"activation":{"events":[{"event":"x","min_count":1,"weight":5},{"event":"y","min_count":1,"weight":5,"extra":1}]}}}"#
            )
                == ["weighted.activation.events[1].extra"])
        // Nested lists too.
        #expect(
            try problemKeys(#"{"points":{"behaviour":{"rules":[{"event":"login","steps":[{"min_count":1,"pointz":5}]}]}}}"#)
                == ["points.behaviour.rules[0].steps[0].pointz"])
    }

    @Test func missingKeyInAListItemIsNamed() throws {
        #expect(
            try problemKeys(#"{"weighted":{"activation":{"events":[{"event":"x","min_count":1}]}}}"#) == [
                "weighted.activation.events[0].weight"
            ])
    }

    @Test func otherImpossibleValuesAreNamed() {
        var c = BrieferConfiguration()
        c.reasons.max = 0
        c.hygiene.dailyCapPerEvent = 0
        c.weighted.engagement.recency = [.init(withinDays: 3, points: 75), .init(withinDays: 1, points: 100)]
        c.points.behaviour.decay.pointsPerPeriod = -10
        c.identity.freeMailDomains = ["gmail"]
        let keys = Set(c.validate().map(\.key))
        #expect(
            keys == [
                "reasons.max", "hygiene.daily_cap_per_event", "weighted.engagement.recency[1].within_days",
                "points.behaviour.decay.points_per_period", "identity.free_mail_domains[0]",
            ])
    }

    @Test func problemsCarryTheLineWhenKnown() throws {
        let tree = try JSONParser.parse(#"{"weighted":{"tierz":{}}}"#)
        do {
            _ = try ConfigurationCoding.configuration(from: tree, lines: ["weighted.tierz": 42])
            Issue.record("accepted an unknown key")
        } catch {
            #expect(error.problems.first?.key == "weighted.tierz")
            #expect(error.problems.first?.message.contains("line 42") == true)
            #expect(error.description.contains("weighted.tierz"))
        }
    }

    @Test func fingerprintFollowsTheEffectiveValues() throws {
        let a = BrieferConfiguration(), b = try configuration("{}")
        #expect(a.fingerprint == b.fingerprint)
        #expect(a.fingerprint.count == 16)
        var c = BrieferConfiguration()
        c.account.teamBonusCap = 12
        #expect(c.fingerprint != a.fingerprint)
        #expect(a.canonicalJSON.contains(#""daily_cap_per_event":50"#))
    }
}
