/// Who a user's account is (SPEC §2 "Identity"): the group hint of their latest event or group call,
/// else the users CSV `company_domain`, else their email's domain; free-mail domains are never an
/// account, so such a user is an account of one, keyed `user:<id>`.
public enum AccountKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    case domain(String)
    case user(String)

    public var description: String {
        switch self {
        case let .domain(d): return d
        case let .user(id): return "user:" + id
        }
    }

    public var domain: String? {
        if case let .domain(d) = self { return d }
        return nil
    }

    public init(_ text: String) {
        self = text.hasPrefix("user:") ? .user(String(text.dropFirst(5))) : .domain(text)
    }

    public static func < (lhs: AccountKey, rhs: AccountKey) -> Bool { lhs.description < rhs.description }
}

public enum Identity {
    /// `https://www.Acme.com/about` → `acme.com`.
    public static func normalizedDomain(_ raw: String) -> String {
        // Fast path: already a bare lower-case ASCII host (the common case, scored per user per run).
        if !raw.isEmpty, !raw.hasPrefix("www."), raw.utf8.allSatisfy({ isHostByte($0) }) { return raw }
        var s = raw.trimmedWhitespace.lowercased()
        for scheme in ["https://", "http://"] where s.hasPrefix(scheme) { s.removeFirst(scheme.count) }
        if let slash = s.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { s = String(s[..<slash]) }
        if let colon = s.firstIndex(of: ":") { s = String(s[..<colon]) }
        if s.hasPrefix("www.") { s.removeFirst(4) }
        while s.hasSuffix(".") { s.removeLast() }
        return s
    }

    private static func isHostByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "-")
            || b == UInt8(ascii: ".")
    }

    /// True for `acme.com`, false for `grp_42` or text with spaces.
    public static func looksLikeDomain(_ s: String) -> Bool {
        guard s.contains("."), !s.hasPrefix("."), !s.hasSuffix(".") else { return false }
        if s.utf8.allSatisfy({ isHostByte($0) }) { return true }
        return s.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "." || $0 == "-" }
    }

    /// `domain` is `parent` or one of its subdomains.
    public static func isDomain(_ domain: String, within parent: String) -> Bool {
        domain == parent || domain.hasSuffix("." + parent)
    }

    public static func emailDomain(_ email: String?) -> String? {
        guard let email, let at = email.lastIndex(of: "@") else { return nil }
        let domain = normalizedDomain(String(email[email.index(after: at)...]))
        return domain.isEmpty ? nil : domain
    }
}

/// The configured free-mail and internal domains.
public struct IdentityRules: Sendable {
    public let freeMailDomains: Set<String>
    public let internalDomains: [String]

    public init(_ configuration: BrieferConfiguration.Identity) {
        freeMailDomains = Set(configuration.freeMailDomains.map(Identity.normalizedDomain))
        internalDomains = configuration.internalDomains.map(Identity.normalizedDomain)
    }

    public func isFreeMail(_ domain: String) -> Bool { freeMailDomains.contains(domain) }

    /// The domain or one of its parents is configured as internal.
    public func isInternal(_ domain: String?) -> Bool {
        guard let domain else { return false }
        return internalDomains.contains { Identity.isDomain(domain, within: $0) }
    }

    /// What identity knows of one user.
    public struct Clues: Sendable, Equatable {
        public var userId: String
        public var email: String?
        /// The group hint of the user's latest event or group call, as given.
        public var latestGroupHint: String?
        public var csvCompanyDomain: String?
        public init(userId: String, email: String? = nil, latestGroupHint: String? = nil, csvCompanyDomain: String? = nil) {
            self.userId = userId; self.email = email; self.latestGroupHint = latestGroupHint; self.csvCompanyDomain = csvCompanyDomain
        }
    }

    /// The user's account, and whether the user is internal (excluded from scoring).
    /// - Parameter groupDomains: group ids that are not domains, mapped to the domain of the group's
    ///   `website` / `domain` trait.
    public func resolve(_ clues: Clues, groupDomains: [String: String]) -> (account: AccountKey, isInternal: Bool) {
        var candidates: [String] = []
        if let hint = clues.latestGroupHint {
            let d = Identity.normalizedDomain(hint)
            if Identity.looksLikeDomain(d) { candidates.append(d) } else if let mapped = groupDomains[hint] { candidates.append(mapped) }
        }
        if let d = clues.csvCompanyDomain, Identity.looksLikeDomain(d) { candidates.append(d) }
        let emailDomain = Identity.emailDomain(clues.email)
        if let d = emailDomain { candidates.append(d) }
        let account = candidates.first { !isFreeMail($0) }.map(AccountKey.domain) ?? .user(clues.userId)
        return (account, isInternal(account.domain) || isInternal(emailDomain))
    }
}
