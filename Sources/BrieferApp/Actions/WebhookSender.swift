import BrieferCore
import Foundation

/// Where notifications go (SPEC §6.1): the Slack incoming webhook's URL (a secret: it alone lets anyone post) and the
/// generic webhook's URL and signing secret, each from the environment or a file the environment names, never from the
/// configuration file nor a flag, never logged.
public struct NotificationTargets: Sendable {
    public var slackURL: String?
    public var webhookURL: String?
    public var webhookSecret: String?

    public static let slackVariable = "BRIEFER_SLACK_WEBHOOK_URL"
    public static let webhookURLVariable = "BRIEFER_WEBHOOK_URL"
    public static let webhookSecretVariable = "BRIEFER_WEBHOOK_SECRET"

    public init(slackURL: String? = nil, webhookURL: String? = nil, webhookSecret: String? = nil) {
        self.slackURL = slackURL; self.webhookURL = webhookURL; self.webhookSecret = webhookSecret
    }

    /// The targets the enabled notifications need; an error naming what is missing or refused.
    public static func resolve(
        _ settings: BrieferConfiguration.Actions, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> NotificationTargets {
        var targets = NotificationTargets()
        if settings.slack.enabled {
            guard let url = try secret(slackVariable, environment) else {
                throw ActionError(
                    "actions.slack.enabled needs the incoming webhook's URL in \(slackVariable) or a file named by \(slackVariable)_FILE",
                    code: .missingSecret)
            }
            guard url.hasPrefix("https://") || url.hasPrefix("http://") else {
                throw ActionError("\(slackVariable) must be the incoming webhook's https:// URL", code: .badEndpoint)
            }
            // The URL is the secret: the refusal names its host only.
            let host = URLComponents(string: url)?.host ?? "its host"
            if CleartextPolicy.refusal(url: url, secretName: slackVariable, environment: environment) != nil {
                throw ActionError(
                    "\(slackVariable) would be sent in the clear (plain http to \(host)): use https, or set "
                        + "\(CleartextPolicy.allowVariable)=1 if the network to that host is trusted", code: .badEndpoint)
            }
            targets.slackURL = url
        }
        if settings.webhook.enabled {
            let url = environment[webhookURLVariable].flatMap { $0.isEmpty ? nil : $0 } ?? settings.webhook.url
            guard url.hasPrefix("https://") || url.hasPrefix("http://") else {
                throw ActionError(
                    "actions.webhook.enabled needs actions.webhook.url (or \(webhookURLVariable)), an http(s) URL", code: .badEndpoint)
            }
            guard let secret = try secret(webhookSecretVariable, environment) else {
                throw ActionError(
                    "actions.webhook.enabled needs the signing secret in \(webhookSecretVariable) or a file named by \(webhookSecretVariable)_FILE",
                    code: .missingSecret)
            }
            if let refusal = CleartextPolicy.refusal(url: url, secretName: "the signed webhook", environment: environment) {
                throw ActionError(refusal, code: .badEndpoint)
            }
            (targets.webhookURL, targets.webhookSecret) = (url, secret)
        }
        return targets
    }

    /// `NAME`, else the contents of the file `NAME_FILE` names (trimmed); nil when neither is set.
    static func secret(_ name: String, _ environment: [String: String]) throws -> String? {
        if let value = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty { return value }
        guard let path = environment[name + "_FILE"], !path.isEmpty else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ActionError("cannot read \(name)_FILE (\(path))", code: .missingSecret)
        }
        let value = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return value.isEmpty ? nil : value
    }
}

/// A failure that stops the actions pass, with a message fit to show (never a secret).
public struct ActionError: BrieferError {
    public var code: BrieferErrorCode
    public var message: String
    public init(_ message: String, code: BrieferErrorCode) { self.message = message; self.code = code }
}

/// POSTs JSON to a webhook over libcurl, retrying 429s (after `Retry-After`) and 5xx answers, and failures to connect. A
/// request that may have arrived without an answer (a timeout, a dropped connection) is retried only when
/// `retryUnanswered` (a receiver that drops repeats by id); Slack's, which cannot, is not. The URL is never put in a
/// message: `label` names it.
final class WebhookSender: Sendable {
    enum Outcome: Sendable {
        case answer(HTTPResponse)
        /// No answer; `mayHaveArrived` unless the connection was never made.
        case failed(String, mayHaveArrived: Bool)
        /// The receiver asked to wait longer than allowed: the rest waits for the next pass.
        case deferred(String)
    }

    let url: String
    let label: String
    let retryUnanswered: Bool
    let settings: BrieferConfiguration.CRM
    private let http = HTTPClient(maxConcurrent: 1)

    init(url: String, label: String, retryUnanswered: Bool, settings: BrieferConfiguration.CRM) {
        self.url = url; self.label = label; self.retryUnanswered = retryUnanswered; self.settings = settings
    }

    deinit { http.shutdown() }

    func post(_ body: Data, headers extra: @Sendable () -> [HTTPHeader] = { [] }) async -> Outcome {
        let policy = RetryPolicy(maxRetries: settings.maxRetries, maxRetryAfter: Double(settings.maxRetryAfterSeconds))
        var retries = 0
        while true {
            let request = HTTPRequest(
                method: "POST", url: url, headers: [HTTPHeader("Content-Type", "application/json")] + extra(), body: body,
                connectTimeout: Double(settings.connectTimeoutSeconds), timeout: Double(settings.requestTimeoutSeconds))
            let decision: RetryPolicy.Decision
            do {
                let response = try await http.send(request)
                // 408 and 409 are not worth a resend here: the receiver has answered.
                guard response.status == 429 || response.status >= 500 else { return .answer(response) }
                decision = policy.decision(
                    after: .status(response.status), header: { response.header($0) }, retriesTaken: retries,
                    random: Double.random(in: 0..<1),
                    now: Date().timeIntervalSince1970)
                switch decision {
                case .giveUp: return .answer(response)
                case let .deferToLaterRun(seconds):
                    return .deferred(
                        "\(label) asked to wait \(Int(seconds.rounded())) s (\(response.status)): the rest waits for the next pass")
                case .retry: break
                }
            } catch {
                // Whatever broke after the request left may have delivered it (a dropped connection, a timeout, a garbled
                // answer, a cancellation); a refused URL, a failed TLS handshake or a connection never made did not.
                let mayHaveArrived = !error.neverConnected && error.kind != .invalidRequest
                let message = "\(label): \(error.kind.rawValue)" + (mayHaveArrived ? " (no answer)" : " (not connected)")
                if error.kind == .cancelled || (mayHaveArrived && !retryUnanswered) {
                    return .failed(message, mayHaveArrived: mayHaveArrived)
                }
                decision = policy.decision(
                    after: error.kind == .timeout ? .timeout : .connectionError, retriesTaken: retries, random: Double.random(in: 0..<1))
                guard case .retry = decision else { return .failed(message, mayHaveArrived: mayHaveArrived) }
            }
            guard case let .retry(after) = decision else { continue }
            retries += 1
            do { try await Task.sleep(for: .milliseconds(Int64(after * 1000))) } catch {
                return .failed("\(label): cancelled", mayHaveArrived: false)
            }
        }
    }

    func shutdown() { http.shutdown() }
}
