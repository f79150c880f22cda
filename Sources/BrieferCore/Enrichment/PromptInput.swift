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
    /// Teammate invitations sent ever (up to the scoring time); nil in inputs stored before it was kept.
    public var invitedTeammatesEver: Int?
    public var completedActivations: [String]
    public var missingActivations: [String]
    /// The most used features in the window, most used first.
    public var topFeatures: [Usage]
    /// The most used features ever (up to the scoring time), most used first; nil in older inputs.
    public var topFeaturesEver: [Usage]?
    /// How many different features were used in the window and ever (``topFeatures`` lists the most
    /// used only); nil in older inputs.
    public var featureCount: Int?
    public var featureCountEver: Int?
    /// Integrations connected (ever, up to the scoring time).
    public var integrations: [String]
    /// Plan limits reached in the window.
    public var limitsHit: [String]
    /// Plan limits reached ever (up to the scoring time); nil in older inputs.
    public var limitsHitEver: [String]?
    /// The current paid plan, or `free`.
    public var plan: String
    /// Tools the company is known to use (companies file).
    public var techStack: [String]
    /// The most frequent events in the window, most frequent first.
    public var recentEvents: [Usage]
    /// The score's reason codes, most points first.
    public var reasons: [String]
    /// ``reasons`` in words, as the prompt shows them (``ReasonCode/phrase(windowDays:featuresAreEventTypes:)``);
    /// nil in older inputs, which are worded with the defaults.
    public var reasonsInWords: [String]?
    /// How many different events happened in the window (``recentEvents`` lists the most frequent only).
    public var eventTypeCount: Int?

    public init(
        account: String, companyName: String, industry: String? = nil, employeeCount: Int? = nil, country: String? = nil,
        scoringModel: String = "weighted", score: Int, tier: String, newlyHot: Bool = false, windowDays: Int = 14,
        users: Int = 1, activeUsers: Int = 1, activeDays: Int = 0, invitedTeammates: Int = 0, invitedTeammatesEver: Int? = nil,
        completedActivations: [String] = [], missingActivations: [String] = [], topFeatures: [Usage] = [],
        topFeaturesEver: [Usage]? = nil, featureCount: Int? = nil, featureCountEver: Int? = nil, eventTypeCount: Int? = nil,
        integrations: [String] = [], limitsHit: [String] = [], limitsHitEver: [String]? = nil,
        plan: String = "free", techStack: [String] = [], recentEvents: [Usage] = [], reasons: [String] = [], reasonsInWords: [String]? = nil
    ) {
        self.account = account; self.companyName = companyName; self.industry = industry; self.employeeCount = employeeCount
        self.country = country; self.scoringModel = scoringModel; self.score = score; self.tier = tier; self.newlyHot = newlyHot
        self.windowDays = windowDays; self.users = users; self.activeUsers = activeUsers; self.activeDays = activeDays
        self.invitedTeammates = invitedTeammates; self.completedActivations = completedActivations
        self.missingActivations = missingActivations; self.topFeatures = topFeatures; self.integrations = integrations
        self.limitsHit = limitsHit; self.plan = plan; self.techStack = techStack; self.recentEvents = recentEvents
        self.reasons = reasons
        self.invitedTeammatesEver = invitedTeammatesEver; self.topFeaturesEver = topFeaturesEver; self.limitsHitEver = limitsHitEver
        self.featureCount = featureCount; self.featureCountEver = featureCountEver; self.eventTypeCount = eventTypeCount
        self.reasonsInWords = reasonsInWords
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
            // Both scopes of what is counted in the window and ever; `unknown` for inputs stored before
            // the lifetime counts were kept.
            "invited_count_ever": invitedTeammatesEver.map(String.init) ?? "unknown",
            "top_features_ever": topFeaturesEver.map(usages) ?? "unknown",
            "hit_limits_ever": limitsHitEver.map(list) ?? "unknown",
            "feature_count": featureCount.map(String.init) ?? String(topFeatures.count),
            "feature_count_ever": featureCountEver.map(String.init) ?? "unknown",
            "activation_steps": String(completedActivations.count + missingActivations.count),
            "completed_count": String(completedActivations.count),
            "event_type_count": eventTypeCount.map(String.init) ?? String(recentEvents.count),
            "reasons_in_words": reasons.isEmpty ? "none" : wordedReasons.map(clean).joined(separator: "; "),
        ]
    }

    /// The reasons in words: as built (``reasonsInWords``), else worded with the default configuration.
    public var wordedReasons: [String] {
        reasonsInWords ?? reasons.map { text in ReasonCode(parsing: text)?.phrase(windowDays: windowDays) ?? text }
    }

    /// Every name the input mentions (features, integrations, limits, events, activations, tools, plan,
    /// industry): what a briefing may name.
    public var mentionedNames: [String] {
        var names = completedActivations + missingActivations + integrations + limitsHit + (limitsHitEver ?? []) + techStack + [plan]
        names += topFeatures.map(\.name) + (topFeaturesEver ?? []).map(\.name) + recentEvents.map(\.name)
        if let industry { names.append(industry) }
        return names
    }

    /// Every number the input states (counts, score, sizes, the window), and the numbers inside its strings:
    /// what a briefing may quote.
    public var mentionedNumbers: Set<Int> {
        var numbers: Set<Int> = [
            score, windowDays, users, activeUsers, activeDays, invitedTeammates,
            completedActivations.count, completedActivations.count + missingActivations.count,
        ]
        if let employeeCount { numbers.insert(employeeCount) }
        for count in [invitedTeammatesEver, featureCount, featureCountEver, eventTypeCount] { if let count { numbers.insert(count) } }
        for usage in topFeatures + (topFeaturesEver ?? []) + recentEvents { numbers.insert(usage.count) }
        for text in [account, companyName] + mentionedNames + reasons {
            numbers.formUnion(UntrustedText.integers(in: text))
        }
        return numbers
    }
}
