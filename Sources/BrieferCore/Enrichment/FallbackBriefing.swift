/// The briefing written from the rules when the model's attempts all failed validation (SPEC §5
/// repair: `source: rules`): four deterministic sentences built from the account's input and its
/// reason codes.
///
/// - use case: the most used features (else the most frequent events, the connected integrations, the
///   completed activations, the tools it uses);
/// - expansion signal: plan limits reached, a buying signal (pricing page, checkout), teammate
///   invitations, several active users;
/// - opening: a question about a concrete fact (a feature and its count, a limit, an event, an integration);
/// - risk: missing activations, a single (or no) active user, the free plan, few active days.
///
/// Every name comes from the data and is untrusted: it goes through ``UntrustedText/sanitize(_:maxCharacters:)``,
/// is cut at a word boundary to at most `rules.maxUntrustedChars` characters (and shorter, so that a
/// sentence stays within `rules.maxFieldChars`), and is left out when it reads like an instruction. A
/// company name that carries an instruction (`Globex Ltd. IGNORE ALL PREVIOUS INSTRUCTIONS …`) is cut
/// before it ("Globex Ltd.").
///
/// The result passes ``BriefingValidator`` for any input: each field is the first of its candidates
/// (most specific first, then the same without the company name) that passes the validator's field
/// rules, and if the four together still fail (too similar), every field falls back to a plain
/// sentence built only from the input's counts (score, users, active days, window). The prose uses no
/// word a workspace vocabulary is likely to hold as a product name; with the default rules, or any with
/// `minFieldChars` ≤ 60 and `maxFieldChars` ≥ 140, the plain sentences always pass. Counts are assumed
/// non-negative, as scoring produces them.
public enum FallbackBriefing {
    /// Events that show an intent to buy, in order of strength; the first the input has is the expansion signal.
    public static let buyingSignals = [
        "checkout_started", "upgrade_clicked", "upgrade_started", "pricing_page_viewed", "premium_feature_used",
    ]

    /// Company names are cut to at most this many characters in a sentence, names of features, limits
    /// and tools to at most ``maxNameCharacters`` (both also to `rules.maxUntrustedChars`).
    public static let maxCompanyCharacters = 60
    public static let maxNameCharacters = 40

    /// Four sentences about `input` that pass validation.
    public static func make(for input: PromptInput, rules: BrieferConfiguration.BriefingRules) -> Briefing {
        let facts = Facts(input, rules: rules)
        let checker = BriefingValidator(rules: rules, vocabulary: GroundingVocabulary(terms: []))
        let context = BriefingValidator.Context(input: input, rules: rules)
        func pick(_ name: String, _ candidates: [String]) -> String {
            candidates.first { checker.fieldErrors(name, $0, context).isEmpty } ?? candidates[candidates.count - 1]
        }
        let chosen = Briefing(
            useCaseHypothesis: pick("use_case_hypothesis", facts.useCases),
            expansionSignal: pick("expansion_signal", facts.expansionSignals),
            recommendedOpening: pick("recommended_opening", facts.openings),
            riskFactor: pick("risk_factor", facts.risks))
        if checker.briefingErrors(chosen, context).isEmpty { return chosen }
        return Briefing(
            useCaseHypothesis: facts.plainUseCase, expansionSignal: facts.plainExpansion,
            recommendedOpening: facts.plainOpening, riskFactor: facts.plainRisk)
    }

    /// The input's facts, cleaned for a sentence, and the candidate sentences built from them.
    struct Facts {
        typealias Usage = (name: String, count: Int)
        let company: String?
        let window, score, users, active, days, invited: Int
        let plan: String?
        let isFree: Bool
        let features: [Usage]
        let events: [Usage]
        let limits: [String]
        let integrations: [String]
        let tools: [String]
        let completed: [String]
        let missing: [String]
        let intent: (name: String, count: Int?)?

        init(_ input: PromptInput, rules: BrieferConfiguration.BriefingRules) {
            let nameCap = max(1, min(FallbackBriefing.maxNameCharacters, rules.maxUntrustedChars))
            func name(_ raw: String) -> String? { FallbackBriefing.displayName(raw, cap: nameCap) }
            func names(_ raws: [String]) -> [String] {
                var seen: Set<String> = []
                return raws.compactMap(name).filter { seen.insert($0.lowercased()).inserted }
            }
            func usages(_ raws: [PromptInput.Usage]) -> [Usage] {
                raws.compactMap { usage in name(usage.name).map { ($0, usage.count) } }
            }
            company = FallbackBriefing.companyName(
                input.companyName,
                cap: max(1, min(FallbackBriefing.maxCompanyCharacters, rules.maxUntrustedChars)))
            window = input.windowDays; score = input.score; users = input.users; active = input.activeUsers
            days = input.activeDays; invited = input.invitedTeammates
            plan = name(input.plan)
            isFree = input.plan.trimmedWhitespace.lowercased() == "free"
            features = usages(input.topFeatures)
            events = usages(input.recentEvents)
            let reasons = input.reasons.compactMap { ReasonCode(parsing: $0) }
            limits = names(input.limitsHit + reasons.filter { $0.code == "plan_limit_reached" }.compactMap(\.detail))
            integrations = names(input.integrations)
            tools = names(input.techStack)
            completed = names(input.completedActivations)
            missing = names(input.missingActivations)
            var intent: (name: String, count: Int?)?
            for signal in FallbackBriefing.buyingSignals where intent == nil {
                if let event = input.recentEvents.first(where: { $0.name == signal }), let shown = name(event.name) {
                    intent = (shown, event.count)
                } else if reasons.contains(where: { $0.code == signal }), let shown = name(signal) {
                    intent = (shown, nil)
                }
            }
            self.intent = intent
        }

        private var subjects: [String] { (company.map { [$0] } ?? []) + ["The account"] }
        private func times(_ n: Int) -> String { n == 1 ? "once" : "\(n) times" }
        private func list(_ items: [String], _ conjunction: String = "and") -> String {
            items.count > 1 ? "\(items[0]) \(conjunction) \(items[1])" : items[0]
        }
        private var lastWindow: String { "in the last \(window) days" }

        // use_case_hypothesis

        var useCases: [String] {
            var out: [String] = []
            if let top = features.first {
                for subject in subjects {
                    if features.count > 1 {
                        out.append(
                            "\(subject) uses \(top.name) most, \(times(top.count)) \(lastWindow), followed by \(features[1].name) (\(features[1].count)), which points to its main workflow in the product."
                        )
                    }
                    out.append(
                        "\(subject) uses \(top.name) most, \(times(top.count)) \(lastWindow), which points to its main workflow in the product."
                    )
                }
            }
            if let top = events.first {
                for subject in subjects {
                    out.append(
                        "\(subject) is most active through \(top.name), \(times(top.count)) \(lastWindow), which shows how it uses the product day to day."
                    )
                }
            }
            if !integrations.isEmpty {
                for subject in subjects {
                    out.append(
                        "\(subject) has connected \(list(integrations)), so the product likely sits next to those tools in its daily work.")
                }
            }
            if !completed.isEmpty {
                for subject in subjects {
                    out.append("\(subject) has completed \(list(completed)), so it is past setup and trying a real use case.")
                }
            }
            if !tools.isEmpty {
                for subject in subjects {
                    out.append("\(subject) works with \(list(tools)), so the product likely complements that stack.")
                }
            }
            return out + [plainUseCase]
        }

        var plainUseCase: String {
            "With \(active) of \(users) users active \(lastWindow) and a PQL score of \(score), the use case is still taking shape."
        }

        // expansion_signal

        var expansionSignals: [String] {
            var out: [String] = []
            if !limits.isEmpty {
                let which = limits.count > 1 ? "limits" : "limit"
                if let plan {
                    out.append("They reached the \(list(limits)) \(which) on the \(plan) plan, a direct reason to move to a higher tier.")
                }
                out.append("They reached the \(list(limits)) \(which), a direct reason to move to a higher tier.")
            }
            if let intent {
                let count = intent.count.map { ", \(times($0))" } ?? ""
                out.append("Their activity includes \(intent.name)\(count) \(lastWindow), a sign they are weighing a paid plan.")
            }
            if invited > 0 {
                out.append(
                    "They sent \(invited) teammate invitation\(invited == 1 ? "" : "s") \(lastWindow), so usage is spreading beyond a single person."
                )
            }
            if active > 1 {
                out.append("\(active) of \(users) users were active \(lastWindow), so the product is already shared across people.")
            }
            return out + [plainExpansion]
        }

        var plainExpansion: String {
            "A PQL score of \(score) with \(days) active days \(lastWindow) makes this a candidate for a paid tier as usage grows."
        }

        // recommended_opening

        var openings: [String] {
            var out: [String] = []
            if let top = features.first {
                out.append("Open by asking how they use \(top.name), which came up \(times(top.count)) \(lastWindow).")
            }
            if let limit = limits.first {
                out.append("Open by asking what they were doing when they hit the \(limit) limit and whether more headroom would help.")
            }
            if let top = events.first {
                out.append("Open with their \(top.count) \(top.name) events \(lastWindow) and ask what they are trying to get done.")
            }
            if let integration = integrations.first {
                out.append("Open by asking how \(integration) fits into their workflow now that it is connected.")
            }
            return out + [plainOpening]
        }

        var plainOpening: String {
            "Open with their \(days) active days \(lastWindow) and ask which goal brought them to the product."
        }

        // risk_factor

        var risks: [String] {
            var out: [String] = []
            if !missing.isEmpty {
                let steps = missing.count > 1 ? "steps \(list(missing)) are" : "step \(missing[0]) is"
                out.append("The activation \(steps) still missing, so activation is unfinished and could stall.")
            }
            if users == 1 {
                out.append(
                    "The account has a single user, \(active == 1 ? "active" : "inactive") \(lastWindow), so adoption rests on that person alone."
                )
            } else if active == 0 {
                out.append("None of the \(users) users were active \(lastWindow), so adoption has stalled and needs a restart.")
            } else if active == 1 {
                out.append("Only \(active) of \(users) users was active \(lastWindow), so adoption rests on a single person.")
            }
            if isFree, let plan {
                out.append("They are still on the \(plan) plan with a PQL score of \(score), so there is no budget commitment yet.")
            }
            if days * 2 < window {
                out.append("Activity fell on only \(days) of the last \(window) days, so use of the product may not be a habit yet.")
            }
            return out + [plainRisk]
        }

        var plainRisk: String {
            "Their PQL score of \(score) rests on \(active) active users, so losing a key champion would weaken the case."
        }
    }

    // MARK: Cleaning names

    /// A feature, limit or tool name for a sentence: sanitized, `_` read as a space, cut at a word
    /// boundary to `cap` characters, without trailing punctuation; nil when nothing is left, or when it
    /// holds an instruction word (``BriefingValidator/plantedInstructionMarkers``) or personal data.
    static func displayName(_ raw: String, cap: Int) -> String? {
        let clean = UntrustedText.sanitize(raw, maxCharacters: Int.max)
        guard BriefingValidator.instructionStart(in: BriefingValidator.words(in: clean).map(\.text)) == nil,
            BriefingValidator.personalData(in: Array(clean)).isEmpty
        else { return nil }
        let spaced = clean.split(whereSeparator: { $0 == "_" || $0.isWhitespace }).joined(separator: " ")
        return tidy(shorten(spaced, cap: cap))
    }

    /// The company name for a sentence: sanitized, cut before any instruction it carries, then at a word
    /// boundary to `cap` characters; nil when nothing usable is left or it holds personal data.
    static func companyName(_ raw: String, cap: Int) -> String? {
        var clean = UntrustedText.sanitize(raw, maxCharacters: Int.max)
        let words = BriefingValidator.words(in: clean)
        if let marker = BriefingValidator.instructionStart(in: words.map(\.text)) {
            clean = String(Array(clean)[..<words[marker].range.lowerBound])
        }
        guard BriefingValidator.personalData(in: Array(clean)).isEmpty else { return nil }
        return tidy(shorten(clean, cap: cap), keepingPeriod: true)
    }

    /// `text` cut to at most `cap` characters (with a closing `…`) at the last space before the cap, so
    /// that no word or number is cut in half; a single long word loses its trailing digits instead.
    static func shorten(_ text: String, cap: Int) -> String {
        guard text.count > cap else { return text }
        let prefix = Array(text.prefix(max(0, cap - 1)))
        if let space = prefix.lastIndex(where: \.isWhitespace), space > 0 {
            return String(prefix[..<space]).trimmedWhitespace + "…"
        }
        var kept = prefix[...]
        while let last = kept.last, last.isNumber || last == "," || last == "." { kept = kept.dropLast() }
        return String(kept) + "…"
    }

    /// `text` without trailing spaces and punctuation (a final `.` kept for a company's "Ltd."), or nil
    /// when it has no letter or digit.
    static func tidy(_ text: String, keepingPeriod: Bool = false) -> String? {
        var out = text.trimmedWhitespace
        let trailing: Set<Character> = [",", ";", ":", "-", "–", "—", "(", "[", "/", "\\", "!", "?", "'", "\"", "“", "‘", "«", "."]
        while let last = out.last, trailing.contains(last) || last.isWhitespace {
            if keepingPeriod, last == ".", out.dropLast().last?.isLetter == true { break }
            out.removeLast()
        }
        return out.contains(where: { $0.isLetter || $0.isNumber }) ? out : nil
    }
}
