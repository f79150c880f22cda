import Testing

@testable import BrieferCore

/// What a newly-hot account's actions say (SPEC §6.1): the task due by the SLA with the briefing, the reasons, its owner,
/// its associations and its key; the Slack message, escaped; the webhook event and its signature.
struct ActionBodiesTests {
    static let hot = Timestamp.parse("2026-11-20T12:00:00Z")!.timestamp
    static let briefing = Briefing(
        useCaseHypothesis: "Acme's platform team uses dashboards and alerts to watch 14 production services.",
        expansionSignal: "Three teammates became active this week and two plan limits were reached.",
        recommendedOpening: "Ask Nora which of the 14 services needs alerting across teams first.",
        riskFactor: "Usage is concentrated in one team, so a champion leaving would stall it.")

    static func content(
        _ kind: ActionKind = .task, account: String = "acme.com", briefing: Briefing? = ActionBodiesTests.briefing, owner: String? = "9001"
    ) -> ActionContent {
        ActionContent(
            key: kind.key(account: account, becameHot: hot), account: account, score: 99, becameHot: hot,
            reasons: [ReasonCode("features_used", "7", points: 31), ReasonCode("project_created", points: 30)],
            briefing: briefing, briefingSource: briefing == nil ? nil : .llm, ownerId: owner, contactEmail: "nora@acme.com",
            contactRecordId: "501", companyRecordId: "701",
            recordURL: ActionContent.hubSpotRecordURL(portal: "12345678", companyId: "701", contactId: "501"))
    }

    @Test func aTaskDueByTheSLAWithTheBriefingTheReasonsAndItsKey() throws {
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
        let text = try #require(properties["hs_task_body"])
        let body = text.split(separator: "\n").map(String.init)
        #expect(body.count == 7)
        #expect(body[0] == "acme.com became hot at 2026-11-20T12:00:00Z with a PQL score of 99.")
        #expect(body[3] == "Opening: Ask Nora which of the 14 services needs alerting across teams first.")
        #expect(body[5] == "Reasons: features_used:7:+31; project_created:+30")
        // The key on the last line, read back as a search result's body gives it.
        #expect(HubSpotTask.key(inBody: text) == ActionKind.task.key(account: "acme.com", becameHot: Self.hot))
        // No briefing yet, no owner: the score, the reasons and the key, unassigned.
        let bare = HubSpotTask.properties(Self.content(briefing: nil, owner: nil), settings: settings)
        #expect(!bare.contains { $0.name == "hubspot_owner_id" })
        #expect(bare.first { $0.name == "hs_task_body" }?.value.split(separator: "\n").count == 3)
    }

    @Test func anInputCarriesItsKeyAndItsAssociations() {
        let input = HubSpotTask.input(Self.content(), settings: .init())
        #expect(input["objectWriteTraceId"]?.stringValue == ActionKind.task.key(account: "acme.com", becameHot: Self.hot))
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
        // An answer names the created task by the key it carried, whatever the order of results.
        let answer = try? JSONParser.parse(
            #"{"status":"COMPLETE","results":[{"id":"88","objectWriteTraceId":"k2","properties":{}},"#
                + #"{"id":"87","properties":{"hs_task_body":"x\nBriefer key: k1"}}]}"#)
        #expect(HubSpotBatch.createdIds(answer) == ["k2": "88", "k1": "87"])
    }

    @Test func keysAreStablePerTransitionAndKind() {
        let key = ActionKind.task.key(account: "acme.com", becameHot: Self.hot)
        // One token of letters and digits: HubSpot's CONTAINS_TOKEN matches it whole.
        #expect(key == ActionKind.task.key(account: "acme.com", becameHot: Self.hot) && key.hasPrefix("briefertask") && key.count == 35)
        #expect(key.allSatisfy { $0.isLetter || $0.isNumber })
        #expect(key != ActionKind.task.key(account: "acme.com", becameHot: Self.hot.adding(days: 3)))
        #expect(key != ActionKind.task.key(account: "globex.com", becameHot: Self.hot))
        #expect(Set(ActionKind.allCases.map { $0.key(account: "acme.com", becameHot: Self.hot) }).count == 4)
        // A search asks for five keys at most, one filter group each.
        let search = HubSpotTask.searchBody(keys: ["a", "b"])
        guard case let .array(groups)? = search["filterGroups"] else {
            Issue.record("no filter groups")
            return
        }
        #expect(groups.count == 2)
        #expect(groups[1]["filters"].flatMap { if case let .array(f) = $0 { f.first?["value"]?.stringValue } else { nil } } == "b")
    }

    @Test func aSlackMessageCarriesTheFactsAndEscapesTheData() throws {
        var content = Self.content(.slack, account: "<!channel> & co.")
        content.briefing?.riskFactor = "Watch <https://evil.example|this> link."
        let payload = SlackMessage.payload(content)
        let text = payload.compactText
        #expect(!text.contains("<!channel>") && !text.contains("<https://evil"))
        #expect(text.contains("&lt;!channel&gt; &amp; co.") && text.contains("Watch &lt;https://evil.example|this&gt; link."))
        guard case let .array(blocks)? = payload["blocks"] else {
            Issue.record("no blocks")
            return
        }
        #expect(blocks.map { $0["type"]?.stringValue } == ["header", "section", "section", "section", "actions", "context"])
        #expect(text.contains("*PQL score*\\n99") && text.contains("*Owner*\\n9001"))
        #expect(text.contains("https://app.hubspot.com/contacts/12345678/record/0-2/701"))
        #expect(payload["text"]?.stringValue == "Hot account: &lt;!channel&gt; &amp; co. (PQL 99)")
        // Every mrkdwn text is verbatim: Slack makes no link of a bare URL nor parses a channel name in it.
        #expect(text.ranges(of: #""type":"mrkdwn""#).count == text.ranges(of: #""verbatim":true"#).count)
        #expect(text.contains(#""verbatim":true"#))
        // A header is cut to Slack's 150 characters.
        let long = SlackMessage.payload(Self.content(.slack, account: String(repeating: "a", count: 400) + ".com"))
        guard case let .array(longBlocks)? = long["blocks"] else { return }
        #expect(longBlocks[0]["text"]?["text"]?.stringValue?.count == 150)
    }

    @Test func aWebhookEventIsSignedOverTheTimestampAndTheBody() {
        let content = Self.content(.webhook)
        let event = SignedWebhook.event(content, createdAt: Self.hot)
        #expect(event["id"]?.stringValue == content.key && event["type"]?.stringValue == "account.became_hot")
        #expect(event["data"]?["score"]?.integerValue == 99 && event["data"]?["owner_id"]?.stringValue == "9001")
        let body = Array(event.compactText.utf8)
        let header = SignedWebhook.signature(secret: "whsec_test", timestamp: 1_764_000_000, body: body)
        #expect(header.hasPrefix("t=1764000000,v1=") && header.count == "t=1764000000,v1=".count + 64)
        // What a receiver checks: the secret, the body, the time.
        #expect(SignedWebhook.verify(header: header, body: body, secret: "whsec_test", now: 1_764_000_100))
        #expect(!SignedWebhook.verify(header: header, body: body, secret: "other", now: 1_764_000_100))
        #expect(!SignedWebhook.verify(header: header, body: body + [32], secret: "whsec_test", now: 1_764_000_100))
        #expect(!SignedWebhook.verify(header: header, body: body, secret: "whsec_test", now: 1_764_000_000 + 301))
        // The signed string is "<t>.<body>": HMAC-SHA256 of it, checked by hand.
        let expected = HMAC.hex(HMAC.code(.sha256, key: Array("whsec_test".utf8), message: Array("1764000000.".utf8) + body))
        #expect(header == "t=1764000000,v1=" + expected)
    }

    @Test func theSettingsAreChecked() {
        var c = BrieferConfiguration()
        c.actions.tasks.priority = "URGENT"
        c.actions.tasks.type = "MEETING"
        c.actions.tasks.slaHours = -1
        c.actions.dailyCap = -1
        c.actions.webhook.url = "ftp://example.com/hook"
        #expect(
            Set(c.validate().map(\.key)) == [
                "actions.tasks.priority", "actions.tasks.type", "actions.tasks.sla_hours", "actions.daily_cap", "actions.webhook.url",
            ])
    }
}

/// When a transition is acted on (SPEC §6.1): after enabling, outside the cool-down, within the daily cap.
struct ActionPolicyTests {
    static func at(_ text: String) -> Timestamp { Timestamp.parse(text)!.timestamp }

    @Test func onlyTransitionsAfterEnablingWithinTheCapAndOutsideTheCoolDown() {
        let policy = ActionPolicy(enabledFrom: Self.at("2026-11-20T00:00:00Z"), coolDownHours: 72, dailyCap: 2)
        var history = ActionPolicy.History(lastActed: ["flap.io": Self.at("2026-11-19T12:00:00Z")], actedToday: 0)
        let decided = policy.decide(
            [
                .init(account: "old.com", becameHot: Self.at("2026-11-18T00:00:00Z")),
                .init(account: "flap.io", becameHot: Self.at("2026-11-21T00:00:00Z")),
                .init(account: "b.com", becameHot: Self.at("2026-11-20T12:00:00Z")),
                .init(account: "a.com", becameHot: Self.at("2026-11-20T12:00:00Z")),
                .init(account: "c.com", becameHot: Self.at("2026-11-22T00:00:00Z")),
            ], history: &history)
        let byAccount = Dictionary(uniqueKeysWithValues: decided.map { ($0.transition.account, $0.decision) })
        #expect(byAccount["old.com"] == .before)
        // flap.io became hot 36 h after the transition acted on: within 72 h, skipped.
        guard case let .skip(why)? = byAccount["flap.io"] else {
            Issue.record("flap.io not skipped")
            return
        }
        #expect(why.hasPrefix("cool-down"))
        // The cap keeps the earliest two (a.com before b.com at the same time), c.com is over it.
        #expect(byAccount["a.com"] == .act && byAccount["b.com"] == .act)
        #expect(byAccount["c.com"] == .skip("daily cap: 2 acted on today (actions.daily_cap)"))
        #expect(history.actedToday == 2 && history.lastActed["a.com"] == Self.at("2026-11-20T12:00:00Z"))
        // Past the cool-down, flap.io acts again.
        var later = ActionPolicy.History(lastActed: ["flap.io": Self.at("2026-11-19T12:00:00Z")])
        #expect(
            policy.decide([.init(account: "flap.io", becameHot: Self.at("2026-11-22T12:00:00Z"))], history: &later).first?.decision == .act)
    }
}
