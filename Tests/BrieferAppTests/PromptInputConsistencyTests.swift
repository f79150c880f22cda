import BrieferApp
import BrieferCore
import BrieferStore
import BrieferTesting
import Foundation
import Testing

/// SPEC §5: the prompt input never contradicts itself. Every hot account of the fixture workspace is
/// rendered with the configured prompt and checked against invariants a careful reader would apply:
/// the same thing counted in the same scope never reads as both done and not done.
@Suite(.serialized)
struct PromptInputConsistencyTests {
    /// The pairs of facts of `input` that contradict each other, described; empty when consistent.
    static func contradictions(in input: PromptInput, configuration: BrieferConfiguration) -> [String] {
        var found: [String] = []
        let e = configuration.enrichment
        func check(_ holds: Bool, _ message: @autoclosure () -> String) { if !holds { found.append(message()) } }
        let featureEvents = Set(e.detailProperties.map(\.event)).subtracting([e.integrationEvent, e.limitEvent])

        // Lifetime counts are never below the window's.
        if let ever = input.invitedTeammatesEver {
            check(ever >= input.invitedTeammates, "invitations: \(input.invitedTeammates) in the window but \(ever) ever")
        }
        if let ever = input.topFeaturesEver {
            let everNames = Set(ever.map(\.name))
            let everCount = input.featureCountEver ?? ever.count
            check(everCount >= (input.featureCount ?? input.topFeatures.count), "fewer features ever than in the window")
            for usage in input.topFeatures {
                // A feature of the window that is among the lifetime list has at least its window's uses.
                if let lifetime = ever.first(where: { $0.name == usage.name })?.count {
                    check(lifetime >= usage.count, "feature \(usage.name): \(usage.count) uses in the window, \(lifetime) ever")
                }
            }
            check(!(ever.isEmpty && !input.topFeatures.isEmpty) && everNames.count <= everCount, "features in the window but none ever")
        }
        if let ever = input.limitsHitEver {
            check(Set(input.limitsHit).isSubset(of: ever), "limits hit in the window \(input.limitsHit) not among those hit ever \(ever)")
        }
        check(input.activeUsers <= input.users, "\(input.activeUsers) active users of \(input.users)")
        check(input.activeDays <= input.windowDays, "\(input.activeDays) active days in a \(input.windowDays)-day window")
        check((input.featureCount ?? input.topFeatures.count) >= input.topFeatures.count, "more features listed than counted")
        check((input.eventTypeCount ?? input.recentEvents.count) >= input.recentEvents.count, "more events listed than counted")

        // A completed activation step (account, ever) against the lifetime facts of the same thing.
        for step in input.completedActivations {
            if step == e.inviteEvent, let ever = input.invitedTeammatesEver {
                check(ever > 0, "activation \(step) completed but 0 invitations ever")
            }
            if step == e.integrationEvent {
                check(!input.integrations.isEmpty, "activation \(step) completed but no integration connected")
            }
            if featureEvents.contains(step), let ever = input.topFeaturesEver {
                check(!ever.isEmpty, "activation \(step) completed but no feature used ever")
            }
        }
        for step in input.missingActivations {
            if step == e.inviteEvent, let ever = input.invitedTeammatesEver {
                check(
                    ever == 0 || ever < (configuration.weighted.activation.events.first { $0.event == step }?.minCount ?? 1),
                    "activation \(step) missing but \(ever) invitations ever")
            }
            if step == e.integrationEvent {
                check(input.integrations.isEmpty, "activation \(step) missing but integrations \(input.integrations)")
            }
        }
        // Reasons in words speak of the top user, a part of the account: never more than the account.
        for reason in input.reasons.compactMap(ReasonCode.init(parsing:)) {
            let n = reason.detail.flatMap { Int($0) }
            switch reason.code {
            case "active_days":
                check((n ?? 0) <= input.activeDays, "the top user active on \(n ?? -1) days, the account on \(input.activeDays)")
            case "features_used":
                let kinds = configuration.weighted.engagement.featureProperty.isEmpty ? input.eventTypeCount : input.featureCount
                if let kinds { check((n ?? 0) <= kinds, "the top user used \(n ?? -1) features or kinds of events, the account \(kinds)") }
            case "team_active_users":
                check((n ?? 0) + 1 <= input.users, "\(n ?? -1) active teammates besides the top user of \(input.users) users")
            default: break
            }
        }
        return found
    }

    @Test func noRenderedPromptOfTheFixturesContradictsItself() throws {
        let t = try TemporaryStore()
        _ = try ingest(FixturePaths.workspaceFiles, into: t.store)
        let configuration = try ConfigurationLoader.load(path: FixturePaths.config.path)
        let outcome = try ScoringRunner(store: t.store, configuration: configuration, logger: .quiet).run(
            asOf: try FixturePaths.manifestAsOf())
        let hot = try t.store.accountScores(runId: outcome.run.id).filter { $0.score.tier == .hot }
        #expect(hot.count >= 10)
        let inputs = try t.store.promptInputs(run: outcome.run, accounts: hot, configuration: configuration)
        #expect(inputs.count == hot.count)
        let template = try PromptLoader.load(.configured(configuration.enrichment.prompt, configurationFile: FixturePaths.config.path))
        for (account, input) in inputs.sorted(by: { $0.key < $1.key }) {
            let problems = Self.contradictions(in: input, configuration: configuration)
            #expect(problems.isEmpty, "\(account): \(problems)")
            // Every line of the rendered data block states its scope.
            let user = try template.render(input, rules: configuration.enrichment.briefing).user
            // No count of days beyond the window ("active on 15 of the last 14 days").
            let pieces = user.components(separatedBy: " of the last ")
            for k in pieces.indices.dropFirst() {
                if let days = pieces[k - 1].split(separator: " ").last.flatMap({ Int($0) }),
                    let window = pieces[k].split(separator: " ").first.flatMap({ Int($0) })
                {
                    #expect(days <= window, "\(account): \(days) of the last \(window) days")
                }
            }
            let lines = user.split(separator: "\n").drop { !$0.hasPrefix("<account_data>") }.dropFirst().prefix {
                !$0.hasPrefix("</account_data>")
            }
            for line in lines where !line.hasPrefix("Company:") && !line.hasPrefix("Tools the company") {
                let scoped = ["the account", "the last", "ever", "top user"].contains { line.contains($0) }
                #expect(scoped, "\(account): a line without its scope: \(line)")
            }
            // The reasons are in words: no machine code `name:detail:+N` reaches the prompt.
            #expect(user.range(of: #":\+\d+"#, options: .regularExpression) == nil, "\(account): a reason code in machine form")
        }
    }

    @Test func theInvariantsFindAContradictionPlantedInAnInput() {
        let configuration = BrieferConfiguration()
        var input = PromptInput(
            account: "a.com", companyName: "A", score: 90, tier: "hot", users: 3, activeUsers: 2, activeDays: 5,
            invitedTeammates: 0, invitedTeammatesEver: 2, completedActivations: ["team_invite_sent", "integration_connected"],
            topFeatures: [.init(name: "sql_editor", count: 3)], topFeaturesEver: [.init(name: "sql_editor", count: 5)],
            featureCount: 1, featureCountEver: 1, eventTypeCount: 2, integrations: ["slack"],
            limitsHit: ["seats"], limitsHitEver: ["seats"], reasons: ["active_days:4:+11"])
        #expect(Self.contradictions(in: input, configuration: configuration).isEmpty)
        input.invitedTeammatesEver = 0  // v1's "team_invite_sent completed" beside "Invited teammates: 0"
        #expect(Self.contradictions(in: input, configuration: configuration).count == 1)
        input.invitedTeammatesEver = 2
        input.integrations = []
        #expect(
            Self.contradictions(in: input, configuration: configuration) == [
                "activation integration_connected completed but no integration connected"
            ])
        input.integrations = ["slack"]
        input.reasons = ["active_days:9:+26"]  // the top user's 9 days beside the account's 5
        #expect(Self.contradictions(in: input, configuration: configuration).count == 1)
        input.reasons = []
        input.limitsHitEver = []
        #expect(Self.contradictions(in: input, configuration: configuration).count == 1)
    }
}
