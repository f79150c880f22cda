import Testing

@testable import BrieferCore

// Delivering one batch (SPEC §6) without I/O: a simulated API answers each request, and the machine's
// requests and settlements are checked.

private let shapeCodes = BatchDelivery.Refusal(message: "PROPERTY_DOESNT_EXIST", everyInput: true, coded: true)
private let coded = BatchDelivery.Refusal(message: "INVALID_EMAIL", everyInput: false, coded: true)
private let uncoded = BatchDelivery.Refusal(message: "Bad Request", everyInput: false, coded: false)

/// Drives `items` through a delivery; `answer` plays the API. Returns the requests and each item's final outcome.
private func deliver(
    _ items: [Int64], answer: ([Int64], Bool) -> BatchDelivery.Answer
) -> (requests: [[Int64]], outcomes: [Int64: OutboxOutcome], stopped: String?) {
    var delivery = BatchDelivery(items: items)
    var requests: [[Int64]] = []
    var outcomes: [Int64: OutboxOutcome] = [:]
    while true {
        switch delivery.next() {
        case let .send(ids, resend):
            #expect(resend == !requests.isEmpty)
            requests.append(ids)
            delivery.received(answer(ids, resend))
        case let .settle(settled):
            for outcome in settled {
                #expect(outcomes[outcome.itemId] == nil, "item \(outcome.itemId) settled twice")
                outcomes[outcome.itemId] = outcome
            }
        case .finished:
            return (requests, outcomes, delivery.stopped)
        }
    }
}

/// An API that refuses any batch holding one of `bad` with `refusal`, and applies the others.
private func refusing(_ bad: Set<Int64>, with refusal: BatchDelivery.Refusal) -> ([Int64], Bool) -> BatchDelivery.Answer {
    { ids, _ in
        ids.contains(where: bad.contains)
            ? .refused(refusal) : .settled(ids.map { OutboxOutcome(itemId: $0, status: .done, httpStatus: 200) })
    }
}

@Test func anAcceptedBatchIsOneRequest() {
    let result = deliver([1, 2, 3], answer: refusing([], with: coded))
    #expect(result.requests == [[1, 2, 3]])
    #expect(result.outcomes.values.allSatisfy { $0.status == .done } && result.outcomes.count == 3)
}

@Test func nothingToDeliverSendsNothing() {
    #expect(deliver([], answer: refusing([], with: coded)).requests.isEmpty)
}

@Test func aCodedRefusalIsSplitUntilTheBadInputsAreFound() {
    let items = Array(Int64(1)...8)
    let result = deliver(items, answer: refusing([3, 8], with: coded))
    #expect(result.outcomes.filter { $0.value.status == .rejected }.keys.sorted() == [3, 8])
    #expect(result.outcomes.filter { $0.value.status == .done }.count == 6)
    #expect(result.outcomes[3]?.message == "INVALID_EMAIL" && result.outcomes[3]?.httpStatus == 400)
    // Halves sent before either is split again, the first half's descendants before the second's.
    #expect(result.requests.prefix(5) == [[1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 3, 4], [5, 6, 7, 8], [1, 2], [3, 4]])
    #expect(result.requests.last == [8])
}

@Test func aShapeRefusalRejectsEveryItemWithoutSplitting() {
    let result = deliver([1, 2, 3, 4], answer: refusing([2], with: shapeCodes))
    #expect(result.requests == [[1, 2, 3, 4]])
    #expect(result.outcomes.values.allSatisfy { $0.status == .rejected && $0.message == "PROPERTY_DOESNT_EXIST" })
}

@Test func aLoneItemRefusedIsRejected() {
    let result = deliver([7], answer: refusing([7], with: uncoded))
    #expect(result.outcomes[7]?.status == .rejected)
}

@Test func anUncodedRefusalIsSplitWithinABudgetAndTheRestWaits() {
    // Every input refused, no codes: halving all 100 would take 198 requests; the budget of 4 × (⌈log₂ 100⌉ + 1) = 32 stops it.
    let items = Array(Int64(1)...100)
    let result = deliver(items, answer: refusing(Set(items), with: uncoded))
    #expect(result.requests.count == 1 + 32)
    let pending = result.outcomes.values.filter { $0.status == .pending }
    #expect(!pending.isEmpty && pending.allSatisfy { $0.message!.hasSuffix("not told apart this run: sent again next run)") })
    #expect(result.outcomes.count == 100)
    // What was isolated alone is rejected; nothing good is rejected for another input's fault.
    #expect(result.outcomes.values.filter { $0.status == .rejected }.count > 0)
}

@Test func aCodedRefusalIgnoresTheBudget() {
    let items = Array(Int64(1)...64)
    let result = deliver(items, answer: refusing(Set(items), with: coded))
    #expect(result.outcomes.values.allSatisfy { $0.status == .rejected })
    #expect(result.requests.count == 127)
}

@Test func aStopWhileSplittingLeavesTheRestPending() {
    var sent = 0
    let result = deliver([1, 2, 3, 4]) { ids, _ in
        sent += 1
        if sent == 1 { return .refused(coded) }
        return .stop("HTTP 429: the daily limit is reached", status: 429)
    }
    #expect(result.requests == [[1, 2, 3, 4], [1, 2]])
    #expect(result.stopped == "HTTP 429: the daily limit is reached")
    #expect(result.outcomes.values.allSatisfy { $0.status == .pending } && result.outcomes.count == 4)
    #expect(result.outcomes[1]?.httpStatus == 429 && result.outcomes[3]?.httpStatus == nil)
}

@Test func aFailedRequestLeavesItsItemsAsTheAPISettledThem() {
    let result = deliver([1, 2]) { ids, _ in
        .settled(ids.map { OutboxOutcome(itemId: $0, status: .pending, message: "timeout (sent again next run)") })
    }
    #expect(result.requests == [[1, 2]] && result.outcomes[2]?.status == .pending)
}

// Reading HubSpot's answers (SPEC §6): by trace id, or by record id for updates — never by position.

private func item(_ id: Int64, _ email: String) -> OutboxItem {
    OutboxItem(
        id: id, destination: "hubspot", traceId: "t\(id)", email: email, account: "acme.com", properties: [("pql_score", "80")],
        status: .pending, attempts: 0, createdMs: 0)
}

@Test func aWriteAnswerIsMatchedByTraceIdAndItsErrorsByInput() throws {
    let items = [item(1, "a@acme.com"), item(2, "b@acme.com"), item(3, "c@acme.com"), item(4, "d@acme.com")]
    let body = """
        {"status":"COMPLETE","results":[{"id":"902","objectWriteTraceId":"t2"},{"id":"901","objectWriteTraceId":"t1"}],
         "errors":[{"status":"error","category":"OBJECT_NOT_FOUND","message":"gone","context":{"ids":["C@acme.com"]}}]}
        """
    let answer = try #require(HubSpotBatch.Answer.parse(Array(body.utf8)))
    let result = HubSpotBatch.read(answer, status: 207, items: items, upsert: true)
    #expect(result.recordIds == ["a@acme.com": "901", "b@acme.com": "902"])
    #expect(result.missing == ["c@acme.com"])
    #expect(result.outcomes.map(\.status) == [.done, .done, .missing, .pending])
    #expect(result.outcomes[3].message == "absent from the CRM's results: counted as failed (sent again next run)")
}

@Test func anUpdateAnswerWithoutTraceIdsIsMatchedByRecordId() throws {
    let items = [item(1, "a@acme.com"), item(2, "b@acme.com")]
    let answer = try #require(HubSpotBatch.Answer.parse(Array(#"{"results":[{"id":"502"}]}"#.utf8)))
    let result = HubSpotBatch.read(answer, status: 200, items: items, upsert: false, recordIds: ["501": items[0], "502": items[1]])
    #expect(result.outcomes.map(\.status) == [.pending, .done])
    #expect(result.recordIds == ["b@acme.com": "502"])
}

@Test func aLookupSettlesOnlyWhatItDidNotFind() throws {
    let items = [item(1, "a@acme.com"), item(2, "b@acme.com"), item(3, "c@acme.com")]
    let body = """
        {"results":[{"id":"7","properties":{"email":"A@acme.com"}}],
         "errors":[{"category":"OBJECT_NOT_FOUND","message":"no","context":{"ids":["b@acme.com"]}}]}
        """
    let answer = try #require(HubSpotBatch.Answer.parse(Array(body.utf8)))
    let lookup = HubSpotBatch.readLookup(answer, status: 207, items: items)
    #expect(lookup.recordIds == ["a@acme.com": "7"] && lookup.missing == ["b@acme.com"])
    #expect(lookup.outcomes.map(\.itemId) == [2, 3] && lookup.outcomes.map(\.status) == [.missing, .pending])
}
