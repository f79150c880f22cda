/// What scoring knows of a user besides their events.
public struct UserProfile: Sendable, Equatable {
    public var userId: String
    public var email: String?
    public var title: String?
    /// Users CSV `created_at`, else identify `createdAt`, else the first event seen.
    public var signup: Timestamp?
    public var account: AccountKey
    public var company: CompanyRecord?
    /// The first call of any kind from this user that is stored (nil for a users-CSV row alone).
    public var firstSeen: Timestamp?

    public init(
        userId: String, email: String? = nil, title: String? = nil, signup: Timestamp? = nil, account: AccountKey,
        company: CompanyRecord? = nil, firstSeen: Timestamp? = nil
    ) {
        self.userId = userId; self.email = email; self.title = title; self.signup = signup; self.account = account; self.company = company
        self.firstSeen = firstSeen
    }
}

/// One user's score under one model.
public struct UserScore: Sendable, Equatable, Codable {
    public var userId: String
    public var account: String
    /// Weighted model components (0 in the points model).
    public var activation = 0
    public var engagement = 0
    public var firmographic = 0
    /// Points model components (0 in the weighted model).
    public var fit = 0
    public var behaviour = 0
    public var score = 0
    public var tier: Tier = .monitor
    public var isPQL = false
    public var teamActive = false
    public var reasons: [ReasonCode] = []
    /// Signals of this user, kept whole for the account (reasons are cut to the top few).
    public var signals: [ReasonCode] = []

    public init(userId: String, account: String) { self.userId = userId; self.account = account }
}

/// One account's score: its best user's score plus the team bonus.
public struct AccountScore: Sendable, Equatable, Codable {
    public var account: String
    public var score: Int
    public var tier: Tier
    public var isPQL: Bool
    public var bestUserId: String
    public var users: Int
    public var activeTeammates: Int
    public var teamBonus: Int
    public var activation: Int
    public var engagement: Int
    public var firmographic: Int
    public var fit: Int
    public var behaviour: Int
    public var reasons: [ReasonCode]

    public init(
        account: String, score: Int, tier: Tier, isPQL: Bool, bestUserId: String, users: Int, activeTeammates: Int,
        teamBonus: Int, activation: Int, engagement: Int, firmographic: Int, fit: Int, behaviour: Int, reasons: [ReasonCode]
    ) {
        self.account = account; self.score = score; self.tier = tier; self.isPQL = isPQL; self.bestUserId = bestUserId
        self.users = users; self.activeTeammates = activeTeammates; self.teamBonus = teamBonus; self.activation = activation
        self.engagement = engagement; self.firmographic = firmographic; self.fit = fit; self.behaviour = behaviour; self.reasons = reasons
    }
}
