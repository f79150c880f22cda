/// Turns a user's facts and profile into a score, and users into account scores (SPEC §3).
/// Pure and exact: integer arithmetic with half-up rounding, no clocks, no randomness.
public struct Scorer: Sendable {
    public let context: ScoringContext

    public init(context: ScoringContext) { self.context = context }

    /// Scores one user; `trace`, when given, receives one line per rule applied (for `explain`).
    public func score(_ profile: UserProfile, facts: UserFacts, trace: ((String) -> Void)? = nil) -> UserScore {
        switch context.model {
        case .weighted: return weighted(profile, facts, trace)
        case .points: return points(profile, facts, trace)
        }
    }

    private var c: BrieferConfiguration { context.configuration }

    private func signalReasons(_ facts: UserFacts) -> [ReasonCode] {
        // Sorted by text: term ids depend on the order events were ingested in, scores must not.
        facts.signals.map { seen in
            let detail = seen.detail == 0 ? nil : context.terms[seen.detail]
            return ReasonCode(c.reasons.signals[seen.signal].event, detail, points: 0)
        }.sorted()
    }

    // MARK: Weighted model (seed 004)

    private func weighted(_ profile: UserProfile, _ facts: UserFacts, _ trace: ((String) -> Void)?) -> UserScore {
        let w = c.weighted
        var result = UserScore(userId: profile.userId, account: profile.account.description)
        var reasons: [ReasonCode] = []

        // Activation
        var activation = 0
        trace?("activation (window: \(w.activation.windowDays) days from signup \(profile.signup?.iso8601 ?? "unknown"))")
        for (i, rule) in w.activation.events.enumerated() {
            let count = facts.activationCounts[i]
            let met = rule.isMet(by: count)
            if met { activation += rule.weight; reasons.append(ReasonCode(rule.event, points: rule.weight)) }
            trace?("  \(rule.event): \(count) counted, needs \(rule.minCount) -> \(met ? "+\(rule.weight)" : "+0")")
        }
        activation = min(activation, w.activation.max)
        trace?("  activation = \(activation) (max \(w.activation.max))")

        // Engagement
        let e = w.engagement
        let days = min(facts.activeDays, e.fullFrequencyDays)
        let features = min(facts.features, e.fullBreadthFeatures)
        var recency = 0
        var recencyLabel = "none"
        if let last = facts.lastInWindow {
            recency = e.recencyOtherwise
            recencyLabel = "over \(e.recency.last?.withinDays ?? 0)d"
            for step in e.recency
            where last.milliseconds > context.asOf.milliseconds - Int64(step.withinDays) * Timestamp.millisecondsPerDay {
                recency = step.points
                recencyLabel = "\(step.withinDays)d"
                break
            }
        }
        let F = e.fullFrequencyDays, B = e.fullBreadthFeatures
        let numerator = e.weights.frequency * days * B * 100 + e.weights.breadth * features * F * 100 + e.weights.recency * recency * F * B
        let engagement = ExactArithmetic.roundHalfUp(numerator, over: 100 * F * B)
        trace?("engagement (window: \(e.windowDays) days before \(context.asOf.iso8601))")
        trace?(
            "  active days \(facts.activeDays) (capped at \(F)), features \(facts.features) (capped at \(B)), recency \(recency) (last \(facts.lastInWindow?.iso8601 ?? "none"))"
        )
        trace?(
            "  round((\(e.weights.frequency)*\(days)/\(F)*100 + \(e.weights.breadth)*\(features)/\(B)*100 + \(e.weights.recency)*\(recency)) / 100) = round(\(numerator)/\(100 * F * B)) = \(engagement)"
        )
        if facts.activeDays > 0 {
            reasons.append(
                ReasonCode(
                    "active_days", String(facts.activeDays), points: ExactArithmetic.roundHalfUp(e.weights.frequency * days, over: F)))
            reasons.append(
                ReasonCode(
                    "features_used", String(facts.features), points: ExactArithmetic.roundHalfUp(e.weights.breadth * features, over: B)))
            reasons.append(ReasonCode("recency", recencyLabel, points: ExactArithmetic.roundHalfUp(e.weights.recency * recency, over: 100)))
        }

        // Firmographic
        let f = w.firmographic
        let company = profile.company
        var firmographic = 0
        let employeePoints = company?.employeeCount.flatMap { n in f.employees.first { n > $0.above }?.points } ?? f.employeesOtherwise
        let industry = company?.industry?.trimmedWhitespace.lowercased()
        let industryPoints =
            industry.flatMap { name in f.industries.first { $0.names.map { $0.lowercased() }.contains(name) }?.points }
            ?? f.industryOtherwise
        let revenuePoints = company?.estimatedRevenue.flatMap { n in f.revenue.first { n > $0.above }?.points } ?? f.revenueOtherwise
        let workEmail = context.hasWorkEmail(profile)
        firmographic = employeePoints + industryPoints + revenuePoints + (workEmail ? f.workEmail : 0)
        firmographic = min(firmographic, f.max)
        trace?("firmographic (company: \(company?.domain ?? "none"))")
        trace?(
            "  employees \(company?.employeeCount.map(String.init) ?? "unknown") -> +\(employeePoints); industry \(industry ?? "unknown") -> +\(industryPoints); revenue \(company?.estimatedRevenue.map(String.init) ?? "unknown") -> +\(revenuePoints); work email \(workEmail ? "yes" : "no") -> +\(workEmail ? f.workEmail : 0)"
        )
        trace?("  firmographic = \(firmographic)")
        reasons.append(ReasonCode("company_size", company?.employeeCount.map(String.init) ?? "unknown", points: employeePoints))
        reasons.append(ReasonCode("industry", industry ?? "unknown", points: industryPoints))
        reasons.append(ReasonCode("revenue", company?.estimatedRevenue.map(String.init) ?? "unknown", points: revenuePoints))
        if workEmail { reasons.append(ReasonCode("work_email", points: f.workEmail)) }

        let ws = w.weights
        let total = ExactArithmetic.roundHalfUp(
            ws.activation * activation + ws.engagement * engagement + ws.firmographic * firmographic,
            over: ws.activation + ws.engagement + ws.firmographic)
        trace?(
            "pql = round((\(ws.activation)*\(activation) + \(ws.engagement)*\(engagement) + \(ws.firmographic)*\(firmographic)) / 100) = \(total)"
        )
        result.activation = activation
        result.engagement = engagement
        result.firmographic = firmographic
        result.score = total
        result.tier = weightedTier(total)
        result.isPQL = result.tier == .hot
        result.teamActive = facts.teamActive
        result.signals = signalReasons(facts)
        result.reasons = ReasonCode.top(reasons + result.signals, limit: c.reasons.max)
        return result
    }

    func weightedTier(_ score: Int) -> Tier {
        let t = c.weighted.tiers
        if score >= t.hot { return .hot }
        if score >= t.warm { return .warm }
        if score >= t.nurture { return .nurture }
        return .monitor
    }

    // MARK: Points model (seeds 001 and 003)

    private func points(_ profile: UserProfile, _ facts: UserFacts, _ trace: ((String) -> Void)?) -> UserScore {
        let p = c.points
        var result = UserScore(userId: profile.userId, account: profile.account.description)
        var reasons: [ReasonCode] = []
        let fit = fitScore(profile, &reasons, trace)

        trace?("behaviour")
        var rubric = 0
        for (i, rule) in p.behaviour.rules.enumerated() {
            let count = facts.behaviourCounts[i]
            let step = rule.step(for: count)
            if let step, step.points != 0 {
                rubric += step.points
                reasons.append(ReasonCode(rule.event, String(count), points: step.points))
            }
            trace?(
                "  \(rule.event)\(rule.withinSignupDays > 0 ? " (first \(rule.withinSignupDays) days)" : ""): \(count) -> +\(step?.points ?? 0)"
            )
        }
        var behaviour = min(rubric, p.behaviour.max)
        trace?("  rubric \(rubric), capped at \(p.behaviour.max) -> \(behaviour)")
        if facts.velocityBurst {
            behaviour += p.behaviour.velocity.bonus
            reasons.append(
                ReasonCode(
                    "velocity", "\(p.behaviour.velocity.minActions)_in_\(p.behaviour.velocity.windowHours)h",
                    points: p.behaviour.velocity.bonus))
            trace?(
                "  velocity: >= \(p.behaviour.velocity.minActions) key actions within \(p.behaviour.velocity.windowHours)h -> +\(p.behaviour.velocity.bonus)"
            )
        }
        for (i, negative) in p.behaviour.negativeEvents.enumerated() where facts.negativeCounts[i] > 0 {
            behaviour += negative.points
            reasons.append(ReasonCode(negative.event, points: negative.points))
            trace?("  \(negative.event) within \(p.behaviour.negativeWindowDays)d -> \(negative.points)")
        }
        if let last = facts.lastActivity {
            let idleDays = Int((context.asOf.milliseconds - last.milliseconds) / Timestamp.millisecondsPerDay)
            let inactivePeriods = idleDays / p.behaviour.inactivity.periodDays
            if inactivePeriods > 0, p.behaviour.inactivity.pointsPerPeriod != 0 {
                let penalty = inactivePeriods * p.behaviour.inactivity.pointsPerPeriod
                behaviour += penalty
                reasons.append(ReasonCode("inactive", "\(idleDays)d", points: penalty))
                trace?("  inactive \(idleDays) days: \(inactivePeriods) x \(p.behaviour.inactivity.pointsPerPeriod) -> \(penalty)")
            }
            let decayPeriods = idleDays / p.behaviour.decay.periodDays
            if decayPeriods > 0 {
                let before = behaviour
                // The floor stops a fall; it never lifts a score that was already below it.
                behaviour = max(min(before, p.behaviour.decay.floor), behaviour - decayPeriods * p.behaviour.decay.pointsPerPeriod)
                if before != behaviour { reasons.append(ReasonCode("decay", "\(idleDays)d", points: behaviour - before)) }
                trace?(
                    "  decay: \(idleDays) idle days = \(decayPeriods) x -\(p.behaviour.decay.pointsPerPeriod), floor \(p.behaviour.decay.floor): \(before) -> \(behaviour)"
                )
            }
        } else {
            behaviour = 0
            trace?("  no activity: behaviour 0")
        }
        behaviour = max(0, behaviour)
        let total = min(max(0, fit + behaviour), p.maxTotal)
        trace?("total = fit \(fit) + behaviour \(behaviour) = \(total) (max \(p.maxTotal))")
        result.fit = fit
        result.behaviour = behaviour
        result.score = total
        result.isPQL = isPQL(total: total, fit: fit, behaviour: behaviour)
        result.tier = pointsTier(total: total, isPQL: result.isPQL)
        trace?("pql = total >= \(p.pql.minTotal) AND fit >= \(p.pql.minFit) AND behaviour >= \(p.pql.minBehaviour): \(result.isPQL)")
        result.teamActive = facts.teamActive
        result.signals = signalReasons(facts)
        result.reasons = ReasonCode.top(reasons + result.signals, limit: c.reasons.max)
        return result
    }

    func isPQL(total: Int, fit: Int, behaviour: Int) -> Bool {
        total >= c.points.pql.minTotal && meetsPQLMinimums(fit: fit, behaviour: behaviour)
    }

    /// The model's PQL conditions besides the total: the points model's fit and behaviour minimums
    /// (the weighted model has none: hot is the score alone).
    public func meetsPQLMinimums(fit: Int, behaviour: Int) -> Bool {
        context.model == .weighted || (fit >= c.points.pql.minFit && behaviour >= c.points.pql.minBehaviour)
    }

    func pointsTier(total: Int, isPQL: Bool) -> Tier {
        if isPQL { return .hot }
        if total >= c.points.tiers.warm { return .warm }
        if total >= c.points.tiers.nurture { return .nurture }
        return .monitor
    }

    private func fitScore(_ profile: UserProfile, _ reasons: inout [ReasonCode], _ trace: ((String) -> Void)?) -> Int {
        let f = c.points.fit
        let company = profile.company
        var parts: [ReasonCode] = []
        if let n = company?.employeeCount {
            if n >= f.icpEmployeesMin && n <= f.icpEmployeesMax {
                parts.append(ReasonCode("company_size", String(n), points: f.icpEmployeesPoints))
            } else if n >= f.adjacentEmployeesMin && n <= f.adjacentEmployeesMax {
                parts.append(ReasonCode("company_size", String(n), points: f.adjacentEmployeesPoints))
            }
        }
        if let industry = company?.industry?.lowercased() {
            if f.targetIndustries.map({ $0.lowercased() }).contains(industry) {
                parts.append(ReasonCode("industry", industry, points: f.targetIndustryPoints))
            } else if f.adjacentIndustries.map({ $0.lowercased() }).contains(industry) {
                parts.append(ReasonCode("industry", industry, points: f.adjacentIndustryPoints))
            }
        }
        if let title = profile.title?.lowercased(), !title.isEmpty {
            let words = Set(title.split(whereSeparator: { !$0.isLetter }).map(String.init))
            if !words.isDisjoint(with: f.seniorTitleWords.map { $0.lowercased() }) {
                parts.append(ReasonCode("title", "senior", points: f.seniorTitlePoints))
            } else if !words.isDisjoint(with: f.managerTitleWords.map { $0.lowercased() }) {
                parts.append(ReasonCode("title", "manager", points: f.managerTitlePoints))
            } else {
                parts.append(ReasonCode("title", "individual", points: f.otherTitlePoints))
            }
        }
        let stack = Set(company?.techStack ?? [])
        if let tool = f.complementaryTools.map({ $0.lowercased() }).sorted().first(where: stack.contains) {
            parts.append(ReasonCode("tech_stack", tool, points: f.complementaryToolPoints))
        } else if let tool = f.partialTools.map({ $0.lowercased() }).sorted().first(where: stack.contains) {
            parts.append(ReasonCode("tech_stack", tool, points: f.partialToolPoints))
        }
        if let country = company?.country?.uppercased() {
            if f.targetCountries.map({ $0.uppercased() }).contains(country) {
                parts.append(ReasonCode("geography", country, points: f.targetCountryPoints))
            } else if f.secondaryCountries.map({ $0.uppercased() }).contains(country) {
                parts.append(ReasonCode("geography", country, points: f.secondaryCountryPoints))
            }
        }
        if let domain = profile.account.domain, f.competitorDomains.map(Identity.normalizedDomain).contains(domain) {
            parts.append(ReasonCode("competitor", domain, points: f.competitorPoints))
        }
        let emailDomain = Identity.emailDomain(profile.email)
        if let emailDomain, context.identity.isFreeMail(emailDomain) {
            parts.append(ReasonCode("personal_email", points: f.personalEmailPoints))
        }
        if (profile.title?.lowercased().contains("student") ?? false) || (emailDomain?.hasSuffix(".edu") ?? false) {
            parts.append(ReasonCode("student", points: f.studentPoints))
        }
        let raw = parts.reduce(0) { $0 + $1.points }
        let fit = min(max(raw, 0), f.max)
        trace?("fit (company: \(company?.domain ?? "none"))")
        for part in parts { trace?("  \(part)") }
        trace?("  fit = \(raw) clamped to 0...\(f.max) -> \(fit)")
        reasons.append(contentsOf: parts)
        return fit
    }

    // MARK: Account roll-up

    /// The account's score: its best user's score plus the team bonus (SPEC §3.3).
    public func account(_ key: String, users: [UserScore], trace: ((String) -> Void)? = nil) -> AccountScore {
        precondition(!users.isEmpty)
        let best = users.min { a, b in a.score != b.score ? a.score > b.score : a.userId < b.userId }!
        let teammates = users.filter { $0.userId != best.userId && $0.teamActive }.count
        let a = c.account
        let bonus = min(teammates * a.teamBonusPerUser, a.teamBonusCap)
        let maximum = context.model == .weighted ? 100 : c.points.maxTotal
        let score = min(best.score + bonus, maximum)
        let isPQL: Bool
        let tier: Tier
        switch context.model {
        case .weighted:
            tier = weightedTier(score)
            isPQL = tier == .hot
        case .points:
            isPQL = self.isPQL(total: score, fit: best.fit, behaviour: best.behaviour)
            tier = pointsTier(total: score, isPQL: isPQL)
        }
        trace?(
            "account \(key): best user \(best.userId) \(best.score) + team bonus \(teammates) active teammates x \(a.teamBonusPerUser) (cap \(a.teamBonusCap)) = \(bonus) -> \(score) (\(tier.rawValue))"
        )
        var reasons = best.reasons
        if bonus > 0 { reasons.append(ReasonCode("team_active_users", String(teammates), points: bonus)) }
        for user in users { reasons.append(contentsOf: user.signals) }
        return AccountScore(
            account: key, score: score, tier: tier, isPQL: isPQL, bestUserId: best.userId, users: users.count,
            activeTeammates: teammates, teamBonus: bonus, activation: best.activation, engagement: best.engagement,
            firmographic: best.firmographic, fit: best.fit, behaviour: best.behaviour,
            reasons: ReasonCode.top(reasons, limit: c.reasons.max))
    }
}
