import BrieferCore
import BrieferStore
import Foundation

/// How the actions ask HubSpot and search it: one place for the outcome handling every look-up shares, and for the pacing
/// HubSpot's search needs (a few requests a second per portal; an index that lags writes).
enum HubSpotSearch {
    /// Between two searches of one pass: well under HubSpot's few a second.
    static let spacing = Duration.milliseconds(250)

    /// Waits until the newest of `sends` (ms) is `lagSeconds` old, so that what it made shows in search (at most the lag).
    static func waitForIndex(after sends: [Int64], lagSeconds: Int) async throws {
        guard let newest = sends.max() else { return }
        let lagMs = Int64(lagSeconds) * 1000
        let wait = newest + lagMs - Timestamp.now.milliseconds
        if wait > 0 { try await Task.sleep(for: .milliseconds(min(wait, lagMs))) }
    }
}

extension ActionSummary {
    /// POSTs `body` to `path` and counts it; the parsed answer when 2xx (an empty body as `{}`), else nil with why noted
    /// (asked again next pass) — a stop stops the pass.
    mutating func ask(_ client: HubSpotClient, _ path: String, _ body: JSONValue) async -> JSONValue? {
        let outcome = await client.post(path, body: CRMRequestBody.data(body))
        requests[path, default: 0] += 1
        switch outcome {
        case let .stop(message, _):
            stopped = message
            return nil
        case let .failed(error):
            note("\(path): \(error.kind.rawValue) (asked again next pass)")
            return nil
        case let .answer(response):
            guard (200..<300).contains(response.status) else {
                note("\(path): \(client.message(response)) (asked again next pass)")
                return nil
            }
            if response.body.isEmpty { return .object([]) }
            guard let value = try? JSONParser.parse(String(decoding: response.body, as: UTF8.self)) else {
                note("\(path): an answer that is not JSON (asked again next pass)")
                return nil
            }
            return value
        }
    }
}
