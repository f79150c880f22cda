import Testing
@testable import BrieferCore

struct IdentityTests {
    let rules = IdentityRules(BrieferConfiguration().identity)
    typealias Clues = IdentityRules.Clues

    @Test(arguments: [
        ("https://www.Acme.com/about", "acme.com"),
        ("http://acme.com:8080/x?y=1", "acme.com"),
        ("  ACME.com.  ", "acme.com"),
        ("acme.com#top", "acme.com"),
        ("eu.Acme.com", "eu.acme.com"),
        ("grp_42", "grp_42"),
    ])
    func normalizedDomain(_ raw: String, _ expected: String) {
        #expect(Identity.normalizedDomain(raw) == expected)
    }

    @Test(arguments: [
        ("acme.com", true), ("eu.acme-corp.io", true), ("grp_42", false), ("acme", false),
        (".acme.com", false), ("acme.com.", false), ("acme inc.com", false), ("", false),
    ])
    func looksLikeDomain(_ text: String, _ expected: Bool) {
        #expect(Identity.looksLikeDomain(text) == expected)
    }

    @Test func emailDomain() {
        #expect(Identity.emailDomain("Ada@Acme.COM") == "acme.com")
        #expect(Identity.emailDomain("weird@name@acme.com") == "acme.com")
        #expect(Identity.emailDomain("no-at-sign") == nil)
        #expect(Identity.emailDomain("trailing@") == nil)
        #expect(Identity.emailDomain(nil) == nil)
    }

    @Test func freeMailUsersAreNeverPooled() {
        // Two gmail users without any group or company: two accounts of one.
        let a = rules.resolve(Clues(userId: "u1", email: "ann@gmail.com"), groupDomains: [:])
        let b = rules.resolve(Clues(userId: "u2", email: "bob@gmail.com"), groupDomains: [:])
        #expect(a.account == .user("u1"))
        #expect(b.account == .user("u2"))
        #expect(a.account.description == "user:u1")
        #expect(!a.isInternal && !b.isInternal)
    }

    @Test func freeMailUserWithGroupHintJoinsTheCompany() {
        let r = rules.resolve(Clues(userId: "u3", email: "cy@gmail.com", latestGroupHint: "Acme.com"), groupDomains: [:])
        #expect(r.account == .domain("acme.com"))
    }

    @Test func groupHintBeatsCSVDomainWhichBeatsEmail() {
        let all = Clues(userId: "u1", email: "ada@personal-site.org", latestGroupHint: "acme.com", csvCompanyDomain: "initech.com")
        #expect(rules.resolve(all, groupDomains: [:]).account == .domain("acme.com"))
        let noHint = Clues(userId: "u1", email: "ada@personal-site.org", csvCompanyDomain: "initech.com")
        #expect(rules.resolve(noHint, groupDomains: [:]).account == .domain("initech.com"))
        let emailOnly = Clues(userId: "u1", email: "ada@personal-site.org")
        #expect(rules.resolve(emailOnly, groupDomains: [:]).account == .domain("personal-site.org"))
        #expect(rules.resolve(Clues(userId: "u9"), groupDomains: [:]).account == .user("u9"))
    }

    @Test func groupIdThatIsNotADomainMapsThroughGroupDomains() {
        let clues = Clues(userId: "u1", email: "ann@gmail.com", latestGroupHint: "grp_42")
        #expect(rules.resolve(clues, groupDomains: ["grp_42": "acme.com"]).account == .domain("acme.com"))
        // Unmapped: the group id itself is never an account; the next clue decides.
        #expect(rules.resolve(clues, groupDomains: [:]).account == .user("u1"))
        let withCSV = Clues(userId: "u1", email: "ann@gmail.com", latestGroupHint: "grp_42", csvCompanyDomain: "initech.com")
        #expect(rules.resolve(withCSV, groupDomains: [:]).account == .domain("initech.com"))
    }

    @Test func freeMailDomainsAreSkippedAtEveryStep() {
        // A free-mail group hint and a free-mail CSV domain are skipped; the work email decides.
        let clues = Clues(userId: "u1", email: "ada@acme.com", latestGroupHint: "gmail.com", csvCompanyDomain: "yahoo.com")
        #expect(rules.resolve(clues, groupDomains: [:]).account == .domain("acme.com"))
        // All free-mail: an account of one.
        let free = Clues(userId: "u2", email: "x@outlook.com", latestGroupHint: "hotmail.com", csvCompanyDomain: "gmail.com")
        #expect(rules.resolve(free, groupDomains: [:]).account == .user("u2"))
    }

    @Test func configuredFreeMailDomains() {
        var identity = BrieferConfiguration().identity
        identity.freeMailDomains = ["Corp-Mail.example"]
        let custom = IdentityRules(identity)
        #expect(custom.resolve(Clues(userId: "u1", email: "a@corp-mail.example"), groupDomains: [:]).account == .user("u1"))
        // gmail is no longer free-mail under this configuration.
        #expect(custom.resolve(Clues(userId: "u1", email: "a@gmail.com"), groupDomains: [:]).account == .domain("gmail.com"))
    }

    @Test func accountKeyText() {
        #expect(AccountKey("user:42") == .user("42"))
        #expect(AccountKey("acme.com") == .domain("acme.com"))
        #expect(AccountKey.user("42").description == "user:42")
        #expect(AccountKey.domain("acme.com").domain == "acme.com")
        #expect(AccountKey.user("42").domain == nil)
    }
}
