/// When and how long to wait before retrying a model request (SPEC §5: the official OpenAI SDK's
/// policy): connection errors, timeouts, 408, 409, 429 and ≥ 500 are retried at most `maxRetries`
/// times; the server's `x-should-retry` overrides that; `retry-after-ms` / `retry-after` is obeyed up to
/// `maxRetryAfter` seconds, and a longer wait defers the work to a later run instead of blocking this one;
/// otherwise the wait is `min(0.5·2ⁿ, 8)·(1 − 0.25·random)` seconds after the n-th retry.
public struct RetryPolicy: Sendable, Equatable {
    public var maxRetries: Int
    public var maxRetryAfter: Double

    public init(maxRetries: Int = 2, maxRetryAfter: Double = 120) {
        self.maxRetries = maxRetries; self.maxRetryAfter = maxRetryAfter
    }

    public enum Decision: Sendable, Equatable {
        /// Wait this many seconds, then send again.
        case retry(after: Double)
        /// Do not send again: the failure stands.
        case giveUp
        /// The server asked for a wait longer than allowed: leave the work for a later run.
        case deferToLaterRun(seconds: Double)
    }

    /// What happened to one request.
    public enum Outcome: Sendable, Equatable {
        /// An answer with this status.
        case status(Int)
        /// No answer: the connection failed or dropped.
        case connectionError
        /// No answer in time.
        case timeout
    }

    /// The statuses retried when the server does not say otherwise.
    public static func isRetryable(status: Int) -> Bool {
        status == 408 || status == 409 || status == 429 || status >= 500
    }

    /// The decision after a request that ended with `outcome`, when `retriesTaken` retries were already made.
    /// - Parameters:
    ///   - header: the response's headers (ignored without a status).
    ///   - random: a number in [0, 1) for the jitter.
    ///   - now: the current time, seconds since 1970 (for an HTTP-date `retry-after`).
    public func decision(
        after outcome: Outcome, header: (String) -> String? = { _ in nil }, retriesTaken: Int, random: Double, now: Double = 0
    ) -> Decision {
        var shouldRetry: Bool
        switch outcome {
        case .connectionError, .timeout:
            shouldRetry = true
        case let .status(status):
            if (200..<300).contains(status) { return .giveUp }
            switch header("x-should-retry")?.lowercased() {
            case "true": shouldRetry = true
            case "false": shouldRetry = false
            default: shouldRetry = Self.isRetryable(status: status)
            }
        }
        guard shouldRetry else { return .giveUp }
        let asked: Double? = if case .status = outcome { Self.retryAfter(header: header, now: now) } else { nil }
        // A server asking for a long wait is obeyed by leaving the work for later, retries left or not.
        if let asked, asked > maxRetryAfter { return .deferToLaterRun(seconds: asked) }
        guard retriesTaken < maxRetries else { return .giveUp }
        if let asked { return .retry(after: asked) }
        return .retry(after: Self.backoff(retriesTaken: retriesTaken, random: random))
    }

    /// `min(0.5·2ⁿ, 8)·(1 − 0.25·random)` seconds, n being the retries already taken.
    public static func backoff(retriesTaken: Int, random: Double) -> Double {
        let base = min(0.5 * Double(1 << min(retriesTaken, 30)), 8)
        return base * (1 - 0.25 * min(max(random, 0), 1))
    }

    /// The wait the server asks for: `retry-after-ms` (milliseconds), else `retry-after` (seconds, or
    /// an HTTP date); nil when absent, unreadable or not positive.
    public static func retryAfter(header: (String) -> String?, now: Double) -> Double? {
        if let ms = header("retry-after-ms").flatMap({ Double($0.trimmed) }), ms.isFinite, ms > 0 { return ms / 1000 }
        guard let value = header("retry-after")?.trimmed else { return nil }
        if let seconds = Double(value), seconds.isFinite { return seconds > 0 ? seconds : nil }
        if let date = HTTPDate.parse(value) {
            let wait = date - now
            return wait > 0 ? wait : nil
        }
        return nil
    }
}

/// The IMF-fixdate form of an HTTP date (`Wed, 21 Oct 2015 07:28:00 GMT`), as seconds since 1970.
enum HTTPDate {
    static func parse(_ text: String) -> Double? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT",
            let day = Int(parts[1]), let year = Int(parts[3]),
            let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
                .firstIndex(of: String(parts[2]))
        else { return nil }
        let clock = parts[4].split(separator: ":").compactMap { Int($0) }
        guard clock.count == 3 else { return nil }
        let days = Timestamp.days(fromCivil: Int64(year), Int64(month + 1), Int64(day))
        return Double(days * 86_400) + Double(clock[0] * 3600 + clock[1] * 60 + clock[2])
    }
}

extension String {
    fileprivate var trimmed: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
