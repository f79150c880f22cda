import Testing
@testable import BrieferCore

// The transport's retry policy (SPEC §5, as the official OpenAI SDK): connection errors, timeouts,
// 408, 409, 429 and ≥ 500 retried at most max_retries times; retry-after-ms / retry-after obeyed up to
// 120 s (longer defers the account to the next run); otherwise min(0.5·2ⁿ, 8)·(1 − 0.25·random) s;
// x-should-retry obeyed.

private let policy = RetryPolicy()  // max_retries 2, max retry-after 120 s

/// Response headers looked up case-insensitively by name, as HTTP headers are.
private func headers(_ fields: [String: String]) -> (String) -> String? {
    let lowered = Dictionary(uniqueKeysWithValues: fields.map { ($0.key.lowercased(), $0.value) })
    return { lowered[$0.lowercased()] }
}

/// "Wed, 21 Oct 2015 07:28:00 GMT" in seconds since 1970 (`date -u -d "2015-10-21 07:28:00" +%s`).
private let october21: Double = 1_445_412_480

struct RetryPolicyTests {
    @Test func defaults() {
        #expect(policy.maxRetries == 2)
        #expect(policy.maxRetryAfter == 120)
    }

    @Test(arguments: [RetryPolicy.Outcome.connectionError, .timeout])
    func noAnswerIsRetried(outcome: RetryPolicy.Outcome) {
        #expect(policy.decision(after: outcome, retriesTaken: 0, random: 0) == .retry(after: 0.5))
        #expect(policy.decision(after: outcome, retriesTaken: 1, random: 0) == .retry(after: 1))
        #expect(policy.decision(after: outcome, retriesTaken: 2, random: 0) == .giveUp)
    }

    @Test(arguments: [408, 409, 429, 500, 502, 503, 504, 599])
    func retryableStatusesAreRetried(status: Int) {
        #expect(RetryPolicy.isRetryable(status: status))
        #expect(policy.decision(after: .status(status), retriesTaken: 0, random: 0) == .retry(after: 0.5))
    }

    @Test(arguments: [400, 401, 403, 404, 422])
    func clientErrorsAreNotRetried(status: Int) {
        #expect(!RetryPolicy.isRetryable(status: status))
        #expect(policy.decision(after: .status(status), retriesTaken: 0, random: 0) == .giveUp)
    }

    @Test func successIsNeverRetried() {
        #expect(policy.decision(after: .status(200), retriesTaken: 0, random: 0) == .giveUp)
        #expect(policy.decision(after: .status(200), header: headers(["x-should-retry": "true"]), retriesTaken: 0, random: 0) == .giveUp)
    }

    @Test func xShouldRetryOverridesTheStatus() {
        #expect(
            policy.decision(after: .status(400), header: headers(["x-should-retry": "true"]), retriesTaken: 0, random: 0)
                == .retry(after: 0.5))
        #expect(
            policy.decision(after: .status(404), header: headers(["X-Should-Retry": "TRUE"]), retriesTaken: 0, random: 0)
                == .retry(after: 0.5))
        #expect(policy.decision(after: .status(503), header: headers(["x-should-retry": "false"]), retriesTaken: 0, random: 0) == .giveUp)
        #expect(policy.decision(after: .status(429), header: headers(["x-should-retry": "False"]), retriesTaken: 0, random: 0) == .giveUp)
        // Anything else leaves the status to decide.
        #expect(
            policy.decision(after: .status(503), header: headers(["x-should-retry": "maybe"]), retriesTaken: 0, random: 0)
                == .retry(after: 0.5))
        #expect(policy.decision(after: .status(400), header: headers(["x-should-retry": "yes"]), retriesTaken: 0, random: 0) == .giveUp)
    }

    @Test func retriesStopAtTheMaximum() {
        #expect(policy.decision(after: .status(503), retriesTaken: 1, random: 0) == .retry(after: 1))
        #expect(policy.decision(after: .status(503), retriesTaken: 2, random: 0) == .giveUp)
        #expect(policy.decision(after: .status(503), retriesTaken: 3, random: 0) == .giveUp)
        // Not even when the server says to, or asks for a short wait.
        #expect(
            policy.decision(
                after: .status(503), header: headers(["x-should-retry": "true", "retry-after": "1"]), retriesTaken: 2, random: 0) == .giveUp
        )
        #expect(RetryPolicy(maxRetries: 0).decision(after: .timeout, retriesTaken: 0, random: 0) == .giveUp)
        #expect(RetryPolicy(maxRetries: 5).decision(after: .timeout, retriesTaken: 4, random: 0) == .retry(after: 8))
    }

    @Test func retryAfterMillisecondsIsObeyed() {
        #expect(
            policy.decision(after: .status(429), header: headers(["retry-after-ms": "1500"]), retriesTaken: 0, random: 0.9)
                == .retry(after: 1.5))
        // It wins over retry-after.
        #expect(
            policy.decision(
                after: .status(429), header: headers(["retry-after-ms": "250", "retry-after": "7"]), retriesTaken: 0, random: 0)
                == .retry(after: 0.25))
        // A non-positive or unreadable retry-after-ms falls back to retry-after.
        #expect(
            policy.decision(after: .status(429), header: headers(["retry-after-ms": "0", "retry-after": "3"]), retriesTaken: 0, random: 0)
                == .retry(after: 3))
        #expect(
            policy.decision(
                after: .status(429), header: headers(["retry-after-ms": "soon", "retry-after": "3"]), retriesTaken: 0, random: 0)
                == .retry(after: 3))
    }

    @Test func retryAfterSecondsIsObeyed() {
        #expect(
            policy.decision(after: .status(429), header: headers(["retry-after": "2"]), retriesTaken: 0, random: 0.5) == .retry(after: 2))
        #expect(
            policy.decision(after: .status(503), header: headers(["Retry-After": " 10 "]), retriesTaken: 1, random: 0) == .retry(after: 10))
        #expect(
            policy.decision(after: .status(503), header: headers(["retry-after": "0.75"]), retriesTaken: 0, random: 0)
                == .retry(after: 0.75))
    }

    @Test(arguments: ["0", "-5", "garbage", "", "Wed, 32 Foo 2015 07:28:00 GMT", "inf", "nan"])
    func unusableRetryAfterFallsBackToTheBackoff(value: String) {
        // n = 1, random 0: min(0.5·2, 8) = 1 s.
        #expect(
            policy.decision(after: .status(503), header: headers(["retry-after": value]), retriesTaken: 1, random: 0) == .retry(after: 1))
    }

    @Test func longRetryAfterDefersToALaterRun() {
        #expect(
            policy.decision(after: .status(429), header: headers(["retry-after": "121"]), retriesTaken: 0, random: 0)
                == .deferToLaterRun(seconds: 121))
        #expect(
            policy.decision(after: .status(429), header: headers(["retry-after": "120"]), retriesTaken: 0, random: 0) == .retry(after: 120))
        #expect(
            policy.decision(after: .status(429), header: headers(["retry-after-ms": "120001"]), retriesTaken: 0, random: 0)
                == .deferToLaterRun(seconds: 120.001))
        #expect(
            policy.decision(after: .status(429), header: headers(["retry-after-ms": "120000"]), retriesTaken: 0, random: 0)
                == .retry(after: 120))
        #expect(
            policy.decision(after: .status(503), header: headers(["retry-after": "3600"]), retriesTaken: 1, random: 0)
                == .deferToLaterRun(seconds: 3600))
        // The limit is the policy's.
        #expect(
            RetryPolicy(maxRetries: 2, maxRetryAfter: 10).decision(
                after: .status(429), header: headers(["retry-after": "11"]), retriesTaken: 0, random: 0)
                == .deferToLaterRun(seconds: 11))
    }

    @Test func retryAfterAsAnHTTPDate() {
        let h = headers(["retry-after": "Wed, 21 Oct 2015 07:28:30 GMT"])
        #expect(policy.decision(after: .status(429), header: h, retriesTaken: 0, random: 0, now: october21) == .retry(after: 30))
        #expect(
            policy.decision(after: .status(429), header: h, retriesTaken: 0, random: 0, now: october21 - 200)
                == .deferToLaterRun(seconds: 230))
        // A date in the past: the backoff.
        #expect(policy.decision(after: .status(429), header: h, retriesTaken: 0, random: 0, now: october21 + 60) == .retry(after: 0.5))
        #expect(HTTPDate.parse("Wed, 21 Oct 2015 07:28:00 GMT") == october21)
        #expect(HTTPDate.parse("Thu, 01 Jan 1970 00:00:00 GMT") == 0)
        #expect(HTTPDate.parse("Sat, 29 Feb 2020 12:00:00 GMT") == 1_582_977_600)
        #expect(HTTPDate.parse("Wed, 21 Oct 2015 07:28:00 UTC") == nil)
        #expect(HTTPDate.parse("21 Oct 2015") == nil)
    }

    @Test func headersAreIgnoredWithoutAnAnswer() {
        // A connection error has no response: nothing to read a wait or a veto from.
        let h = headers(["retry-after": "500", "x-should-retry": "false"])
        #expect(policy.decision(after: .connectionError, header: h, retriesTaken: 0, random: 0) == .retry(after: 0.5))
        #expect(policy.decision(after: .timeout, header: h, retriesTaken: 1, random: 0) == .retry(after: 1))
    }

    @Test(arguments: [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 8.0), (10, 8.0), (62, 8.0), (1000, 8.0)])
    func backoffDoublesUpToEightSeconds(retriesTaken: Int, base: Double) {
        #expect(RetryPolicy.backoff(retriesTaken: retriesTaken, random: 0) == base)
        #expect(RetryPolicy.backoff(retriesTaken: retriesTaken, random: 1) == base * 0.75)
        #expect(RetryPolicy.backoff(retriesTaken: retriesTaken, random: 0.5) == base * 0.875)
        for random in stride(from: 0.0, to: 1.0, by: 0.05) {
            let wait = RetryPolicy.backoff(retriesTaken: retriesTaken, random: random)
            #expect(wait >= base * 0.75 && wait <= base)
        }
    }

    @Test func backoffRanges() {
        for (n, low, high) in [(0, 0.375, 0.5), (1, 0.75, 1.0), (2, 1.5, 2.0), (3, 3.0, 4.0), (4, 6.0, 8.0), (10, 6.0, 8.0)] {
            for random in [0.0, 0.001, 0.25, 0.5, 0.999, 1.0] {
                let wait = RetryPolicy.backoff(retriesTaken: n, random: random)
                #expect(wait >= low && wait <= high, "n=\(n) random=\(random): \(wait)")
            }
        }
        // Out-of-range randoms are clamped.
        #expect(RetryPolicy.backoff(retriesTaken: 0, random: -3) == 0.5)
        #expect(RetryPolicy.backoff(retriesTaken: 0, random: 7) == 0.375)
    }

    @Test func theDecisionUsesTheJitter() {
        #expect(policy.decision(after: .status(500), retriesTaken: 1, random: 1) == .retry(after: 0.75))
        #expect(policy.decision(after: .status(500), retriesTaken: 1, random: 0.5) == .retry(after: 0.875))
    }
}
