import BrieferApp
import BrieferCore
import BrieferStore
import BrieferTesting
import Foundation
import Synchronization
import Testing

/// Fault injection (issue 6): one run of every stage while the fake model server answers a seeded mix of
/// slow answers, hangs past the timeout, 429s (with and without retry-after, one asking for 300 s), 500s,
/// 503s, dropped connections, truncated bodies, non-JSON bodies, `finish_reason: length`, refusals and
/// prose; and the fake HubSpot answers 429s (ten-secondly and daily), a 400, 5xx and a dropped reply.
/// Every selected account ends in a recorded state, the run's counts are the servers' counts, and a
/// second run delivers what the first could not.
@Suite(.serialized)
struct FaultInjectionTests {
    static let behaviours: [FakeOpenAIServer.Behavior] = [
        .grounded, .grounded, .grounded, .grounded, .slow(0.3, then: .grounded), .hang,
        .tooManyRequests(retryAfter: "1"), .tooManyRequests(), .tooManyRequests(retryAfter: "300"),
        .status(500), .status(503), .drop, .truncatedBody, .notJSON, .lengthCutoff, .refusal("I can't help with that."),
        .content("Sure! Here is a great briefing for this account."),
    ]

    @Test func everyAccountEndsRecordedAndTheCountsAreTheServers() async throws {
        let temporary = try TemporaryStore()
        var configuration = EnrichmentTests.configuration()
        configuration.enrichment.requestTimeoutSeconds = 2
        configuration.enrichment.maxRetries = 2
        configuration.crm.maxRetries = 3
        // Each behaviour once in every run of 17 requests, in a seeded shuffled order.
        var random = SplitMix64(state: 6)
        let picks = (0..<24).flatMap { _ in Array(Self.behaviours.indices).shuffled(using: &random) }
        let counter = Counter()
        let llm = try FakeOpenAIServer { _ in Self.behaviours[picks[counter.next() % picks.count]] }
        let crm = try FakeHubSpotServer()
        // Faults at set places among the first run's requests, the rest answered normally (207s included:
        // contacts the fake CRM does not know are OBJECT_NOT_FOUND).
        // (Request 0 is the push's question which portal the token belongs to, answered normally.)
        let crmFaults: [Int: FakeHubSpotServer.Fault] = [
            1: .rateLimited(retryAfter: "1"),
            2: .status(400, body: #"{"status":"error","message":"Property values were not valid","category":"VALIDATION_ERROR"}"#),
            3: .status(503), 5: .dropAfterApplying, 6: .rateLimited(), 7: .status(502), 9: .rateLimited(policy: "DAILY"),
        ]
        // And one contact HubSpot will not take (an invalid value): every upsert carrying it is refused
        // whole with 400, whichever request it is in — the client must isolate it.
        let refusedEmail = Box<String>()
        let refuse: @Sendable (FakeHubSpotServer.Request) -> FakeHubSpotServer.Fault? = { request in
            guard request.path == FakeHubSpotServer.upsertPath else { return nil }
            let email = refusedEmail.setOnce(request.bodyText.firstMatch(of: /"id": ?"([^"]+)"/).map { String($0.1) } ?? "")
            guard request.bodyText.contains("\"\(email)\"") else { return nil }
            return .status(
                400, body: #"{"status":"error","message":"Property values were not valid: INVALID_EMAIL","category":"VALIDATION_ERROR"}"#)
        }
        crm.setFaultScript { request in crmFaults[request.index] ?? refuse(request) }
        defer { llm.stop(); crm.stop() }
        // The CRM knows most fixture users (every fifth is unknown: a 207 with OBJECT_NOT_FOUND).
        for (index, email) in try CrashHarnessTests.fixtureEmails().sorted().enumerated() where index % 5 != 0 {
            _ = crm.addContact(email: email)
        }
        let client = LLMClient(
            endpoint: LLMEndpoint(baseUrl: llm.baseURL, apiKey: ""), settings: configuration.enrichment, logger: .quiet,
            sleep: { _ in })
        let hubspot = HubSpotClient(
            endpoint: HubSpotEndpoint(baseUrl: crm.baseURL, token: crm.token!), settings: configuration.crm, logger: .quiet)
        let pipeline = Pipeline(
            store: temporary.store, configuration: configuration, template: try EnrichmentTests.template.get(),
            llm: client, hubspot: hubspot, logger: .quiet, owner: "faults")
        let asOf = try FixturePaths.manifestAsOf()
        let first = try await pipeline.run(.init(inputs: FixturePaths.workspaceFiles, asOf: asOf, push: true))
        #expect(first.status == .finished)
        let enrichment = try #require(first.enrichment)
        let sync = try #require(first.sync)

        // The model server's record and the run's counts agree.
        let kinds = Dictionary(grouping: llm.requests.compactMap(\.behavior), by: { $0 }).mapValues(\.count)
        #expect(enrichment.calls == llm.requests.count, "\(kinds)")
        let answered = llm.requests.filter { ["grounded", "slow", "length_cutoff", "refusal", "content"].contains($0.behavior ?? "") }.count
        #expect(enrichment.calls - enrichment.failedCalls == answered, "\(kinds)")
        let reasons = try temporary.store.deferrals().map { "\($0.account): \($0.reason) \($0.detail)" }
        #expect(kinds.count >= 12, "faults injected: \(kinds); deferrals: \(reasons)")

        // Every selected account ends recorded: a briefing (llm, rules or needs review) or a deferral with its reason.
        let briefed = Set(try temporary.store.briefings(latestOnly: true).map(\.account))
        let deferred = Dictionary(try temporary.store.deferrals().map { ($0.account, $0.reason) }, uniquingKeysWith: { a, _ in a })
        #expect(enrichment.selected == 11)
        #expect(enrichment.briefed + enrichment.needsReview + enrichment.deferred == 11)
        #expect(briefed.count + deferred.count == 11 && briefed.isDisjoint(with: deferred.keys))
        // Deferred by what the faulty endpoint did, never by the spend cap (none is set).
        #expect(deferred.values.allSatisfy { $0 == .rateLimited || $0 == .endpointError })

        // HubSpot's record and the sync's counts agree; what could not be delivered is pending, not lost.
        #expect(
            sync.requests.values.reduce(0, +) + sync.retries == crm.received, "\(sync.requests) + \(sync.retries) retries vs \(crm.counts)")
        #expect(sync.rateLimited == crm.requests.filter { $0.status == 429 }.count)
        // Whatever a fault kept from its destination is pending for the next run, never dropped.
        #expect(sync.done + sync.missing + sync.rejected + sync.leftPending == sync.changedContacts + sync.resent || sync.stopped != nil)
        let outbox = try temporary.store.outboxItems(destination: nil)
        #expect(outbox.allSatisfy { [.pending, .done, .missing, .rejected].contains($0.status) })
        // The injected 400 on a whole batch is answered by sending its halves; the halving toward the one
        // refused contact may be cut off by the daily limit (the rest then waits), never rejecting others.
        #expect(outbox.filter { $0.status == .rejected }.allSatisfy { $0.email == refusedEmail.value })
        #expect(sync.stopped?.contains("DAILY") == true && sync.leftPending > 0)

        // A second run, the servers healthy again (but for the contact HubSpot refuses): everything pending is
        // delivered under its trace id.
        crm.setFaultScript(refuse)
        crm.resetRateLimit()
        let second = try await Pipeline(
            store: temporary.store, configuration: configuration, template: try EnrichmentTests.template.get(),
            llm: client, hubspot: hubspot, logger: .quiet, owner: "faults"
        )
        .run(.init(asOf: asOf, push: true))
        #expect(second.status == .finished)
        let after = try temporary.store.outboxItems(destination: nil)
        #expect(!after.contains { $0.status == .pending })
        // The refused contact, isolated, is the only change rejected, with HubSpot's message.
        let rejected = after.filter { $0.status == .rejected }
        #expect(rejected.map(\.email) == [refusedEmail.value], "\(rejected.map(\.email))")
        #expect(rejected.allSatisfy { $0.message?.contains("Property values were not valid: INVALID_EMAIL") == true })
        #expect(second.sync?.resent ?? 0 >= sync.leftPending)
        var traceIdsByChange: [String: Set<String>] = [:]
        for write in crm.writes where write.outcome != .rejected {
            let change = write.id + "|" + write.properties.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "&")
            if let traceId = write.traceId { traceIdsByChange[change, default: []].insert(traceId) }
        }
        #expect(traceIdsByChange.values.allSatisfy { $0.count == 1 })
        print(
            "fault injection: model server \(kinds.sorted { $0.key < $1.key }); HubSpot \(crm.requests.compactMap(\.fault).sorted()); "
                + "first run: \(enrichment.briefed) briefed (\(enrichment.fallbacks) by rules), \(enrichment.deferred) deferred, "
                + "\(enrichment.calls) calls, \(enrichment.retries) retries; sync \(sync.done) done, \(sync.rejected) rejected, "
                + "\(sync.leftPending) left pending, stopped: \(sync.stopped ?? "no"); second run: \(second.sync?.done ?? 0) done, "
                + "\(second.sync?.rejected ?? 0) rejected, HubSpot answered 400 \(crm.requests.filter { $0.status == 400 }.count) times in all"
        )
    }

    final class Counter: Sendable {
        private let value = Mutex(0)
        func next() -> Int {
            value.withLock { value in
                defer { value += 1 }; return value
            }
        }
    }
}

/// A value set once, by the first caller, and read by any.
final class Box<Value: Sendable>: Sendable {
    private let stored = Mutex<Value?>(nil)
    var value: Value? { stored.withLock { $0 } }
    /// The value: `candidate` if none was set yet.
    func setOnce(_ candidate: @autoclosure () -> Value) -> Value {
        stored.withLock {
            if $0 == nil { $0 = candidate() }
            return $0!
        }
    }
}
