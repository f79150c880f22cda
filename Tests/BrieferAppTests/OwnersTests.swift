import BrieferApp
import BrieferCore
import BrieferStore
import BrieferTesting
import Foundation
import Testing

/// `briefer owners` on the sample workspace (11 hot accounts as of its manifest's time): territories first, the rotation
/// in the order accounts became hot, and an account keeps the owner it was given across runs.
@Suite struct OwnersTests {
    static func session(_ t: TemporaryStore, roundRobin: [String]) -> BrieferSession {
        var c = BrieferConfiguration()
        c.actions.owners.territories = [.init(owner: "na", countries: ["US"], minEmployees: 500)]
        c.actions.owners.roundRobin = roundRobin
        return BrieferSession(configuration: c, configurationFile: nil, store: t.store, logger: .quiet)
    }

    @Test func ownersAreGivenOnceAndKept() throws {
        let t = try TemporaryStore()
        let session = Self.session(t, roundRobin: ["r1", "r2"])
        _ = try session.ingest(files: FixturePaths.workspaceFiles)
        _ = try session.score(asOf: try FixturePaths.manifestAsOf())
        let first = try session.owners()
        let owners = Dictionary(uniqueKeysWithValues: first.accounts.map { ($0.account.score.account, $0.owner?.ownerId) })
        #expect(owners.count == 11)
        // The US companies of 500 employees or more: the territory.
        #expect(Set(owners.filter { $0.value == "na" }.keys) == ["acme.com", "hooli.com", "soylent.com", "wayne-enterprises.com"])
        // The others in turn, in the order they became hot (the same time here, then by name).
        let rotated = first.accounts.filter { $0.owner?.source == .roundRobin }.map { $0.owner!.ownerId }
        #expect(rotated == ["r1", "r2", "r1", "r2", "r1", "r2", "r1"])
        #expect(try t.store.ownerRotation() == 1)

        // Again: the same owners, the rotation where it was.
        let again = try session.owners()
        #expect(again.accounts.map { $0.owner } == first.accounts.map { $0.owner })
        #expect(try t.store.ownerRotation() == 1)

        // r1 leaves the rotation: its accounts get owners again, r2's keep theirs.
        let changed = try Self.session(t, roundRobin: ["r2", "r3"]).owners()
        for (before, after) in zip(first.accounts, changed.accounts) {
            if before.owner?.ownerId == "r1" {
                #expect(["r2", "r3"].contains(after.owner?.ownerId ?? ""))
            } else {
                #expect(after.owner == before.owner)
            }
        }
        #expect(try t.store.accountOwners().count == 11)
    }
}
