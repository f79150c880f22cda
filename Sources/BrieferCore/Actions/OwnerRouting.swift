/// Who owns an account, and why (SPEC §6.1): the rep a task is assigned to and a notification names.
public struct OwnerAssignment: Sendable, Equatable, Codable {
    public enum Source: String, Sendable, Codable, CaseIterable {
        /// The owner of one of the account's contacts in the CRM.
        case crmContact = "crm_contact"
        /// The owner of the account's company in the CRM.
        case crmCompany = "crm_company"
        /// A configured territory (`actions.owners.territories`).
        case territory
        /// The configured rotation (`actions.owners.round_robin`).
        case roundRobin = "round_robin"
    }

    public var account: String
    public var ownerId: String
    public var source: Source
    /// Why, as a rep or RevOps reads it: "territory 2 (countries US, CA)", "round robin: 3rd of 4 owners".
    public var why: String

    public init(account: String, ownerId: String, source: Source, why: String) {
        self.account = account; self.ownerId = ownerId; self.source = source; self.why = why
    }
}

/// The owner the CRM gives an account: a contact's or its company's (read from HubSpot's `hubspot_owner_id`).
public struct CRMOwner: Sendable, Equatable {
    public var ownerId: String
    public var source: OwnerAssignment.Source
    /// The contact's email or the company's record, for `why`.
    public var record: String

    public init(ownerId: String, source: OwnerAssignment.Source, record: String) {
        self.ownerId = ownerId; self.source = source; self.record = record
    }
}

/// Routes accounts to owners (`actions.owners`): the CRM's owner when set — the rep's truth — else an owner given before
/// (an account keeps it while that owner is still configured), else the first territory the company matches, else the
/// next owner of the rotation. Pure: the caller keeps the assignments and the rotation's position.
public struct OwnerRouting: Sendable {
    public let owners: BrieferConfiguration.Owners

    public init(_ owners: BrieferConfiguration.Owners) { self.owners = owners }

    /// Every owner id the rules can give.
    public var configuredOwners: Set<String> { Set(owners.territories.map(\.owner) + owners.roundRobin) }

    /// The account's owner, or nil when the CRM names none and no rule is configured.
    /// - Parameters:
    ///   - existing: the assignment stored for it (kept if routed and its owner is still configured).
    ///   - rotation: the rotation's next position, advanced when the rotation gives an owner.
    public func assign(
        account: String, company: CompanyRecord?, crmOwner: CRMOwner?, existing: OwnerAssignment?, rotation: inout Int
    ) -> OwnerAssignment? {
        if let crm = crmOwner {
            let what = crm.source == .crmContact ? "contact" : "company"
            return OwnerAssignment(
                account: account, ownerId: crm.ownerId, source: crm.source, why: "HubSpot owner of the \(what) \(crm.record)")
        }
        if let existing, existing.source == .territory || existing.source == .roundRobin, configuredOwners.contains(existing.ownerId) {
            return existing
        }
        if let (index, territory) = owners.territories.enumerated().first(where: { Self.matches($0.element, company) }) {
            return OwnerAssignment(
                account: account, ownerId: territory.owner, source: .territory,
                why: "territory \(index + 1) (\(Self.describe(territory)))")
        }
        guard !owners.roundRobin.isEmpty else { return nil }
        let position = rotation % owners.roundRobin.count
        rotation = position + 1
        return OwnerAssignment(
            account: account, ownerId: owners.roundRobin[position], source: .roundRobin,
            why: "round robin: owner \(position + 1) of \(owners.roundRobin.count)")
    }

    /// Whether the company meets every condition the territory gives (an account with no company meets only a territory
    /// of no conditions).
    static func matches(_ t: BrieferConfiguration.Territory, _ company: CompanyRecord?) -> Bool {
        func among(_ list: [String], _ value: String?) -> Bool {
            list.isEmpty || value.map { v in list.contains { $0.lowercased() == v.lowercased() } } ?? false
        }
        let employees = company?.employeeCount
        let sized =
            (t.minEmployees == 0 && t.maxEmployees == 0)
            || employees.map { $0 >= t.minEmployees && (t.maxEmployees == 0 || $0 <= t.maxEmployees) } ?? false
        return among(t.countries, company?.country) && among(t.industries, company?.industry) && sized
    }

    static func describe(_ t: BrieferConfiguration.Territory) -> String {
        var parts: [String] = []
        if !t.countries.isEmpty { parts.append("countries " + t.countries.joined(separator: ", ")) }
        if !t.industries.isEmpty { parts.append("industries " + t.industries.joined(separator: ", ")) }
        if t.minEmployees > 0 || t.maxEmployees > 0 {
            parts.append(t.maxEmployees > 0 ? "\(t.minEmployees)–\(t.maxEmployees) employees" : "\(t.minEmployees)+ employees")
        }
        return parts.isEmpty ? "any account" : parts.joined(separator: "; ")
    }
}
