import Testing

@testable import BrieferCore

/// Owners (SPEC §6.1, issue 17): the CRM's owner first, then an owner given before, then territories, then the rotation.
struct OwnerRoutingTests {
    static func company(_ domain: String, country: String?, industry: String?, employees: Int64?) -> CompanyRecord {
        CompanyRecord(domain: domain, employeeCount: employees, industry: industry, country: country)
    }

    static let owners: BrieferConfiguration.Owners = {
        var o = BrieferConfiguration.Owners()
        o.territories = [
            .init(owner: "na-enterprise", countries: ["US", "CA"], minEmployees: 1000),
            .init(owner: "fintech", industries: ["Fintech"]),
            .init(owner: "smb", maxEmployees: 50),
        ]
        o.roundRobin = ["r1", "r2", "r3"]
        return o
    }()

    @Test func territoriesInOrderThenTheRotationInTurn() {
        let routing = OwnerRouting(Self.owners)
        var rotation = 0
        func owner(_ c: CompanyRecord?, _ account: String) -> OwnerAssignment? {
            routing.assign(account: account, company: c, crmOwner: nil, existing: nil, rotation: &rotation)
        }
        // acme: US, 1,200 employees, fintech — the first territory that matches wins.
        let acme = owner(Self.company("acme.com", country: "us", industry: "fintech", employees: 1200), "acme.com")
        #expect(acme?.ownerId == "na-enterprise" && acme?.source == .territory)
        #expect(acme?.why == "territory 1 (countries US, CA; 1000+ employees)")
        #expect(owner(Self.company("pay.de", country: "DE", industry: "FINTECH", employees: 300), "pay.de")?.ownerId == "fintech")
        #expect(
            owner(Self.company("tiny.io", country: "FR", industry: "saas", employees: 12), "tiny.io")?.why == "territory 3 (0–50 employees)"
        )
        // No territory: the rotation, in turn, round and round; an account with no company meets no sized territory.
        let rotated = ["a.com", "b.com", "c.com", "d.com"].map {
            owner(Self.company($0, country: "FR", industry: "saas", employees: 400), $0)?.ownerId
        }
        #expect(rotated == ["r1", "r2", "r3", "r1"] && rotation == 1)
        #expect(owner(nil, "user:jo")?.ownerId == "r2")
    }

    @Test func theCRMsOwnerWinsAndAGivenOwnerStays() {
        let routing = OwnerRouting(Self.owners)
        var rotation = 1
        let fr = Self.company("a.com", country: "FR", industry: "saas", employees: 400)
        let first = routing.assign(account: "a.com", company: fr, crmOwner: nil, existing: nil, rotation: &rotation)
        #expect(first?.ownerId == "r2" && rotation == 2)
        // Next run: kept, and the rotation does not move.
        #expect(routing.assign(account: "a.com", company: fr, crmOwner: nil, existing: first, rotation: &rotation) == first)
        #expect(rotation == 2)
        // The company now matches a territory: still kept (an account keeps the owner it was given).
        let moved = Self.company("a.com", country: "US", industry: "saas", employees: 5000)
        #expect(routing.assign(account: "a.com", company: moved, crmOwner: nil, existing: first, rotation: &rotation) == first)
        // An owner taken out of the configuration: routed again.
        var fewer = Self.owners
        fewer.roundRobin = ["r1", "r3"]
        let again = OwnerRouting(fewer).assign(account: "a.com", company: fr, crmOwner: nil, existing: first, rotation: &rotation)
        #expect(again?.ownerId == "r1" && again?.source == .roundRobin)
        // The CRM's owner wins over every rule and over an owner given before.
        let crm = CRMOwner(ownerId: "555", source: .crmContact, record: "ana@a.com")
        let fromCRM = routing.assign(account: "a.com", company: moved, crmOwner: crm, existing: first, rotation: &rotation)
        #expect(
            fromCRM == OwnerAssignment(account: "a.com", ownerId: "555", source: .crmContact, why: "HubSpot owner of the contact ana@a.com")
        )
    }

    @Test func nothingConfiguredNoOwner() {
        var rotation = 0
        #expect(
            OwnerRouting(.init()).assign(account: "a.com", company: nil, crmOwner: nil, existing: nil, rotation: &rotation) == nil)
    }

    @Test func territoriesInTheFile() throws {
        let tree = try JSONParser.parse(
            #"{"actions":{"owners":{"territories":[{"owner":"77","countries":["US"]},{"owner":"88"}],"round_robin":["1","2"]}}}"#)
        let c = try ConfigurationCoding.configuration(from: tree)
        #expect(c.actions.owners.territories == [.init(owner: "77", countries: ["US"]), .init(owner: "88")])
        #expect(c.actions.owners.roundRobin == ["1", "2"])
        let unknown = try JSONParser.parse(#"{"actions":{"owners":{"territories":[{"owner":"77","country":["US"]}]}}}"#)
        let error = try #require(throws: ConfigurationError.self) { try ConfigurationCoding.configuration(from: unknown) }
        #expect(error.problems.map(\.key) == ["actions.owners.territories[0].country"])
        let empty = try JSONParser.parse(#"{"actions":{"owners":{"territories":[{"owner":" ","min_employees":10,"max_employees":5}]}}}"#)
        let invalid = try #require(throws: ConfigurationError.self) { try ConfigurationCoding.configuration(from: empty) }
        #expect(
            Set(invalid.problems.map(\.key)) == ["actions.owners.territories[0].owner", "actions.owners.territories[0].max_employees"])
    }
}
