import Foundation

/// Client-side limits on requests: at most `concurrency` in flight, `requestsPerMinute` and
/// `tokensPerMinute` over any sliding `window` (a minute unless given; 0 is no limit). Callers wait
/// their turn in order. Model requests use all three; CRM pushes a request budget per 10 s.
actor RateLimiter {
    let concurrency: Int
    let requestsPerMinute: Int
    let tokensPerMinute: Int
    let window: Duration
    private var inFlight = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []
    /// (ticket, time, tokens) of the requests started in the last window.
    private var recent: [(ticket: Int, at: ContinuousClock.Instant, tokens: Int)] = []
    private var lastTicket = 0

    init(concurrency: Int, requestsPerMinute: Int, tokensPerMinute: Int = 0, window: Duration = .seconds(60)) {
        self.concurrency = max(concurrency, 1)
        self.window = window
        self.requestsPerMinute = requestsPerMinute
        self.tokensPerMinute = tokensPerMinute
    }

    /// Waits for a free slot and room in the per-minute budgets for a request of about `tokens` tokens.
    /// - Returns: the request's ticket, for ``record(ticket:tokens:)``.
    func acquire(tokens: Int) async throws -> Int {
        if inFlight < concurrency {
            inFlight += 1
        } else {
            // release() hands its slot straight to the first waiter: callers get slots in the order they asked.
            await withCheckedContinuation { waiters.append($0) }
        }
        while true {
            let now = ContinuousClock.now
            recent.removeAll { now - $0.at >= window }
            let requestsOK = requestsPerMinute == 0 || recent.count < requestsPerMinute
            let used = recent.reduce(0) { $0 + $1.tokens }
            let tokensOK = tokensPerMinute == 0 || recent.isEmpty || used + tokens <= tokensPerMinute
            if requestsOK && tokensOK { break }
            let wait = (recent.first?.at ?? now) + window - now
            do {
                try await Task.sleep(for: max(wait, .milliseconds(10)))
            } catch {
                release()
                throw error
            }
        }
        lastTicket += 1
        recent.append((lastTicket, ContinuousClock.now, tokens))
        return lastTicket
    }

    /// Frees the slot taken by ``acquire(tokens:)``.
    func release() {
        if waiters.isEmpty { inFlight -= 1 } else { waiters.removeFirst().resume() }
    }

    /// Replaces the estimate of the request with `ticket` by its real usage.
    func record(ticket: Int, tokens: Int) {
        if let i = recent.lastIndex(where: { $0.ticket == ticket }) { recent[i].tokens = tokens }
    }
}
