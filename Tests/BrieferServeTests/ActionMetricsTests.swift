import BrieferApp
import BrieferCore
import BrieferServe
import BrieferStore
import BrieferTesting
import Foundation
import Testing

/// A cycle with actions on (files: no HubSpot or Slack account needed) makes one task, one Slack message and one webhook
/// event per newly-hot account, the next cycle none; `/metrics` counts them and what is left pending.
struct ActionMetricsTests {
    @Test func aCycleActsOnceAndMetricsCountIt() async throws {
        let t = try TemporaryStore()
        let server = try FakeOpenAIServer(queue: [], otherwise: .grounded)
        defer { server.stop() }
        var c = BrieferConfiguration()
        c.enrichment.baseUrl = server.baseURL
        c.actions.enabled = true
        c.actions.slack.enabled = true
        c.actions.webhook.enabled = true
        c.actions.webhook.url = "https://hooks.example.com/briefer"
        let session = BrieferSession(configuration: c, configurationFile: nil, store: t.store, logger: .quiet)
        let out = t.directory.appendingPathComponent("crm").path
        let first = try await session.run(
            .init(inputs: FixturePaths.workspaceFiles, asOf: try FixturePaths.manifestAsOf(), push: false, outDir: out))
        let actions = try #require(first.sync?.actions)
        #expect(actions.done == ["task": 11, "slack": 11, "webhook": 11] && actions.leftPending == 0)
        let folder = try #require(actions.directory)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix("-slack.json") }.count == 11)
        let second = try await session.run(.init(asOf: try FixturePaths.manifestAsOf(), push: false, outDir: out))
        #expect(second.sync?.actions?.recorded.isEmpty == true && second.sync?.actions?.done.isEmpty == true)

        let metrics = ServeMetrics()
        metrics.cycle(first)
        let text = metrics.text()
        #expect(text.contains(#"briefer_actions_total{kind="task",result="done"} 11"#), "\(text)")
        #expect(text.contains(#"briefer_actions_total{kind="slack",result="done"} 11"#))
        #expect(text.contains("briefer_actions_pending 0"))
    }
}
