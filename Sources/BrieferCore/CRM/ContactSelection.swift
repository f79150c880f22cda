/// Which of an account's people its CRM properties are written to (SPEC §6): the known contacts with an
/// email address, work emails before free-mail ones, then by their own score (highest first, then
/// email), at most `crm.max_contacts_per_account`, never anyone on the do-not-contact list.
public struct ContactSelection: Sendable {
    public struct Candidate: Sendable, Equatable {
        public var userId: String
        public var email: String
        public var score: Int
        public init(userId: String, email: String, score: Int) { self.userId = userId; self.email = email; self.score = score }
    }

    let identity: IdentityRules
    let maxContacts: Int
    let blockedEmails: Set<String>
    let blockedDomains: Set<String>

    public init(_ configuration: BrieferConfiguration) {
        identity = IdentityRules(configuration.identity)
        maxContacts = configuration.crm.maxContactsPerAccount
        var emails: Set<String> = [], domains: Set<String> = []
        for entry in configuration.crm.doNotContact {
            let lowered = entry.lowercased()
            if lowered.hasPrefix("@") {
                domains.insert(Identity.normalizedDomain(String(lowered.dropFirst())))
            } else {
                emails.insert(lowered)
            }
        }
        blockedEmails = emails
        blockedDomains = domains
    }

    /// True when `email` may be written to.
    public func isAllowed(_ email: String) -> Bool {
        let lowered = email.lowercased()
        if blockedEmails.contains(lowered) { return false }
        guard let domain = Identity.emailDomain(lowered) else { return false }
        return !blockedDomains.contains { Identity.isDomain(domain, within: $0) }
    }

    /// The contacts to write to, in the order chosen.
    public func choose(_ candidates: [Candidate]) -> [Candidate] {
        func isWork(_ c: Candidate) -> Bool { Identity.emailDomain(c.email).map { !identity.isFreeMail($0) } ?? false }
        let ordered = candidates.filter { isAllowed($0.email) }.sorted { a, b in
            if isWork(a) != isWork(b) { return isWork(a) }
            if a.score != b.score { return a.score > b.score }
            return a.email.lowercased() < b.email.lowercased()
        }
        // One address shared by two user ids is one contact (its best-placed user).
        var seen: Set<String> = []
        return Array(ordered.filter { seen.insert($0.email.lowercased()).inserted }.prefix(maxContacts))
    }
}
