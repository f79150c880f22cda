import Testing
@testable import BrieferCore

/// SPEC §6: diff-based sync through an outbox. A change is recorded once, under one trace id; what is already
/// recorded (pending, missing, rejected) counts as what the destination will hold; sends go in rounds with each
/// contact at most once per batch, its changes in record order.
struct SyncPlannerTests {
    let ride: Set<String> = ["pql_last_calculated"]
    let synced: [String: [String: String]] = [
        "ada@acme.com": ["pql_score": "87", "pql_tier": "hot", "pql_last_calculated": "2026-11-20T12:00:00Z"]
    ]

    func ada(
        score: String = "87", tier: String = "hot", calculated: String = "2026-11-21T12:00:00Z",
        email: String = "ada@acme.com"
    ) -> ContactState {
        ContactState(
            email: email, account: "acme.com", tier: .hot,
            properties: [("pql_score", score), ("pql_tier", tier), ("pql_last_calculated", calculated)])
    }

    func item(
        _ id: Int64, _ email: String = "ada@acme.com", status: OutboxItem.Status = .pending,
        _ properties: [(name: String, value: String)]
    ) -> OutboxItem {
        OutboxItem(
            id: id, destination: "hubspot", traceId: "trace-\(id)", email: email, account: "acme.com",
            properties: properties, status: status, createdMs: 1_700_000_000_000 + id)
    }

    /// A pending item for Ada.
    func item(_ id: Int64, _ properties: [(name: String, value: String)]) -> OutboxItem {
        item(id, "ada@acme.com", status: .pending, properties)
    }

    /// The changes as (email, [name=value]) for easy comparison.
    func flat(_ changes: [(contact: ContactState, properties: [(name: String, value: String)])]) -> [String] {
        changes.map { change in change.contact.email + " " + change.properties.map { "\($0.name)=\($0.value)" }.joined(separator: ",") }
    }

    // MARK: changes

    @Test func nothingChangedRecordsNothing() {
        let changes = SyncPlanner.changes(
            desired: [ada(calculated: "2026-11-20T12:00:00Z")], synced: synced, unsettled: [],
            rideAlong: ride, full: false)
        #expect(changes.isEmpty)
    }

    @Test func aNewCalculationTimeAloneNeverCausesAChange() {
        let changes = SyncPlanner.changes(
            desired: [ada(calculated: "2026-11-21T12:00:00Z")], synced: synced, unsettled: [],
            rideAlong: ride, full: false)
        #expect(changes.isEmpty)
    }

    @Test func oneChangedPropertyIsRecordedWithTheCalculationTimeRidingAlong() {
        let changes = SyncPlanner.changes(desired: [ada(score: "91")], synced: synced, unsettled: [], rideAlong: ride, full: false)
        #expect(flat(changes) == ["ada@acme.com pql_score=91,pql_last_calculated=2026-11-21T12:00:00Z"])
        #expect(changes.first?.contact.account == "acme.com")
        #expect(changes.first?.contact.tier == .hot)
    }

    @Test func theCalculationTimeDoesNotRideAlongWhenItIsUnchanged() {
        let changes = SyncPlanner.changes(
            desired: [ada(tier: "warm", calculated: "2026-11-20T12:00:00Z")], synced: synced, unsettled: [],
            rideAlong: ride, full: false)
        #expect(flat(changes) == ["ada@acme.com pql_tier=warm"])
    }

    @Test func aNeverSyncedContactGetsEveryProperty() {
        let changes = SyncPlanner.changes(
            desired: [ada(email: "grace@acme.com")], synced: synced, unsettled: [], rideAlong: ride, full: false)
        #expect(flat(changes) == ["grace@acme.com pql_score=87,pql_tier=hot,pql_last_calculated=2026-11-21T12:00:00Z"])
    }

    @Test func onlyTheChangedContactsAreReturnedInDesiredOrder() {
        let synced = self.synced.merging(["bob@beta.io": ["pql_score": "40", "pql_tier": "warm", "pql_last_calculated": "x"]]) { $1 }
        let bob = ContactState(
            email: "bob@beta.io", account: "beta.io", tier: .warm,
            properties: [("pql_score", "41"), ("pql_tier", "warm"), ("pql_last_calculated", "y")])
        let carol = ContactState(email: "carol@gamma.dev", account: "gamma.dev", tier: .nurture, properties: [("pql_score", "12")])
        let changes = SyncPlanner.changes(desired: [bob, ada(), carol], synced: synced, unsettled: [], rideAlong: ride, full: false)
        #expect(flat(changes) == ["bob@beta.io pql_score=41,pql_last_calculated=y", "carol@gamma.dev pql_score=12"])
    }

    @Test func aPendingItemAlreadyCarryingTheWantedValueRecordsNothingNew() {
        // 87 → 91 was recorded (trace-5) but not yet delivered: the same wanted value must not get a second trace id.
        let pending = item(5, [("pql_score", "91"), ("pql_last_calculated", "2026-11-21T12:00:00Z")])
        let changes = SyncPlanner.changes(
            desired: [ada(score: "91", calculated: "2026-11-22T12:00:00Z")], synced: synced,
            unsettled: [pending], rideAlong: ride, full: false)
        #expect(changes.isEmpty)
    }

    @Test func aPendingItemWithAnOlderValueAndANewerWantedValueRecordsTheNewerValue() {
        let pending = item(5, [("pql_score", "91"), ("pql_last_calculated", "2026-11-21T12:00:00Z")])
        let changes = SyncPlanner.changes(
            desired: [ada(score: "95", calculated: "2026-11-22T12:00:00Z")], synced: synced,
            unsettled: [pending], rideAlong: ride, full: false)
        #expect(flat(changes) == ["ada@acme.com pql_score=95,pql_last_calculated=2026-11-22T12:00:00Z"])
    }

    @Test func wantingTheSyncedValueBackWhileAnOtherValueIsPendingIsAChange() {
        // Synced 87, pending 91, wanted 87 again: once 91 is delivered the CRM would hold 91, so 87 must be recorded.
        let pending = item(5, [("pql_score", "91")])
        let changes = SyncPlanner.changes(
            desired: [ada(score: "87", calculated: "2026-11-20T12:00:00Z")], synced: synced,
            unsettled: [pending], rideAlong: ride, full: false)
        #expect(flat(changes) == ["ada@acme.com pql_score=87"])
    }

    @Test func theLaterItemIdWinsWhateverTheArrayOrder() {
        let older = item(3, [("pql_score", "90")])
        let newer = item(8, [("pql_score", "91")])
        for unsettled in [[older, newer], [newer, older]] {
            // Wanted = the later item's value: nothing new.
            let same = SyncPlanner.changes(desired: [ada(score: "91")], synced: synced, unsettled: unsettled, rideAlong: ride, full: false)
            #expect(same.isEmpty)
            // Wanted = the earlier item's value: it was overtaken by the later one, so it must be recorded again.
            let back = SyncPlanner.changes(desired: [ada(score: "90")], synced: synced, unsettled: unsettled, rideAlong: ride, full: false)
            #expect(flat(back) == ["ada@acme.com pql_score=90,pql_last_calculated=2026-11-21T12:00:00Z"])
        }
    }

    @Test func theOverlayIsPerPropertyAndPerContact() {
        // An item for another contact does not count for Ada; an item touching only the tier leaves the synced score.
        let unsettled = [item(4, "grace@acme.com", [("pql_score", "91")]), item(6, [("pql_tier", "warm")])]
        let changes = SyncPlanner.changes(
            desired: [ada(score: "91", tier: "warm", calculated: "2026-11-20T12:00:00Z")], synced: synced,
            unsettled: unsettled, rideAlong: ride, full: false)
        #expect(flat(changes) == ["ada@acme.com pql_score=91"])
    }

    @Test(arguments: [OutboxItem.Status.missing, .rejected])
    func missingAndRejectedItemsCountAsUnsettled(_ status: OutboxItem.Status) {
        let recorded = item(5, status: status, [("pql_score", "91"), ("pql_last_calculated", "2026-11-21T12:00:00Z")])
        let same = SyncPlanner.changes(
            desired: [ada(score: "91", calculated: "2026-11-22T12:00:00Z")], synced: synced,
            unsettled: [recorded], rideAlong: ride, full: false)
        #expect(same.isEmpty)
        let newer = SyncPlanner.changes(
            desired: [ada(score: "95", calculated: "2026-11-22T12:00:00Z")], synced: synced,
            unsettled: [recorded], rideAlong: ride, full: false)
        #expect(flat(newer) == ["ada@acme.com pql_score=95,pql_last_calculated=2026-11-22T12:00:00Z"])
    }

    @Test func fullSendsEveryWantedPropertyEvenWhenNothingChanged() {
        let wanted = ada(calculated: "2026-11-20T12:00:00Z")
        let pending = item(5, [("pql_score", "87")])
        let changes = SyncPlanner.changes(desired: [wanted], synced: synced, unsettled: [pending], rideAlong: ride, full: true)
        #expect(flat(changes) == ["ada@acme.com pql_score=87,pql_tier=hot,pql_last_calculated=2026-11-20T12:00:00Z"])
    }

    @Test func contactStateLowercasesItsEmail() {
        #expect(ContactState(email: "Ada@ACME.com", account: "acme.com", tier: .warm, properties: []).email == "ada@acme.com")
    }

    @Test func contactsAreMatchedBySyncedAndUnsettledValuesUnderTheirLowercasedEmail() {
        // Synced under the lowercased email: a mixed-case wanted contact is the same contact, nothing changed.
        let unchanged = SyncPlanner.changes(
            desired: [ada(calculated: "2026-11-20T12:00:00Z", email: "Ada@Acme.COM")], synced: synced,
            unsettled: [], rideAlong: ride, full: false)
        #expect(unchanged.isEmpty)
        // Its pending item (recorded under the lowercased email) counts too.
        let pending = SyncPlanner.changes(
            desired: [ada(score: "91", email: "ADA@acme.com")], synced: synced,
            unsettled: [item(5, [("pql_score", "91")])], rideAlong: ride, full: false)
        #expect(pending.isEmpty)
        // And a real change is reported under the lowercased email.
        let changed = SyncPlanner.changes(
            desired: [ada(score: "92", email: "ADA@acme.com")], synced: synced, unsettled: [],
            rideAlong: ride, full: false)
        #expect(flat(changed) == ["ada@acme.com pql_score=92,pql_last_calculated=2026-11-21T12:00:00Z"])
    }

    // MARK: rounds

    func ids(_ rounds: [[OutboxItem]]) -> [[Int64]] { rounds.map { $0.map(\.id) } }

    @Test func noItemsNoRounds() {
        #expect(SyncPlanner.rounds([]).isEmpty)
    }

    @Test func itemsForDistinctContactsAllGoInTheFirstRound() {
        let items = [
            item(3, "c@x.io", [("pql_score", "1")]), item(1, "a@x.io", [("pql_score", "2")]), item(2, "b@x.io", [("pql_score", "3")]),
        ]
        #expect(ids(SyncPlanner.rounds(items)) == [[1, 2, 3]])
    }

    @Test func threeItemsForOneContactTakeThreeRoundsInRecordOrder() {
        let items = [item(9, [("pql_score", "93")]), item(2, [("pql_score", "91")]), item(5, [("pql_score", "92")])]
        let rounds = SyncPlanner.rounds(items)
        #expect(ids(rounds) == [[2], [5], [9]])
        #expect(rounds.map { $0.first?.properties.first?.value } == ["91", "92", "93"])
    }

    @Test func eachContactAtMostOncePerRoundWithItsItemsInRecordOrder() {
        let items = [
            item(7, "ada@acme.com", [("pql_score", "3")]),
            item(1, "ada@acme.com", [("pql_score", "1")]),
            item(2, "bob@beta.io", [("pql_score", "1")]),
            item(4, "ada@acme.com", [("pql_score", "2")]),
            item(6, "bob@beta.io", [("pql_score", "2")]),
            item(5, "carol@gamma.dev", [("pql_score", "1")]),
        ]
        let rounds = SyncPlanner.rounds(items)
        #expect(ids(rounds) == [[1, 2, 5], [4, 6], [7]])
        for round in rounds {
            #expect(Set(round.map(\.email)).count == round.count, "a contact twice in one round: \(round.map(\.id))")
        }
        // Every item exactly once.
        #expect(rounds.flatMap { $0.map(\.id) }.sorted() == [1, 2, 4, 5, 6, 7])
        // Per contact, the rounds follow the record (id) order.
        for email in ["ada@acme.com", "bob@beta.io"] {
            let order = rounds.flatMap { $0.filter { $0.email == email }.map(\.id) }
            #expect(order == order.sorted())
        }
    }
}
