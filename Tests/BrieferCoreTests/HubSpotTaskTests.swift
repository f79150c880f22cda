import Testing

@testable import BrieferCore

/// The task a newly-hot account gets (SPEC §6.1): due by the SLA, its body the briefing and the reasons, its owner, its
/// associations, and a key that is the same on every rerun of the same transition.
struct HubSpotTaskTests {
    static let hot = Timestamp.parse("2026-11-20T12:00:00Z")!.timestamp
    static let briefing = Briefing(
        useCaseHypothesis: "Acme's platform team uses dashboards and alerts to watch 14 production services.",
        expansionSignal: "Three teammates became active this week and two plan limits were reached.",
        recommendedOpening: "Ask Nora which of the 14 services needs alerting across teams first.",
        riskFactor: "Usage is concentrated in one team, so a champion leaving would stall it.")

    static func content(briefing: Briefing? = HubSpotTaskTests.briefing, owner: String? = "9001") -> HubSpotTask.Content {
        HubSpotTask.Content(
            key: HubSpotTask.key(account: "acme.com", becameHot: hot), account: "acme.com", score: 99, becameHot: hot,
            reasons: [ReasonCode("features_used", "7", points: 31), ReasonCode("project_created", points: 30)],
            briefing: briefing, ownerId: owner, contactRecordId: "501", companyRecordId: "701")
    }

    @Test func aTaskDueByTheSLAWithTheBriefingAndTheReasons() throws {
        var settings = BrieferConfiguration.Tasks()
        settings.slaHours = 4
        let properties = Dictionary(
            uniqueKeysWithValues: HubSpotTask.properties(Self.content(), settings: settings).map { ($0.name, $0.value) })
        #expect(properties["hs_timestamp"] == "2026-11-20T16:00:00Z")
        #expect(properties["hs_task_subject"] == "Hot account: acme.com (PQL 99)")
        #expect(
            properties["hs_task_status"] == "NOT_STARTED" && properties["hs_task_priority"] == "HIGH"
                && properties["hs_task_type"] == "TODO")
        #expect(properties["hubspot_owner_id"] == "9001")
        let body = try #require(properties["hs_task_body"]).split(separator: "\n").map(String.init)
        #expect(body.count == 6)
        #expect(body[0] == "acme.com became hot at 2026-11-20T12:00:00Z with a PQL score of 99.")
        #expect(body[3] == "Opening: Ask Nora which of the 14 services needs alerting across teams first.")
        #expect(body[5] == "Reasons: features_used:7:+31; project_created:+30")
        // No briefing yet, no owner: the score and reasons alone, unassigned.
        let bare = HubSpotTask.properties(Self.content(briefing: nil, owner: nil), settings: settings)
        #expect(!bare.contains { $0.name == "hubspot_owner_id" })
        #expect(bare.first { $0.name == "hs_task_body" }?.value.split(separator: "\n").count == 2)
    }

    @Test func anInputCarriesItsKeyAndItsAssociations() {
        let input = HubSpotTask.input(Self.content(), settings: .init())
        #expect(input["objectWriteTraceId"]?.stringValue == HubSpotTask.key(account: "acme.com", becameHot: Self.hot))
        guard case let .array(associations)? = input["associations"] else {
            Issue.record("no associations")
            return
        }
        #expect(associations.map { $0["to"]?["id"]?.stringValue } == ["501", "701"])
        let types = associations.map { association -> Int64? in
            guard case let .array(types)? = association["types"] else { return nil }
            return types.first?["associationTypeId"]?.integerValue
        }
        #expect(types == [204, 192])
        // The key: the same for the same transition, another for a later one or another account.
        let key = HubSpotTask.key(account: "acme.com", becameHot: Self.hot)
        #expect(key == HubSpotTask.key(account: "acme.com", becameHot: Self.hot) && key.hasPrefix("briefer-task-") && key.count == 37)
        #expect(key != HubSpotTask.key(account: "acme.com", becameHot: Self.hot.adding(days: 3)))
        #expect(key != HubSpotTask.key(account: "globex.com", becameHot: Self.hot))
    }

    @Test func theTaskSettingsAreChecked() {
        var c = BrieferConfiguration()
        c.actions.tasks.priority = "URGENT"
        c.actions.tasks.type = "MEETING"
        c.actions.tasks.slaHours = -1
        #expect(Set(c.validate().map(\.key)) == ["actions.tasks.priority", "actions.tasks.type", "actions.tasks.sla_hours"])
    }
}
