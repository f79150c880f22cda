import BrieferApp
import BrieferCore
import BrieferStore
import BrieferTesting
import Foundation
import Testing

/// ingest → score → enrich against a real OpenAI-compatible server: the local llama-server with
/// SmolLM2-135M that `make test` starts (Tests/llm/model-server.sh) and names in BRIEFER_E2E_MODEL_URL.
/// A tiny model fails validation often; this proves the schema reached the server (its answers parse
/// as the four-key object) and that every selected account ends with a stored briefing anyway.
@Suite(
    .serialized,
    .enabled(
        if: ProcessInfo.processInfo.environment["BRIEFER_E2E_MODEL_URL"] != nil,
        "set BRIEFER_E2E_MODEL_URL (make test does) to run against the local model"))
struct LocalModelEndToEndTests {
    @Test func ingestScoreEnrichAgainstTheLocalModel() async throws {
        let url = try #require(ProcessInfo.processInfo.environment["BRIEFER_E2E_MODEL_URL"])
        let t = try TemporaryStore()
        var configuration = BrieferConfiguration()
        // A handful of accounts, to keep CI time in hand: the day's capacity is 4 briefings.
        configuration.selection.maxPerDay = 4
        configuration.enrichment.requestTimeoutSeconds = 300
        _ = try ingest(FixturePaths.workspaceFiles, into: t.store, configuration: configuration)
        _ = try ScoringRunner(store: t.store, configuration: configuration, logger: .quiet).run(asOf: try FixturePaths.manifestAsOf())
        let template = try PromptLoader.load(path: FixturePaths.root.appendingPathComponent("Prompts/briefing.v1.yaml").path)
        let enricher = Enricher(store: t.store, configuration: configuration, template: template, logger: .quiet)
        let plan = try enricher.plan()
        #expect(plan.selected.count == 4)
        let client = LLMClient(endpoint: LLMEndpoint(baseUrl: url, apiKey: ""), settings: configuration.enrichment, logger: .quiet)
        let summary = try await enricher.enrich(plan, client: client)

        // Every selected account ends with a stored briefing (the model's, or the fallback).
        let briefings = try t.store.briefings()
        #expect(Set(briefings.map(\.account)) == Set(plan.selected.map(\.score.score.account)))
        #expect(briefings.allSatisfy { $0.briefing != nil && $0.source != nil })
        #expect(summary.briefed == 4 && summary.deferred == 0)

        // The schema constraint reached the server: at least 90 % of the raw answers are the four-key object.
        let answers = try t.store.llmCalls().compactMap(\.content)
        #expect(!answers.isEmpty)
        let shaped = answers.filter { content in
            guard case let .object(members)? = try? JSONParser.parse(content) else { return false }
            return Set(members.map(\.key)) == Set(Briefing.fieldNames) && members.allSatisfy { $0.value.stringValue != nil }
        }
        #expect(
            Double(shaped.count) >= 0.9 * Double(answers.count), "\(shaped.count) of \(answers.count) answers have the four string keys")

        // Running again with nothing changed makes no calls.
        let again = try await enricher.enrich(try enricher.plan(), client: client)
        #expect(again.calls == 0 && again.selected == 0)
    }
}
