import Testing
@testable import BrieferCore

/// SPEC §6: an account's score, tier, reasons and briefing as one contact's properties, every value a string.
struct ContactPropertyMappingTests {
    let acme = AccountScore(
        account: "acme.com", score: 87, tier: .hot, isPQL: true, bestUserId: "u1", users: 4, activeTeammates: 3,
        teamBonus: 9, activation: 100, engagement: 74, firmographic: 95, fit: 41, behaviour: 66,
        reasons: [ReasonCode("team_invite_sent", points: 30), ReasonCode("plan_limit_reached", "api_requests", points: 0)])
    let briefing = SyncedBriefing(
        briefing: Briefing(
            useCaseHypothesis: "Acme builds weekly revenue reports in report_builder.",
            expansionSignal: "They hit the api_requests limit twice.",
            recommendedOpening: "Ask how the report_builder exports reach their managers.",
            riskFactor: "Nobody has connected an integration yet."),
        source: .llm, promptVersion: "briefing-v1")
    let hotAt = ts("2026-11-19T12:00:00Z")
    let calculated = ts("2026-11-20T12:00:00.250Z")

    @Test func aHotAccountWithABriefingInTheWeightedModel() {
        let properties = ContactPropertyMapping().properties(
            account: acme, model: .weighted, contactScore: 81, briefing: briefing,
            becameHotAt: hotAt, calculatedAt: calculated)
        #expect(
            properties.map(\.name) == [
                "pql_score", "pql_tier", "pql_activation_score", "pql_engagement_score", "pql_firmographic_score", "pql_contact_score",
                "pql_reason_codes", "pql_use_case", "pql_expansion_signal", "pql_recommended_opening", "pql_risk_factor",
                "pql_briefing_source", "pql_prompt_version", "pql_became_hot_at", "pql_last_calculated",
            ])
        let values = Dictionary(uniqueKeysWithValues: properties.map { ($0.name, $0.value) })
        #expect(values["pql_score"] == "87")
        #expect(values["pql_tier"] == "hot")
        #expect(
            values["pql_activation_score"] == "100" && values["pql_engagement_score"] == "74" && values["pql_firmographic_score"] == "95")
        #expect(values["pql_contact_score"] == "81")
        #expect(values["pql_reason_codes"] == "team_invite_sent:+30; plan_limit_reached:api_requests:+0")
        #expect(values["pql_use_case"] == briefing.briefing.useCaseHypothesis)
        #expect(values["pql_briefing_source"] == "llm" && values["pql_prompt_version"] == "briefing-v1")
        #expect(values["pql_became_hot_at"] == "2026-11-19T12:00:00Z")
        #expect(values["pql_last_calculated"] == "2026-11-20T12:00:00.250Z")
    }

    @Test func thePointsModelSendsItsOwnComponents() {
        let names = ContactPropertyMapping().properties(
            account: acme, model: .points, contactScore: nil, briefing: nil, becameHotAt: nil,
            calculatedAt: calculated
        ).map(\.name)
        #expect(names == ["pql_score", "pql_tier", "pql_fit_score", "pql_behavior_score", "pql_reason_codes", "pql_last_calculated"])
    }

    /// An account that is not hot gets its score and tier, and no briefing fields: its contacts keep the last ones.
    @Test func withoutABriefingNoBriefingPropertyIsSent() {
        var warm = acme
        warm.tier = .warm
        let names = Set(
            ContactPropertyMapping().properties(
                account: warm, model: .weighted, contactScore: 40, briefing: nil,
                becameHotAt: hotAt, calculatedAt: calculated
            ).map(\.name))
        #expect(names.isDisjoint(with: CRMProperty.briefingProperties.map(\.rawValue)))
        #expect(names.contains("pql_tier") && names.contains("pql_became_hot_at"))
    }

    @Test func renamedPropertiesUseTheirConfiguredNames() throws {
        var crm = BrieferConfiguration.CRM()
        crm.propertyNames = [.init(property: "pql_score", name: "product_qualified_score")]
        let names = ContactPropertyMapping(crm).properties(
            account: acme, model: .weighted, contactScore: nil, briefing: nil, becameHotAt: nil,
            calculatedAt: calculated
        ).map(\.name)
        #expect(names.first == "product_qualified_score")
        #expect(!names.contains("pql_score"))
    }

    @Test func textIsCappedAtHubSpotsLimit() {
        let exact = String(repeating: "é", count: CRMValue.maxTextCharacters)
        #expect(CRMValue.text(exact) == exact)
        let over = exact + "x"
        let cut = CRMValue.text(over)
        #expect(cut.count == CRMValue.maxTextCharacters && cut.hasSuffix("…"))
        // Counted as HubSpot counts (UTF-16 units): 40,000 emoji are 80,000 units, cut whole.
        let emoji = CRMValue.text(String(repeating: "📈", count: 40_000))
        #expect(emoji.utf16.count <= CRMValue.maxTextCharacters && emoji.utf16.count >= CRMValue.maxTextCharacters - 2)
        #expect(emoji.hasSuffix("📈…"))
    }

    @Test func datesAndNumbersAreEncodedAsHubSpotReadsThem() {
        #expect(CRMValue.date(ts("2026-03-05T23:59:59Z")) == "2026-03-05")
        #expect(CRMValue.datetime(ts("2026-03-05T23:59:59Z")) == "2026-03-05T23:59:59Z")
        #expect(CRMValue.number(-8) == "-8")
    }

    @Test func everyPropertyHasAHubSpotDefinition() {
        for property in CRMProperty.allCases {
            #expect(!property.label.isEmpty && !property.description.isEmpty)
            #expect(["number", "enumeration", "string", "datetime"].contains(property.hubSpotType.type))
        }
        #expect(CRMProperty.tier.hubSpotType == ("enumeration", "select"))
    }

    @Test func badPropertyNamesAreRefusedByKey() throws {
        #expect(
            try problemKeys(#"{"crm": {"property_names": [{"property": "pql_scores", "name": "x_score"}]}}"#) == [
                "crm.property_names[0].property"
            ])
        #expect(
            try problemKeys(#"{"crm": {"property_names": [{"property": "pql_score", "name": "Bad Name"}]}}"#) == [
                "crm.property_names[0].name"
            ])
        #expect(try problemKeys(#"{"crm": {"group_name": "PQL"}}"#) == ["crm.group_name"])
        #expect(try problemKeys(#"{"crm": {"property_names": [{"property": "pql_score", "name": "pql_tier_x"}]}}"#).isEmpty)
    }

    @Test func theDefinitionsDescribeEveryPropertyInItsGroup() throws {
        var crm = BrieferConfiguration.CRM()
        crm.groupName = "briefer"
        crm.propertyNames = [.init(property: "pql_tier", name: "lead_tier")]
        let definitions = CRMDefinitions(crm)
        #expect(definitions.groupBody["name"]?.stringValue == "briefer")
        guard case let .array(inputs)? = definitions.propertiesBody["inputs"] else { Issue.record("no inputs"); return }
        #expect(inputs.count == CRMProperty.allCases.count)
        for input in inputs {
            for key in ["name", "label", "type", "fieldType", "groupName", "description"] {
                #expect(input[key]?.stringValue?.isEmpty == false, "\(key) of \(input.canonicalText)")
            }
            #expect(input["groupName"]?.stringValue == "briefer")
        }
        let tier = try #require(inputs.first { $0["name"]?.stringValue == "lead_tier" })
        #expect(tier["type"]?.stringValue == "enumeration")
        guard case let .array(options)? = tier["options"] else { Issue.record("no options"); return }
        #expect(options.compactMap { $0["value"]?.stringValue } == ["hot", "warm", "nurture", "monitor"])
    }
}
