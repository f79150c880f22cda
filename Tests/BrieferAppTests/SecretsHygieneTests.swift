import BrieferApp
import BrieferCore
import BrieferStore
import BrieferTesting
import Foundation
import Testing

/// Secrets and data hygiene (issue 6): with marker values as the OpenAI key and the HubSpot token and
/// debug logging on, the fake servers see the markers as bearer tokens, and no marker is anywhere else —
/// the database and its -wal/-shm, logs, payload files, reports, `config print`, error output. No email
/// address reaches the model.
@Suite(.serialized)
struct SecretsHygieneTests {
    static let openAIMarker = "sk-MARKER-openai-5d1f0c7e"
    static let hubSpotMarker = "pat-MARKER-hubspot-93ab4410"

    static func briefer(_ arguments: [String], environment extra: [String: String]) throws -> (Int32, String) {
        let run = try BrieferBinary.run(arguments, environment: extra.mapValues { Optional($0) })
        return (run.status, run.output)
    }

    /// Keys are not sent over plain http to another machine: refused with a message that names neither
    /// key, unless the host is this machine or BRIEFER_ALLOW_CLEARTEXT=1 says the network is trusted.
    @Test func keysAreNotSentInTheClearToAnotherMachine() throws {
        let settings = BrieferConfiguration().enrichment
        let key = "sk-cleartext-marker"
        func llm(_ url: String, key: String = key, allow: Bool = false) throws -> LLMEndpoint {
            var environment = ["OPENAI_API_KEY": key]
            if allow { environment["BRIEFER_ALLOW_CLEARTEXT"] = "1" }
            return try LLMEndpoint.resolve(configuration: settings, baseUrlFlag: url, environment: environment)
        }
        do {
            _ = try llm("http://10.1.2.3:8080/v1")
            Issue.record("a key to plain http on another host was not refused")
        } catch {
            #expect((error as? any BrieferError)?.code == .badEndpoint && !"\(error)".contains(key), "\(error)")
        }
        for fine in ["https://api.openai.com/v1", "http://127.0.0.1:8088/v1", "http://localhost:8088/v1", "http://[::1]:8088/v1"] {
            #expect(throws: Never.self, "\(fine)") { _ = try llm(fine) }
        }
        #expect(throws: Never.self) { _ = try llm("http://10.1.2.3:8080/v1", key: "") }  // no key, nothing to leak
        #expect(throws: Never.self) { _ = try llm("http://10.1.2.3:8080/v1", allow: true) }

        let token = "pat-cleartext-marker"
        do {
            _ = try HubSpotEndpoint.resolve(
                configuration: BrieferConfiguration().crm,
                environment: ["HUBSPOT_BASE_URL": "http://crm.internal.example", "HUBSPOT_ACCESS_TOKEN": token])
            Issue.record("a token to plain http on another host was not refused")
        } catch {
            #expect((error as? any BrieferError)?.code == .badEndpoint && !"\(error)".contains(token), "\(error)")
        }
        #expect(throws: Never.self) {
            _ = try HubSpotEndpoint.resolve(configuration: BrieferConfiguration().crm, environment: ["HUBSPOT_ACCESS_TOKEN": token])
        }
    }

    @Test func theKeysReachOnlyTheServersAndNoEmailReachesTheModel() throws {
        let temporary = try TemporaryStore()
        let db = temporary.directory.appendingPathComponent("hygiene.sqlite").path
        let out = temporary.directory.appendingPathComponent("crm").path
        // A model server that checks the key and answers one request in three with a 401 echoing what it got
        // (as OpenAI's "Incorrect API key provided: sk-…" does), a HubSpot that checks its token.
        let echo = FakeOpenAIServer.errorBody(
            "Incorrect API key provided: \(Self.openAIMarker). You can find your API key at "
                + "https://platform.openai.com/account/api-keys.", type: "invalid_request_error", code: "invalid_api_key")
        let llm = try FakeOpenAIServer(apiKey: Self.openAIMarker) { request in
            request.index % 3 == 2 ? .status(401, headers: [], body: echo) : .grounded
        }
        let crm = try FakeHubSpotServer(token: Self.hubSpotMarker)
        defer { llm.stop(); crm.stop() }
        let environment = [
            "OPENAI_API_KEY": Self.openAIMarker, "HUBSPOT_ACCESS_TOKEN": Self.hubSpotMarker, "HUBSPOT_BASE_URL": crm.baseURL,
        ]
        let common = ["--db", db, "--config", FixturePaths.config.path, "--log-level", "debug"]
        var outputs: [String] = []
        func run(_ arguments: [String], env: [String: String] = environment) throws -> Int32 {
            let (status, output) = try Self.briefer(arguments, environment: env)
            outputs.append(output)
            return status
        }
        _ = try run(
            ["run"] + common + [
                "--inputs", FixturePaths.workspace.path, "--as-of", "2026-11-20T12:00:00Z", "--push",
                "--base-url", llm.baseURL, "--model", "test-model",
            ])
        _ = try run(
            ["run"] + common + [
                "--log-format", "json", "--as-of", "2026-11-20T13:00:00Z", "--out", out,
                "--base-url", llm.baseURL, "--model", "test-model",
            ])
        _ = try run(["enrich"] + common + ["--base-url", llm.baseURL, "--model", "test-model"])
        // A wrong key: the refusal is reported, the key is not.
        _ = try run(
            ["enrich"] + common + ["--base-url", llm.baseURL, "--model", "test-model"],
            env: environment.merging(["OPENAI_API_KEY": Self.openAIMarker + "-wrong"]) { $1 })
        for arguments in [["status"], ["briefings", "--json"], ["sync-log", "--json"], ["config", "print"], ["quarantine"]] {
            _ = try run(arguments + common)
        }
        _ = try run(["sync"] + common + ["--push"], env: environment.merging(["HUBSPOT_BASE_URL": "http://127.0.0.1:9"]) { $1 })

        // The servers got the markers as bearer tokens.
        #expect(llm.requests.count > 5)
        #expect(llm.requests.contains { $0.rejection == nil })
        #expect(crm.received > 0 && crm.requests.contains { $0.status == 200 || $0.status == 207 })

        // Nowhere else.
        var places: [(String, Data)] = outputs.enumerated().map { ("output \($0.offset)", Data($0.element.utf8)) }
        for suffix in ["", "-wal", "-shm"] {
            if let data = FileManager.default.contents(atPath: db + suffix) { places.append((db + suffix, data)) }
        }
        for file in (FileManager.default.subpaths(atPath: out) ?? []) {
            if let data = FileManager.default.contents(atPath: out + "/" + file) { places.append((file, data)) }
        }
        #expect(places.count > 10)
        for (name, data) in places {
            for marker in ["MARKER", Self.openAIMarker, Self.hubSpotMarker] {
                #expect(data.range(of: Data(marker.utf8)) == nil, "\(marker) found in \(name)")
            }
        }
        #expect(outputs.joined().contains("\"level\""))  // the JSON debug log was really on

        // No email address of the workspace is in any prompt.
        let emails = try String(contentsOf: FixturePaths.workspace.appendingPathComponent("users.csv"), encoding: .utf8)
            .split(whereSeparator: { ",\n\r\"".contains($0) }).filter { $0.contains("@") }.map(String.init)
        #expect(emails.count > 100)
        for request in llm.requests {
            let body = request.bodyText.lowercased()
            #expect(!emails.contains { body.contains($0.lowercased()) }, "an email address reached the model")
        }
    }
}
