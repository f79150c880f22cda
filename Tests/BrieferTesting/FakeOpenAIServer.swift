import BrieferApp
import BrieferCore
import Foundation
import Synchronization

/// An OpenAI-compatible `chat/completions` server for tests, built on ``FakeHTTPServer``.
///
/// It checks every request the way a real server would, and rejects a malformed one with an
/// OpenAI-style error body (`{"error":{"message":…,"type":"invalid_request_error",…}}`):
///
/// - `POST` to ``path`` (404 otherwise; 405 for another method);
/// - `Authorization: Bearer <key>` when a key is expected (401 otherwise);
/// - `Content-Type: application/json`;
/// - a JSON object body with a `model` string, non-empty `messages` of `{role, content}` strings,
///   a numeric `temperature` and an integer `max_tokens`;
/// - a `response_format`, when present, of type `json_schema` in the nested form
///   (`response_format.json_schema.{name, strict, schema}`), `json_object` or `text`. A flat
///   `response_format.schema` is rejected with 400: llama.cpp's server silently ignores it, so here it
///   is a client bug.
///
/// A well-formed request is answered by the script, a ``Behavior`` per request. Every request is
/// recorded (parsed, with its headers) and every behaviour counted, so tests assert exact call counts.
///
/// ```swift
/// let server = try FakeOpenAIServer(apiKey: "sk-test", queue: [.status(503), .grounded])
/// defer { server.stop() }
/// // or one server answering every account from a file of canned answers:
/// // FakeOpenAIServer(queue: [], otherwise: .canned(answersByCompanyName))
/// // … point an LLMClient at server.baseURL …
/// #expect(server.received == 2)
/// #expect(server.count(of: "status_503") == 1)
/// ```
public final class FakeOpenAIServer: Sendable {
    /// What the server does with one well-formed request.
    public indirect enum Behavior: Sendable {
        /// A chat completion whose content is this briefing as JSON; `finish_reason: stop`, usage tokens set.
        case briefing(Briefing)
        /// A valid briefing grounded in the request's account data (see ``FakeOpenAIServer/groundedBriefing(forUserMessage:)``).
        case grounded
        /// A chat completion with this content and finish reason.
        case content(String, finishReason: String = "stop")
        /// A chat completion whose content is the canned answer for the request's account, sent as given
        /// (`finish_reason: stop`); repair requests get the same answer again. The map is keyed by the company
        /// name as the prompt's `Company:` line renders it (``Request/companyName``): the prompt names no
        /// domain (see ``FakeOpenAIServer/cannedAnswers(_:companyNames:)`` to re-key answers stored by
        /// domain). An account with no answer gets a 500 with an OpenAI error body naming it, so a test notices.
        /// Counted as `canned`, found or not.
        case canned([String: String])
        /// A structured-outputs refusal: `content: null`, `refusal` set, `finish_reason: stop`.
        case refusal(String)
        /// An answer with this status (an OpenAI error body for the status unless `body` is given).
        case status(Int, headers: [HTTPHeader] = [], body: String? = nil)
        /// Waits `seconds` (counted as in flight), then behaves as `then`.
        case slow(Double, then: Behavior)
        /// Closes the connection without answering.
        case drop
        /// A 200 whose body stops halfway through its announced `Content-Length`.
        case truncatedBody
        /// A 200 whose body is not JSON (an HTML page, as from a misconfigured proxy).
        case notJSON
        /// A chat completion cut off at `max_tokens`: half a JSON briefing, `finish_reason: length`.
        case lengthCutoff
        /// Never answers; the connection stays open until the client gives up.
        case hang

        /// The name this behaviour is counted under: `briefing`, `grounded`, `content`, `canned`, `refusal`,
        /// `status_<code>`, `slow`, `drop`, `truncated_body`, `not_json`, `length_cutoff`, `hang`.
        public var kind: String {
            switch self {
            case .briefing: return "briefing"
            case .grounded: return "grounded"
            case .content: return "content"
            case .canned: return "canned"
            case .refusal: return "refusal"
            case let .status(code, _, _): return "status_\(code)"
            case .slow: return "slow"
            case .drop: return "drop"
            case .truncatedBody: return "truncated_body"
            case .notJSON: return "not_json"
            case .lengthCutoff: return "length_cutoff"
            case .hang: return "hang"
            }
        }

        /// A 429 with the given rate-limit headers (each omitted when nil).
        public static func tooManyRequests(retryAfter: String? = nil, retryAfterMs: String? = nil, shouldRetry: String? = nil) -> Behavior {
            var headers: [HTTPHeader] = []
            if let retryAfter { headers.append(HTTPHeader("retry-after", retryAfter)) }
            if let retryAfterMs { headers.append(HTTPHeader("retry-after-ms", retryAfterMs)) }
            if let shouldRetry { headers.append(HTTPHeader("x-should-retry", shouldRetry)) }
            return .status(429, headers: headers)
        }
    }

    /// One request as received, parsed, and what it was answered with.
    public struct Request: Sendable {
        /// The request as the HTTP server read it (method, path, headers, body).
        public var http: RecordedRequest
        /// Its place among all requests received, from 0.
        public var index: Int
        /// Why it was refused as malformed (400, 401, 404, 405), or nil when it was well-formed.
        public var rejection: String?
        public var model: String?
        public var messages: [ChatRequest.Message]
        public var temperature: Double?
        public var maxTokens: Int?
        /// `response_format.type` when a response format was sent.
        public var responseFormatType: String?
        /// The behaviour that answered it (nil for a rejected request).
        public var behavior: String?
        /// The status sent (nil for a dropped connection or a hang).
        public var status: Int?
        /// The usage reported in a chat completion answer.
        public var promptTokens: Int?
        public var completionTokens: Int?

        /// The body as text.
        public var bodyText: String { String(decoding: http.body, as: UTF8.self) }

        /// The body parsed by Foundation (nil when it is not a JSON object).
        public var json: [String: Any]? { try? JSONSerialization.jsonObject(with: http.body) as? [String: Any] }

        /// The first user message: the account data.
        public var userMessage: String? { messages.first { $0.role == "user" }?.content }

        /// Whether this is a repair request: an assistant answer and a later user message follow the first exchange.
        public var isRepair: Bool { messages.contains { $0.role == "assistant" } }

        /// The `Company:` line's name (before the parenthesised details), as rendered in the prompt.
        public var companyName: String? { userMessage.flatMap(FakeOpenAIServer.companyName(inUserMessage:)) }

        /// A briefing grounded in this request's account data.
        public var groundedBriefing: Briefing? { userMessage.flatMap(FakeOpenAIServer.groundedBriefing(forUserMessage:)) }
    }

    /// The answer to one request: given the parsed request, what to do.
    public typealias Script = @Sendable (Request) -> Behavior

    /// The path chat completions are posted to.
    public let path: String
    private let http: FakeHTTPServer
    private let state: State

    /// The base URL to configure a client with (`http://127.0.0.1:<port>/v1` for the default path).
    public var baseURL: String {
        let base = path.hasSuffix("/chat/completions") ? String(path.dropLast("/chat/completions".count)) : path
        return http.baseURL + base
    }

    /// - Parameters:
    ///   - apiKey: the bearer key every request must carry; nil accepts any or none.
    ///   - path: where chat completions are posted.
    ///   - script: the behaviour for each well-formed request.
    public init(apiKey: String? = nil, path: String = "/v1/chat/completions", script: @escaping Script) throws {
        let state = State()
        self.state = state
        self.path = path
        http = try FakeHTTPServer { recorded in
            Self.handle(recorded, apiKey: apiKey, path: path, state: state, script: script)
        }
    }

    /// Answers the well-formed requests with `queue` in order, then with `otherwise`.
    public convenience init(
        apiKey: String? = nil, path: String = "/v1/chat/completions", queue: [Behavior],
        otherwise: Behavior = .grounded
    ) throws {
        let next = Queue(queue)
        try self.init(apiKey: apiKey, path: path) { _ in next.pop() ?? otherwise }
    }

    /// Closes the listener and every connection.
    public func stop() {
        state.stop()
        http.stop()
    }

    /// Every request received, malformed ones included, in order.
    public var requests: [Request] { state.withLock { $0.requests } }

    /// How many requests arrived (well-formed or not).
    public var received: Int { requests.count }

    /// The requests that passed the checks (and were answered by the script).
    public var accepted: [Request] { requests.filter { $0.rejection == nil } }

    /// How many requests each behaviour answered, by ``Behavior/kind``; malformed requests count under `rejected_<status>`.
    public var counts: [String: Int] { state.withLock { $0.counts } }

    /// How many requests the behaviour of that kind answered.
    public func count(of kind: String) -> Int { counts[kind, default: 0] }

    /// The most requests that were being answered at once (a ``Behavior/slow(_:then:)`` keeps one in flight while it waits).
    public var maxInFlight: Int { state.withLock { $0.maxInFlight } }

    // MARK: Handling one request

    private static func handle(_ recorded: RecordedRequest, apiKey: String?, path: String, state: State, script: Script) -> FakeReply {
        var request = Request(http: recorded, index: 0, messages: [])
        let rejection = check(recorded, into: &request, apiKey: apiKey, path: path)
        request.index = state.withLock { s in
            request.index = s.requests.count
            s.requests.append(request)
            return request.index
        }
        if let (status, message, code) = rejection {
            state.finish(request.index, kind: "rejected_\(status)", status: status, rejection: message)
            return .respond(
                status: status, headers: [HTTPHeader("Content-Type", "application/json")],
                body: Data(errorBody(message, type: "invalid_request_error", code: code).utf8))
        }
        let behavior = script(request)
        state.enter()
        defer { state.leave() }
        return reply(behavior, to: request, state: state, countedAs: behavior.kind)
    }

    private static func reply(_ behavior: Behavior, to request: Request, state: State, countedAs kind: String) -> FakeReply {
        let json = [HTTPHeader("Content-Type", "application/json")]
        switch behavior {
        case let .briefing(briefing):
            return completion(content: briefingJSON(briefing), finishReason: "stop", request: request, state: state, kind: kind)
        case .grounded:
            guard let briefing = request.groundedBriefing else {
                state.finish(request.index, kind: kind, status: 500)
                return .respond(
                    status: 500, headers: json,
                    body: Data(errorBody("the fake could not ground a briefing in this prompt", type: "server_error").utf8))
            }
            return completion(content: briefingJSON(briefing), finishReason: "stop", request: request, state: state, kind: kind)
        case let .content(text, finishReason):
            return completion(content: text, finishReason: finishReason, request: request, state: state, kind: kind)
        case let .canned(answers):
            guard let company = request.companyName, let content = answers[company] else {
                state.finish(request.index, kind: kind, status: 500)
                let name = request.companyName.map { "\"\($0)\"" } ?? "(no Company: line in the prompt)"
                return .respond(
                    status: 500, headers: json,
                    body: Data(
                        errorBody(
                            "the fake has no canned answer for the account \(name)", type: "server_error", code: "no_canned_answer"
                        ).utf8))
            }
            return completion(content: content, finishReason: "stop", request: request, state: state, kind: kind)
        case let .refusal(text):
            return completion(content: nil, refusal: text, finishReason: "stop", request: request, state: state, kind: kind)
        case .lengthCutoff:
            let full = request.groundedBriefing.map(briefingJSON) ?? #"{"use_case_hypothesis": "The account uses the product every day and"#
            return completion(
                content: String(full.prefix(full.count / 2)), finishReason: "length", request: request, state: state, kind: kind,
                completionTokens: request.maxTokens ?? 400)
        case let .status(code, headers, body):
            state.finish(request.index, kind: kind, status: code)
            let text =
                body
                ?? errorBody(
                    defaultMessage(for: code), type: code == 429 ? "requests" : code >= 500 ? "server_error" : "invalid_request_error",
                    code: code == 429 ? "rate_limit_exceeded" : nil)
            return .respond(status: code, headers: (body == nil ? json : []) + headers, body: Data(text.utf8))
        case let .slow(seconds, then):
            state.pause(seconds)
            return reply(then, to: request, state: state, countedAs: kind)
        case .drop:
            state.finish(request.index, kind: kind, status: nil)
            return .drop()
        case .truncatedBody:
            let body = completionBody(
                content: request.groundedBriefing.map(briefingJSON) ?? "{}", refusal: nil, finishReason: "stop",
                model: request.model ?? "", promptTokens: 10, completionTokens: 10, index: request.index)
            state.finish(request.index, kind: kind, status: 200)
            return .truncated(status: 200, headers: json, body: body, sendBytes: body.count / 2)
        case .notJSON:
            state.finish(request.index, kind: kind, status: 200)
            return .respond(
                status: 200, headers: [HTTPHeader("Content-Type", "text/html")],
                body: Data("<html><body><h1>It works!</h1></body></html>".utf8))
        case .hang:
            state.finish(request.index, kind: kind, status: nil)
            return .hang
        }
    }

    /// A 200 chat completion, its usage recorded: prompt tokens a quarter of the messages' bytes, completion
    /// tokens a quarter of the content's (at least 1 each).
    private static func completion(
        content: String?, refusal: String? = nil, finishReason: String, request: Request, state: State,
        kind: String, completionTokens: Int? = nil
    ) -> FakeReply {
        let prompt = max(1, request.messages.reduce(0) { $0 + $1.content.utf8.count } / 4)
        let completion = completionTokens ?? max(1, ((content ?? refusal)?.utf8.count ?? 0) / 4)
        state.finish(request.index, kind: kind, status: 200, promptTokens: prompt, completionTokens: completion)
        return .respond(
            status: 200, headers: [HTTPHeader("Content-Type", "application/json")],
            body: completionBody(
                content: content, refusal: refusal, finishReason: finishReason, model: request.model ?? "",
                promptTokens: prompt, completionTokens: completion, index: request.index))
    }

    private static func completionBody(
        content: String?, refusal: String?, finishReason: String, model: String,
        promptTokens: Int, completionTokens: Int, index: Int
    ) -> Data {
        let message: [String: Any] = ["role": "assistant", "content": content ?? NSNull(), "refusal": refusal ?? NSNull()]
        let body: [String: Any] = [
            "id": "chatcmpl-fake-\(index)", "object": "chat.completion", "created": 1_790_000_000, "model": model,
            "choices": [["index": 0, "message": message, "logprobs": NSNull(), "finish_reason": finishReason]],
            "usage": [
                "prompt_tokens": promptTokens, "completion_tokens": completionTokens, "total_tokens": promptTokens + completionTokens,
            ],
        ]
        return try! JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
    }

    /// The briefing as the JSON object a model would answer with.
    public static func briefingJSON(_ briefing: Briefing) -> String {
        let object = Dictionary(uniqueKeysWithValues: briefing.fields.map { ($0.name, $0.text) })
        return String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    /// An OpenAI error body: `{"error":{"message":…,"type":…,"param":null,"code":…}}`.
    public static func errorBody(_ message: String, type: String, code: String? = nil) -> String {
        let error: [String: Any] = ["message": message, "type": type, "param": NSNull(), "code": code ?? NSNull()]
        return String(decoding: try! JSONSerialization.data(withJSONObject: ["error": error], options: [.sortedKeys]), as: UTF8.self)
    }

    static func defaultMessage(for status: Int) -> String {
        switch status {
        case 400: return "Invalid request."
        case 401: return "Incorrect API key provided."
        case 408: return "Request timed out."
        case 409: return "Conflict."
        case 429: return "Rate limit reached for requests. Please try again later."
        case 500: return "The server had an error while processing your request. Sorry about that!"
        case 502: return "Bad gateway."
        case 503: return "The engine is currently overloaded, please try again later."
        default: return "Request failed with status \(status)."
        }
    }

    // MARK: Checks

    /// What a real server would refuse in the request: (status, message, code); nil when well-formed.
    /// Fills `request` with what it could parse.
    private static func check(_ recorded: RecordedRequest, into request: inout Request, apiKey: String?, path: String)
        -> (Int, String, String?)?
    {
        let target = recorded.path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? recorded.path
        guard target == path else { return (404, "Unknown request URL: \(recorded.method) \(target).", "unknown_url") }
        guard recorded.method == "POST" else { return (405, "Method \(recorded.method) not allowed on \(target); use POST.", nil) }
        if let apiKey {
            guard let authorization = recorded.header("authorization") else {
                return (
                    401, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth.",
                    nil
                )
            }
            guard authorization == "Bearer " + apiKey else {
                return (401, "Incorrect API key provided: \(masked(authorization)).", "invalid_api_key")
            }
        }
        let contentType = recorded.header("content-type")?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard contentType == "application/json" else {
            return (400, "Content-Type must be application/json, not \(recorded.header("content-type") ?? "missing").", nil)
        }
        guard let any = try? JSONSerialization.jsonObject(with: recorded.body), let body = any as? [String: Any] else {
            return (400, "We could not parse the JSON body of your request. The body must be a JSON object.", nil)
        }
        guard let model = body["model"] as? String, !model.isEmpty else {
            return (400, body["model"] == nil ? "you must provide a model parameter" : "'model' must be a non-empty string", nil)
        }
        request.model = model
        guard let messages = body["messages"] as? [Any], !messages.isEmpty else {
            return (400, "'messages' must be a non-empty array of {role, content} objects.", nil)
        }
        for (i, item) in messages.enumerated() {
            guard let message = item as? [String: Any], let role = message["role"] as? String,
                ["system", "developer", "user", "assistant", "tool"].contains(role), let content = message["content"] as? String
            else {
                return (400, "Invalid 'messages[\(i)]': expected an object with a known 'role' and a string 'content'.", nil)
            }
            request.messages.append(ChatRequest.Message(role: role, content: content))
        }
        guard let temperature = body["temperature"], !isJSONBoolean(temperature), let t = temperature as? Double, (0...2).contains(t) else {
            return (400, "'temperature' must be a number between 0 and 2.", nil)
        }
        request.temperature = t
        guard let maxTokens = body["max_tokens"], !isJSONBoolean(maxTokens), let m = maxTokens as? Int, m > 0 else {
            return (400, "'max_tokens' must be a positive integer.", nil)
        }
        request.maxTokens = m
        if let format = body["response_format"] {
            guard let format = format as? [String: Any], let type = format["type"] as? String else {
                return (400, "'response_format' must be an object with a 'type'.", nil)
            }
            request.responseFormatType = type
            switch type {
            case "json_schema":
                if format["schema"] != nil {
                    return (
                        400,
                        "Unrecognized request argument supplied: response_format.schema; the schema goes in response_format.json_schema.schema.",
                        nil
                    )
                }
                guard let nested = format["json_schema"] as? [String: Any] else {
                    return (400, "Missing required parameter: 'response_format.json_schema'.", nil)
                }
                guard let name = nested["name"] as? String, !name.isEmpty, name.count <= 64,
                    name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") })
                else {
                    return (400, "Invalid 'response_format.json_schema.name': a string of letters, digits, _ and - (at most 64).", nil)
                }
                if let strict = nested["strict"], !(strict is Bool) {
                    return (400, "Invalid 'response_format.json_schema.strict': expected a boolean.", nil)
                }
                guard nested["schema"] is [String: Any] else {
                    return (400, "Invalid 'response_format.json_schema.schema': expected an object.", nil)
                }
            case "json_object", "text":
                break
            default:
                return (400, "Invalid value: '\(type)'. Supported values are: 'json_object', 'json_schema', and 'text'.", nil)
            }
        }
        return nil
    }

    /// Whether a value JSONSerialization parsed was `true` or `false`. Not `value is Bool`: a number 0 or 1
    /// (`"temperature": 0.0`) bridges to Bool too, on Linux, and would be refused as a boolean.
    private static func isJSONBoolean(_ value: Any) -> Bool {
        guard let number = value as? NSNumber else { return value is Bool }
        return String(cString: number.objCType) == "c"
    }

    /// A key as OpenAI quotes it back: its first three and last four characters.
    private static func masked(_ authorization: String) -> String {
        let key = authorization.hasPrefix("Bearer ") ? String(authorization.dropFirst(7)) : authorization
        guard key.count > 8 else { return "***" }
        return String(key.prefix(3)) + String(repeating: "*", count: key.count - 7) + String(key.suffix(4))
    }

    // MARK: Reading rendered prompts

    /// The labels of the prompt lines the fake reads, in every prompt version it knows (v1 and v2 share v1's
    /// labels; v3 states each line's scope). In a label, `#` stands for a number, as in v3's "in the last 14 days".
    public enum PromptLabels {
        /// The most used features in the engagement window, as a `name (uses)` list:
        /// v1 `Most used features (uses): a (3), b (2)`;
        /// v3 `Features used by the account in the last 14 days: 6 different; most used (uses): a (3), b (2)`.
        public static let topFeatures = [
            "Most used features (uses)",
            "Features used by the account in the last # days: # different; most used (uses)",
        ]
        /// The completed activation steps, as a list of names:
        /// v1 `Completed activation events: a, b`; v3 `Activation steps completed by the account, ever: a, b (2 of 4)`.
        public static let completedActivations = [
            "Completed activation events",
            "Activation steps completed by the account, ever",
        ]
    }

    /// The `Company:` line's name in a rendered briefing prompt (any version): the text before the last ` (`.
    public static func companyName(inUserMessage text: String) -> String? {
        guard let line = value(ofAnyOf: ["Company"], in: text) else { return nil }
        guard let open = line.range(of: " (", options: .backwards) else { return line }
        return String(line[..<open.lowerBound])
    }

    /// The `(name, count)` list of a `Label: a (3), b (2)` line of a rendered prompt; empty for `none` or no such line.
    /// `label` may hold `#` for a number (see ``PromptLabels``).
    public static func usages(_ label: String, inUserMessage text: String) -> [(name: String, count: Int)] {
        usages(anyOf: [label], inUserMessage: text)
    }

    /// The `(name, count)` list of the line of the first of `labels` the prompt has (see ``PromptLabels/topFeatures``).
    public static func usages(anyOf labels: [String], inUserMessage text: String) -> [(name: String, count: Int)] {
        guard let line = value(ofAnyOf: labels, in: text), line != "none" else { return [] }
        var out: [(name: String, count: Int)] = []
        var rest = Substring(line)
        while let close = rest.firstIndex(of: ")") {
            let item = rest[..<close]
            if let open = item.range(of: " (", options: .backwards), let count = Int(item[open.upperBound...]) {
                out.append((String(item[..<open.lowerBound]).trimmingCharacters(in: .whitespaces), count))
            }
            rest = rest[rest.index(after: close)...].drop { $0 == "," || $0 == " " }
        }
        return out
    }

    /// The comma-separated names of a `Label: a, b` line of a rendered prompt; empty for `none` or no such line.
    /// A trailing tally such as v3's `(2 of 4)` is not a name. `label` may hold `#` for a number.
    public static func names(_ label: String, inUserMessage text: String) -> [String] {
        names(anyOf: [label], inUserMessage: text)
    }

    /// The names of the line of the first of `labels` the prompt has (see ``PromptLabels/completedActivations``).
    public static func names(anyOf labels: [String], inUserMessage text: String) -> [String] {
        guard let line = value(ofAnyOf: labels, in: text).map(withoutTally), line != "none" else { return [] }
        return line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// What follows `Label: ` on the first line of `text` starting with one of `labels` (tried in order).
    private static func value(ofAnyOf labels: [String], in text: String) -> String? {
        let lines = text.split(whereSeparator: \.isNewline)
        for label in labels {
            for line in lines {
                if let end = prefixEnd(of: label + ": ", in: line) { return String(line[end...]) }
            }
        }
        return nil
    }

    /// Where `pattern` ends when `line` starts with it, `#` in the pattern matching one or more digits.
    private static func prefixEnd(of pattern: String, in line: Substring) -> Substring.Index? {
        var i = line.startIndex
        for p in pattern {
            if p == "#" {
                let digits = line[i...].prefix { $0.isASCII && $0.isNumber }
                guard !digits.isEmpty else { return nil }
                i = digits.endIndex
            } else {
                guard i < line.endIndex, line[i] == p else { return nil }
                i = line.index(after: i)
            }
        }
        return i
    }

    /// `text` without a trailing ` (N of M)` tally (v3's activation line: `a, b (2 of 4)`, `none (0 of 4)`).
    private static func withoutTally(_ text: String) -> String {
        guard text.hasSuffix(")"), let open = text.range(of: " (", options: .backwards) else { return text }
        let parts = text[open.upperBound..<text.index(before: text.endIndex)].split(separator: " ")
        guard parts.count == 3, parts[1] == "of", Int(parts[0]) != nil, Int(parts[2]) != nil else { return text }
        return String(text[..<open.lowerBound])
    }

    // MARK: Grounded briefings

    /// A briefing the validator accepts for the account whose rendered prompt (v1, v2 or v3) is `text`: it
    /// names only the account's most used features in the window (or completed activation steps) and their
    /// counts (``PromptLabels``), never the company name (which may carry planted instructions), and its four
    /// sentences make different points. Nil when the prompt lists neither.
    public static func groundedBriefing(forUserMessage text: String) -> Briefing? {
        let features = usages(anyOf: PromptLabels.topFeatures, inUserMessage: text)
        let names = features.map(\.name) + names(anyOf: PromptLabels.completedActivations, inUserMessage: text)
        guard let first = names.first else { return nil }
        let second = names.dropFirst().first { $0 != first } ?? first
        let usage = features.first.map { " with \($0.count) recorded uses" } ?? ""
        return Briefing(
            useCaseHypothesis: "Their heaviest usage centres on \(first)\(usage), which suggests it is central to how they work.",
            expansionSignal: "Steady reliance on \(second) next to \(first) shows enough depth for a larger paid tier.",
            recommendedOpening: "Open by asking what they are trying to achieve with \(first) and where it currently falls short.",
            riskFactor: "If momentum around \(second) fades, the case for upgrading could weaken before a decision is made.")
    }

    // MARK: Canned answers

    /// A canned-answers file or map that cannot be used, saying where and why.
    public struct CannedAnswersError: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    /// The canned answers of a JSON Lines file, by account: one object per line,
    /// `{"account": "acme.com", "content": "<the raw answer text>"}`; other keys (such as `expect`) are
    /// ignored, and so are blank lines. A line that is not such an object, and an account given twice, are
    /// errors naming the file and line. Re-key the result by company name with ``cannedAnswers(_:companyNames:)``
    /// for ``Behavior/canned(_:)``.
    public static func cannedAnswers(file: URL) throws -> [String: String] {
        let text = try String(contentsOf: file, encoding: .utf8)
        var answers: [String: String] = [:]
        var lineOf: [String: Int] = [:]
        for (offset, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            guard !line.allSatisfy(\.isWhitespace) else { continue }
            func fail(_ why: String) -> CannedAnswersError { CannedAnswersError("\(file.lastPathComponent):\(number): \(why)") }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
                throw fail("not a JSON object")
            }
            guard let account = object["account"] as? String, !account.isEmpty else { throw fail("no \"account\" string") }
            guard let content = object["content"] as? String else { throw fail("no \"content\" string for \(account)") }
            if let first = lineOf[account] { throw fail("a second answer for \(account) (the first is on line \(first))") }
            lineOf[account] = number
            answers[account] = content
        }
        return answers
    }

    /// `answers` by account (as ``cannedAnswers(file:)`` reads them) keyed instead by company name, as
    /// ``Behavior/canned(_:)`` looks them up. `companyNames` gives each account's company name as its prompt
    /// renders it (``companyName(inUserMessage:)`` of the account's prompt). An answer for an account with no
    /// name there, and two answered accounts under one name, are errors.
    public static func cannedAnswers(_ answers: [String: String], companyNames: [String: String]) throws -> [String: String] {
        var byName: [String: String] = [:]
        var accountOf: [String: String] = [:]
        for (account, content) in answers.sorted(by: { $0.key < $1.key }) {
            guard let name = companyNames[account] else {
                throw CannedAnswersError("a canned answer for \(account), whose company name is not known")
            }
            if let other = accountOf[name] {
                throw CannedAnswersError(
                    "\(other) and \(account) both render the company name \"\(name)\": their answers cannot be told apart")
            }
            accountOf[name] = account
            byName[name] = content
        }
        return byName
    }
}

// MARK: - Shared state

extension FakeOpenAIServer {
    /// The records, counts and in-flight tally, written by the connection threads.
    final class State: Sendable {
        struct Values {
            var requests: [Request] = []
            var counts: [String: Int] = [:]
            var inFlight = 0
            var maxInFlight = 0
            var stopped = false
        }

        private let values = Mutex(Values())

        func withLock<T>(_ body: (inout Values) -> T) -> T { values.withLock { body(&$0) } }

        func finish(
            _ index: Int, kind: String, status: Int?, rejection: String? = nil, promptTokens: Int? = nil, completionTokens: Int? = nil
        ) {
            withLock { v in
                v.counts[kind, default: 0] += 1
                v.requests[index].behavior = rejection == nil ? kind : nil
                v.requests[index].rejection = rejection
                v.requests[index].status = status
                v.requests[index].promptTokens = promptTokens
                v.requests[index].completionTokens = completionTokens
            }
        }

        func enter() {
            withLock { v in
                v.inFlight += 1; v.maxInFlight = max(v.maxInFlight, v.inFlight)
            }
        }
        func leave() { withLock { $0.inFlight -= 1 } }
        func stop() { withLock { $0.stopped = true } }

        /// Sleeps on the connection's thread in short steps, ending early when the server stops.
        func pause(_ seconds: Double) {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline, !withLock({ $0.stopped }) {
                Thread.sleep(forTimeInterval: min(0.01, max(0, deadline.timeIntervalSinceNow)))
            }
        }
    }

    /// Behaviours handed out in order.
    final class Queue: Sendable {
        private let items: Mutex<[Behavior]>
        init(_ items: [Behavior]) { self.items = Mutex(items) }
        func pop() -> Behavior? { items.withLock { $0.isEmpty ? nil : $0.removeFirst() } }
    }
}
