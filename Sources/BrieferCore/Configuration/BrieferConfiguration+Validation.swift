/// A configuration value that cannot work, named by its key path in the file.
public struct ConfigurationProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public var key: String
    public var message: String
    public var description: String { "\(key): \(message)" }
    public init(key: String, message: String) { self.key = key; self.message = message }
}

extension BrieferConfiguration {
    /// Every impossible value, each naming its key. Empty when the configuration is usable.
    public func validate() -> [ConfigurationProblem] {
        var problems: [ConfigurationProblem] = []
        func require(_ ok: Bool, _ key: String, _ message: String) {
            if !ok { problems.append(.init(key: key, message: message)) }
        }
        func nonNegative(_ value: Int, _ key: String) { require(value >= 0, key, "must not be negative (is \(value))") }
        func positive(_ value: Int, _ key: String) { require(value > 0, key, "must be greater than 0 (is \(value))") }
        // Upper bounds keep every window and product of the arithmetic far from overflow.
        func days(_ value: Int, _ key: String) { require(value > 0 && value <= 3650, key, "must be between 1 and 3650 days (is \(value))") }
        func bounded(_ value: Int, _ key: String, _ limit: Int = 1_000_000) {
            require(abs(value) <= limit, key, "must be between -\(limit) and \(limit) (is \(value))")
        }

        for (i, d) in identity.freeMailDomains.enumerated() {
            require(d.contains("."), "identity.free_mail_domains[\(i)]", "'\(d)' is not a domain")
        }
        for (i, d) in identity.internalDomains.enumerated() {
            require(d.contains("."), "identity.internal_domains[\(i)]", "'\(d)' is not a domain")
        }
        for (i, rule) in sources.segment.pageEvents.enumerated() {
            let key = "sources.segment.page_events[\(i)]"
            require(rule.path.isEmpty != rule.name.isEmpty, key, "give a path or a name, one of them")
            require(!rule.event.trimmedWhitespace.isEmpty, key + ".event", "must name an event")
        }
        require(
            sources.mixpanel.projectTimeZone.isEmpty || VendorCalls.timeZoneOffset(sources.mixpanel.projectTimeZone, atUTC: 0) != nil,
            "sources.mixpanel.project_time_zone", "'\(sources.mixpanel.projectTimeZone)' is not a time zone name (e.g. America/Los_Angeles)"
        )
        let tableName = #/[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,2}/#
        let tables = warehouse.tables
        for (key, name) in [
            ("events", tables.events), ("identities", tables.identities), ("groups", tables.groups), ("traits", tables.traits),
            ("users", tables.users),
            ("companies", tables.companies), ("subscriptions", tables.subscriptions),
        ] {
            require(
                name.wholeMatch(of: tableName) != nil, "warehouse.tables.\(key)",
                "must be a table name such as analytics.briefer_events (is \(name))")
        }
        require(
            warehouse.prefix.wholeMatch(of: #/([A-Za-z_][A-Za-z0-9_]*\.){0,2}[A-Za-z_][A-Za-z0-9_]*/#) != nil, "warehouse.prefix",
            "must start a table name, such as briefer_ or analytics.briefer_ (is \(warehouse.prefix))")
        positive(hygiene.dailyCapPerEvent, "hygiene.daily_cap_per_event")
        bounded(hygiene.dailyCapPerEvent, "hygiene.daily_cap_per_event")
        positive(hygiene.botMaxEventsPerDay, "hygiene.bot_max_events_per_day")
        bounded(hygiene.botMaxEventsPerDay, "hygiene.bot_max_events_per_day", 100_000_000)
        require(
            hygiene.maxLineBytes >= 1024 && hygiene.maxLineBytes <= 64 << 20, "hygiene.max_line_bytes",
            "must be between 1024 and 67108864 (is \(hygiene.maxLineBytes))")
        require(
            hygiene.futureToleranceSeconds >= 0 && hygiene.futureToleranceSeconds <= 31_536_000, "hygiene.future_tolerance_seconds",
            "must be between 0 and 31536000 (a year) (is \(hygiene.futureToleranceSeconds))")

        let w = weighted
        days(w.activation.windowDays, "weighted.activation.window_days")
        positive(w.activation.max, "weighted.activation.max")
        for (i, rule) in w.activation.events.enumerated() {
            let key = "weighted.activation.events[\(i)]"
            require(!rule.event.isEmpty, key + ".event", "must name an event")
            positive(rule.minCount, key + ".min_count")
            bounded(rule.minCount, key + ".min_count")
            nonNegative(rule.weight, key + ".weight")
            bounded(rule.weight, key + ".weight", 100)
        }
        days(w.engagement.windowDays, "weighted.engagement.window_days")
        days(w.engagement.fullFrequencyDays, "weighted.engagement.full_frequency_days")
        positive(w.engagement.fullBreadthFeatures, "weighted.engagement.full_breadth_features")
        bounded(w.engagement.fullBreadthFeatures, "weighted.engagement.full_breadth_features", 10_000)
        var previousDays = 0
        for (i, step) in w.engagement.recency.enumerated() {
            let key = "weighted.engagement.recency[\(i)]"
            days(step.withinDays, key + ".within_days")
            require(
                step.withinDays > previousDays, key + ".within_days",
                "must be greater than the step before (\(previousDays)); steps go from the most recent out")
            previousDays = step.withinDays
            require((0...100).contains(step.points), key + ".points", "must be between 0 and 100 (is \(step.points))")
        }
        require((0...100).contains(w.engagement.recencyOtherwise), "weighted.engagement.recency_otherwise", "must be between 0 and 100")
        nonNegative(w.engagement.weights.frequency, "weighted.engagement.weights.frequency")
        nonNegative(w.engagement.weights.breadth, "weighted.engagement.weights.breadth")
        nonNegative(w.engagement.weights.recency, "weighted.engagement.weights.recency")
        require(
            w.engagement.weights.frequency + w.engagement.weights.breadth + w.engagement.weights.recency == 100,
            "weighted.engagement.weights", "must add up to 100")
        checkDescending(w.firmographic.employees, "weighted.firmographic.employees", &problems)
        checkDescending(w.firmographic.revenue, "weighted.firmographic.revenue", &problems)
        nonNegative(w.firmographic.employeesOtherwise, "weighted.firmographic.employees_otherwise")
        nonNegative(w.firmographic.industryOtherwise, "weighted.firmographic.industry_otherwise")
        nonNegative(w.firmographic.revenueOtherwise, "weighted.firmographic.revenue_otherwise")
        nonNegative(w.firmographic.workEmail, "weighted.firmographic.work_email")
        for (i, group) in w.firmographic.industries.enumerated() {
            nonNegative(group.points, "weighted.firmographic.industries[\(i)].points")
        }
        positive(w.firmographic.max, "weighted.firmographic.max")
        nonNegative(w.weights.activation, "weighted.weights.activation")
        nonNegative(w.weights.engagement, "weighted.weights.engagement")
        nonNegative(w.weights.firmographic, "weighted.weights.firmographic")
        require(w.weights.activation + w.weights.engagement + w.weights.firmographic == 100, "weighted.weights", "must add up to 100")
        require(w.tiers.hot > w.tiers.warm, "weighted.tiers.hot", "must be above weighted.tiers.warm (\(w.tiers.hot) <= \(w.tiers.warm))")
        require(
            w.tiers.warm > w.tiers.nurture, "weighted.tiers.warm",
            "must be above weighted.tiers.nurture (\(w.tiers.warm) <= \(w.tiers.nurture))")
        require(w.tiers.nurture > 0, "weighted.tiers.nurture", "must be above 0")
        require(w.tiers.hot <= 100, "weighted.tiers.hot", "must be at most 100")

        let p = points
        positive(p.fit.max, "points.fit.max")
        require(
            p.fit.icpEmployeesMin <= p.fit.icpEmployeesMax, "points.fit.icp_employees_min", "must not be above points.fit.icp_employees_max"
        )
        require(
            p.fit.adjacentEmployeesMin <= p.fit.icpEmployeesMin && p.fit.adjacentEmployeesMax >= p.fit.icpEmployeesMax,
            "points.fit.adjacent_employees_min", "the adjacent range must contain the ICP range")
        for key in [
            ("icp_employees_points", p.fit.icpEmployeesPoints), ("adjacent_employees_points", p.fit.adjacentEmployeesPoints),
            ("target_industry_points", p.fit.targetIndustryPoints), ("adjacent_industry_points", p.fit.adjacentIndustryPoints),
            ("senior_title_points", p.fit.seniorTitlePoints), ("manager_title_points", p.fit.managerTitlePoints),
            ("other_title_points", p.fit.otherTitlePoints), ("complementary_tool_points", p.fit.complementaryToolPoints),
            ("partial_tool_points", p.fit.partialToolPoints), ("target_country_points", p.fit.targetCountryPoints),
            ("secondary_country_points", p.fit.secondaryCountryPoints),
        ] {
            nonNegative(key.1, "points.fit." + key.0)
        }
        for key in [
            ("competitor_points", p.fit.competitorPoints), ("personal_email_points", p.fit.personalEmailPoints),
            ("student_points", p.fit.studentPoints),
        ] {
            require(key.1 <= 0, "points.fit." + key.0, "is a deduction and must not be positive (is \(key.1))")
        }
        positive(p.behaviour.max, "points.behaviour.max")
        for (i, rule) in p.behaviour.rules.enumerated() {
            let key = "points.behaviour.rules[\(i)]"
            require(!rule.event.isEmpty, key + ".event", "must name an event")
            require(
                rule.withinSignupDays >= 0 && rule.withinSignupDays <= 3650, key + ".within_signup_days", "must be between 0 and 3650 days")
            require(!rule.steps.isEmpty, key + ".steps", "must have at least one step")
            var previous = Int.max
            for (j, step) in rule.steps.enumerated() {
                positive(step.minCount, "\(key).steps[\(j)].min_count")
                bounded(step.minCount, "\(key).steps[\(j)].min_count")
                nonNegative(step.points, "\(key).steps[\(j)].points")
                bounded(step.points, "\(key).steps[\(j)].points", 1000)
                require(step.minCount < previous, "\(key).steps[\(j)].min_count", "steps must go from the highest count down")
                previous = step.minCount
            }
        }
        positive(p.behaviour.velocity.minActions, "points.behaviour.velocity.min_actions")
        require(
            p.behaviour.velocity.windowHours > 0 && p.behaviour.velocity.windowHours <= 87_600, "points.behaviour.velocity.window_hours",
            "must be between 1 and 87600 hours")
        days(p.behaviour.velocity.lookbackDays, "points.behaviour.velocity.lookback_days")
        nonNegative(p.behaviour.velocity.bonus, "points.behaviour.velocity.bonus")
        days(p.behaviour.inactivity.periodDays, "points.behaviour.inactivity.period_days")
        require(
            p.behaviour.inactivity.pointsPerPeriod <= 0, "points.behaviour.inactivity.points_per_period",
            "is a deduction and must not be positive")
        for (i, n) in p.behaviour.negativeEvents.enumerated() {
            require(
                n.points <= 0, "points.behaviour.negative_events[\(i)].points", "is a deduction and must not be positive (is \(n.points))")
        }
        days(p.behaviour.negativeWindowDays, "points.behaviour.negative_window_days")
        days(p.behaviour.decay.periodDays, "points.behaviour.decay.period_days")
        bounded(p.behaviour.decay.pointsPerPeriod, "points.behaviour.decay.points_per_period", 1000)
        bounded(p.behaviour.inactivity.pointsPerPeriod, "points.behaviour.inactivity.points_per_period", 1000)
        nonNegative(p.behaviour.decay.pointsPerPeriod, "points.behaviour.decay.points_per_period")
        nonNegative(p.behaviour.decay.floor, "points.behaviour.decay.floor")
        require(p.maxTotal > 0 && p.maxTotal <= 100_000, "points.max_total", "must be between 1 and 100000")
        require(p.behaviour.max <= 100_000, "points.behaviour.max", "must be at most 100000")
        require(p.fit.max <= 100_000, "points.fit.max", "must be at most 100000")
        require(
            p.pql.minTotal > p.tiers.warm, "points.pql.min_total", "must be above points.tiers.warm (\(p.pql.minTotal) <= \(p.tiers.warm))")
        require(
            p.tiers.warm > p.tiers.nurture, "points.tiers.warm",
            "must be above points.tiers.nurture (\(p.tiers.warm) <= \(p.tiers.nurture))")
        require(p.tiers.nurture > 0, "points.tiers.nurture", "must be above 0")
        nonNegative(p.pql.minFit, "points.pql.min_fit")
        nonNegative(p.pql.minBehaviour, "points.pql.min_behaviour")

        nonNegative(account.teamBonusPerUser, "account.team_bonus_per_user")
        nonNegative(account.teamBonusCap, "account.team_bonus_cap")
        days(account.teamActiveDays, "account.team_active_days")
        bounded(account.teamBonusPerUser, "account.team_bonus_per_user", 1000)
        bounded(account.teamBonusCap, "account.team_bonus_cap", 100_000)
        require((1...20).contains(reasons.max), "reasons.max", "must be between 1 and 20 (is \(reasons.max))")
        days(reasons.signalWindowDays, "reasons.signal_window_days")
        return problems + validateEnrichment()
    }

    /// A HubSpot internal property name: lowercase letters, digits and underscores, starting with a letter.
    static func isPropertyName(_ name: String) -> Bool {
        guard let first = name.first, first.isASCII, first.isLowercase else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }
    }

    private func checkDescending(_ steps: [Threshold], _ key: String, _ problems: inout [ConfigurationProblem]) {
        var previous = Int64.max
        for (i, step) in steps.enumerated() {
            if step.above >= previous {
                problems.append(
                    .init(key: "\(key)[\(i)].above", message: "steps must go from the highest value down (\(step.above) after \(previous))")
                )
            }
            if step.points < 0 { problems.append(.init(key: "\(key)[\(i)].points", message: "must not be negative (is \(step.points))")) }
            previous = step.above
        }
    }

    /// A short stable fingerprint of the effective configuration, stored with every scoring run.
    public var fingerprint: String {
        StableHash.hex(canonicalJSON).prefix(16).description
    }

    /// The fingerprint of this configuration scoring with `model` (its `model` key only picks the default): what a
    /// warehouse script generated for that model carries, and what an import of its scores is checked against.
    public func fingerprint(scoring model: ScoringModel) -> String {
        var c = self
        c.model = model
        return c.fingerprint
    }

    /// The configuration as canonical JSON (sorted keys, snake_case): what the fingerprint hashes.
    public var canonicalJSON: String {
        ConfigurationCoding.canonicalJSON(of: self)
    }
}

extension BrieferConfiguration {
    /// The impossible values of the selection and enrichment sections.
    func validateEnrichment() -> [ConfigurationProblem] {
        var problems: [ConfigurationProblem] = []
        func require(_ ok: Bool, _ key: String, _ message: String) {
            if !ok { problems.append(.init(key: key, message: message)) }
        }
        func range(_ value: Int, _ bounds: ClosedRange<Int>, _ key: String) {
            require(bounds.contains(value), key, "must be between \(bounds.lowerBound) and \(bounds.upperBound) (is \(value))")
        }
        range(selection.maxPerDay, 0...1_000_000, "selection.max_per_day")
        range(serve.cycleIntervalSeconds, 10...86_400, "serve.cycle_interval_seconds")
        range(serve.triggerDelaySeconds, 0...600, "serve.trigger_delay_seconds")
        // Scores never need raw events (they read the daily aggregates), but `explain` recomputes the windows before
        // the as-of time from them: retention keeps at least the longest window either model looks back over.
        range(actions.owners.refreshAfterHours, 1...8760, "actions.owners.refresh_after_hours")
        range(actions.tasks.slaHours, 0...720, "actions.tasks.sla_hours")
        range(actions.coolDownHours, 0...8760, "actions.cool_down_hours")
        range(actions.dailyCap, 0...100_000, "actions.daily_cap")
        range(actions.briefingWaitMinutes, 0...1440, "actions.briefing_wait_minutes")
        range(actions.searchLagSeconds, 0...600, "actions.search_lag_seconds")
        range(actions.companies.createWaitMinutes, 0...10_080, "actions.companies.create_wait_minutes")
        let feedback = actions.feedback
        require(
            feedback.property.wholeMatch(of: /[a-z][a-z0-9_]{0,99}/) != nil, "actions.feedback.property",
            "must be a HubSpot internal name: lower-case letters, digits and _ (is '\(feedback.property)')")
        require(
            !feedback.options.isEmpty && Set(feedback.options).count == feedback.options.count
                && feedback.options.allSatisfy { $0.wholeMatch(of: /[a-z0-9_]+/) != nil },
            "actions.feedback.options", "must be distinct values of lower-case letters, digits and _")
        require(
            Set(feedback.positive).isSubset(of: Set(feedback.options)), "actions.feedback.positive",
            "must name options of actions.feedback.options")
        let hook = actions.webhook.url.trimmedWhitespace
        require(
            hook.isEmpty || hook.hasPrefix("https://") || hook.hasPrefix("http://"), "actions.webhook.url",
            "must start with https:// or http:// (is '\(hook)')")
        require(
            ["LOW", "MEDIUM", "HIGH"].contains(actions.tasks.priority), "actions.tasks.priority",
            "must be LOW, MEDIUM or HIGH (is '\(actions.tasks.priority)')")
        require(
            ["TODO", "CALL", "EMAIL"].contains(actions.tasks.type), "actions.tasks.type",
            "must be TODO, CALL or EMAIL (is '\(actions.tasks.type)')")
        for (i, t) in actions.owners.territories.enumerated() {
            let key = "actions.owners.territories[\(i)]"
            require(!t.owner.trimmedWhitespace.isEmpty, key + ".owner", "must name an owner id")
            require(t.minEmployees >= 0, key + ".min_employees", "must not be negative (is \(t.minEmployees))")
            require(
                t.maxEmployees == 0 || t.maxEmployees >= t.minEmployees, key + ".max_employees",
                "must be 0 (no upper bound) or at least min_employees (is \(t.maxEmployees))")
        }
        for (i, owner) in actions.owners.roundRobin.enumerated() {
            require(!owner.trimmedWhitespace.isEmpty, "actions.owners.round_robin[\(i)]", "must name an owner id")
        }
        let longest = ScoringModel.allCases.map { ScoringContext.lookbackDays(self, model: $0) }.max() ?? 0
        require(
            retention.rawEventDays == 0 || (longest...36_500).contains(retention.rawEventDays), "retention.raw_event_days",
            "must be 0 (keep every raw event) or between \(longest), the longest look-back window, and 36500 (is \(retention.rawEventDays))"
        )
        range(backtest.horizonDays, 1...3650, "backtest.horizon_days")
        range(backtest.capacityWeeks, 1...52, "backtest.capacity_weeks")
        for (i, plan) in backtest.freePlans.enumerated() {
            require(!plan.trimmedWhitespace.isEmpty, "backtest.free_plans[\(i)]", "must name a plan")
        }
        range(selection.refreshAfterHours, 0...87_600, "selection.refresh_after_hours")
        let e = enrichment
        require(
            e.baseUrl.hasPrefix("http://") || e.baseUrl.hasPrefix("https://"), "enrichment.base_url",
            "must start with http:// or https:// (is '\(e.baseUrl)')")
        require(!e.model.isEmpty, "enrichment.model", "must name a model")
        for (i, m) in e.fallbackModels.enumerated() { require(!m.isEmpty, "enrichment.fallback_models[\(i)]", "must name a model") }
        require((0...2).contains(e.temperature), "enrichment.temperature", "must be between 0 and 2 (is \(e.temperature))")
        range(e.maxTokens, 16...100_000, "enrichment.max_tokens")
        range(e.connectTimeoutSeconds, 1...300, "enrichment.connect_timeout_seconds")
        range(e.requestTimeoutSeconds, 1...3600, "enrichment.request_timeout_seconds")
        range(e.maxRetries, 0...10, "enrichment.max_retries")
        range(e.maxRetryAfterSeconds, 0...3600, "enrichment.max_retry_after_seconds")
        range(e.concurrency, 1...256, "enrichment.concurrency")
        range(e.requestsPerMinute, 0...1_000_000, "enrichment.requests_per_minute")
        range(e.tokensPerMinute, 0...1_000_000_000, "enrichment.tokens_per_minute")
        range(e.maxAttempts, 1...10, "enrichment.max_attempts")
        range(e.leaseSeconds, 10...86_400, "enrichment.lease_seconds")
        range(e.tokenBudgetPerAccount, 0...10_000_000, "enrichment.token_budget_per_account")
        require(
            e.dailySpendCapUsd >= 0 && e.dailySpendCapUsd <= 1_000_000, "enrichment.daily_spend_cap_usd",
            "must be between 0 and 1000000 (is \(e.dailySpendCapUsd))")
        for (i, p) in e.prices.enumerated() {
            let key = "enrichment.prices[\(i)]"
            require(!p.model.isEmpty, key + ".model", "must name a model")
            require(p.inputPerMillion >= 0 && p.inputPerMillion <= 10_000, key + ".input_per_million", "must be between 0 and 10000")
            require(p.outputPerMillion >= 0 && p.outputPerMillion <= 10_000, key + ".output_per_million", "must be between 0 and 10000")
        }
        for (i, d) in e.detailProperties.enumerated() {
            require(!d.event.isEmpty, "enrichment.detail_properties[\(i)].event", "must name an event")
            require(!d.property.isEmpty, "enrichment.detail_properties[\(i)].property", "must name a property")
        }
        require(
            Self.isPropertyName(crm.groupName), "crm.group_name",
            "must be lowercase letters, digits and underscores, starting with a letter (is '\(crm.groupName)')")
        require(!crm.groupLabel.allSatisfy(\.isWhitespace), "crm.group_label", "must not be empty")
        range(crm.maxContactsPerAccount, 1...10_000, "crm.max_contacts_per_account")
        for (i, entry) in crm.doNotContact.enumerated() {
            require(
                entry.contains("@") && entry.contains("."), "crm.do_not_contact[\(i)]", "'\(entry)' is neither an email address nor @domain"
            )
        }
        require(crm.createTiers.count == Set(crm.createTiers).count, "crm.create_tiers", "names a tier twice")
        require(!crm.outDir.allSatisfy(\.isWhitespace), "crm.out_dir", "must name a directory")
        require(
            crm.baseUrl.hasPrefix("http://") || crm.baseUrl.hasPrefix("https://"), "crm.base_url",
            "must start with http:// or https:// (is '\(crm.baseUrl)')")
        range(crm.batchSize, 1...100, "crm.batch_size")
        range(crm.requestsPerWindow, 1...100_000, "crm.requests_per_window")
        range(crm.windowSeconds, 1...86_400, "crm.window_seconds")
        range(crm.connectTimeoutSeconds, 1...300, "crm.connect_timeout_seconds")
        range(crm.requestTimeoutSeconds, 1...3600, "crm.request_timeout_seconds")
        range(crm.maxRetries, 0...10, "crm.max_retries")
        range(crm.maxRetryAfterSeconds, 0...3600, "crm.max_retry_after_seconds")
        range(crm.recheckMissingAfterHours, 0...87_600, "crm.recheck_missing_after_hours")
        var seenNames: Set<String> = []
        for (i, p) in crm.propertyNames.enumerated() {
            let key = "crm.property_names[\(i)]"
            require(
                CRMProperty(rawValue: p.property) != nil, key + ".property",
                "'\(p.property)' is not a Briefer property; known: \(CRMProperty.allCases.map(\.rawValue).joined(separator: ", "))")
            require(
                Self.isPropertyName(p.name), key + ".name",
                "must be lowercase letters, digits and underscores, starting with a letter (is '\(p.name)')")
            require(seenNames.insert(p.name).inserted, key + ".name", "'\(p.name)' is given to two properties")
        }
        let b = e.briefing
        range(b.minFieldChars, 1...10_000, "enrichment.briefing.min_field_chars")
        range(b.maxFieldChars, 1...65_536, "enrichment.briefing.max_field_chars")
        require(
            b.maxFieldChars > b.minFieldChars, "enrichment.briefing.max_field_chars",
            "must be above min_field_chars (\(b.maxFieldChars) <= \(b.minFieldChars))")
        range(b.maxUntrustedChars, 8...10_000, "enrichment.briefing.max_untrusted_chars")
        range(b.duplicateSimilarityPercent, 1...100, "enrichment.briefing.duplicate_similarity_percent")
        for (i, p) in b.genericPhrases.enumerated() {
            require(!p.allSatisfy(\.isWhitespace), "enrichment.briefing.generic_phrases[\(i)]", "must not be empty")
        }
        for (i, t) in b.knownTerms.enumerated() {
            require(!t.allSatisfy(\.isWhitespace), "enrichment.briefing.known_terms[\(i)]", "must not be empty")
        }
        for (i, t) in b.productTerms.enumerated() {
            require(!t.allSatisfy(\.isWhitespace), "enrichment.briefing.product_terms[\(i)]", "must not be empty")
        }
        return problems
    }
}
