/// Everything the briefing prompt says about one account (SPEC §5, seed 004's list), and nothing else:
/// no email address or other personal data. The validator checks a briefing's facts against it, and the
/// fingerprint that decides whether an account is briefed again hashes it.
///
/// Every string in it came from the data (company files, event names and properties) and is untrusted:
/// ``UntrustedText`` cleans it when it is rendered.
public struct PromptInput: Sendable, Codable, Equatable {
    /// A count of something the account did, by name (a feature, an event).
    public struct Usage: Sendable, Codable, Equatable {
        public var name: String
        public var count: Int
        public init(name: String, count: Int) { self.name = name; self.count = count }
    }

    /// The account's domain.
    public var account: String
    public var companyName: String
    public var industry: String?
    public var employeeCount: Int?
    public var country: String?
    /// `weighted` or `points`.
    public var scoringModel: String
    public var score: Int
    public var tier: String
    /// Became hot in the latest scoring run.
    public var newlyHot: Bool
    /// The window the activity counts below cover, in days (the engagement window).
    public var windowDays: Int
    /// Known users of the account, and those active in the window.
    public var users: Int
    public var activeUsers: Int
    /// Distinct UTC days in the window on which anyone at the account was active.
    public var activeDays: Int
    /// Teammate invitations sent in the window.
    public var invitedTeammates: Int
    public var completedActivations: [String]
    public var missingActivations: [String]
    /// The most used features in the window, most used first.
    public var topFeatures: [Usage]
    /// Integrations connected (ever, up to the scoring time).
    public var integrations: [String]
    /// Plan limits reached in the window.
    public var limitsHit: [String]
    /// The current paid plan, or `free`.
    public var plan: String
    /// Tools the company is known to use (companies file).
    public var techStack: [String]
    /// The most frequent events in the window, most frequent first.
    public var recentEvents: [Usage]
    /// The score's reason codes, most points first.
    public var reasons: [String]

    public init(
        account: String, companyName: String, industry: String? = nil, employeeCount: Int? = nil, country: String? = nil,
        scoringModel: String = "weighted", score: Int, tier: String, newlyHot: Bool = false, windowDays: Int = 14,
        users: Int = 1, activeUsers: Int = 1, activeDays: Int = 0, invitedTeammates: Int = 0,
        completedActivations: [String] = [], missingActivations: [String] = [], topFeatures: [Usage] = [],
        integrations: [String] = [], limitsHit: [String] = [], plan: String = "free", techStack: [String] = [],
        recentEvents: [Usage] = [], reasons: [String] = []
    ) {
        self.account = account; self.companyName = companyName; self.industry = industry; self.employeeCount = employeeCount
        self.country = country; self.scoringModel = scoringModel; self.score = score; self.tier = tier; self.newlyHot = newlyHot
        self.windowDays = windowDays; self.users = users; self.activeUsers = activeUsers; self.activeDays = activeDays
        self.invitedTeammates = invitedTeammates; self.completedActivations = completedActivations
        self.missingActivations = missingActivations; self.topFeatures = topFeatures; self.integrations = integrations
        self.limitsHit = limitsHit; self.plan = plan; self.techStack = techStack; self.recentEvents = recentEvents
        self.reasons = reasons
    }
}

extension PromptInput {
    /// The values of the prompt template's placeholders, every untrusted string cleaned (``UntrustedText``),
    /// with any email address or phone number inside it masked: no personal data reaches the model.
    /// Lists are comma-separated; an empty list or unknown value reads `none` / `unknown`.
    public func placeholderValues(maxUntrustedChars: Int) -> [String: String] {
        func clean(_ s: String) -> String { UntrustedText.sanitize(UntrustedText.maskingPersonalData(s), maxCharacters: maxUntrustedChars) }
        func list(_ items: [String]) -> String { items.isEmpty ? "none" : items.map(clean).joined(separator: ", ") }
        func usages(_ items: [Usage]) -> String {
            items.isEmpty ? "none" : items.map { "\(clean($0.name)) (\($0.count))" }.joined(separator: ", ")
        }
        return [
            "account": clean(account),
            "company_name": clean(companyName),
            "industry": industry.map(clean) ?? "unknown",
            "employee_count": employeeCount.map(String.init) ?? "unknown",
            "country": country.map(clean) ?? "unknown",
            "scoring_model": scoringModel,
            "pql_score": String(score),
            "pql_tier": tier,
            "newly_hot": newlyHot ? "yes" : "no",
            "window_days": String(windowDays),
            "users": String(users),
            "active_users": String(activeUsers),
            "active_days": String(activeDays),
            "invited_count": String(invitedTeammates),
            "completed_activations": list(completedActivations),
            "missing_activations": list(missingActivations),
            "top_features": usages(topFeatures),
            "integrations": list(integrations),
            "hit_limits": list(limitsHit),
            "plan": clean(plan),
            "tech_stack": list(techStack),
            "recent_events": usages(recentEvents),
            "reason_codes": list(reasons),
        ]
    }

    /// Every name the input mentions (features, integrations, limits, events, activations, tools, plan,
    /// industry): what a briefing may name.
    public var mentionedNames: [String] {
        var names = completedActivations + missingActivations + integrations + limitsHit + techStack + [plan]
        names += topFeatures.map(\.name) + recentEvents.map(\.name)
        if let industry { names.append(industry) }
        return names
    }

    /// Every number the input states (counts, score, sizes, the window), and the numbers inside its strings:
    /// what a briefing may quote.
    public var mentionedNumbers: Set<Int> {
        var numbers: Set<Int> = [score, windowDays, users, activeUsers, activeDays, invitedTeammates]
        if let employeeCount { numbers.insert(employeeCount) }
        for usage in topFeatures + recentEvents { numbers.insert(usage.count) }
        for text in [account, companyName] + mentionedNames + reasons {
            numbers.formUnion(UntrustedText.integers(in: text))
        }
        return numbers
    }
}
