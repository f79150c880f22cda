extension BriefingValidator {
    /// **ungrounded_number**: the number words checked, like digits.
    public static let numberWords: [String: Int] = [
        "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
        "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
        "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    ]

    /// **ungrounded_number**: idioms in which a number word states no count; a number word inside one of
    /// these is not checked. ("someone", "anyone" are single words and never number words.) Counts said
    /// with "one" that are not idioms ("one active user", "only one integration") are still checked.
    public static let numberIdioms: [String] = [
        "no one", "any one", "every one", "each one", "the one", "this one", "that one", "which one", "one of",
        "one another", "one on one", "all in one", "day one", "number one", "one off", "one time", "one way",
        "two way", "one click", "one stop", "one place", "one point", "one hand", "one thing", "one sentence",
        "one size", "one by one",
    ]

    // MARK: Numbers

    /// The positions in `words` (lowercased) of number words inside a ``numberIdioms`` idiom ("one of").
    static func idiomaticPositions(in words: [String]) -> Set<Int> {
        var idiomatic: Set<Int> = []
        for idiom in idiomWords where idiom.count <= words.count {
            for start in 0...(words.count - idiom.count) where words[start..<(start + idiom.count)].elementsEqual(idiom) {
                for k in idiom.indices where numberWords[idiom[k]] != nil { idiomatic.insert(start + k) }
            }
        }
        return idiomatic
    }
}

// MARK: - Numbers in context

extension BriefingValidator {
    /// What a number counts, told by the noun after it ("9 active days", "three of the four activation
    /// steps") or before it ("a score of 93"). A number of a known kind must match one of the input's
    /// values of that kind; a number of no known kind, any value the input states or derives.
    enum NumberKind: String, CaseIterable, Sendable {
        case days, weeks, users, teammates, invitations, integrations, limits, features, tools, steps, uses, points,
             employees, kinds
    }

    /// How a number is said: exactly, or as a bound ("more than 50", "nearly 20", "about 40", "top 3").
    enum NumberBound: Sendable { case exact, above, atLeast, below, atMost, about, nearly }

    /// One number a field states, with what it counts and how.
    struct NumberMention: Sendable {
        var value: Int
        /// The number word as written, nil for digits.
        var word: String?
        var kind: NumberKind?
        var bound: NumberBound
        var isPercent: Bool
        /// Where it is, in the field's words.
        var position: Int
        /// "three times as many": a ratio of two input values, not a count.
        var isRatio = false
        /// Said of several things together ("three uses combined", "in total"): a sum of two counts.
        var isSum = false
        /// A date or a time (`2023-01-23 14:31`): the input states none.
        var isDate = false
        /// The input's usage item the count names, when the words after it name one (`core_feature_used`).
        var item: String?
    }

    /// Head nouns (stemmed) and the kind of count they name.
    static let kindNouns: [String: NumberKind] = [
        "day": .days, "week": .weeks, "fortnight": .weeks,
        "user": .users, "people": .employees, "person": .employees, "member": .users, "login": .uses,
        "teammate": .teammates, "colleague": .teammates,
        "invitation": .invitations, "invite": .invitations,
        "integration": .integrations, "connector": .integrations, "connection": .integrations,
        "limit": .limits, "cap": .limits, "quota": .limits, "ceiling": .limits,
        "feature": .features, "capability": .features, "capabilitie": .features, "module": .features, "area": .features,
        "tool": .tools, "step": .steps, "milestone": .steps, "activation": .steps,
        "time": .uses, "use": .uses, "usage": .uses, "session": .uses, "event": .uses, "action": .uses, "query": .uses,
        "querie": .uses, "run": .uses, "view": .uses, "visit": .uses, "export": .uses, "report": .uses, "hit": .uses,
        "attempt": .uses, "start": .uses, "click": .uses, "pageview": .uses, "project": .uses, "dashboard": .uses,
        "alert": .uses, "notebook": .uses, "checkout": .uses, "invitee": .invitations, "signup": .uses,
        "point": .points, "employee": .employees, "staff": .employees, "headcount": .employees, "worker": .employees,
        "kind": .kinds, "type": .kinds,
    ]

    /// Words between a number and its noun that do not change what it counts.
    static let numberModifiers: Set<String> = [
        "active", "distinct", "different", "separate", "unique", "total", "recorded", "logged", "more", "additional",
        "other", "new", "paid", "free", "plan", "product", "key", "core", "premium", "connected", "daily", "recent",
        "consecutive", "straight", "calendar", "known", "invited", "named", "listed", "completed", "missing", "open",
        "remaining", "outstanding", "pricing", "page", "checkout", "dashboard", "feature", "usage", "activation",
        "onboarding", "setup", "team", "full", "whole", "busy", "working", "inactive", "idle", "quiet", "of", "their",
        "its", "the", "his", "her", "our", "these", "those", "all", "separate", "individual", "unused", "main", "top",
        "most", "used", "heavily", "core", "sql", "api", "request", "runtime", "storage", "seat", "project", "report",
        "alert", "sent", "teammate", "member", "further", "extra", "straight", "successive",
    ]

    /// Words before a number that make it a bound.
    static let boundLeads: [(words: [String], bound: NumberBound)] = [
        (["more", "than"], .above), (["over"], .above), (["above"], .above), (["upwards", "of"], .above),
        (["north", "of"], .above), (["topped"], .above), (["topping"], .above), (["exceeded"], .above), (["exceeding"], .above),
        (["surpassed"], .above), (["passed"], .above),
        (["at", "least"], .atLeast), (["no", "fewer", "than"], .atLeast), (["no", "less", "than"], .atLeast),
        (["fewer", "than"], .below), (["less", "than"], .below), (["under"], .below), (["below"], .below),
        (["at", "most"], .atMost), (["up", "to"], .atMost), (["no", "more", "than"], .atMost), (["top"], .atMost),
        (["first"], .atMost), (["about"], .about), (["around"], .about), (["roughly"], .about),
        (["approximately"], .about), (["some"], .about), (["close", "to"], .nearly), (["nearly"], .nearly),
        (["almost"], .nearly), (["just", "under"], .nearly), (["just", "shy", "of"], .nearly),
    ]

    /// Tens, for number words above twenty ("forty", "twenty-five").
    static let tensWords: [String: Int] = [
        "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    ]

    /// The value of a number word (`seven`, `forty`), or nil.
    static func numberWordValue(_ word: String) -> Int? { numberWords[word] ?? tensWords[word] ?? (word == "hundred" ? 100 : nil) }

    /// Every number `words` (a field's words, personal data already masked) states, in context.
    ///
    /// Digit groups split by a thousands comma are one number (`3,900`); decimals, dates and times
    /// (`2.5`, `2026-11-20`, `14:31`), list markers and numbers inside `skipped` positions (a company name
    /// that contains a number word) are not numbers that state a fact; a date or time is one mention the
    /// input cannot ground. "A single" counts as 1 right before a noun of a known kind.
    static func numberMentions(in text: String, words: [Word], skipped: Set<Int>, items: NumberFacts? = nil) -> [NumberMention] {
        let chars = Array(text)
        let lower = words.map(\.text)
        let idiomatic = idiomaticPositions(in: lower)
        func between(_ a: Int, _ b: Int) -> String {
            guard a < words.count, b < words.count, words[a].range.upperBound <= words[b].range.lowerBound else { return "" }
            return String(chars[words[a].range.upperBound..<words[b].range.lowerBound])
        }
        // Words followed by punctuation: a number's noun is never past one.
        let stops = Set(words.indices.filter { k in k + 1 < words.count && between(k, k + 1).contains(where: { ",;:.()".contains($0) }) })
        var mentions: [NumberMention] = []
        var i = 0
        while i < words.count {
            defer { i += 1 }
            guard !skipped.contains(i), !idiomatic.contains(i) else { continue }
            let word = words[i].text
            var value: Int?
            var spoken: String?
            var last = i
            if word.allSatisfy(\.isNumber), word.allSatisfy(\.isASCII), let n = Int(word) {
                // 3,900: a thousands group after a comma.
                var number = n
                while last + 1 < words.count, between(last, last + 1) == ",", words[last + 1].text.count == 3,
                      words[last + 1].text.allSatisfy(\.isNumber), let group = Int(words[last + 1].text) {
                    number = number * 1000 + group
                    last += 1
                }
                let before = words[i].range.lowerBound > 0 ? chars[words[i].range.lowerBound - 1] : " "
                let afterIndex = words[last].range.upperBound
                let after = afterIndex < chars.count ? chars[afterIndex] : " "
                let afterNext = afterIndex + 1 < chars.count ? chars[afterIndex + 1] : " "
                // Dates and times (`2026-11-20`, `14:31:54`): the input states none, so a briefing that prints
                // one states a fact it cannot have; the whole run is one mention.
                if (after == "-" || after == ":" || after == "/") && afterNext.isNumber {
                    var end = last
                    while end + 1 < words.count, words[end + 1].text.allSatisfy(\.isNumber),
                          between(end, end + 1).count == 1, "-:/.".contains(between(end, end + 1)) { end += 1 }
                    let start = words[i].range.lowerBound, stop = words[end].range.upperBound
                    mentions.append(NumberMention(value: number, word: String(chars[start..<stop]), kind: nil, bound: .exact,
                                                  isPercent: false, position: i, isDate: true))
                    i = end
                    continue
                }
                // Decimals and version parts: `2.5` (a ratio or a share, not a count).
                if (before == "." || before == "-" || before == ":") && words[i].range.lowerBound >= 2
                    && chars[words[i].range.lowerBound - 2].isNumber { i = last; continue }
                if after == ".", afterNext.isNumber { i = last; continue }
                // A list marker (`3. ` opening the text or a sentence, `2) `): numbering, not a count.
                var k = words[i].range.lowerBound - 1
                while k >= 0, chars[k] == " " { k -= 1 }
                if (after == "." || after == ")") && (afterNext == " " || afterIndex + 1 >= chars.count)
                    && (k < 0 || ".!?:;".contains(chars[k])) { i = last; continue }
                value = number
            } else if let n = numberWordValue(word) {
                value = n
                spoken = word
                // twenty-five, twenty five
                if let tens = tensWords[word] ?? (word == "twenty" ? 20 : nil), last + 1 < words.count,
                   let unit = numberWords[words[last + 1].text], unit < 10, unit > 0, between(last, last + 1).allSatisfy({ $0 == "-" || $0 == " " }) {
                    value = tens + unit
                    spoken = word + "-" + words[last + 1].text
                    last += 1
                }
                // "a hundred", "one hundred"
            } else if word == "single" && i > 0 && words[i - 1].text == "a" {
                spoken = word
                value = 1
            }
            guard let number = value else { continue }
            let afterIndex = words[last].range.upperBound
            let isPercent = (afterIndex < chars.count && chars[afterIndex] == "%")
                || (last + 1 < words.count && ["percent", "per"].contains(words[last + 1].text))
            var bound = NumberBound.exact
            for lead in boundLeads where i >= lead.words.count {
                if lower[(i - lead.words.count)..<i].elementsEqual(lead.words) { bound = lead.bound; break }
            }
            // "50+" or "50 or more"
            if afterIndex < chars.count, chars[afterIndex] == "+" { bound = .atLeast }
            if last + 2 < words.count, lower[last + 1] == "or", ["more", "over", "above"].contains(lower[last + 2]) { bound = .atLeast }
            let kind = numberKind(after: last, before: i, in: lower, stopsAfter: stops)
            // "both"/"a single" state a count only right before a noun of a known kind ("both limits"),
            // not before a list ("both the seats and projects limits").
            if spoken == "both" || spoken == "single" {
                // "without a single integration" says none.
                if i >= 2, ["without", "not", "no", "never"].contains(lower[i - 2]) { continue }
                guard let kind, kind != .uses, last + 1 < words.count, kindNouns[stem(lower[last + 1])] != nil
                    || (last + 2 < words.count && numberModifiers.contains(lower[last + 1]) && kindNouns[stem(lower[last + 2])] != nil) else { continue }
            }
            // "its two most used features": the first few of a ranked list.
            if last + 1 < words.count, ["most", "top", "leading", "biggest", "largest"].contains(lower[last + 1]) { bound = .atMost }
            // "over 14 days", "over two weeks": a duration, not a bound.
            if bound == .above, kind == .days || kind == .weeks, i > 0, lower[i - 1] == "over" { bound = .exact }
            // "nearly three times its 33 dashboard views", "twice as many": a ratio of two values.
            if last + 2 < words.count, ["times", "fold"].contains(lower[last + 1]),
               ["as", "more", "its", "their", "the", "that", "higher", "larger", "bigger", "greater", "what", "over", "than", "fewer", "less"].contains(lower[last + 2]) {
                mentions.append(NumberMention(value: number, word: spoken, kind: nil, bound: bound, isPercent: false, position: i, isRatio: true))
                i = last + 1
                continue
            }
            let isSum = lower.contains { ["combined", "together", "total", "altogether", "between"].contains($0) }
            var mention = NumberMention(value: number, word: spoken, kind: kind, bound: bound, isPercent: isPercent, position: i, isSum: isSum)
            if kind == .uses, let facts = items {
                mention.item = countedItem(number: i, last: last, in: lower, stopsAfter: stops, facts.itemRoots)
            }
            mentions.append(mention)
            i = last
        }
        return mentions
    }

    /// Words that end the clause a count is read in: what follows them is another point ("the SQL
    /// editor three times and funnel building once").
    static let clauseBreaks: Set<String> = [
        "and", "or", "but", "while", "whereas", "which", "so", "than", "against", "versus", "vs", "compared", "plus",
        "although", "though", "yet", "then", "after", "before", "when", "since", "because",
    ]

    /// The one usage item of the input a count of uses names, read in its own clause: the compound up to
    /// its noun and what the noun is of ("60 core feature events", "27 uses of the SQL editor"), else what
    /// was used that many times ("ran forecasting 45 times"). Nil when none or several are named.
    static func countedItem(number: Int, last: Int, in words: [String], stopsAfter stops: Set<Int>,
                            _ items: [(name: String, roots: Set<String>)]) -> String? {
        func named(_ range: Range<Int>) -> [String] {
            let phrase = Set(words[range].map(root))
            return items.filter { $0.roots.isSubset(of: phrase) }.map(\.name)
        }
        // Forward: the compound up to the noun and what it is of, to the clause's end.
        var end = last + 1
        while end < words.count, end <= last + 6, !clauseBreaks.contains(words[end]) {
            end += 1
            if stops.contains(end - 1) { break }
        }
        let ahead = named((last + 1)..<end)
        if ahead.count == 1 { return ahead[0] }
        guard ahead.isEmpty else { return nil }
        // Backward: what was used that many times, within the clause.
        var start = number
        while start > 0, start > number - 6, !stops.contains(start - 1), !clauseBreaks.contains(words[start - 1]) { start -= 1 }
        let behind = named(start..<number)
        return behind.count == 1 ? behind[0] : nil
    }

    /// The kind of count a number at `position` (ending at `last`) states: the first noun of a known kind
    /// within a few words after it (past modifiers, "of the four", "out of 14"), else a noun just before it
    /// ("a score of 93", "teammates: 4").
    static func numberKind(after last: Int, before position: Int, in words: [String], stopsAfter: Set<Int> = []) -> NumberKind? {
        // "a score of 93", "a PQL score 100", "a headcount of 850"; "invited 5 teammates".
        var b = position - 1
        if b >= 0, ["invited", "invites", "inviting", "sent"].contains(words[b]) { return .invitations }
        if b >= 0, ["of", "at", "is", "was"].contains(words[b]) { b -= 1 }
        if b >= 0 {
            if ["score", "pql"].contains(words[b]) { return .points }
            if ["headcount", "size", "workforce"].contains(words[b]) { return .employees }
        }
        var k = last + 1
        var skipped = 0
        // The noun follows in the same phrase: punctuation ends the search ("a score of 72, the use case").
        if stopsAfter.contains(last) { return nil }
        while k < words.count, skipped < 5 {
            let word = words[k]
            if let kind = kindNouns[stem(word)] ?? kindNouns[word] {
                // A compound names what is counted by its last noun: "six limit-reached events", "four
                // plan-limit hits", "92 core feature events".
                var m = k + 1
                while m < words.count, m <= k + 2 {
                    if ["events", "event", "hits", "times", "views", "visits", "uses"].contains(words[m]) { return .uses }
                    // "two people invited", "seven colleagues invited this fortnight"
                    if words[m] == "invited", [.users, .employees, .teammates].contains(kind) { return .invitations }
                    guard ["reached", "related", "limit", "feature", "page", "plan", "premium", "core"].contains(words[m]) else { break }
                    m += 1
                }
                return kind
            }
            if numberWordValue(word) != nil || word.allSatisfy(\.isNumber) {
                // "three of the four activation steps": the kind of the number after "of".
                skipped += 1; k += 1; continue
            }
            guard numberModifiers.contains(word) || word == "out" || word == "last" || word == "past" || word == "previous",
                  !stopsAfter.contains(k) else { break }
            skipped += 1
            k += 1
        }
        return nil
    }

    /// Whether `mention` follows from the input (SPEC §5: its values, counts of its lists, the window in
    /// weeks, bounds that hold, simple ratios).
    ///
    /// `scope` is the scope the sentence states when it gives one count of the mention's kind: a count of
    /// limits or invitations "in the last 14 days" must be the window's, one said "ever" the lifetime's.
    static func follows(_ mention: NumberMention, _ facts: NumberFacts, scope: ClaimScope = .either) -> Bool {
        // A count of one named thing ("more than 60 core feature events", "eight pricing page visits") is
        // checked against that thing's counts.
        if let item = mention.item, let counts = facts.itemCounts[item], !mention.isSum {
            var specific = mention
            specific.item = nil
            return follows(specific, NumberFacts(values: counts, all: facts.all))
        }
        // A percentage is one count of the input in another ("50% of its users"), or a value it states.
        if mention.isDate { return false }
        if mention.isPercent { return (mention.kind != nil && facts.percentages.contains(mention.value)) || facts.all.contains(mention.value) }
        if mention.isRatio {
            // Some two values of the input (other than zero) stand in about this ratio.
            let values = facts.all.filter { $0 > 0 }
            return values.contains { a in values.contains { b in b < a && abs(a * 10 - b * mention.value * 10) <= b * mention.value * 3 } }
        }
        var values = mention.kind.map { facts.values(of: $0) } ?? facts.all
        if let kind = mention.kind, let scoped = facts.scoped[kind], scope != .either {
            values = scope == .window ? scoped.window : scoped.ever
        }
        if mention.isSum, mention.kind == .uses || mention.kind == nil { values.formUnion(facts.pairSums) }
        let v = mention.value
        switch mention.bound {
        case .exact: return values.contains(v)
        case .above: return values.contains { $0 > v }
        case .atLeast: return values.contains { $0 >= v }
        case .below: return values.contains { $0 < v }
        case .atMost: return values.contains { $0 >= v } || values.contains { $0 <= v && mention.kind == nil }
        case .about: return values.contains { abs($0 - v) * 10 <= max(v, 10) }
        case .nearly: return values.contains { $0 <= v && ($0 * 100 >= v * 80 || v - $0 <= 2) }
        }
    }

    /// The input's values by kind of count, for ``follows(_:_:)``.
    struct NumberFacts: Sendable {
        var byKind: [NumberKind: Set<Int>] = [:]
        /// Every value the input states or derives (any kind), for numbers said without a noun.
        var all: Set<Int> = []
        /// Percentages of one input count in another (rounded and truncated).
        var percentages: Set<Int> = []
        /// Sums of two counts of one list (for numbers said of things together).
        var pairSums: Set<Int> = []

        func values(of kind: NumberKind) -> Set<Int> { byKind[kind] ?? [] }

        /// Kinds the input counts in the window and ever (limits, invitations): each scope's values.
        var scoped: [NumberKind: (window: Set<Int>, ever: Set<Int>)] = [:]

        /// Each usage item's counts (in the window and ever), by name.
        var itemCounts: [String: Set<Int>] = [:]
        /// Each usage item's words, reduced to roots, to recognise it after a number.
        var itemRoots: [(name: String, roots: Set<String>)] = []

        /// Facts with only `values` for counts of uses (one item's), the rest as `all`.
        init(values: Set<Int>, all: Set<Int>) {
            byKind[.uses] = values
            self.all = all
        }

        init(input: PromptInput, numbersInStrings: Set<Int>) {
            let verbs: Set<String> = ["viewed", "used", "sent", "created", "connected", "reached", "started", "exported", "completed", "clicked", "run"]
            for usage in input.topFeatures + (input.topFeaturesEver ?? []) + input.recentEvents {
                itemCounts[usage.name, default: []].insert(usage.count)
                let roots = Set(BriefingValidator.words(in: usage.name).map(\.text).filter { !verbs.contains($0) }.map(BriefingValidator.root))
                if !roots.isEmpty, !itemRoots.contains(where: { $0.name == usage.name }) { itemRoots.append((usage.name, roots)) }
            }
            let reasons = input.reasons.compactMap(ReasonCode.init(parsing:))
            func detail(_ code: String) -> [Int] {
                reasons.filter { $0.code == code }.compactMap { r in r.detail.flatMap { Int($0.filter(\.isNumber)) } }
            }
            let window = input.windowDays
            let integrations = input.integrations.count
            let limits = [input.limitsHit.count, input.limitsHitEver?.count].compactMap { $0 }
            let features = [input.featureCount, input.featureCountEver, input.topFeatures.count, input.topFeaturesEver?.count].compactMap { $0 }
                + detail("features_used")
            let completed = input.completedActivations.count, missing = input.missingActivations.count
            // Counts of uses, and the totals of each list ("eight uses in 14 days against 27 ever").
            let lists = [input.topFeatures, input.topFeaturesEver ?? [], input.recentEvents].map { $0.map(\.count) }
            let usages = lists.flatMap { $0 } + lists.map { $0.reduce(0, +) }
            for list in lists { for a in list.indices { for b in list.indices where b > a { pairSums.insert(list[a] + list[b]) } } }
            let teammates = detail("team_active_users")
            let invitations = [input.invitedTeammates, input.invitedTeammatesEver].compactMap { $0 }
            let points = [input.score] + reasons.map { abs($0.points) }
            let users = [input.users, input.activeUsers, input.users - input.activeUsers] + teammates.map { $0 + 1 }
            byKind[.days] = Set([input.activeDays, window, window - input.activeDays] + detail("active_days") + detail("recency")
                + detail("inactive") + detail("decay") + (window % 7 == 0 ? [7] : []))
            byKind[.weeks] = Set(window % 7 == 0 ? [window / 7] : [])
            byKind[.users] = Set(users)
            byKind[.teammates] = Set(users + teammates + invitations)
            byKind[.invitations] = Set(invitations + [max(0, (input.invitedTeammatesEver ?? 0) - input.invitedTeammates)])
            if let everLimits = input.limitsHitEver?.count { scoped[.limits] = ([input.limitsHit.count], [everLimits]) }
            if let everInvitations = input.invitedTeammatesEver { scoped[.invitations] = ([input.invitedTeammates], [everInvitations]) }
            byKind[.integrations] = Set([integrations])
            byKind[.limits] = Set(limits)
            byKind[.features] = Set(features + [input.eventTypeCount].compactMap { $0 })
            byKind[.tools] = Set([input.techStack.count, integrations] + features)
            byKind[.steps] = Set([completed, missing, completed + missing])
            byKind[.uses] = Set(usages + invitations + [input.activeDays])
            byKind[.points] = Set(points)
            byKind[.employees] = Set([input.employeeCount].compactMap { $0 } + users)
            byKind[.kinds] = Set(features + [input.eventTypeCount].compactMap { $0 })
            // Said without a noun, a number must be one the input states, a count of one of its lists,
            // the window in weeks, or a total of uses: not a difference that only a noun could explain.
            var all = input.mentionedNumbers.union(numbersInStrings)
            all.formUnion([integrations, input.techStack.count, input.recentEvents.count, completed, missing, completed + missing]
                + limits + features + usages + invitations + points + (window % 7 == 0 ? [window / 7] : []))
            self.all = all
            // Ratios of the counts a sentence compares: active/known users, active days/window, steps.
            let pairs = [(input.activeUsers, input.users), (input.activeDays, window), (completed, completed + missing),
                         (input.invitedTeammates, input.invitedTeammatesEver ?? 0)]
            var percentages: Set<Int> = []
            for (a, b) in pairs where b > 0 && a <= b {
                percentages.insert(a * 100 / b)
                percentages.insert((a * 200 + b) / (2 * b))
            }
            self.percentages = percentages
        }
    }
}
