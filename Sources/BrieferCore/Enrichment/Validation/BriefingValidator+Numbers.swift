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

// MARK: - Ranks

extension BriefingValidator {
    /// Ordinals a rank is said with ("its second most used feature").
    static let ordinals: [String: Int] = [
        "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5,
    ]

    /// **ungrounded_number**: a feature's rank that its list does not give ("alerts, its second most used
    /// feature" when alerts are third; "X is its most used feature" when Y leads). Ties share the ranks they
    /// span. Read in the scope the sentence states (the window's list or the lifetime one), in either when
    /// it states none. Each finding is a detail naming the feature and its rank.
    static func rankErrors(_ words: [String], input: PromptInput, items: [(name: String, roots: Set<String>)], scope: ClaimScope)
        -> [String]
    {
        var found: [String] = []
        let lists = [(input.topFeatures, ClaimScope.window), (input.topFeaturesEver ?? [], .ever)].filter {
            !$0.0.isEmpty && (scope == .either || $0.1 == scope)
        }
        guard !lists.isEmpty else { return [] }
        for k in words.indices {
            // [ordinal] most used / most-used / top / leading / busiest … feature (singular: a rank, not the top few).
            var rank = 1, start = k
            if let ordinal = ordinals[words[k]] { rank = ordinal; start = k + 1 }
            guard start < words.count else { continue }
            var end = start
            if words[start] == "most", start + 1 < words.count, ["used", "popular", "frequent"].contains(words[start + 1]) {
                end = start + 2
            } else if ["top", "leading", "busiest", "biggest", "favourite", "favorite"].contains(words[start]) {
                end = start + 1
            } else {
                continue
            }
            guard rank > 1 || start == k, end < words.count, words[end] == "feature" else { continue }
            // The plain "most used" needs no ordinal, but an ordinal before it belongs to it.
            if rank == 1, k > 0, ordinals[words[k - 1]] != nil { continue }
            // The feature it is said of: the nearest named in the few words before, else right after ("the top
            // feature, alerts").
            func named(_ range: Range<Int>) -> [String] {
                let roots = Set(words[range].map(root))
                return items.filter { item in lists.contains { $0.0.contains { $0.name == item.name } } && item.roots.isSubset(of: roots) }
                    .map(\.name)
            }
            var candidates: [String] = []
            for distance in 1...5 where k - distance >= 0 {
                candidates = named((k - distance)..<k)
                if !candidates.isEmpty { break }
            }
            if candidates.isEmpty { candidates = named(min(words.count, end + 1)..<min(words.count, end + 4)) }
            guard candidates.count == 1, let name = candidates.first else { continue }
            let holds = lists.contains { list, _ in
                guard let count = list.first(where: { $0.name == name })?.count else { return false }
                let above = list.filter { $0.count > count }.count, tied = list.filter { $0.count >= count }.count
                return rank > above && rank <= tied
            }
            if !holds {
                let said = (rank > 1 ? words[k] + " " : "") + words[start...end].joined(separator: " ")
                let actual = lists.map { list, listScope -> String in
                    let count = list.first { $0.name == name }?.count ?? 0
                    let position = list.filter { $0.count > count }.count + 1
                    return "\(position)\(listScope == .window ? " in the last \(input.windowDays) days" : " ever")"
                }.joined(separator: ", ")
                found.append("calls \(name) its \"\(said)\", but it ranks \(actual)")
            }
        }
        return found
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
        /// "five more than": a difference of two values of the input.
        var isDifference = false
        /// A percentage or fraction said of something ("two-thirds of the six sent ever"), not of nothing ("grew 50%").
        var isShareOf = false
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
        "company": .employees, "firm": .employees, "organisation": .employees, "organization": .employees, "workforce": .employees,
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

    /// Fractions said in words ("three-quarters", "two thirds") and their denominators.
    static let fractionWords: [String: Int] = ["quarter": 4, "third": 3, "fifth": 5, "tenth": 10]

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
        /// The bound the words right before position `i` make ("more than", "nearly"), if any.
        func leadBound(_ i: Int) -> NumberBound? {
            boundLeads.first { i >= $0.words.count && lower[(i - $0.words.count)..<i].elementsEqual($0.words) }?.bound
        }
        func between(_ a: Int, _ b: Int) -> String {
            guard a < words.count, b < words.count, words[a].range.upperBound <= words[b].range.lowerBound else { return "" }
            return String(chars[words[a].range.upperBound..<words[b].range.lowerBound])
        }
        // Words followed by punctuation: a number's noun is never past one.
        let stops = punctuationStops(in: text, words: words)
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
                    words[last + 1].text.allSatisfy(\.isNumber), let group = Int(words[last + 1].text)
                {
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
                        between(end, end + 1).count == 1, "-:/.".contains(between(end, end + 1))
                    { end += 1 }
                    let start = words[i].range.lowerBound, stop = words[end].range.upperBound
                    mentions.append(
                        NumberMention(
                            value: number, word: String(chars[start..<stop]), kind: nil, bound: .exact,
                            isPercent: false, position: i, isDate: true))
                    i = end
                    continue
                }
                // Decimals and version parts: `2.5` (a ratio or a share, not a count).
                if (before == "." || before == "-" || before == ":") && words[i].range.lowerBound >= 2
                    && chars[words[i].range.lowerBound - 2].isNumber
                {
                    i = last; continue
                }
                if after == ".", afterNext.isNumber { i = last; continue }
                // A list marker (`3. ` opening the text or a sentence, `2) `): numbering, not a count.
                var k = words[i].range.lowerBound - 1
                while k >= 0, chars[k] == " " { k -= 1 }
                if (after == "." || after == ")") && (afterNext == " " || afterIndex + 1 >= chars.count)
                    && (k < 0 || ".!?:;".contains(chars[k]))
                {
                    i = last; continue
                }
                value = number
            } else if let n = numberWordValue(word) {
                value = n
                spoken = word
                // twenty-five, twenty five
                if let tens = tensWords[word] ?? (word == "twenty" ? 20 : nil), last + 1 < words.count,
                    let unit = numberWords[words[last + 1].text], unit < 10, unit > 0,
                    between(last, last + 1).allSatisfy({ $0 == "-" || $0 == " " })
                {
                    value = tens + unit
                    spoken = word + "-" + words[last + 1].text
                    last += 1
                }
                // "a hundred", "one hundred"
            } else if word == "both" {
                // "both limits", "both of its integrations": two (checked only before a noun of a known kind).
                spoken = word
                value = 2
            } else if word == "single" && i > 0 && words[i - 1].text == "a" {
                spoken = word
                value = 1
            } else if let multiple = ["twice": 2, "double": 2, "triple": 3, "treble": 3][word], i + 1 < words.count,
                ["as", "the", "that", "what", "its", "their"].contains(lower[i + 1])
            {
                // "twice as many", "nearly double the": a ratio of two values.
                mentions.append(
                    NumberMention(
                        value: multiple, word: word, kind: nil, bound: leadBound(i) ?? .exact, isPercent: false, position: i,
                        isRatio: true))
                continue
            } else if ["a", "an"].contains(word), i + 2 < words.count, fractionWords[stem(lower[i + 1])] != nil, lower[i + 2] == "of" {
                // "a third of the company", "a quarter of its uses": one part in so many.
                spoken = word
                value = 1
            } else if word == "half", i + 1 < words.count, ["of", "its", "the", "their", "all"].contains(lower[i + 1]) {
                // "half of its users", "over half the studio": a share of 50%.
                var half = NumberMention(
                    value: 50, word: word, kind: numberKind(after: i, before: i, in: lower, stopsAfter: stops),
                    bound: leadBound(i) ?? .about, isPercent: true, position: i)
                half.isShareOf = true
                mentions.append(half)
                continue
            }
            guard let number = value else { continue }
            // "three-quarters", "two thirds", "a third": a share, said as a fraction.
            if let denominator = last + 1 < words.count ? fractionWords[stem(lower[last + 1])] : nil, number < denominator {
                // (Said of a fraction, a bound with no give is "about": a third is rarely exact.)
                let bound = leadBound(i).map { $0 == .exact ? .about : $0 } ?? .about
                var fraction = NumberMention(
                    value: (number * 100 + denominator / 2) / denominator, word: (spoken ?? String(number)) + " " + lower[last + 1],
                    kind: numberKind(after: last + 1, before: i, in: lower, stopsAfter: stops), bound: bound,
                    isPercent: true, position: i)
                fraction.isShareOf = last + 2 < words.count && lower[last + 2] == "of"
                mentions.append(fraction)
                i = last + 1
                continue
            }
            let afterIndex = words[last].range.upperBound
            let isPercent =
                (afterIndex < chars.count && chars[afterIndex] == "%")
                || (last + 1 < words.count && ["percent", "per"].contains(words[last + 1].text))
            var bound = leadBound(i) ?? .exact
            // "50+" or "50 or more"
            if afterIndex < chars.count, chars[afterIndex] == "+" { bound = .atLeast }
            if last + 2 < words.count, lower[last + 1] == "or", ["more", "over", "above"].contains(lower[last + 2]) { bound = .atLeast }
            var kind = numberKind(after: last, before: i, in: lower, stopsAfter: stops)
            // "three teammates in the last two weeks, six in total": the count before it gives the kind.
            if kind == nil, last + 1 < words.count,
                ["total", "all", "ever", "overall", "altogether"].contains(lower[last + 1])
                    || (last + 2 < words.count && lower[last + 1] == "in" && ["total", "all"].contains(lower[last + 2]))
            {
                // The nearest noun of a kind before it ("no invitations in the last two weeks, two ever").
                kind = lower[max(0, i - 12)..<i].reversed().lazy.compactMap { kindNouns[stem($0)] ?? kindNouns[$0] }
                    .first { $0 != .days && $0 != .weeks }
            }
            // "both"/"a single" state a count only right before a noun of a known kind ("both limits"),
            // not before a list ("both the seats and projects limits").
            if spoken == "both" || spoken == "single" {
                // "without a single integration" says none.
                if lower[max(0, i - 4)..<i].contains(where: { ["without", "not", "no", "never", "t"].contains($0) }) { continue }
                // "embedded analytics and reports …, with both features at 14 uses": both of the two just named.
                if spoken == "both", let facts = items {
                    let before = Set(lower[0..<i].map(root))
                    if facts.itemRoots.filter({ $0.roots.isSubset(of: before) }).count
                        + facts.listedNames.filter({ before.contains(root($0)) }).count >= 2
                    {
                        continue
                    }
                }
                guard let kind, kind != .uses, last + 1 < words.count,
                    kindNouns[stem(lower[last + 1])] != nil
                        || (last + 2 < words.count && numberModifiers.contains(lower[last + 1]) && kindNouns[stem(lower[last + 2])] != nil)
                        // "both of its integrations"
                        || (last + 3 < words.count && lower[last + 1] == "of" && ["its", "their", "the"].contains(lower[last + 2])
                            && kindNouns[stem(lower[last + 3])] != nil)
                else { continue }
            }
            // "its two most used features": the first few of a ranked list.
            if last + 1 < words.count, ["most", "top", "leading", "biggest", "largest"].contains(lower[last + 1]) { bound = .atMost }
            // "over 14 days", "over two weeks": a duration, not a bound.
            if bound == .above, kind == .days || kind == .weeks, i > 0, lower[i - 1] == "over" { bound = .exact }
            // "nearly three times its 33 dashboard views", "twice as many": a ratio of two values.
            // ("87 times over the past fortnight" and "six times, more than any other" are counts.)
            if last + 2 < words.count, ["times", "fold"].contains(lower[last + 1]), !stops.contains(last + 1),
                ["as", "more", "its", "their", "the", "that", "higher", "larger", "bigger", "greater", "what", "than", "fewer", "less"]
                    .contains(lower[last + 2])
            {
                mentions.append(
                    NumberMention(value: number, word: spoken, kind: nil, bound: bound, isPercent: false, position: i, isRatio: true))
                i = last + 1
                continue
            }
            // "five more views than exports": a difference of two values.
            if last + 1 < words.count, ["more", "fewer", "less", "extra"].contains(lower[last + 1]),
                lower[(last + 1)..<min(lower.count, last + 5)].contains("than")
            {
                mentions.append(
                    NumberMention(value: number, word: spoken, kind: nil, bound: bound, isPercent: false, position: i, isDifference: true))
                i = last
                continue
            }
            // "29 of its 62 feature uses": a part of a total, which may be several items' sum.
            let partitive =
                last + 2 < words.count && lower[last + 1] == "of"
                && (numberWordValue(lower[last + 2]) != nil
                    || lower[last + 2].allSatisfy(\.isNumber)
                    || (last + 3 < words.count && ["its", "the", "their", "all"].contains(lower[last + 2])
                        && (numberWordValue(lower[last + 3]) != nil || lower[last + 3].allSatisfy(\.isNumber))))
            let isSum =
                partitive || lower.contains { ["combined", "together", "total", "altogether", "between", "across"].contains($0) }
                || firstOccurrence(of: ["in", "all"], in: lower) != nil || firstOccurrence(of: ["make", "up"], in: lower) != nil
                || firstOccurrence(of: ["makes", "up"], in: lower) != nil || firstOccurrence(of: ["making", "up"], in: lower) != nil
            var mention = NumberMention(
                value: number, word: spoken, kind: kind, bound: bound, isPercent: isPercent, position: i, isSum: isSum)
            // "40% of its users": a share of something.
            mention.isShareOf = isPercent && last + 2 < words.count && ["of"].contains(lower[last + (lower[last + 1] == "percent" ? 2 : 1)])
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

    /// Words that tie a clause after a comma to the noun before it ("…, which has seen", "…, used").
    static let linkingWords: Set<String> = [
        "which", "that", "has", "have", "had", "seen", "saw", "used", "viewed", "run", "opened", "exported", "reaching",
        "logging", "logged", "clocking", "was", "were", "is", "are", "been", "getting", "got",
    ]

    /// The one usage item of the input a count of uses names, read in its own clause: the compound up to
    /// its noun and what the noun is of ("60 core feature events", "27 uses of the SQL editor"), else what
    /// was used that many times ("ran forecasting 45 times"). Nil when none or several are named.
    static func countedItem(
        number: Int, last: Int, in words: [String], stopsAfter stops: Set<Int>,
        _ items: [(name: String, roots: Set<String>)]
    ) -> String? {
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
        // "across forecasting and the data catalog": said of several items together.
        if words[(last + 1)..<end].contains(where: { ["across", "between", "combined", "together"].contains($0) }) { return nil }
        let ahead = named((last + 1)..<end)
        if ahead.count == 1 { return ahead[0] }
        guard ahead.isEmpty else { return nil }
        // Backward: what was used that many times, within the clause — or the noun a relative or
        // participle clause after a comma is about ("embedded analytics, which has seen 16 uses", "the SQL
        // editor, used 18 times").
        var start = number
        var crossed = false
        while start > 0, start > number - 8, numberWordValue(words[start - 1]) == nil, !words[start - 1].allSatisfy(\.isNumber) {
            let linking = start < number && words[start..<number].allSatisfy { linkingWords.contains($0) }
            if stops.contains(start - 1) || (clauseBreaks.contains(words[start - 1]) && !linkingWords.contains(words[start - 1])) {
                guard !crossed, linking, stops.contains(start - 1) else { break }
                crossed = true
            } else if linkingWords.contains(words[start - 1]), ["which", "that"].contains(words[start - 1]), !linking {
                break
            }
            start -= 1
        }
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
                    // "1,300 employees uses": a verb after people, not a compound.
                    if ["events", "event", "hits", "times", "views", "visits", "uses"].contains(words[m]),
                        ![.users, .employees, .teammates].contains(kind)
                    {
                        return .uses
                    }
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
                !stopsAfter.contains(k)
            else { break }
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
    ///
    /// `named` are the usage items the field names: a difference, a ratio or a sum said of them ("five more
    /// pricing page views than exports", "twice as many dashboards as reports", "24 uses between them") must
    /// hold between their counts, not between any two values of the input.
    ///
    /// `stated` are the other counts the field states ("54 core uses, more than twice the 21 logins"): a
    /// comparison may be between them too.
    static func follows(
        _ mention: NumberMention, _ facts: NumberFacts, scope: ClaimScope = .either, named: [String] = [],
        stated: [Int] = []
    ) -> Bool {
        // A count of one named thing ("more than 60 core feature events", "eight pricing page visits") is
        // checked against that thing's counts, in the scope its sentence states.
        if let item = mention.item, let counts = facts.itemCounts[item], !mention.isSum {
            var specific = mention
            specific.item = nil
            let scoped = scope == .window ? facts.itemWindow[item] : scope == .ever ? facts.itemEver[item] : nil
            return follows(specific, NumberFacts(values: scoped.map { $0.isEmpty ? counts : $0 } ?? counts, all: facts.all))
        }
        // The counts of the named items, in scope (a window count and a lifetime count are never mixed).
        // One named item is compared with the others of its list ("nearly twice the next feature").
        let namedCounts: [[Int]]
        if named.count >= 2 {
            namedCounts = [
                scope == .ever ? [] : named.compactMap { facts.itemWindowCount[$0] } + stated,
                scope == .window ? [] : named.compactMap { facts.itemEverCount[$0] } + stated,
            ].filter { $0.count >= 2 }
        } else if let item = named.first {
            namedCounts = facts.usageLists.filter { $0.counts[item] != nil && (scope == .either || $0.scope == scope) }
                .map { Array($0.counts.values) + stated }
        } else {
            namedCounts = []
        }
        // A percentage is one count of the input in another ("50% of its users"), or a value it states.
        if mention.isDate { return false }
        if mention.isPercent {
            // Of what, when said ("40% of its users", "a third of the company"): that count's shares only; a
            // share of uses when the field names the items (theirs only).
            var percent = mention
            percent.isPercent = false
            percent.kind = nil
            let base: Set<Int>
            if let kind = mention.kind, kind != .uses, let shares = facts.percentBases[kind] {
                base = shares
            } else if mention.kind == .uses {
                base = named.isEmpty ? facts.percentBases[.uses] ?? [] : facts.shares(of: named, scope: scope)
            } else if !named.isEmpty {
                base = facts.shares(of: named, scope: scope).union(facts.percentages)
            } else if mention.kind != nil || mention.isShareOf {
                base = facts.percentages.union(facts.all)
            } else {
                // Of nothing said ("grew 50%"): only a value the input states.
                base = facts.all
            }
            return follows(percent, NumberFacts(values: [], all: base))
        }
        if mention.isDifference {
            if !namedCounts.isEmpty {
                return namedCounts.contains { list in list.contains { a in list.contains { b in a - b == mention.value } } }
            }
            let values = facts.all
            return values.contains { a in values.contains { b in a > b && a - b == mention.value } }
        }
        if mention.isRatio {
            // Two values of the input (other than zero) stand in about this ratio: the named items' when the
            // field names two or more.
            func holds(_ a: Int, _ b: Int) -> Bool {
                let n = mention.value
                switch mention.bound {
                case .above, .atLeast: return a > b * n || (mention.bound == .atLeast && a == b * n)
                case .below, .atMost: return a < b * n || (mention.bound == .atMost && a == b * n)
                case .nearly: return a <= b * n && a * 10 >= b * n * 8
                case .exact, .about: return abs(a * 100 - b * n * 100) <= b * n * 15
                }
            }
            if !namedCounts.isEmpty {
                return namedCounts.contains { list in list.contains { a in list.contains { b in b > 0 && a > b && holds(a, b) } } }
            }
            let values = facts.all.filter { $0 > 0 }
            return values.contains { a in values.contains { b in b < a && abs(a * 10 - b * mention.value * 10) <= b * mention.value * 3 } }
        }
        if mention.isSum, !namedCounts.isEmpty, mention.kind == .uses || mention.kind == nil {
            // Said of the named items together: a sum of some of their counts, in one scope.
            var sums: Set<Int> = []
            for list in namedCounts {
                for mask in 1..<(1 << min(list.count, 8)) where mask & (mask - 1) != 0 {
                    sums.insert(list.indices.filter { mask & (1 << $0) != 0 }.map { list[$0] }.reduce(0, +))
                }
            }
            var plain = mention
            plain.isSum = false
            plain.kind = nil
            return follows(plain, NumberFacts(values: [], all: sums.union(facts.all)))
        }
        var values = mention.kind.map { facts.values(of: $0) } ?? facts.all
        if let kind = mention.kind, let scoped = facts.scoped[kind], scope != .either {
            values = scope == .window ? scoped.window : scoped.ever
        }
        if mention.isSum, mention.kind == .uses || mention.kind == nil {
            values.formUnion(facts.pairSums)
            values.formUnion(facts.leadingSums)
        }
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
        /// Sums of a ranked list's first items ("its top three features make up 39 uses").
        var leadingSums: Set<Int> = []

        func values(of kind: NumberKind) -> Set<Int> { byKind[kind] ?? [] }

        /// Kinds the input counts in the window and ever (limits, invitations): each scope's values.
        var scoped: [NumberKind: (window: Set<Int>, ever: Set<Int>)] = [:]
        /// The top user's active days and the window's other days, when the reasons give them.
        var topUserDays: Set<Int>?
        /// One-word names of the input's limits, integrations and tools ("seats", "hubspot"), for "both" said of two
        /// just named.
        var listedNames: [String] = []

        /// Each usage item's counts (in the window and ever), by name.
        var itemCounts: [String: Set<Int>] = [:]
        /// Each usage item's count in the window and ever (events are counted in the window only).
        var itemWindow: [String: Set<Int>] = [:], itemEver: [String: Set<Int>] = [:]
        var itemWindowCount: [String: Int] = [:], itemEverCount: [String: Int] = [:]
        /// Percentages of one count in another, by what they are a share of ("of its users", "of the company").
        var percentBases: [NumberKind: Set<Int>] = [:]
        /// The usage lists (features in the window, ever, events in the window): counts by item, total, scope.
        var usageLists: [(counts: [String: Int], total: Int, scope: ClaimScope)] = []

        /// The shares the named items have, in `scope`: of their list's total (one item or several together),
        /// and an item's window count of its lifetime count.
        func shares(of named: [String], scope: ClaimScope) -> Set<Int> {
            var shares: Set<Int> = []
            func add(_ part: Int, _ whole: Int) {
                guard whole > 0, part <= whole else { return }
                shares.formUnion([part * 100 / whole, (part * 200 + whole) / (2 * whole)])
            }
            for list in usageLists where scope == .either || list.scope == scope {
                let counts = named.compactMap { list.counts[$0] }
                for mask in 1..<(1 << min(counts.count, 6)) {
                    add(counts.indices.filter { mask & (1 << $0) != 0 }.map { counts[$0] }.reduce(0, +), list.total)
                }
            }
            // "28 is over 40 percent of its 63 lifetime uses" compares the scopes.
            if scope == .either { for name in named { if let w = itemWindowCount[name], let e = itemEverCount[name] { add(w, e) } } }
            return shares
        }
        /// Each usage item's words, reduced to roots, to recognise it after a number.
        var itemRoots: [(name: String, roots: Set<String>)] = []

        /// Facts with only `values` for counts of uses (one item's), the rest as `all`.
        init(values: Set<Int>, all: Set<Int>) {
            byKind[.uses] = values
            self.all = all
        }

        init(input: PromptInput, numbersInStrings: Set<Int>) {
            let verbs: Set<String> = [
                "viewed", "used", "sent", "created", "connected", "reached", "started", "exported", "completed", "clicked", "run",
            ]
            for usage in input.topFeatures + input.recentEvents {
                itemWindow[usage.name, default: []].insert(usage.count)
                itemWindowCount[usage.name] = max(itemWindowCount[usage.name] ?? 0, usage.count)
            }
            for usage in input.topFeaturesEver ?? [] {
                itemEver[usage.name, default: []].insert(usage.count)
                itemEverCount[usage.name] = max(itemEverCount[usage.name] ?? 0, usage.count)
            }
            for usage in input.topFeatures + (input.topFeaturesEver ?? []) + input.recentEvents {
                itemCounts[usage.name, default: []].insert(usage.count)
                let roots = Set(
                    BriefingValidator.words(in: usage.name).map(\.text).filter { !verbs.contains($0) }.map(BriefingValidator.root))
                if !roots.isEmpty, !itemRoots.contains(where: { $0.name == usage.name }) { itemRoots.append((usage.name, roots)) }
            }
            let reasons = input.reasons.compactMap(ReasonCode.init(parsing:))
            func detail(_ code: String) -> [Int] {
                reasons.filter { $0.code == code }.compactMap { r in r.detail.flatMap { Int($0.filter(\.isNumber)) } }
            }
            let window = input.windowDays
            let integrations = input.integrations.count
            let limits = [input.limitsHit.count, input.limitsHitEver?.count].compactMap { $0 }
            let features =
                [input.featureCount, input.featureCountEver, input.topFeatures.count, input.topFeaturesEver?.count].compactMap { $0 }
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
            byKind[.days] = Set(
                [input.activeDays, window, window - input.activeDays] + detail("active_days") + detail("recency")
                    + detail("inactive") + detail("decay") + (window % 7 == 0 ? [7] : []))
            byKind[.weeks] = Set(window % 7 == 0 ? [window / 7] : [])
            listedNames = (input.limitsHit + (input.limitsHitEver ?? []) + input.integrations + input.techStack)
                .flatMap { BriefingValidator.words(in: $0).map(\.text) }.filter { $0.count > 2 }
            if let days = detail("active_days").first { topUserDays = Set([days, window, window - days] + (window % 7 == 0 ? [7] : [])) }
            byKind[.users] = Set(users)
            byKind[.teammates] = Set(users + teammates + invitations)
            byKind[.invitations] = Set(invitations + [max(0, (input.invitedTeammatesEver ?? 0) - input.invitedTeammates)])
            if let everLimits = input.limitsHitEver?.count { scoped[.limits] = ([input.limitsHit.count], [everLimits]) }
            if let everInvitations = input.invitedTeammatesEver { scoped[.invitations] = ([input.invitedTeammates], [everInvitations]) }
            if input.topFeaturesEver != nil {
                // Counts of uses in the window (features, events) and ever (features), with their totals.
                let windowUses =
                    lists[0] + lists[2] + [lists[0].reduce(0, +), lists[2].reduce(0, +)] + [input.invitedTeammates, input.activeDays]
                let everUses = lists[1] + [lists[1].reduce(0, +)] + invitations
                scoped[.uses] = (Set(windowUses), Set(everUses))
            }
            if let everFeatures = input.featureCountEver, let windowFeatures = input.featureCount {
                scoped[.features] = (
                    Set([windowFeatures, input.topFeatures.count]), Set([everFeatures] + (input.topFeaturesEver.map { [$0.count] } ?? []))
                )
            }
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
            all.formUnion(
                [integrations, input.techStack.count, input.recentEvents.count, completed, missing, completed + missing]
                    + limits + features + usages + invitations + points + (window % 7 == 0 ? [window / 7] : []))
            self.all = all
            // Ratios of the counts a sentence compares: active/known users, active days/window, steps.
            // Each share, by what it is a share of: users active, the company's people, the window's days,
            // activation steps, invitations, and uses (an item of its list's total or of its lifetime count).
            var pairs: [(base: NumberKind, part: Int, whole: Int)] = [
                (.users, input.activeUsers, input.users), (.days, input.activeDays, window), (.steps, completed, completed + missing),
                (.invitations, input.invitedTeammates, input.invitedTeammatesEver ?? 0),
            ]
            if let employees = input.employeeCount {
                pairs += [(.employees, input.activeUsers, employees), (.employees, input.users, employees)]
            }
            pairs += detail("active_days").map { (.days, min($0, window), window) }
            if let windowFeatures = input.featureCount, let everFeatures = input.featureCountEver {
                pairs.append((.features, windowFeatures, everFeatures))
            }
            for list in lists where !list.isEmpty {
                let total = list.reduce(0, +)
                var running = 0
                for count in list {
                    running += count
                    pairs.append((.uses, count, total))
                    pairs.append((.uses, running, total))
                    leadingSums.insert(running)
                }
            }
            let ever = Dictionary((input.topFeaturesEver ?? []).map { ($0.name, $0.count) }, uniquingKeysWith: max)
            for usage in input.topFeatures { if let lifetime = ever[usage.name] { pairs.append((.uses, usage.count, lifetime)) } }
            if lists[0].reduce(0, +) > 0, lists[1].reduce(0, +) > 0 { pairs.append((.uses, lists[0].reduce(0, +), lists[1].reduce(0, +))) }
            for (base, part, whole) in pairs where whole > 0 && part <= whole {
                let shares = [part * 100 / whole, (part * 200 + whole) / (2 * whole)]
                percentBases[base, default: []].formUnion(shares)
                // Said of nothing in particular, a share is one of the people, days, steps or invitations
                // (shares of uses are read with the items they are of).
                if base != .uses { percentages.formUnion(shares) }
            }
            usageLists = [(input.topFeatures, ClaimScope.window), (input.topFeaturesEver ?? [], .ever), (input.recentEvents, .window)]
                .filter { !$0.0.isEmpty }
                .map { (Dictionary($0.0.map { ($0.name, $0.count) }, uniquingKeysWith: max), $0.0.map(\.count).reduce(0, +), $0.1) }
            // Users and teammates are shares of the users; people are the company's employees.
            percentBases[.teammates] = percentBases[.users]
        }
    }
}
