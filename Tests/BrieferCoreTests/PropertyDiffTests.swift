import Testing
@testable import BrieferCore

/// SPEC §6: only what changed is sent; nothing changed, nothing sent; the last-calculated time rides along.
struct PropertyDiffTests {
    let desired: [(name: String, value: String)] = [
        ("pql_score", "87"), ("pql_tier", "hot"), ("pql_last_calculated", "2026-11-21T12:00:00Z"),
    ]
    let ride: Set<String> = ["pql_last_calculated"]

    @Test func nothingSyncedYetSendsEverything() {
        #expect(
            PropertyDiff.changes(desired: desired, synced: [:], rideAlong: ride).map(\.name) == [
                "pql_score", "pql_tier", "pql_last_calculated",
            ])
    }

    @Test func nothingChangedSendsNothingEvenWithANewCalculationTime() {
        let synced = ["pql_score": "87", "pql_tier": "hot", "pql_last_calculated": "2026-11-20T12:00:00Z"]
        #expect(PropertyDiff.changes(desired: desired, synced: synced, rideAlong: ride).isEmpty)
    }

    @Test func oneChangedPropertySendsItAndTheCalculationTime() {
        let synced = ["pql_score": "80", "pql_tier": "hot", "pql_last_calculated": "2026-11-20T12:00:00Z"]
        let sent = PropertyDiff.changes(desired: desired, synced: synced, rideAlong: ride)
        #expect(sent.map(\.name) == ["pql_score", "pql_last_calculated"])
        #expect(sent.first?.value == "87")
    }

    @Test func fullResendsEverything() {
        let synced = ["pql_score": "87", "pql_tier": "hot", "pql_last_calculated": "2026-11-21T12:00:00Z"]
        #expect(PropertyDiff.changes(desired: desired, synced: synced, rideAlong: ride, full: true).count == 3)
    }
}
