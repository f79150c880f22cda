/// The kinds of action a newly-hot account gets (SPEC §6.1), each delivered through the outbox on its own.
public enum ActionKind: String, Sendable, CaseIterable, Codable {
    /// A HubSpot task for the account's owner.
    case task
    /// A Slack message through an incoming webhook.
    case slack
    /// A signed JSON event POSTed to a configured URL.
    case webhook
    /// A HubSpot company created for an account none was found for: one per account, not per transition.
    case company

    /// The stable key of this kind of action for one transition: the same on every rerun and after a crash, another for a
    /// later transition or another account. A task's is one token of letters and digits (HubSpot's search matches it whole
    /// as a token of the task body); a webhook's is the event id receivers drop repeats by.
    public func key(account: String, becameHot: Timestamp) -> String {
        let transition = StableHash.hex(account + "|" + becameHot.iso8601).prefix(24)
        switch self {
        case .task: return "briefertask\(transition)"
        case .slack: return "slack-\(transition)"
        case .webhook: return "briefer_hot_\(transition)"
        case .company: return HubSpotCompanies.key(account: account)
        }
    }
}

/// What an action says about a newly-hot account: the same facts in a task, a Slack message and a webhook event.
public struct ActionContent: Sendable, Equatable {
    /// The action's stable key (``ActionKind/key(account:becameHot:)``).
    public var key: String
    public var account: String
    public var score: Int
    public var tier: Tier
    public var becameHot: Timestamp
    public var reasons: [ReasonCode]
    /// Nil while no briefing is ready (the rules' briefing is used once the wait is over).
    public var briefing: Briefing?
    public var briefingSource: BriefingSource?
    public var ownerId: String?
    /// The account's best contact: its address, and its CRM record id when known.
    public var contactEmail: String?
    public var contactRecordId: String?
    public var companyRecordId: String?
    /// The HubSpot record to open (the company's, else the contact's), when the portal and the record are known.
    public var recordURL: String?

    public init(
        key: String, account: String, score: Int, tier: Tier = .hot, becameHot: Timestamp, reasons: [ReasonCode],
        briefing: Briefing?, briefingSource: BriefingSource? = nil, ownerId: String?, contactEmail: String? = nil,
        contactRecordId: String?, companyRecordId: String?, recordURL: String? = nil
    ) {
        (self.key, self.account, self.score, self.tier, self.becameHot, self.reasons) = (key, account, score, tier, becameHot, reasons)
        (self.briefing, self.briefingSource, self.ownerId, self.contactEmail) = (briefing, briefingSource, ownerId, contactEmail)
        (self.contactRecordId, self.companyRecordId, self.recordURL) = (contactRecordId, companyRecordId, recordURL)
    }

    /// The reasons a reader sees first: the largest contributions, at most `limit`.
    public func topReasons(_ limit: Int = 3) -> [ReasonCode] { ReasonCode.top(reasons, limit: limit) }

    /// `https://app.hubspot.com/contacts/PORTAL/record/0-2/ID` for a company (`0-1` for a contact).
    public static func hubSpotRecordURL(portal: String?, companyId: String?, contactId: String?, uiDomain: String = "app.hubspot.com")
        -> String?
    {
        guard let portal else { return nil }
        if let companyId { return "https://\(uiDomain)/contacts/\(portal)/record/0-2/\(companyId)" }
        if let contactId { return "https://\(uiDomain)/contacts/\(portal)/record/0-1/\(contactId)" }
        return nil
    }
}
