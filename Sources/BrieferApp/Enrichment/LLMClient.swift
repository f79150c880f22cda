import BrieferCore
import Foundation
import Logging

/// Where and how to reach an OpenAI-compatible model server, resolved from flag, environment and file.
public struct LLMEndpoint: Sendable, CustomStringConvertible, CustomReflectable {
    public var baseUrl: String
    /// The bearer key; empty sends no Authorization header (local servers). Never logged or stored.
    var apiKey: String

    public init(baseUrl: String, apiKey: String) { self.baseUrl = baseUrl; self.apiKey = apiKey }

    /// flag > `OPENAI_BASE_URL` / `OPENAI_API_KEY` > the configuration file. The key is never taken from
    /// a command-line value (visible to every process) nor written in the configuration: the flag and the
    /// file name a file that holds it.
    public static func resolve(
        configuration: BrieferConfiguration.Enrichment, baseUrlFlag: String?, apiKeyFileFlag: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> LLMEndpoint {
        func nonEmpty(_ s: String?) -> String? { s.flatMap { $0.isEmpty ? nil : $0 } }
        let base = nonEmpty(baseUrlFlag) ?? nonEmpty(environment["OPENAI_BASE_URL"]) ?? configuration.baseUrl
        var key = ""
        if let file = nonEmpty(apiKeyFileFlag) {
            key = try readKey(file)
        } else if let env = nonEmpty(environment["OPENAI_API_KEY"]) {
            key = env
        } else if let file = nonEmpty(configuration.apiKeyFile) {
            key = try readKey(file)
        }
        if !key.isEmpty, let refusal = CleartextPolicy.refusal(url: base, secretName: "the API key", environment: environment) {
            throw EnrichmentError(refusal, code: .badEndpoint)
        }
        return LLMEndpoint(baseUrl: base, apiKey: key)
    }

    private static func readKey(_ path: String) throws -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw EnrichmentError("cannot read the API key file \(path)", code: .missingSecret)
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The endpoint as it may be shown: the base URL, and whether a key is set (never the key).
    public var description: String { "\(baseUrl) (\(apiKey.isEmpty ? "no API key" : "API key set"))" }
    public var customMirror: Mirror { Mirror(self, children: ["baseUrl": baseUrl, "apiKey": apiKey.isEmpty ? "" : "[redacted]"]) }

    /// `text` with the key, should it appear, masked: for every message that is logged, stored or shown.
    func redacting(_ text: String) -> String {
        apiKey.isEmpty ? text : text.replacingOccurrences(of: apiKey, with: "[redacted]")
    }

    /// `{base}/chat/completions`, whether or not the base ends in a slash.
    public var chatCompletionsURL: String {
        (baseUrl.hasSuffix("/") ? String(baseUrl.dropLast()) : baseUrl) + "/chat/completions"
    }
}

/// One chat completion request (SPEC §5).
public struct ChatRequest: Sendable {
    public struct Message: Sendable, Equatable, Codable {
        public var role: String
        public var content: String
        public init(role: String, content: String) { self.role = role; self.content = content }
    }

    public var model: String
    public var messages: [Message]
    public var temperature: Double
    public var maxTokens: Int
    public var responseFormat: BrieferConfiguration.Enrichment.ResponseFormat
    public var minFieldChars: Int
    public var maxFieldChars: Int

    public init(
        model: String, messages: [Message], temperature: Double, maxTokens: Int,
        responseFormat: BrieferConfiguration.Enrichment.ResponseFormat, minFieldChars: Int, maxFieldChars: Int
    ) {
        self.model = model; self.messages = messages; self.temperature = temperature; self.maxTokens = maxTokens
        self.responseFormat = responseFormat; self.minFieldChars = minFieldChars; self.maxFieldChars = maxFieldChars
    }

    /// The briefing's JSON schema: the four keys, each a bounded string, nothing else.
    public var schema: JSONValue {
        let field = JSONValue.object([
            ("type", .string("string")), ("minLength", .number(String(minFieldChars))),
            ("maxLength", .number(String(maxFieldChars))),
        ])
        return .object([
            ("type", .string("object")),
            ("properties", .object(Briefing.fieldNames.map { ($0, field) })),
            ("required", .array(Briefing.fieldNames.map(JSONValue.string))),
            ("additionalProperties", .bool(false)),
        ])
    }

    /// The request body: canonical JSON (sorted keys), so the same request is always the same bytes.
    public var body: String {
        var members: [(key: String, value: JSONValue)] = [
            ("model", .string(model)),
            ("messages", .array(messages.map { .object([("role", .string($0.role)), ("content", .string($0.content))]) })),
            ("temperature", .number(String(temperature))),
            ("max_tokens", .number(String(maxTokens))),
        ]
        switch responseFormat {
        case .jsonSchema:
            // The nested form: llama.cpp's server silently ignores a flat `schema`.
            members.append(
                (
                    "response_format",
                    .object([
                        ("type", .string("json_schema")),
                        ("json_schema", .object([("name", .string("sales_briefing")), ("strict", .bool(true)), ("schema", schema)])),
                    ])
                ))
        case .jsonObject:
            members.append(("response_format", .object([("type", .string("json_object"))])))
        case .none:
            break
        }
        return JSONValue.object(members).canonicalText
    }

    /// A rough token count for client-side limits: four characters a token, plus the completion budget.
    var estimatedTokens: Int { Self.estimatedTokens(messages: messages, maxTokens: maxTokens) }

    static func estimatedTokens(messages: [Message], maxTokens: Int) -> Int {
        messages.reduce(0) { $0 + $1.content.utf8.count / 4 } + maxTokens
    }
}

/// The answer to one chat completion.
public struct ChatAnswer: Sendable, Equatable {
    public var answer: ModelAnswer
    public var promptTokens: Int
    public var completionTokens: Int
}

/// One HTTP exchange with the model server, reported as it happens (for the store and the summary).
public struct ChatExchange: Sendable {
    public var retry: Int
    public var model: String
    public var status: Int?
    public var error: String?
    public var answer: ChatAnswer?
    public var latency: Double
}

/// An OpenAI-compatible `chat/completions` client over the libcurl layer: the SPEC §5 transport policy
/// (``RetryPolicy``), client-side limits on concurrency, requests and tokens per minute.
public final class LLMClient: Sendable {
    let endpoint: LLMEndpoint
    let settings: BrieferConfiguration.Enrichment
    let http: HTTPClient
    let policy: RetryPolicy
    let limiter: RateLimiter
    let logger: Logger
    /// Waits between retries; tests shorten it.
    let sleep: @Sendable (Double) async throws -> Void

    public init(
        endpoint: LLMEndpoint, settings: BrieferConfiguration.Enrichment, logger: Logger,
        sleep: @escaping @Sendable (Double) async throws -> Void = { try await Task.sleep(nanoseconds: UInt64(max($0, 0) * 1e9)) }
    ) {
        self.endpoint = endpoint
        self.settings = settings
        self.http = HTTPClient(maxConcurrent: settings.concurrency)
        self.policy = RetryPolicy(maxRetries: settings.maxRetries, maxRetryAfter: Double(settings.maxRetryAfterSeconds))
        self.limiter = RateLimiter(
            concurrency: settings.concurrency, requestsPerMinute: settings.requestsPerMinute,
            tokensPerMinute: settings.tokensPerMinute)
        self.logger = logger
        self.sleep = sleep
    }

    /// Sends `request`, retrying per the policy; `exchange` is called after every HTTP exchange.
    public func complete(_ request: ChatRequest, exchange: (ChatExchange) throws -> Void) async throws -> ChatAnswer {
        let body = Data(request.body.utf8)
        var headers = [HTTPHeader("Content-Type", "application/json"), HTTPHeader("Accept", "application/json")]
        if !endpoint.apiKey.isEmpty { headers.append(HTTPHeader("Authorization", "Bearer " + endpoint.apiKey)) }
        let httpRequest = HTTPRequest(
            method: "POST", url: endpoint.chatCompletionsURL, headers: headers, body: body,
            connectTimeout: Double(settings.connectTimeoutSeconds), timeout: Double(settings.requestTimeoutSeconds))
        var retry = 0
        while true {
            if Task.isCancelled { throw ChatFailure.cancelled }
            let ticket: Int
            do { ticket = try await limiter.acquire(tokens: request.estimatedTokens) } catch { throw ChatFailure.cancelled }
            let started = ContinuousClock.now
            let result: Result<HTTPResponse, HTTPError>
            do { result = .success(try await http.send(httpRequest)) } catch { result = .failure(error) }
            await limiter.release()
            let latency = Self.seconds(ContinuousClock.now - started)
            var outcome: RetryPolicy.Outcome
            let response: HTTPResponse?
            var failure: String
            switch result {
            case let .success(r):
                response = r
                outcome = .status(r.status)
                // The server's own words, with the key masked should a server or proxy quote it back.
                failure = endpoint.redacting("HTTP \(r.status)" + (Self.errorMessage(r.body).map { ": \($0)" } ?? ""))
                if (200..<300).contains(r.status) {
                    do {
                        let answer = try Self.parseAnswer(r.body)
                        await limiter.record(ticket: ticket, tokens: answer.promptTokens + answer.completionTokens)
                        try exchange(
                            ChatExchange(retry: retry, model: request.model, status: r.status, error: nil, answer: answer, latency: latency)
                        )
                        return answer
                    } catch let error as InvalidAnswer {
                        // A 2xx whose body is not a chat completion: the server is broken, and treated as a 5xx.
                        failure = "HTTP \(r.status) with an unreadable body: \(error.message)"
                        outcome = .status(500)
                    }
                }
            case let .failure(error):
                if error.kind == .cancelled { throw ChatFailure.cancelled }
                response = nil
                outcome = error.kind == .timeout ? .timeout : .connectionError
                failure = endpoint.redacting(error.description)
            }
            try exchange(
                ChatExchange(retry: retry, model: request.model, status: response?.status, error: failure, answer: nil, latency: latency))
            if case let .failure(error) = result, error.kind == .invalidRequest || error.kind == .transport {
                // A malformed URL or a TLS failure (a certificate that does not verify): no request will get through.
                throw ChatFailure.endpoint(failure)
            }
            if let status = response?.status, Self.endpointStatuses.contains(status) {
                throw ChatFailure.endpoint(failure)
            }
            let decision = policy.decision(
                after: outcome, header: { response?.header($0) }, retriesTaken: retry,
                random: Double.random(in: 0..<1), now: Date().timeIntervalSince1970)
            switch decision {
            case .giveUp:
                // Nothing ever listened there (every retry included): the endpoint is down or wrong, for every account alike.
                if case let .failure(error) = result, error.neverConnected { throw ChatFailure.endpoint(failure) }
                throw ChatFailure.failed(failure)
            case let .deferToLaterRun(seconds):
                throw ChatFailure.deferred(seconds: seconds, failure)
            case let .retry(after):
                logger.debug(
                    "model request failed; retrying", metadata: ["error": "\(failure)", "wait_s": "\(after)", "retry": "\(retry + 1)"])
                do { try await sleep(after) } catch { throw ChatFailure.cancelled }
                retry += 1
            }
        }
    }

    /// Statuses that say the endpoint, key or model is wrong (unauthorized, forbidden, no such model or
    /// path): no account will get an answer until someone fixes the configuration.
    static let endpointStatuses: Set<Int> = [401, 403, 404]

    struct InvalidAnswer: Error { var message: String }

    /// The content, finish reason, refusal and usage of a chat completion body.
    static func parseAnswer(_ body: Data) throws(InvalidAnswer) -> ChatAnswer {
        let value: JSONValue
        do { value = try JSONParser.parse(String(decoding: body, as: UTF8.self)) } catch {
            throw InvalidAnswer(message: "not JSON (\(error))")
        }
        guard case let .array(choices)? = value["choices"], let choice = choices.first else {
            throw InvalidAnswer(message: "no choices")
        }
        let message = choice["message"]
        let usage = value["usage"]
        return ChatAnswer(
            answer: ModelAnswer(
                content: message?["content"]?.stringValue, finishReason: choice["finish_reason"]?.stringValue,
                refusal: message?["refusal"]?.stringValue),
            promptTokens: Int(usage?["prompt_tokens"]?.integerValue ?? 0),
            completionTokens: Int(usage?["completion_tokens"]?.integerValue ?? 0))
    }

    /// The server's own error message (`{"error":{"message":…}}`), cut short; never anything we sent.
    static func errorMessage(_ body: Data) -> String? {
        guard let value = try? JSONParser.parse(String(decoding: body.prefix(65_536), as: UTF8.self)) else { return nil }
        let message = value["error"]?["message"]?.stringValue ?? value["error"]?.stringValue
        return message.map { String($0.prefix(300)) }
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// The estimated cost of a call in US dollars, from the configured price table.
    public static func cost(model: String, promptTokens: Int, completionTokens: Int, prices: [BrieferConfiguration.Enrichment.Price])
        -> Double
    {
        guard let price = prices.first(where: { $0.model == model }) else { return 0 }
        return (Double(promptTokens) * price.inputPerMillion + Double(completionTokens) * price.outputPerMillion) / 1_000_000
    }
}
