import BrieferCore
import Foundation
import Logging
import Synchronization

/// Where and how to reach the CRM: the base URL (config `crm.base_url`, `HUBSPOT_BASE_URL` overrides) and
/// the token (`HUBSPOT_ACCESS_TOKEN` only: never a flag, never the configuration file).
public struct HubSpotEndpoint: Sendable, CustomStringConvertible, CustomReflectable {
    public var baseUrl: String
    /// Sent as a bearer token; never logged, stored or shown.
    var token: String

    public init(baseUrl: String, token: String) { self.baseUrl = baseUrl; self.token = token }

    /// The base URL pushes go to: `HUBSPOT_BASE_URL`, else `crm.base_url`.
    static func base(configuration: BrieferConfiguration.CRM, environment: [String: String]) -> String {
        environment["HUBSPOT_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? configuration.baseUrl
    }

    /// The destination a push with this configuration writes to (``destination``), known without a token.
    public static func destination(
        configuration: BrieferConfiguration.CRM, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String {
        let base = base(configuration: configuration, environment: environment)
        return "hubspot " + (base.hasSuffix("/") ? String(base.dropLast()) : base)
    }

    public static func resolve(
        configuration: BrieferConfiguration.CRM,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> HubSpotEndpoint {
        let base = base(configuration: configuration, environment: environment)
        guard base.hasPrefix("http://") || base.hasPrefix("https://") else {
            throw CRMSyncError("HUBSPOT_BASE_URL must start with http:// or https:// (is '\(base)')", code: .badEndpoint)
        }
        guard let token = environment["HUBSPOT_ACCESS_TOKEN"]?.trimmingCharacters(in: .whitespacesAndNewlines), !token.isEmpty else {
            throw CRMSyncError(
                "pushing needs a HubSpot private-app token in HUBSPOT_ACCESS_TOKEN (or write files: briefer sync --out DIR)",
                code: .missingSecret)
        }
        if let refusal = CleartextPolicy.refusal(url: base, secretName: "HUBSPOT_ACCESS_TOKEN", environment: environment) {
            throw CRMSyncError(refusal, code: .badEndpoint)
        }
        return HubSpotEndpoint(baseUrl: base.hasSuffix("/") ? String(base.dropLast()) : base, token: token)
    }

    /// Which synced state a push belongs to: one per CRM base URL.
    public var destination: String { "hubspot " + baseUrl }

    public var description: String { "\(baseUrl) (token set)" }
    public var customMirror: Mirror { Mirror(self, children: ["baseUrl": baseUrl, "token": "[redacted]"]) }

    /// `text` with the token, should it appear, masked.
    func redacting(_ text: String) -> String { text.replacingOccurrences(of: token, with: "[redacted]") }
}

/// A failure that stops a sync, with a message fit to show (never the token).
public struct CRMSyncError: BrieferError {
    public var code: BrieferErrorCode
    public var message: String
    public init(_ message: String, code: BrieferErrorCode) { self.message = message; self.code = code }
}

/// Sends JSON requests to the CRM over libcurl (SPEC §6): the bearer token, a client-side request budget
/// (`crm.requests_per_window` per `crm.window_seconds`), and retries of 429s (after `Retry-After`, else
/// `X-HubSpot-RateLimit-Interval-Milliseconds`), 5xx, timeouts and dropped connections.
public final class HubSpotClient: Sendable {
    /// How one request ended, after any retries.
    public enum Outcome: Sendable {
        /// A final answer (2xx, or an error status not worth retrying, or the last of the retries).
        case answer(HTTPResponse)
        /// No answer after every retry.
        case failed(HTTPError)
        /// Pushing must stop for this run: a `DAILY` limit, a wait longer than allowed, a refused token,
        /// a wrong URL or nothing listening. The message says which.
        case stop(String, status: Int?)
    }

    public let endpoint: HubSpotEndpoint
    let settings: BrieferConfiguration.CRM
    let http: HTTPClient
    let limiter: RateLimiter
    let logger: Logger
    private let counters = Counters()

    public init(endpoint: HubSpotEndpoint, settings: BrieferConfiguration.CRM, logger: Logger = Logger(label: "briefer.crm")) {
        self.endpoint = endpoint
        self.settings = settings
        self.logger = logger
        http = HTTPClient(maxConcurrent: 1)
        limiter = RateLimiter(concurrency: 1, requestsPerMinute: settings.requestsPerWindow, window: .seconds(settings.windowSeconds))
    }

    deinit { http.shutdown() }

    /// Requests sent (retries included), retries, and 429s received.
    public var sent: (requests: Int, retries: Int, rateLimited: Int) { counters.values }

    /// POSTs `body` to `path`, retrying as SPEC §6 says. A request that is not `idempotent` (a create: sent twice, it makes
    /// two records) is sent again only when it cannot have been applied — a 429, or a connection never made — and a failure
    /// after it may have arrived, or a 5xx, is returned for the caller to find out what became of it.
    public func post(_ path: String, body: Data, idempotent: Bool = true) async -> Outcome {
        await send("POST", path, body: body, idempotent: idempotent)
    }

    /// GETs `path`, retrying as `post` does.
    public func get(_ path: String) async -> Outcome { await send("GET", path, body: nil, idempotent: true) }

    /// `GET /account-info/v3/details`: which HubSpot portal (account) the token belongs to.
    public static let accountInfoPath = "/account-info/v3/details"

    private func send(_ method: String, _ path: String, body: Data?, idempotent: Bool) async -> Outcome {
        let policy = RetryPolicy(maxRetries: settings.maxRetries, maxRetryAfter: Double(settings.maxRetryAfterSeconds))
        var retries = 0
        while true {
            var headers = [HTTPHeader("Authorization", "Bearer \(endpoint.token)"), HTTPHeader("Accept", "application/json")]
            if body != nil { headers.append(HTTPHeader("Content-Type", "application/json")) }
            let request = HTTPRequest(
                method: method, url: endpoint.baseUrl + path, headers: headers,
                body: body, connectTimeout: Double(settings.connectTimeoutSeconds), timeout: Double(settings.requestTimeoutSeconds))
            do {
                _ = try await limiter.acquire(tokens: 0)
            } catch {
                return .failed(HTTPError(.cancelled, "cancelled"))
            }
            counters.add(requests: 1)
            let result: Result<HTTPResponse, HTTPError>
            do { result = .success(try await http.send(request)) } catch { result = .failure(error) }
            await limiter.release()
            let decision: RetryPolicy.Decision
            switch result {
            case let .success(response):
                logger.debug("crm request", metadata: ["path": "\(path)", "status": "\(response.status)", "retry": "\(retries)"])
                if response.status == 429 {
                    counters.add(rateLimited: 1)
                    let error = HubSpotBatch.ErrorBody.parse(Array(response.body))
                    if error.policyName == "DAILY" {
                        return .stop("the CRM's daily request limit is reached (429 DAILY): the rest waits for the next run", status: 429)
                    }
                }
                switch response.status {
                case 401, 403:
                    let error = HubSpotBatch.ErrorBody.parse(Array(response.body))
                    let scopes = CRMScopes.missing(in: Array(response.body))
                    return .stop(
                        "the CRM refused the token in HUBSPOT_ACCESS_TOKEN (\(response.status)"
                            + (error.message.map { ": " + endpoint.redacting($0) } ?? "") + ")"
                            + (scopes.isEmpty ? "" : "; missing scope(s): \(scopes.joined(separator: ", ")) (briefer crm check)"),
                        status: response.status)
                case 409:
                    // A conflict (the group or property exists, an email taken) does not go away by waiting.
                    return .answer(response)
                case 404:
                    return .stop("\(endpoint.baseUrl)\(path) does not exist (404): is HUBSPOT_BASE_URL / crm.base_url right?", status: 404)
                default: break
                }
                if !idempotent && response.status != 429 { return .answer(response) }
                // HubSpot's 429 may carry only its interval header: that is the wait it asks for.
                decision = policy.decision(
                    after: .status(response.status),
                    header: { name in
                        if name == "retry-after-ms", response.header("retry-after") == nil, response.status == 429 {
                            return response.header("x-hubspot-ratelimit-interval-milliseconds")
                        }
                        return response.header(name)
                    }, retriesTaken: retries, random: Double.random(in: 0..<1), now: Date().timeIntervalSince1970)
                switch decision {
                case .giveUp: return .answer(response)
                case let .deferToLaterRun(seconds):
                    return .stop(
                        "the CRM asked to wait \(Int(seconds.rounded())) s (\(response.status)), more than crm.max_retry_after_seconds: "
                            + "the rest waits for the next run", status: response.status)
                case .retry: break
                }
            case let .failure(error):
                logger.debug("crm request failed", metadata: ["path": "\(path)", "error": "\(error.kind.rawValue)", "retry": "\(retries)"])
                if error.kind == .cancelled { return .failed(error) }
                if !idempotent && error.kind == .transport && !error.neverConnected {
                    // A garbled answer to a create: it may have been applied (the caller finds out).
                    return .failed(HTTPError(error.kind, endpoint.redacting(error.message)))
                }
                if !error.isRetryable {
                    return .stop("cannot reach the CRM at \(endpoint.baseUrl): \(endpoint.redacting(error.message))", status: nil)
                }
                if !idempotent && !error.neverConnected {
                    return .failed(HTTPError(error.kind, endpoint.redacting(error.message), neverConnected: false))
                }
                decision = policy.decision(
                    after: error.kind == .timeout ? .timeout : .connectionError, retriesTaken: retries,
                    random: Double.random(in: 0..<1))
                guard case .retry = decision else {
                    if error.neverConnected {
                        return .stop("nothing answers at \(endpoint.baseUrl) (\(endpoint.redacting(error.message)))", status: nil)
                    }
                    return .failed(HTTPError(error.kind, endpoint.redacting(error.message), neverConnected: error.neverConnected))
                }
            }
            guard case let .retry(after) = decision else { continue }
            retries += 1
            counters.add(retries: 1)
            do { try await Task.sleep(for: .milliseconds(Int64(after * 1000))) } catch {
                return .failed(HTTPError(.cancelled, "cancelled"))
            }
        }
    }

    /// What an answer says, in a line fit to store: HubSpot's message (token masked), else the status.
    func message(_ response: HTTPResponse) -> String {
        let error = HubSpotBatch.ErrorBody.parse(Array(response.body))
        let text = error.message.map { endpoint.redacting($0) } ?? String(decoding: response.body.prefix(300), as: UTF8.self)
        return "\(response.status)" + (error.category.map { " \($0)" } ?? "") + (text.isEmpty ? "" : ": " + endpoint.redacting(text))
    }

    public func shutdown() { http.shutdown() }
}

/// Thread-safe request counters.
final class Counters: Sendable {
    private let counts = Mutex((requests: 0, retries: 0, rateLimited: 0))
    func add(requests: Int = 0, retries: Int = 0, rateLimited: Int = 0) {
        counts.withLock {
            $0.requests += requests; $0.retries += retries; $0.rateLimited += rateLimited
        }
    }
    var values: (requests: Int, retries: Int, rateLimited: Int) { counts.withLock { $0 } }
}
