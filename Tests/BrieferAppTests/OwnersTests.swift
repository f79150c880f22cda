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

    @Test func ownersAreGivenOnceAndKept() async throws {
        let t = try TemporaryStore()
        let session = Self.session(t, roundRobin: ["r1", "r2"])
        _ = try session.ingest(files: FixturePaths.workspaceFiles)
        _ = try session.score(asOf: try FixturePaths.manifestAsOf())
        let first = try await session.owners()
        let owners = Dictionary(uniqueKeysWithValues: first.accounts.map { ($0.account.score.account, $0.owner?.ownerId) })
        #expect(owners.count == 11)
        // The US companies of 500 employees or more: the territory.
        #expect(Set(owners.filter { $0.value == "na" }.keys) == ["acme.com", "hooli.com", "soylent.com", "wayne-enterprises.com"])
        // The others in turn, in the order they became hot (the same time here, then by name).
        let rotated = first.accounts.filter { $0.owner?.source == .roundRobin }.map { $0.owner!.ownerId }
        #expect(rotated == ["r1", "r2", "r1", "r2", "r1", "r2", "r1"])
        #expect(try t.store.ownerRotation() == 1)

        // Again: the same owners, the rotation where it was.
        let again = try await session.owners()
        #expect(again.accounts.map { $0.owner } == first.accounts.map { $0.owner })
        #expect(try t.store.ownerRotation() == 1)

        // r1 leaves the rotation: its accounts get owners again, r2's keep theirs.
        let changed = try await Self.session(t, roundRobin: ["r2", "r3"]).owners()
        for (before, after) in zip(first.accounts, changed.accounts) {
            if before.owner?.ownerId == "r1" {
                #expect(["r2", "r3"].contains(after.owner?.ownerId ?? ""))
            } else {
                #expect(after.owner == before.owner)
            }
        }
        #expect(try t.store.accountOwners().count == 11)
    }

    /// With HubSpot: a contact's owner there wins over every rule (the highest-scoring contact that has one), read with
    /// batch/read asking for hubspot_owner_id, and read again only once older than actions.owners.refresh_after_hours.
    @Test func theCRMsOwnerIsReadExplicitlyAndRefreshed() async throws {
        let t = try TemporaryStore()
        let session = Self.session(t, roundRobin: ["r1", "r2"])
        _ = try session.ingest(files: FixturePaths.workspaceFiles)
        _ = try session.score(asOf: try FixturePaths.manifestAsOf())
        let fake = try FakeHubSpotServer(token: "pat-owners")
        defer { fake.stop() }
        // acme.com's best contact has no owner; a teammate does. globex.com's contact has an empty one.
        _ = fake.addContact(email: "omar.fischer@acme.com")
        _ = fake.addContact(email: "nora@acme.com", properties: ["hubspot_owner_id": "9001"])
        _ = fake.addContact(email: "tnakamura@globex.com", properties: ["hubspot_owner_id": ""])
        let client = HubSpotClient(
            endpoint: HubSpotEndpoint(baseUrl: fake.baseURL, token: "pat-owners"), settings: BrieferConfiguration().crm, logger: .quiet)
        defer { client.shutdown() }
        let now = Timestamp.now
        let list = try await session.owners(crm: client, now: now)
        let owners = Dictionary(uniqueKeysWithValues: list.accounts.map { ($0.account.score.account, $0.owner) })
        #expect(owners["acme.com"]??.ownerId == "9001" && owners["acme.com"]??.source == .crmContact)
        #expect(owners["acme.com"]??.why == "HubSpot owner of the contact nora@acme.com")
        #expect(owners["globex.com"]??.source == .roundRobin)
        let reads = fake.requests(to: FakeHubSpotServer.readPath)
        #expect(!reads.isEmpty && list.crmRead > 0 && list.crmStopped == nil)
        #expect(reads.allSatisfy { ($0.json?["properties"] as? [String])?.contains("hubspot_owner_id") == true })
        // Within the refresh age nothing is read again, and the owner read before still counts.
        let again = try await session.owners(crm: client, now: now.adding(hours: 23))
        #expect(fake.requests(to: FakeHubSpotServer.readPath).count == reads.count && again.crmRead == 0)
        #expect(again.accounts.first { $0.account.score.account == "acme.com" }?.owner?.ownerId == "9001")
        // Once older, read again: the owner changed in HubSpot.
        _ = fake.removeContact(email: "nora@acme.com")
        _ = fake.addContact(email: "nora@acme.com", properties: ["hubspot_owner_id": "9002"])
        let later = try await session.owners(crm: client, now: now.adding(hours: 25))
        #expect(later.crmRead == list.crmRead)
        #expect(later.accounts.first { $0.account.score.account == "acme.com" }?.owner?.ownerId == "9002")
    }
}
