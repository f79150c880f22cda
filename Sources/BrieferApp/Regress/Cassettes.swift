import BrieferCore
import Foundation

/// Where a regression run's answers come from (SPEC §7).
public enum CassetteMode: String, Sendable, CaseIterable {
    /// Recorded answers only: offline and deterministic; a request without one is an error naming its case.
    case replay
    /// Recorded answers where there are some; the endpoint for the rest, whose answers are stored.
    case record
    /// The endpoint for every request; nothing stored.
    case live
}

/// One recorded answer to one request.
public struct RecordedAnswer: Codable, Sendable, Equatable {
    public var content: String?
    public var finishReason: String?
    public var refusal: String?
    public var promptTokens: Int
    public var completionTokens: Int
    /// Every HTTP exchange of the request together (retries included).
    public var latencyMs: Int

    public init(content: String?, finishReason: String?, refusal: String?, promptTokens: Int, completionTokens: Int, latencyMs: Int) {
        self.content = content; self.finishReason = finishReason; self.refusal = refusal
        self.promptTokens = promptTokens; self.completionTokens = completionTokens; self.latencyMs = latencyMs
    }

    public var modelAnswer: ModelAnswer { ModelAnswer(content: content, finishReason: finishReason, refusal: refusal) }

    enum CodingKeys: String, CodingKey {
        case content, refusal
        case finishReason = "finish_reason"
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case latencyMs = "latency_ms"
    }
}

/// A request that has no recorded answer in replay mode.
public struct MissingCassette: Error, Sendable, Equatable, CustomStringConvertible {
    public var caseName: String
    public var attempt: Int
    /// The run (0-based) of a repeated case.
    public var run: Int = 0
    public var key: String
    public var description: String {
        "case \(caseName): no recorded answer for attempt \(attempt)\(run > 0 ? " of run \(run + 1)" : "") (request \(key)); "
            + "record it with `briefer regress --mode record`\(run > 0 ? " --repeat \(run + 1)" : "")"
    }
}

/// The recorded answers, one file per request: `KEY.json` holding the request body (for people reading
/// it) and the answers recorded for it, `responses[n]` being run n's (`--repeat`; null where run n never
/// reached this request). The key is a hash of the full request body —
/// model, messages, parameters and schema — so any change to the request is a new cassette.
public actor CassetteStore {
    struct File: Codable {
        var key: String
        var caseName: String
        var attempt: Int
        var responses: [RecordedAnswer?]
        enum CodingKeys: String, CodingKey {
            case key
            case caseName = "case"
            case attempt, responses
        }
    }

    public let directory: String
    private var files: [String: File] = [:]
    private var used: Set<String> = []
    /// Cassettes written by this run.
    public private(set) var recorded = 0

    public init(directory: String) { self.directory = directory }

    /// The cassette key of `request`: a hash of its body, which is canonical JSON.
    public static func key(_ request: ChatRequest) -> String { StableHash.hex(request.body) }

    func path(_ key: String) -> String { directory + "/\(key).json" }

    /// The answer recorded for `key` in run `run` (0-based), if any.
    public func answer(_ key: String, run: Int) throws -> RecordedAnswer? {
        used.insert(key)
        if files[key] == nil, let data = FileManager.default.contents(atPath: path(key)) {
            do { files[key] = try JSONDecoder().decode(File.self, from: data) } catch {
                throw RegressionError("the cassette \(path(key)) is unreadable (\(error)); delete it and record again", code: .invalidSuite)
            }
        }
        guard let responses = files[key]?.responses, run < responses.count else { return nil }
        return responses[run]
    }

    /// Stores `answer` as run `run`'s answer to `request`.
    public func store(_ answer: RecordedAnswer, to request: ChatRequest, run: Int, caseName: String, attempt: Int) throws {
        let key = Self.key(request)
        var file = files[key] ?? File(key: key, caseName: caseName, attempt: attempt, responses: [])
        if file.responses.count <= run { file.responses += Array(repeating: nil, count: run + 1 - file.responses.count) }
        file.responses[run] = answer
        files[key] = file
        used.insert(key)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard var object = try JSONSerialization.jsonObject(with: encoder.encode(file)) as? [String: Any] else { return }
        object["request"] = try JSONSerialization.jsonObject(with: Data(request.body.utf8))
        var data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        data.append(0x0A)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: path(key)), options: .atomic)
        recorded += 1
    }

    /// Cassette files in the folder that no request of this run asked for.
    public func unused() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".json") && !used.contains(String($0.dropLast(5))) }.sorted()
    }

    /// Deletes the cassette files `unused()` lists; returns how many.
    public func pruneUnused() throws -> Int {
        let stale = unused()
        for name in stale { try FileManager.default.removeItem(atPath: directory + "/" + name) }
        return stale.count
    }
}

/// Answers a regression run's requests from cassettes, the endpoint, or both, per ``CassetteMode``.
public struct RegressionCaller: Sendable {
    public let mode: CassetteMode
    public let cassettes: CassetteStore
    /// The endpoint's client; needed in record and live modes.
    let client: LLMClient?

    public init(mode: CassetteMode, cassettes: CassetteStore, client: LLMClient?) {
        self.mode = mode; self.cassettes = cassettes; self.client = client
    }

    /// The answer to `request` in run `run` (0-based) of a case: run n replays the answer recorded in
    /// run n, so a repeated replay shows exactly the pass rate the recording had.
    func answer(_ request: ChatRequest, caseName: String, attempt: Int, run: Int) async throws -> RecordedAnswer {
        if mode != .live {
            let key = CassetteStore.key(request)
            if let recorded = try await cassettes.answer(key, run: run) { return recorded }
            if mode == .replay { throw MissingCassette(caseName: caseName, attempt: attempt, run: run, key: key) }
        }
        guard let client else { throw RegressionError("no model endpoint for \(mode.rawValue) mode", code: .badEndpoint) }
        var latency = 0.0
        let answer = try await client.complete(request) { latency += $0.latency }
        let recorded = RecordedAnswer(
            content: answer.answer.content, finishReason: answer.answer.finishReason, refusal: answer.answer.refusal,
            promptTokens: answer.promptTokens, completionTokens: answer.completionTokens,
            latencyMs: Int((latency * 1000).rounded()))
        if mode == .record { try await cassettes.store(recorded, to: request, run: run, caseName: caseName, attempt: attempt) }
        return recorded
    }
}
