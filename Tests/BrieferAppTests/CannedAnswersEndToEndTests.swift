import BrieferApp
import BrieferCore
import BrieferStore
import BrieferTesting
import Foundation
import Testing

/// Canned answers of a capable model, end to end: the fixture workspace ingested and scored at the
/// manifest's as-of time, the repository's configuration and prompt (Prompts/briefing.v3.yaml), the real
/// enrichment path of `briefer enrich` (``Enricher``, the libcurl ``LLMClient``), and one fake OpenAI server
/// answering every account with its answer from Fixtures/validator/canned/workspace.jsonl (README there).
///
/// An answer labelled `kept` must be stored as the model's briefing (source `llm`) at the first attempt;
/// one labelled `rejected` must not be: it goes to repair, the fake answers every repair with the same
/// content, and the account ends with the `rules` fallback after `enrichment.max_attempts`.
///
/// The validator is being changed for capable models. Where the current validator disagrees with a label,
/// the test prints the disagreement with the validator's errors instead of failing (it still checks that
/// what is stored follows the validator's verdict); ``strict`` turns the disagreements into failures.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct CannedAnswersEndToEndTests {
    /// Whether a disagreement between the current validator and an answer's `expect` label fails the test.
    /// Off while the validator is being changed; set it to true when the validator is done.
    static let strict = false

    static let key = "sk-canned-answers-test-key-7"
    static let model = "test-model"
    static let file = FixturePaths.root.appendingPathComponent("Fixtures/validator/canned/workspace.jsonl")

    /// One line of the canned-answers file.
    struct Entry: Decodable {
        var account: String
        /// `kept` or `rejected`.
        var expect: String
        /// For `rejected`: the error code the flaw is expected under.
        var code: String?
        var content: String
        var kept: Bool { expect == "kept" }
    }

    static func entries() throws -> [Entry] {
        let text = try String(contentsOf: file, encoding: .utf8)
        return try text.split(separator: "\n").filter { !$0.allSatisfy(\.isWhitespace) }
            .map { try JSONDecoder().decode(Entry.self, from: Data($0.utf8)) }
    }

    /// The repository's configuration, as `briefer enrich` loads it, asking the test model.
    static func configuration() throws -> BrieferConfiguration {
        var configuration = try ConfigurationLoader.load(path: FixturePaths.config.path)
        configuration.enrichment.model = model
        return configuration
    }

    /// The configured prompt template (a relative path is relative to the configuration file, as for the CLI).
    static func template(_ configuration: BrieferConfiguration) throws -> PromptTemplate {
        try PromptLoader.load(.configured(configuration.enrichment.prompt, configurationFile: FixturePaths.config.path))
    }

    /// The fixture workspace ingested and scored at the manifest's as-of time, in its own store, with an
    /// enricher over it whose clock is pinned an hour after that time.
    struct World {
        let temporary: TemporaryStore
        let configuration: BrieferConfiguration
        let enricher: Enricher
        let hot: Set<String>
        var store: BrieferStore { temporary.store }

        init(prompt: PromptTemplate? = nil) throws {
            temporary = try TemporaryStore()
            configuration = try CannedAnswersEndToEndTests.configuration()
            _ = try ingest(FixturePaths.workspaceFiles, into: temporary.store, configuration: configuration)
            let asOf = try FixturePaths.manifestAsOf()
            let outcome = try ScoringRunner(store: temporary.store, configuration: configuration, logger: .quiet).run(asOf: asOf)
            hot = Set(outcome.accounts.filter { $0.tier == .hot }.map(\.account))
            let now = asOf.adding(hours: 1).milliseconds
            let template = try prompt ?? CannedAnswersEndToEndTests.template(configuration)
            enricher = Enricher(store: temporary.store, configuration: configuration, template: template, logger: .quiet, clock: { now })
        }

        /// The validator the enricher builds: the configured rules, the workspace's terms.
        var validator: BriefingValidator {
            get throws {
                BriefingValidator(
                    rules: configuration.enrichment.briefing, vocabulary: GroundingVocabulary(terms: try store.workspaceTerms()))
            }
        }

        func client(_ server: FakeOpenAIServer) -> LLMClient {
            LLMClient(
                endpoint: LLMEndpoint(baseUrl: server.baseURL, apiKey: CannedAnswersEndToEndTests.key),
                settings: configuration.enrichment, logger: .quiet, sleep: { _ in })
        }
    }

    // MARK: The canned answers through `briefer enrich`'s path

    @Test func keptAnswersAreStoredAtTheFirstAttemptAndRejectedOnesFallBack() async throws {
        let world = try World()
        let entries = try Self.entries()
        let maxAttempts = world.configuration.enrichment.maxAttempts
        #expect(world.enricher.template.version == "briefing-v3")

        // One answer per hot account, nine good and two flawed.
        #expect(world.hot.count == 11)
        #expect(entries.count == world.hot.count)
        #expect(Set(entries.map(\.account)) == world.hot)
        #expect(entries.filter(\.kept).count == 9 && entries.filter { $0.expect == "rejected" }.count == 2)
        #expect(entries.allSatisfy { $0.expect == "kept" || $0.expect == "rejected" })

        let plan = try world.enricher.plan()
        #expect(Set(plan.selected.map(\.score.score.account)) == world.hot)
        // The prompt names no domain: each account is found by the company name its prompt renders.
        var companyNames: [String: String] = [:]
        for account in plan.accounts {
            let domain = account.score.score.account
            #expect(!account.prompt.user.contains(domain), "the prompt of \(domain) names its domain")
            let name = try #require(FakeOpenAIServer.companyName(inUserMessage: account.prompt.user), "\(domain): no Company: line")
            companyNames[domain] = name
        }
        let answers = try FakeOpenAIServer.cannedAnswers(FakeOpenAIServer.cannedAnswers(file: Self.file), companyNames: companyNames)
        #expect(answers.count == world.hot.count)

        let server = try FakeOpenAIServer(apiKey: Self.key, queue: [], otherwise: .canned(answers))
        defer { server.stop() }
        let summary = try await world.enricher.enrich(plan, client: world.client(server))

        #expect(server.requests.allSatisfy { $0.rejection == nil && $0.behavior == "canned" && $0.status == 200 })
        #expect(server.counts == ["canned": server.received])
        #expect(summary.calls == server.received)
        #expect(summary.deferred == 0 && summary.retries == 0 && summary.failedCalls == 0)

        let validator = try world.validator
        var accepted = 0, disagreements: [String] = [], verdicts: [String] = []
        for entry in entries.sorted(by: { $0.account < $1.account }) {
            let domain = entry.account
            let account = try #require(plan.accounts.first { $0.score.score.account == domain })
            let name = try #require(companyNames[domain])
            let requests = server.requests.filter { $0.companyName == name }
            let record = try #require(try world.store.briefings(account: domain).first, "\(domain): nothing stored")
            #expect(record.input == account.input)

            // The expectation computed independently: the validator `briefer enrich` builds, on this account's input.
            let verdict = validator.validate(ModelAnswer(content: entry.content, finishReason: "stop"), input: account.input)
            let codes = Set(verdict.codes.map(\.rawValue))

            // What is stored follows the validator's verdict, whatever the label.
            if verdict.isValid {
                accepted += 1
                #expect(record.source == .llm, "\(domain): accepted by the validator but stored as \(String(describing: record.source))")
                #expect(record.attempts == 1, "\(domain)")
                #expect(record.errors.isEmpty, "\(domain): \(record.errors)")
                #expect(record.briefing == verdict.briefing, "\(domain)")
                #expect(record.model == Self.model)
                #expect(requests.count == 1 && !requests[0].isRepair, "\(domain): \(requests.count) requests")
            } else {
                // Not kept at attempt 1; the same content again at every repair, then the fallback.
                #expect(!(record.source == .llm && record.attempts == 1), "\(domain): a rejected answer was kept at attempt 1")
                #expect(record.source == .rules, "\(domain)")
                #expect(record.attempts == maxAttempts, "\(domain): \(record.attempts) attempts")
                #expect(requests.count == record.attempts, "\(domain)")
                #expect(requests.dropFirst().allSatisfy { $0.isRepair }, "\(domain)")
                let first = Set(record.errors.filter { $0.attempt == 1 }.map(\.code))
                #expect(first == codes, "\(domain): stored \(first), validator says \(codes)")
            }

            let errorList = verdict.errors.map { (error: BriefingError) -> String in
                error.field.map { "\(error.code.rawValue) (\($0))" } ?? error.code.rawValue
            }
            verdicts.append(
                "\(domain) (\(entry.expect)): " + (verdict.isValid ? "accepted" : "rejected with " + errorList.joined(separator: ", ")))

            // The label: asserted where the current validator agrees with it; a disagreement is reported.
            let agrees = entry.kept ? verdict.isValid : (!verdict.isValid && (entry.code.map(codes.contains) ?? true))
            if agrees {
                if entry.kept {
                    #expect(record.source == .llm && record.attempts == 1, "\(domain): a good answer was not kept at the first attempt")
                } else {
                    #expect(!(record.source == .llm && record.attempts == 1), "\(domain): a flawed answer was kept at the first attempt")
                    if let code = entry.code {
                        #expect(record.errors.contains { $0.attempt == 1 && $0.code == code }, "\(domain): no \(code) at attempt 1")
                    }
                }
            } else {
                // The current validator disagrees with the label (the validator is being changed; see `strict`).
                let said =
                    verdict.isValid ? "accepts it" : "rejects it with:\n" + verdict.errors.map { "    \($0)" }.joined(separator: "\n")
                let expected = entry.kept ? "kept" : "rejected" + (entry.code.map { " (\($0))" } ?? "")
                let message = "\(domain): labelled \(expected), but the current validator \(said)"
                disagreements.append(message)
                if Self.strict { Issue.record("\(message)") }
            }
        }
        #expect(summary.firstTime == accepted)
        #expect(summary.fallbacks == entries.count - accepted)
        #expect(try world.store.briefings().count == entries.count)

        print(
            "canned answers: \(entries.count) accounts, \(accepted) accepted by the current validator at the first attempt, "
                + "\(disagreements.count) disagreement(s) with the labels\(disagreements.isEmpty || Self.strict ? "" : " (reported, not failed: strict is off)")"
        )
        for line in verdicts { print("  " + line) }
        for message in disagreements { print("  DISAGREEMENT " + message) }
    }

    // MARK: The fake itself

    /// The fake reads the v3 prompt as it reads v1's: the window's most used features and the completed
    /// activation steps are the input's, and its grounded briefing passes the validator for every hot account.
    @Test(arguments: ["Prompts/briefing.v1.yaml", "Prompts/briefing.v3.yaml"])
    func theFakeReadsThePromptAndGroundsABriefingInIt(_ prompt: String) throws {
        let world = try World(prompt: try PromptLoader.load(path: FixturePaths.root.appendingPathComponent(prompt).path))
        let plan = try world.enricher.plan()
        #expect(plan.accounts.count == 11)
        let validator = try world.validator
        for account in plan.accounts {
            let domain = account.score.score.account
            let user = account.prompt.user
            let features = FakeOpenAIServer.usages(anyOf: FakeOpenAIServer.PromptLabels.topFeatures, inUserMessage: user)
            #expect(features.map(\.name) == account.input.topFeatures.map(\.name), "\(domain)")
            #expect(features.map(\.count) == account.input.topFeatures.map(\.count), "\(domain)")
            #expect(
                FakeOpenAIServer.names(anyOf: FakeOpenAIServer.PromptLabels.completedActivations, inUserMessage: user)
                    == account.input.completedActivations, "\(domain)")
            #expect(FakeOpenAIServer.companyName(inUserMessage: user) == account.input.companyName, "\(domain)")
            let briefing = try #require(FakeOpenAIServer.groundedBriefing(forUserMessage: user), "\(domain)")
            let verdict = validator.validate(
                ModelAnswer(content: FakeOpenAIServer.briefingJSON(briefing), finishReason: "stop"), input: account.input)
            #expect(verdict.errors.isEmpty, "\(domain): \(verdict.errors)")
        }
    }

    @Test func theLabelsReadBothPromptVersionsAndATallyIsNotAName() {
        let v1 = """
            Completed activation events: project_created, core_feature_used
            Most used features (uses): sql_editor (8), alerts (4)
            """
        let v3 = """
            Activation steps completed by the account, ever: project_created, core_feature_used (2 of 4)
            Activation steps the account has not completed: team_invite_sent, integration_connected
            Features used by the account in the last 7 days: 2 different; most used (uses): sql_editor (8), alerts (4)
            Features used by the account ever: 3 different; most used (uses): dashboard (20), sql_editor (10), alerts (9)
            """
        for text in [v1, v3] {
            let features = FakeOpenAIServer.usages(anyOf: FakeOpenAIServer.PromptLabels.topFeatures, inUserMessage: text)
            #expect(features.map(\.name) == ["sql_editor", "alerts"] && features.map(\.count) == [8, 4])
            #expect(
                FakeOpenAIServer.names(anyOf: FakeOpenAIServer.PromptLabels.completedActivations, inUserMessage: text)
                    == ["project_created", "core_feature_used"])
        }
        // v1 callers, with one label.
        #expect(FakeOpenAIServer.usages("Most used features (uses)", inUserMessage: v1).map(\.name) == ["sql_editor", "alerts"])
        #expect(FakeOpenAIServer.names("Completed activation events", inUserMessage: v1) == ["project_created", "core_feature_used"])
        // Nothing completed yet.
        #expect(
            FakeOpenAIServer.names(
                "Activation steps completed by the account, ever",
                inUserMessage:
                    "Activation steps completed by the account, ever: none (0 of 4)"
            ).isEmpty)
        // A parenthesis that is no tally stays.
        #expect(FakeOpenAIServer.names("Tools", inUserMessage: "Tools: dbt (core), looker") == ["dbt (core)", "looker"])
    }

    @Test func anAccountWithoutACannedAnswerGetsA500SayingSo() async throws {
        let server = try FakeOpenAIServer(
            apiKey: Self.key, queue: [], otherwise: .canned(["Acme Corporation": #"{"use_case_hypothesis": "x"}"#]))
        defer { server.stop() }
        var settings = try Self.configuration().enrichment
        settings.maxRetries = 0
        let client = LLMClient(
            endpoint: LLMEndpoint(baseUrl: server.baseURL, apiKey: Self.key), settings: settings, logger: .quiet, sleep: { _ in })
        // Temperature 0 (sent as 0.0): a number the fake must not take for the boolean false.
        func ask(_ company: String) async -> Result<ChatAnswer, any Error> {
            let user = "<account_data>\nCompany: \(company) (industry: saas; employees: 10; country: US)\n</account_data>"
            let request = ChatRequest(
                model: Self.model, messages: [.init(role: "system", content: "Brief."), .init(role: "user", content: user)],
                temperature: 0, maxTokens: 100, responseFormat: settings.responseFormat, minFieldChars: 20, maxFieldChars: 200)
            do { return .success(try await client.complete(request) { _ in }) } catch { return .failure(error) }
        }
        let known = try await ask("Acme Corporation").get()
        #expect(known.answer.content == #"{"use_case_hypothesis": "x"}"#)
        guard case let .failure(error) = await ask("Initech") else { Issue.record("no failure for an unknown account"); return }
        #expect("\(error)".contains("HTTP 500") && "\(error)".contains("no canned answer for the account \"Initech\""), "\(error)")
        #expect(server.counts == ["canned": 2])
        #expect(server.requests.map(\.status) == [200, 500])
    }

    @Test func aCannedAnswersFileWithAnAccountTwiceIsRefused() throws {
        let temporary = try TemporaryStore()
        let line = #"{"account": "acme.com", "expect": "kept", "content": "{}"}"#
        let good = try temporary.file("good.jsonl", line + "\n\n" + #"{"account": "hooli.com", "content": "{}"}"# + "\n")
        #expect(try FakeOpenAIServer.cannedAnswers(file: URL(fileURLWithPath: good)) == ["acme.com": "{}", "hooli.com": "{}"])
        let twice = try temporary.file("twice.jsonl", line + "\n" + line + "\n")
        let error = #expect(throws: FakeOpenAIServer.CannedAnswersError.self) {
            try FakeOpenAIServer.cannedAnswers(file: URL(fileURLWithPath: twice))
        }
        #expect(error?.description == "twice.jsonl:2: a second answer for acme.com (the first is on line 1)")
        let noContent = try temporary.file("bad.jsonl", #"{"account": "acme.com"}"# + "\n")
        #expect(throws: FakeOpenAIServer.CannedAnswersError.self) {
            try FakeOpenAIServer.cannedAnswers(file: URL(fileURLWithPath: noContent))
        }
        // Two accounts under one company name cannot be told apart.
        #expect(throws: FakeOpenAIServer.CannedAnswersError.self) {
            try FakeOpenAIServer.cannedAnswers(["a.com": "{}", "b.com": "{}"], companyNames: ["a.com": "Same", "b.com": "Same"])
        }
    }
}
