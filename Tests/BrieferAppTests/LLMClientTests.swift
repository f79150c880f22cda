import BrieferApp
import BrieferCore
import BrieferTesting
import Foundation
import Synchronization
import Testing

/// The model client (SPEC §5 transport policy) against the OpenAI-compatible fake: what it sends, and
/// how it retries, waits, defers and gives up. Waits are recorded, never slept.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct LLMClientTests {
    static let key = "sk-test-0123456789abcdefSECRET"

    /// The account data of a rendered prompt, enough for the fake to ground a briefing in it.
    static let userMessage = """
        <account_data>
        Company: Acme Corporation (saas, 1200 employees, US)
        Most used features (uses): sql_editor (8), alerts (4), dashboard (4)
        </account_data>
        """

    /// The waits the client asked for, in order.
    final class Waits: Sendable {
        private let values = Mutex<[Double]>([])
        var all: [Double] { values.withLock { $0 } }
        func add(_ seconds: Double) { values.withLock { $0.append(seconds) } }
    }

    static func settings(_ change: (inout BrieferConfiguration.Enrichment) -> Void = { _ in }) -> BrieferConfiguration.Enrichment {
        var settings = BrieferConfiguration().enrichment
        // The SPEC §5 defaults, spelled out: the tests count calls and waits from them.
        settings.model = "test-model"
        settings.temperature = 0.3
        settings.maxTokens = 400
        settings.maxRetries = 2
        settings.maxRetryAfterSeconds = 120
        settings.concurrency = 2
        settings.requestsPerMinute = 0
        settings.tokensPerMinute = 0
        settings.briefing.minFieldChars = 20
        settings.briefing.maxFieldChars = 200
        change(&settings)
        return settings
    }

    static func client(_ server: FakeOpenAIServer, key: String = LLMClientTests.key, settings: BrieferConfiguration.Enrichment = settings())
        -> (LLMClient, Waits)
    {
        let waits = Waits()
        let client = LLMClient(
            endpoint: LLMEndpoint(baseUrl: server.baseURL, apiKey: key), settings: settings, logger: .quiet,
            sleep: { waits.add($0) })
        return (client, waits)
    }

    static func request(
        _ settings: BrieferConfiguration.Enrichment = settings(), messages: [ChatRequest.Message]? = nil,
        maxTokens: Int? = nil
    ) -> ChatRequest {
        ChatRequest(
            model: settings.model,
            messages: messages ?? [
                .init(role: "system", content: "You write sales briefings."), .init(role: "user", content: userMessage),
            ],
            temperature: settings.temperature, maxTokens: maxTokens ?? settings.maxTokens, responseFormat: settings.responseFormat,
            minFieldChars: settings.briefing.minFieldChars, maxFieldChars: settings.briefing.maxFieldChars)
    }

    /// Sends `request`, returning the answer or the failure, and every exchange reported.
    static func send(_ client: LLMClient, _ request: ChatRequest = request()) async -> (Result<ChatAnswer, ChatFailure>, [ChatExchange]) {
        var exchanges: [ChatExchange] = []
        do {
            let answer = try await client.complete(request) { exchanges.append($0) }
            return (.success(answer), exchanges)
        } catch let failure as ChatFailure {
            return (.failure(failure), exchanges)
        } catch {
            Issue.record("unexpected error \(error)")
            return (.failure(.failed("\(error)")), exchanges)
        }
    }

    static var groundedContent: String {
        FakeOpenAIServer.briefingJSON(FakeOpenAIServer.groundedBriefing(forUserMessage: userMessage)!)
    }

    // MARK: What is sent

    @Test func sendsTheBearerKeyAndTheNestedSchema() async throws {
        let server = try FakeOpenAIServer(apiKey: Self.key, queue: [.grounded])
        defer { server.stop() }
        let (client, waits) = Self.client(server)
        let (result, exchanges) = await Self.send(client)

        let answer = try result.get()
        #expect(answer.answer.content == Self.groundedContent)
        #expect(answer.answer.finishReason == "stop")
        #expect(server.received == 1)
        let seen = try #require(server.requests.first)
        #expect(seen.rejection == nil)
        #expect(seen.http.method == "POST")
        #expect(seen.http.path == "/v1/chat/completions")
        #expect(seen.http.header("authorization") == "Bearer \(Self.key)")
        #expect(seen.http.header("content-type") == "application/json")
        #expect(answer.promptTokens == seen.promptTokens && answer.completionTokens == seen.completionTokens && answer.promptTokens > 0)
        #expect(exchanges.count == 1 && exchanges[0].retry == 0 && exchanges[0].status == 200 && exchanges[0].error == nil)
        #expect(waits.all.isEmpty)

        let body = try #require(seen.json)
        #expect(body["model"] as? String == "test-model")
        #expect(body["temperature"] as? Double == 0.3)
        #expect(body["max_tokens"] as? Int == 400)
        #expect(seen.messages.map(\.role) == ["system", "user"])
        #expect(seen.messages[1].content == Self.userMessage)
        let format = try #require(body["response_format"] as? [String: Any])
        #expect(format["type"] as? String == "json_schema")
        #expect(format["schema"] == nil)
        let nested = try #require(format["json_schema"] as? [String: Any])
        #expect(nested["name"] as? String == "sales_briefing")
        #expect(nested["strict"] as? Bool == true)
        let schema = try #require(nested["schema"] as? [String: Any])
        #expect(schema["type"] as? String == "object")
        #expect(schema["additionalProperties"] as? Bool == false)
        #expect(Set(schema["required"] as? [String] ?? []) == Set(Briefing.fieldNames))
        let properties = try #require(schema["properties"] as? [String: [String: Any]])
        #expect(Set(properties.keys) == Set(Briefing.fieldNames))
        for (_, field) in properties {
            #expect(field["type"] as? String == "string")
            #expect(field["minLength"] as? Int == 20)
            #expect(field["maxLength"] as? Int == 200)
        }
    }

    @Test(arguments: [BrieferConfiguration.Enrichment.ResponseFormat.jsonObject, .none])
    func sendsTheConfiguredSimplerResponseFormat(_ format: BrieferConfiguration.Enrichment.ResponseFormat) async throws {
        let server = try FakeOpenAIServer(apiKey: Self.key, queue: [.grounded])
        defer { server.stop() }
        let settings = Self.settings { $0.responseFormat = format }
        let (result, _) = await Self.send(Self.client(server, settings: settings).0, Self.request(settings))
        _ = try result.get()
        let body = try #require(server.requests.first?.json)
        switch format {
        case .jsonObject:
            #expect((body["response_format"] as? [String: Any])?.keys.sorted() == ["type"])
            #expect((body["response_format"] as? [String: Any])?["type"] as? String == "json_object")
        default:
            #expect(body["response_format"] == nil)
        }
    }

    @Test func withoutAKeyNoAuthorizationHeaderIsSent() async throws {
        let open = try FakeOpenAIServer(queue: [.grounded])
        defer { open.stop() }
        _ = try await Self.send(Self.client(open, key: "").0).0.get()
        #expect(open.requests.first?.http.header("authorization") == nil)

        // A server that wants a key answers 401, which is not retried.
        let guarded = try FakeOpenAIServer(apiKey: Self.key, queue: [])
        defer { guarded.stop() }
        let (result, exchanges) = await Self.send(Self.client(guarded, key: "").0)
        #expect(guarded.received == 1)
        #expect(guarded.count(of: "rejected_401") == 1)
        #expect(exchanges.map(\.status) == [401])
        guard case let .failure(.endpoint(message)) = result else { Issue.record("expected an endpoint failure, got \(result)"); return }
        #expect(message.contains("HTTP 401"))
    }

    // MARK: The fake is strict

    /// Raw requests to the fake: it refuses what a real OpenAI-compatible server would, with an OpenAI error body.
    @Test func theFakeRejectsMalformedRequests() async throws {
        let server = try FakeOpenAIServer(apiKey: Self.key, queue: [], otherwise: .grounded)
        defer { server.stop() }
        let http = HTTPClient()
        let valid = Self.request().body
        func post(
            _ body: String, path: String = "/v1/chat/completions", key: String? = LLMClientTests.key,
            contentType: String = "application/json"
        ) async throws -> (Int, [String: Any]) {
            var headers = [HTTPHeader("Content-Type", contentType)]
            if let key { headers.append(HTTPHeader("Authorization", "Bearer " + key)) }
            let response = try await http.send(
                HTTPRequest(
                    url: server.baseURL.replacingOccurrences(of: "/v1", with: "") + path,
                    headers: headers, body: Data(body.utf8)))
            return (response.status, (try? JSONSerialization.jsonObject(with: response.body) as? [String: Any]) ?? [:])
        }
        func replacing(_ change: (inout [String: Any]) -> Void) -> String {
            var object = try! JSONSerialization.jsonObject(with: Data(valid.utf8)) as! [String: Any]
            change(&object)
            return String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        }

        let (okStatus, ok) = try await post(valid)
        #expect(okStatus == 200)
        #expect((ok["choices"] as? [Any])?.count == 1)

        let flat = replacing {
            $0["response_format"] = ["type": "json_schema", "schema": ["type": "object"]]
        }
        let malformed: [(String, String)] = [
            ("flat schema", flat),
            (
                "flat schema beside the nested one",
                replacing {
                    var format = $0["response_format"] as! [String: Any]
                    format["schema"] = ["type": "object"]
                    $0["response_format"] = format
                }
            ),
            (
                "schema without a name",
                replacing { $0["response_format"] = ["type": "json_schema", "json_schema": ["schema": ["type": "object"]]] }
            ),
            ("unknown format type", replacing { $0["response_format"] = ["type": "xml"] }),
            ("no model", replacing { $0["model"] = nil }),
            ("empty messages", replacing { $0["messages"] = [Any]() }),
            ("message without content", replacing { $0["messages"] = [["role": "user"]] }),
            ("unknown role", replacing { $0["messages"] = [["role": "robot", "content": "hi"]] }),
            ("temperature as text", replacing { $0["temperature"] = "0.3" }),
            ("temperature as a boolean", replacing { $0["temperature"] = true }),
            ("max_tokens missing", replacing { $0["max_tokens"] = nil }),
            ("max_tokens fractional", replacing { $0["max_tokens"] = 1.5 }),
            ("not JSON", "{\"model\": "),
            ("a JSON array", "[]"),
        ]
        for (name, body) in malformed {
            let (status, error) = try await post(body)
            #expect(status == 400, "\(name)")
            let details = error["error"] as? [String: Any] ?? [:]
            let type = details["type"] as? String
            let message = details["message"] as? String ?? ""
            #expect(type == "invalid_request_error", "\(name)")
            #expect(!message.isEmpty, "\(name)")
        }
        let (flatStatus, flatError) = try await post(flat)
        #expect(flatStatus == 400)
        #expect(((flatError["error"] as? [String: Any])?["message"] as? String)?.contains("json_schema.schema") == true)

        #expect(try await post(valid, contentType: "text/plain").0 == 400)
        #expect(try await post(valid, key: nil).0 == 401)
        let (wrongKey, wrongKeyError) = try await post(valid, key: "sk-wrong-key-0000")
        #expect(wrongKey == 401)
        #expect(((wrongKeyError["error"] as? [String: Any])?["code"] as? String) == "invalid_api_key")
        #expect(try await post(valid, path: "/v1/completions").0 == 404)

        // Only the first request reached the script; the rest were refused.
        #expect(server.count(of: "grounded") == 1)
        #expect(server.accepted.count == 1)
        #expect(server.received == 1 + malformed.count + 5)
    }

    /// A request the fake refuses (max_tokens 0) ends in a 400, which the client does not retry.
    @Test func aRejectedRequestIsNotRetried() async throws {
        let server = try FakeOpenAIServer(apiKey: Self.key, queue: [])
        defer { server.stop() }
        let (client, waits) = Self.client(server)
        let (result, exchanges) = await Self.send(client, Self.request(maxTokens: 0))
        #expect(server.received == 1)
        #expect(server.count(of: "rejected_400") == 1)
        #expect(server.requests[0].rejection?.contains("max_tokens") == true)
        #expect(exchanges.map(\.status) == [400])
        #expect(waits.all.isEmpty)
        guard case let .failure(.failed(message)) = result else { Issue.record("expected a failure, got \(result)"); return }
        #expect(message.contains("HTTP 400"))
        #expect(message.contains("max_tokens"))
    }

    // MARK: Retries and waits

    @Test func retryAfterIsWaitedThenRetried() async throws {
        let server = try FakeOpenAIServer(apiKey: Self.key, queue: [.tooManyRequests(retryAfter: "1")])
        defer { server.stop() }
        let (client, waits) = Self.client(server)
        let (result, exchanges) = await Self.send(client)
        #expect(try result.get().answer.content == Self.groundedContent)
        #expect(server.received == 2)
        #expect(server.counts == ["status_429": 1, "grounded": 1])
        #expect(waits.all == [1])
        #expect(exchanges.map(\.retry) == [0, 1])
        #expect(exchanges.map(\.status) == [429, 200])
    }

    @Test func retryAfterMsWinsOverRetryAfter() async throws {
        let server = try FakeOpenAIServer(
            apiKey: Self.key,
            queue: [
                .tooManyRequests(retryAfterMs: "250"), .tooManyRequests(retryAfter: "7", retryAfterMs: "1500"),
            ])
        defer { server.stop() }
        let (client, waits) = Self.client(server)
        let (result, _) = await Self.send(client)
        _ = try result.get()
        #expect(server.received == 3)
        #expect(waits.all == [0.25, 1.5])
    }

    @Test func aWaitLongerThanAllowedDefersInsteadOfRetrying() async throws {
        let server = try FakeOpenAIServer(apiKey: Self.key, queue: [.tooManyRequests(retryAfter: "300")])
        defer { server.stop() }
        let (client, waits) = Self.client(server)
        let (result, exchanges) = await Self.send(client)
        #expect(server.received == 1)
        #expect(waits.all.isEmpty)
        #expect(exchanges.count == 1)
        guard case let .failure(.deferred(seconds, message)) = result else { Issue.record("expected a deferral, got \(result)"); return }
        #expect(seconds == 300)
        #expect(message.contains("429"))
    }

    @Test func anHTTPDateRetryAfterFarAheadDefers() async throws {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let date = formatter.string(from: Date().addingTimeInterval(3600))
        let server = try FakeOpenAIServer(apiKey: Self.key, queue: [.status(503, headers: [HTTPHeader("retry-after", date)])])
        defer { server.stop() }
        let (result, _) = await Self.send(Self.client(server).0)
        #expect(server.received == 1)
        guard case let .failure(.deferred(seconds, _)) = result else { Issue.record("expected a deferral, got \(result)"); return }
        #expect(seconds > 3500 && seconds <= 3600)
    }

    /// A long retry-after on the last retry allowed still means "come back later", not "failed": the enricher
    /// defers on the first and, on the second, starts a fresh attempt at once against a rate-limited server.
    @Test func aLongRetryAfterOnTheLastRetryStillDefers() async throws {
        let server = try FakeOpenAIServer(apiKey: Self.key, queue: [.status(503), .status(503), .tooManyRequests(retryAfter: "300")])
        defer { server.stop() }
        let (result, _) = await Self.send(Self.client(server).0)
        #expect(server.received == 3)
        guard case .failure(.deferred(300, _)) = result else {
            Issue.record("expected a deferral of 300 s, got \(result)")
            return
        }

    }

    /// HTTPError.Kind.transport (TLS failures) is documented as "trying again will not help", and SPEC §5
    /// retries connection errors and timeouts only.
    @Test func aTLSFailureIsNotRetried() async throws {
        let server = try FakeOpenAIServer(apiKey: Self.key, queue: [])
        defer { server.stop() }
        let endpoint = LLMEndpoint(baseUrl: server.baseURL.replacingOccurrences(of: "http://", with: "https://"), apiKey: Self.key)
        let waits = Waits()
        let client = LLMClient(endpoint: endpoint, settings: Self.settings(), logger: .quiet, sleep: { waits.add($0) })
        let (result, exchanges) = await Self.send(client)
        #expect(server.received == 0)
        guard case let .failure(.endpoint(message)) = result else { Issue.record("expected an endpoint failure, got \(result)"); return }
        #expect(message.contains("transport"))
        #expect(exchanges.count == 1)
        #expect(waits.all.isEmpty)

    }

    @Test func xShouldRetryFalseStopsARetryableStatus() async throws {
        let server = try FakeOpenAIServer(apiKey: Self.key, queue: [.status(503, headers: [HTTPHeader("x-should-retry", "false")])])
        defer { server.stop() }
        let (client, waits) = Self.client(server)
        let (result, _) = await Self.send(client)
        #expect(server.received == 1)
        #expect(waits.all.isEmpty)
        guard case let .failure(.failed(message)) = result else { Issue.record("expected a failure, got \(result)"); return }
        #expect(message.contains("HTTP 503"))
    }

    @Test func xShouldRetryTrueRetriesA400() async throws {
        let server = try FakeOpenAIServer(apiKey: Self.key, queue: [.status(400, headers: [HTTPHeader("x-should-retry", "true")])])
        defer { server.stop() }
        let (client, waits) = Self.client(server)
        let (result, _) = await Self.send(client)
        _ = try result.get()
        #expect(server.counts == ["status_400": 1, "grounded": 1])
        #expect(waits.all.count == 1)
    }

    @Test(arguments: [408, 409, 429, 500, 502, 503, 504, 529])
    func retryableStatusesAreRetried(_ status: Int) async throws {
        let server = try FakeOpenAIServer(apiKey: Self.key, queue: [.status(status)])
        defer { server.stop() }
        let (result, exchanges) = await Self.send(Self.client(server).0)
        _ = try result.get()
        #expect(server.received == 2)
        #expect(exchanges.map(\.status) == [status, 200])
    }

    @Test(arguments: [400, 401, 403, 404, 422])
    func otherStatusesAreNotRetried(_ status: Int) async throws {
        let server = try FakeOpenAIServer(apiKey: Self.key, queue: [.status(status)])
        defer { server.stop() }
        let (result, _) = await Self.send(Self.client(server).0)
        #expect(server.received == 1)
        // 401, 403 and 404 say the endpoint, key or model is wrong: the whole run stops, not just this request.
        switch result {
        case let .failure(.failed(message)) where ![401, 403, 404].contains(status): #expect(message.hasPrefix("HTTP \(status)"))
        case let .failure(.endpoint(message)) where [401, 403, 404].contains(status): #expect(message.hasPrefix("HTTP \(status)"))
        default: Issue.record("unexpected \(result) for \(status)")
        }
    }

    @Test func twoServerErrorsThenSuccessTakesThreeCalls() async throws {
        let server = try FakeOpenAIServer(apiKey: Self.key, queue: [.status(500), .status(503)])
        defer { server.stop() }
        let (client, waits) = Self.client(server)
        let (result, exchanges) = await Self.send(client)
        #expect(try result.get().answer.content == Self.groundedContent)
        #expect(server.received == 3)
        #expect(server.counts == ["status_500": 1, "status_503": 1, "grounded": 1])
        #expect(exchanges.map(\.status) == [500, 503, 200])
        #expect(exchanges.map(\.retry) == [0, 1, 2])
        #expect(exchanges[0].error?.contains("The server had an error") == true)
        #expect(waits.all.count == 2)
    }

    @Test(arguments: [0, 2, 4])
    func aServerThatAlwaysFailsGetsOnePlusMaxRetriesCalls(_ maxRetries: Int) async throws {
        let server = try FakeOpenAIServer(apiKey: Self.key, queue: [], otherwise: .status(503))
        defer { server.stop() }
        let (client, waits) = Self.client(server, settings: Self.settings { $0.maxRetries = maxRetries })
        let (result, exchanges) = await Self.send(client)
        #expect(server.received == 1 + maxRetries)
        #expect(exchanges.count == 1 + maxRetries)
        #expect(waits.all.count == maxRetries)
        guard case let .failure(.failed(message)) = result else { Issue.record("expected a failure, got \(result)"); return }
        #expect(message.contains("HTTP 503"))
    }

    /// After the n-th retry the wait is min(0.5·2ⁿ, 8)·(1 − 0.25·r), r in [0, 1): 0.5, 1, 2, 4, 8, 8 s, less up to a quarter.
    @Test func backoffWaitsStayWithinTheirBounds() async throws {
        let server = try FakeOpenAIServer(apiKey: Self.key, queue: [], otherwise: .status(500))
        defer { server.stop() }
        let (client, waits) = Self.client(server, settings: Self.settings { $0.maxRetries = 7 })
        _ = await Self.send(client)
        #expect(server.received == 8)
        let expectedMax = [0.5, 1, 2, 4, 8, 8, 8]
        #expect(waits.all.count == expectedMax.count)
        for (n, wait) in waits.all.enumerated() where n < expectedMax.count {
            #expect(wait <= expectedMax[n] && wait > expectedMax[n] * 0.75 - 1e-9, "retry \(n): waited \(wait)")
        }
    }

    @Test func aDroppedConnectionIsRetriedThenFails() async throws {
        let server = try FakeOpenAIServer(apiKey: Self.key, queue: [.drop])
        defer { server.stop() }
        let (client, _) = Self.client(server)
        _ = try await Self.send(client).0.get()
        #expect(server.counts == ["drop": 1, "grounded": 1])

        let always = try FakeOpenAIServer(apiKey: Self.key, queue: [], otherwise: .drop)
        defer { always.stop() }
        let (result, exchanges) = await Self.send(Self.client(always).0)
        #expect(always.received == 3)
        #expect(exchanges.allSatisfy { $0.status == nil && $0.answer == nil })
        guard case let .failure(.failed(message)) = result else { Issue.record("expected a failure, got \(result)"); return }
        #expect(message.contains("connection"))
    }

    /// A connection the server closes without answering is a connection error the client retries and
    /// counts, also when it is a reused keep-alive connection; libcurl instead re-sends the request by itself
    /// on a fresh connection, so a billable request is made that no exchange reports and no retry limit bounds.
    @Test func aDroppedReusedConnectionIsRetriedByTheClientNotSilently() async throws {
        let server = try FakeOpenAIServer(apiKey: Self.key, queue: [.grounded, .drop])
        defer { server.stop() }
        let (client, _) = Self.client(server, settings: Self.settings { $0.concurrency = 1 })
        _ = try await Self.send(client).0.get()
        let (result, exchanges) = await Self.send(client)  // a POST never reuses a connection: the drop is seen and retried
        _ = try result.get()
        #expect(server.received == 3)
        #expect(server.counts == ["grounded": 2, "drop": 1])
        #expect(exchanges.count == 2)
        #expect(exchanges.map(\.retry) == [0, 1])
    }

    @Test func aTruncatedBodyIsAConnectionErrorAndRetried() async throws {
        let server = try FakeOpenAIServer(apiKey: Self.key, queue: [.truncatedBody])
        defer { server.stop() }
        let (result, exchanges) = await Self.send(Self.client(server).0)
        _ = try result.get()
        #expect(server.counts == ["truncated_body": 1, "grounded": 1])
        #expect(exchanges.first?.status == nil)
    }

    @Test func aServerThatHangsTimesOutAndIsRetriedThenFails() async throws {
        let settings = Self.settings {
            $0.requestTimeoutSeconds = 1; $0.maxRetries = 1
        }
        let recovering = try FakeOpenAIServer(apiKey: Self.key, queue: [.hang])
        defer { recovering.stop() }
        let started = ContinuousClock.now
        _ = try await Self.send(Self.client(recovering, settings: settings).0, Self.request(settings)).0.get()
        #expect(recovering.counts == ["hang": 1, "grounded": 1])

        let hanging = try FakeOpenAIServer(apiKey: Self.key, queue: [], otherwise: .hang)
        defer { hanging.stop() }
        let (result, exchanges) = await Self.send(Self.client(hanging, settings: settings).0, Self.request(settings))
        #expect(hanging.received == 2)
        #expect(exchanges.count == 2)
        guard case let .failure(.failed(message)) = result else { Issue.record("expected a failure, got \(result)"); return }
        #expect(message.contains("timeout"))
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func aSlowAnswerWithinTheTimeoutIsTaken() async throws {
        let settings = Self.settings { $0.requestTimeoutSeconds = 2 }
        let server = try FakeOpenAIServer(apiKey: Self.key, queue: [.slow(0.3, then: .grounded)])
        defer { server.stop() }
        let (result, exchanges) = await Self.send(Self.client(server, settings: settings).0, Self.request(settings))
        _ = try result.get()
        #expect(server.received == 1)
        #expect(exchanges[0].latency >= 0.3)
    }

    @Test func aNonJSONBodyWithStatus200IsRetriedThenFails() async throws {
        let server = try FakeOpenAIServer(apiKey: Self.key, queue: [.notJSON])
        defer { server.stop() }
        let (result, exchanges) = await Self.send(Self.client(server).0)
        _ = try result.get()
        #expect(server.counts == ["not_json": 1, "grounded": 1])
        #expect(exchanges.map(\.status) == [200, 200])
        #expect(exchanges[0].answer == nil && exchanges[0].error?.contains("unreadable") == true)

        let always = try FakeOpenAIServer(apiKey: Self.key, queue: [], otherwise: .notJSON)
        defer { always.stop() }
        let (failed, _) = await Self.send(Self.client(always).0)
        #expect(always.received == 3)
        guard case let .failure(.failed(message)) = failed else { Issue.record("expected a failure, got \(failed)"); return }
        #expect(message.contains("unreadable"))
    }

    /// Answers that are chat completions but not briefings are the validator's business, not the client's: no retry.
    @Test func refusalsAndCutOffAnswersAreReturnedAsTheyCame() async throws {
        let server = try FakeOpenAIServer(apiKey: Self.key, queue: [.refusal("I'm sorry, but I can't help with that."), .lengthCutoff])
        defer { server.stop() }
        let (client, _) = Self.client(server)
        let refusal = try await Self.send(client).0.get()
        #expect(refusal.answer.content == nil)
        #expect(refusal.answer.refusal == "I'm sorry, but I can't help with that.")
        let cut = try await Self.send(client).0.get()
        #expect(cut.answer.finishReason == "length")
        #expect(cut.completionTokens == 400)
        #expect(server.received == 2)
    }

    // MARK: Secrets and limits

    @Test func errorsNeverCarryTheKey() async throws {
        // A wrong key: the server quotes it back masked, as OpenAI does.
        let guarded = try FakeOpenAIServer(apiKey: "sk-the-right-key-000000", queue: [])
        defer { guarded.stop() }
        let (result, exchanges) = await Self.send(Self.client(guarded).0)
        guard case let .failure(failure) = result else { Issue.record("expected a failure"); return }
        #expect(failure.description.contains("HTTP 401"))
        #expect(!failure.description.contains(Self.key))
        #expect(!exchanges.contains { ($0.error ?? "").contains(Self.key) })

        // Transport failures.
        let dropping = try FakeOpenAIServer(apiKey: Self.key, queue: [], otherwise: .drop)
        defer { dropping.stop() }
        let (dropped, droppedExchanges) = await Self.send(Self.client(dropping).0)
        #expect(!"\(dropped)".contains(Self.key))
        #expect(!droppedExchanges.contains { ($0.error ?? "").contains(Self.key) })
    }

    /// A server (or proxy) that quotes the key in its error message verbatim: SPEC §5 says the key never
    /// appears in error messages (which the enricher stores in llm_calls.error).
    @Test func aKeyEchoedByTheServerIsNotRepeated() async throws {
        let echo = FakeOpenAIServer.errorBody("Invalid API key: \(Self.key)", type: "invalid_request_error")
        let server = try FakeOpenAIServer(apiKey: Self.key, queue: [], otherwise: .status(403, body: echo))
        defer { server.stop() }
        let (result, exchanges) = await Self.send(Self.client(server).0)
        #expect(server.received == 1)
        #expect(!"\(result)".contains(Self.key))
        #expect(!exchanges.contains { ($0.error ?? "").contains(Self.key) })

    }

    @Test(arguments: [1, 3])
    func theClientKeepsToItsConcurrencyLimit(_ limit: Int) async throws {
        let server = try FakeOpenAIServer(apiKey: Self.key, queue: [], otherwise: .slow(0.25, then: .grounded))
        defer { server.stop() }
        let (client, _) = Self.client(server, settings: Self.settings { $0.concurrency = limit })
        let requests = 2 * limit + 1
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<requests {
                group.addTask { _ = try await client.complete(Self.request()) { _ in } }
            }
            try await group.waitForAll()
        }
        #expect(server.received == requests)
        #expect(server.maxInFlight == limit)
    }
}
