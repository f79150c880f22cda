/// **contradicts_input**: a claim or quantifier that the input's counts or lists contradict, with no
/// wrong number in it ("active on most of the last 14 days" with 1 active day; "has connected no
/// integrations" with two listed). The quantifiers mean what Fixtures/validator/RULINGS.md rules: "daily"
/// is every day of the window, "most" is more than half, "the whole team" is every known user active.
///
/// A claim is read in the scope its sentence states — the last N days ("recently", "this fortnight"),
/// or ever ("so far", "to date") — and a sentence that states none contradicts only what both scopes
/// contradict. Each finding's detail names the words and the fact they contradict.
extension BriefingValidator {
    /// Words that make a claim about people one about the company's employees, not its users ("a small
    /// fraction of the company", "a handful of the firm's staff").
    static let companyPeopleWords: Set<String> = [
        "company", "companies", "employee", "employees", "staff", "headcount", "firm", "studio", "organisation", "organization",
        "workforce",
    ]

    /// The scope a sentence states for its claims.
    enum ClaimScope { case window, ever, either }

    static func claimScope(_ words: [String]) -> ClaimScope {
        func has(_ phrase: [String]) -> Bool { firstOccurrence(of: phrase, in: words) != nil }
        let ever =
            ["ever", "lifetime"].contains(where: words.contains) || has(["so", "far"]) || has(["to", "date"]) || has(["all", "time"])
            || has(["since", "signup"]) || has(["since", "signing"]) || has(["since", "they", "signed"]) || has(["over", "time"])
            || has(["since", "joining"]) || has(["since", "they", "started"]) || has(["in", "their", "history"])
            || has(["in", "its", "history"])
            || ["previously", "earlier", "historically", "once", "overall", "prior"].contains(where: words.contains)
            || words.last == "before"
            // "past hits on the projects limit" (not "the past two weeks", "past 14 days").
            || words.indices.dropLast().contains {
                words[$0] == "past"
                    && !["two", "14", "fourteen", "fortnight", "week", "weeks", "few", "days", "month"].contains(words[$0 + 1])
            }
            || has(["in", "all"]) || has(["all", "told"])
            || has(["at", "some", "point"])
            || has(["in", "the", "past"])
                && !(has(["in", "the", "past", "two"]) || has(["in", "the", "past", "14"])
                    || has(["in", "the", "past", "fortnight"]) || has(["in", "the", "past", "week"])
                    || has(["in", "the", "past", "fourteen"]))
        // ("most recently" orders events; it does not scope a count.)
        let recently = words.indices.contains { words[$0] == "recently" && !($0 > 0 && words[$0 - 1] == "most") }
        let window =
            has(["last", "two", "weeks"]) || has(["past", "two", "weeks"]) || words.contains("fortnight") || recently
            || has(["in", "14", "days"]) || has(["in", "two", "weeks"]) || has(["in", "fourteen", "days"]) || has(["over", "14", "days"])
            || has(["over", "two", "weeks"])
            || words.contains("recent") || has(["this", "week"]) || has(["last", "14"]) || has(["past", "14"]) || has(["last", "fourteen"])
            || (words.contains("window") && !ever)
        if ever && !window { return .ever }
        if window && !ever { return .window }
        return .either
    }

    /// The claims of one field that the input contradicts, each as a detail for the repair request.
    func contradictions(_ wordList: [Word], _ context: Context) -> [String] {
        let words = wordList.map(\.text)
        let stemmed = words.map(Self.stem)
        let input = context.input
        let window = max(input.windowDays, 1)
        let scope = Self.claimScope(words)
        var found: [String] = []
        func at(_ phrase: [String]) -> Int? { Self.firstOccurrence(of: phrase, in: stemmed) }
        func has(_ phrases: [[String]]) -> [String]? { phrases.first { at($0) != nil } }
        func negated(before index: Int, within: Int = 4) -> Bool {
            words[max(0, index - within)..<index].contains {
                Self.negationWords.contains($0) || ["yet", "rather", "than", "instead", "unlike", "beyond"].contains($0)
            }
        }
        /// A claim said as a possibility or a plan ("would keep on a paid plan", "if they move to").
        func hypothetical(before index: Int) -> Bool {
            words[max(0, index - 4)..<index].contains {
                [
                    "would", "could", "might", "keep", "move", "moving", "upgrade", "upgrading", "switch", "switching", "going", "get",
                    "put", "land", "once", "if", "when", "to", "toward", "towards", "into", "need", "needs", "require", "requires", "want",
                    "wants", "ready", "consider", "considering", "justify", "worth",
                ].contains($0)
            }
        }
        let days = input.activeDays
        let topUserDays = input.reasons.compactMap(ReasonCode.init(parsing:)).first { $0.code == "active_days" }?.detail.flatMap { Int($0) }
        let bestDays = max(days, topUserDays ?? 0)

        // Activity over the window.
        let nearly = has([
            ["almost", "every", "day"], ["nearly", "every", "day"], ["almost", "daily"], ["nearly", "daily"], ["near", "daily"],
        ])
        if let phrase = nearly {
            if bestDays * 10 < window * 7 {
                found.append("says \"\(phrase.joined(separator: " "))\", but the account was active on \(days) of the last \(window) days")
            }
        } else if let phrase = has([
            ["every", "day"], ["each", "day"], ["daily"], ["every", "single", "day"], ["day", "in", "day", "out"],
        ]),
            let index = at(phrase), !negated(before: index, within: 4)
        {
            if bestDays < window {
                found.append(
                    "says \"\(phrase.joined(separator: " "))\", but the account was active on \(days) of the last \(window) days, not every day"
                )
            }
        }
        if let phrase = has([
            ["most", "day"], ["most", "of", "the", "last"], ["most", "of", "the", "past"], ["majority", "of", "the", "day"],
            ["most", "of", "the", "day"], ["most", "week"],
        ]) {
            if bestDays * 2 <= window {
                found.append(
                    "says \"\(phrase.joined(separator: " "))\", but the account was active on only \(days) of the last \(window) days")
            }
        }
        // "quiet for most of the last two weeks": inactive on more than half of the window.
        if let phrase = has([
            ["quiet", "for", "most"], ["inactive", "for", "most"], ["idle", "for", "most"], ["dormant", "for", "most"],
            ["quiet", "most", "day"], ["inactive", "on", "most"], ["inactive", "most", "day"],
        ]),
            days * 2 > window
        {
            found.append("says \"\(phrase.joined(separator: " "))\", but the account was active on \(days) of the last \(window) days")
        }
        let rare = ["rarely", "seldom", "barely", "hardly", "infrequently"]
        for index in words.indices where rare.contains(words[index]) {
            let next = words.dropFirst(index + 1).prefix(2)
            let general =
                next.contains {
                    [
                        "log", "logs", "logged", "logging", "active", "engage", "engages", "engaged", "login", "logins", "visit", "visits",
                        "touch", "touches", "open", "opens",
                    ].contains($0)
                }
                || (next.first.map { ["use", "uses", "used"].contains($0) } ?? false
                    && (index + 2 >= words.count || ["it", "the", "product"].contains(words[index + 2])))
            if general, days * 2 > window {
                found.append("says \"\(words[index])\", but the account was active on \(days) of the last \(window) days")
            }
        }
        if let phrase = has([
            ["sporadic"], ["sporadically"], ["occasional"], ["occasionally"], ["intermittent"], ["intermittently"], ["irregular"],
            ["irregularly"], ["dormant"], ["gone", "quiet"], ["went", "quiet"], ["stopped", "using"], ["inactive", "account"],
        ]),
            let index = at(phrase), !negated(before: index, within: 2)
        {
            let aboutActivity =
                words.contains {
                    ["use", "usage", "activity", "active", "login", "logins", "logs", "log", "engagement", "using", "account", "visits"]
                        .contains($0)
                }
                || phrase.count > 1 || phrase == ["dormant"]
            if aboutActivity, days * 4 >= window * 3 {
                found.append("says \"\(phrase.joined(separator: " "))\", but the account was active on \(days) of the last \(window) days")
            }
        }

        // "the bulk of its feature use through alerts": one item with more than half of its list's uses.
        if let phrase = has([
            ["bulk", "of"], ["majority", "of"], ["most", "of", "its", "feature"], ["most", "of", "their", "feature"],
            ["most", "of", "the", "feature"], ["most", "of", "its", "usage"], ["most", "of", "their", "usage"],
        ]),
            let index = at(phrase),
            words[index..<min(words.count, index + 7)].contains(where: { ["use", "uses", "usage", "activity", "feature"].contains($0) })
        {
            let roots = Set(words.map(Self.root))
            let named = context.numberFacts.itemRoots.filter { item in
                item.roots.isSubset(of: roots) && context.numberFacts.usageLists.contains { $0.counts[item.name] != nil }
            }
            if named.count == 1, let item = named.first?.name {
                let lists = context.numberFacts.usageLists.filter { $0.counts[item] != nil && (scope == .either || $0.scope == scope) }
                if !lists.isEmpty, !lists.contains(where: { ($0.counts[item] ?? 0) * 2 > $0.total }) {
                    let list = lists[0]
                    found.append(
                        "says \"\(phrase.joined(separator: " "))\" of \(item), but it has \(list.counts[item] ?? 0) of \(list.total) uses")
                }
            }
        }

        // Users.
        if let phrase = has([
            ["whole", "team"], ["entire", "team"], ["all", "user"], ["all", "of", "its", "user"], ["all", "their", "user"],
            ["all", "its", "user"], ["every", "user"], ["everyone"], ["all", "known", "user"], ["all", "of", "their", "user"],
            ["all", "of", "the", "user"], ["whole", "account"],
        ]),
            let index = at(phrase), !negated(before: index, within: 2), input.users > 1, input.activeUsers < input.users
        {
            // The claim is that they are all active: an activity word right after the phrase.
            let after = words[min(words.count, index + phrase.count)..<min(words.count, index + phrase.count + 4)]
            let aboutActivity = after.contains {
                [
                    "active", "using", "use", "uses", "engaged", "logged", "logs", "adopted", "onboarded", "involved", "working", "came",
                    "returned",
                ].contains($0)
            }
            if aboutActivity {
                found.append(
                    "says \"\(phrase.joined(separator: " "))\", but \(input.activeUsers) of its \(input.users) users were active in the last \(window) days"
                )
            }
        }
        // "the whole company of 4200 is already on the product", "every one of the studio's employees already active":
        // all of the company's people, when fewer use it.
        if let employees = input.employeeCount, input.activeUsers < employees,
            let phrase = has([
                ["whole", "company"], ["entire", "company"], ["whole", "firm"], ["whole", "studio"], ["whole", "organisation"],
                ["whole", "organization"], ["every", "employee"], ["all", "employee"], ["all", "of", "its", "employee"],
                ["every", "one", "of", "the"], ["all", "of", "the", "company"], ["all", "staff"], ["every", "staff"],
            ]),
            let index = at(phrase), !negated(before: index, within: 2)
        {
            let near = words[index..<min(words.count, index + phrase.count + 6)]
            let ofCompany = near.contains(where: Self.companyPeopleWords.contains)
            let claim = near.contains { ["active", "using", "uses", "use", "on", "bought", "adopted", "onboarded", "logged"].contains($0) }
            if ofCompany, claim {
                found.append(
                    "says \"\(phrase.joined(separator: " "))\", but \(input.activeUsers) of its \(employees) employees use the product")
            }
        }
        // "every one of their users was active", "all eight known users are active".
        if input.users > 1, input.activeUsers < input.users {
            for index in stemmed.indices where ["user", "member", "teammate", "people", "colleague"].contains(stemmed[index]) {
                let before = words[max(0, index - 4)..<index]
                guard before.contains(where: { ["every", "all", "entire", "whole", "each"].contains($0) }),
                    !before.contains(where: { ["most", "almost", "nearly", "half", "some", "many"].contains($0) }),
                    !negated(before: index, within: 5)
                else { continue }
                let after = words[min(words.count, index + 1)..<min(words.count, index + 5)]
                if after.contains(where: { ["active", "using", "engaged", "logged", "onboarded", "came", "returned"].contains($0) }),
                    !found.contains(where: { $0.contains("users were active") })
                {
                    found.append(
                        "says \"\(words[max(0, index - 4)...index].joined(separator: " "))\" are active, but \(input.activeUsers) of its \(input.users) users were active in the last \(window) days"
                    )
                }
            }
        }
        if let phrase = has([
            ["most", "user"], ["most", "of", "its", "user"], ["most", "of", "their", "user"], ["most", "of", "the", "team"],
            ["most", "of", "the", "user"], ["majority", "of", "user"], ["majority", "of", "its", "user"],
            ["majority", "of", "the", "user"],
            ["majority", "of", "the", "team"], ["most", "teammate"],
        ]),
            input.activeUsers * 2 <= input.users
        {
            found.append(
                "says \"\(phrase.joined(separator: " "))\", but \(input.activeUsers) of its \(input.users) users were active in the last \(window) days"
            )
        }
        // "a small fraction of the company": a small share is under half of its users (of its employees when
        // the sentence is about the company's people).
        if let phrase = has([
            ["small", "fraction"], ["tiny", "fraction"], ["small", "share"], ["small", "portion"], ["small", "slice"],
            ["small", "minority"], ["a", "minority"], ["small", "subset"],
        ]) {
            let ofCompany = words.contains(where: Self.companyPeopleWords.contains)
            let base = ofCompany ? (input.employeeCount ?? input.users) : input.users
            if base > 0, input.activeUsers * 2 >= base {
                found.append(
                    "says \"\(phrase.joined(separator: " "))\", but \(input.activeUsers) of its \(base) \(ofCompany && input.employeeCount != nil ? "employees" : "users") were active in the last \(window) days"
                )
            }
        }
        // "few of its five users", "only a handful of the company's staff": under half of them, and a handful
        // is at most five.
        if let phrase = has([
            ["few", "of"], ["handful", "of"], ["couple", "of"], ["few", "user"], ["few", "people"], ["few", "teammate"],
            ["few", "colleague"], ["few", "staff"], ["few", "employee"],
        ]),
            let index = at(phrase),
            !(index > 0 && ["a", "quite"].contains(words[index - 1]) && phrase.first == "few"
                && !(index > 1 && ["only", "just"].contains(words[index - 2])))
        {
            let after = words[index..<min(words.count, index + 6)]
            let ofCompany = after.contains(where: Self.companyPeopleWords.contains)
            let ofUsers = after.contains { ["users", "user", "people", "teammates", "colleagues", "team", "members"].contains($0) }
            let base = ofCompany ? input.employeeCount : (ofUsers ? input.users : nil)
            // "few of them" is a share (under half); "few people", "a handful" a small number (five at most).
            let partitive = phrase == ["few", "of"]
            if let base, base > 0,
                partitive
                    ? input.activeUsers * 2 >= base : input.activeUsers > 5 && (phrase.first != "few" || input.activeUsers * 2 >= base)
            {
                found.append(
                    "says \"\(phrase.joined(separator: " "))\", but \(input.activeUsers) of its \(base) \(ofCompany ? "employees" : "users") were active in the last \(window) days"
                )
            }
        }
        // "a single analyst doing all the work", "one person": one of any people noun.
        if input.activeUsers > 1, input.users > 1,
            let index = words.indices.dropLast().first(where: {
                ["single", "lone", "sole", "solo"].contains(words[$0])
                    && ["analyst", "person", "individual", "admin", "member", "employee", "operator", "engineer", "power"].contains(
                        Self.stem(words[$0 + 1]))
                    // … said to do the work alone ("doing all the work", "drives its work"), not one person among others.
                    && words[($0 + 2)..<min(words.count, $0 + 7)].contains {
                        ["all", "doing", "does", "alone", "behind", "responsible", "drive", "drives", "driving"].contains($0)
                    }
            })
        {
            found.append(
                "says \"\(words[index]) \(words[index + 1])\", but \(input.activeUsers) of its \(input.users) users were active in the last \(window) days"
            )
        }
        if let phrase = has([
            ["single", "user"], ["only", "one", "user"], ["just", "one", "user"], ["lone", "user"], ["solo", "user"],
            ["only", "one", "person"], ["single", "person"], ["one", "person"], ["sole", "user"], ["only", "user"],
        ]),
            input.users > 1 && input.activeUsers > 1
        {
            found.append(
                "says \"\(phrase.joined(separator: " "))\", but \(input.activeUsers) of its \(input.users) users were active in the last \(window) days"
            )
        }
        if let phrase = has([
            ["multiple", "user"], ["several", "user"], ["many", "user"], ["several", "people"], ["multiple", "people"],
            ["several", "teammate"], ["multiple", "teammate"], ["several", "colleague"],
        ]), input.users < 2 {
            found.append("says \"\(phrase.joined(separator: " "))\", but the account has \(input.users) known user")
        }

        // Lists: integrations, limits, invitations, activation steps.
        func noneClaim(_ nouns: Set<String>) -> String? {
            for index in words.indices where nouns.contains(stemmed[index]) {
                let before = words[max(0, index - 5)..<index]
                guard
                    let negation = before.lastIndex(where: { ["no", "not", "never", "without", "zero", "none", "t", "yet"].contains($0) })
                else { continue }
                // "no limit on …" / "not … because of a limit" are not claims about the list; "any", "a", "an" right before are.
                let between = words[(negation + 1)..<index]
                if between.contains(where: {
                    [
                        "only", "more", "longer", "just", "than", "but", "everyone", "all", "every", "each", "everybody", "other",
                        "further", "second",
                    ].contains($0)
                }) {
                    continue
                }
                // "no integration beyond HubSpot", "none besides Salesforce": an exception names what there is.
                let after = words[min(words.count, index + 1)..<min(words.count, index + 3)]
                if after.contains(where: {
                    ["beyond", "besides", "except", "apart", "aside", "other", "but", "outside", "bar", "save"].contains($0)
                }) {
                    continue
                }
                return words[negation...index].joined(separator: " ")
            }
            return nil
        }
        // "data source" names an integration too ("has not connected any data source").
        let dataSource = words.indices.dropFirst().first { words[$0 - 1] == "data" && ["source", "sources"].contains(words[$0]) }
        let sourceClaim = dataSource.flatMap { index -> String? in
            guard
                let negation = words[max(0, index - 6)..<index].lastIndex(where: {
                    ["no", "not", "never", "without", "zero", "none", "t"].contains($0)
                })
            else { return nil }
            return words[negation...index].joined(separator: " ")
        }
        let nothingConnected =
            at(["connected", "nothing"]) != nil || at(["nothing", "is", "connected"]) != nil || at(["nothing", "connected"]) != nil
            || at(["nothing", "has", "been", "connected"]) != nil
        if let claim = noneClaim(["integration", "connector", "integrated"]) ?? sourceClaim
            ?? (nothingConnected ? "nothing connected" : nil),
            !input.integrations.isEmpty, !(scope == .window && claim.contains("recent"))
        {
            found.append("says \"\(claim)\", but the account has connected \(input.integrations.joined(separator: ", "))")
        }
        // The limits hit in the sentence's scope (the window's unless it says ever).
        let limitsInScope = scope == .ever ? (input.limitsHitEver ?? input.limitsHit) : input.limitsHit
        if let claim = noneClaim(["limit", "cap", "quota"]), !limitsInScope.isEmpty {
            found.append("says \"\(claim)\", but the account hit the \(limitsInScope.joined(separator: ", ")) limits")
        }
        // "stayed within their plan limits", "well under its limits" with limits hit.
        if let phrase = has([
            ["within", "their", "plan", "limit"], ["within", "its", "plan", "limit"], ["within", "the", "plan", "limit"],
            ["within", "their", "limit"], ["within", "its", "limit"], ["within", "plan", "limit"], ["under", "their", "limit"],
            ["under", "its", "limit"], ["under", "the", "limit"], ["inside", "their", "limit"], ["inside", "its", "limit"],
        ]),
            let index = at(phrase), !negated(before: index, within: 3), !hypothetical(before: index)
        {
            if !limitsInScope.isEmpty {
                found.append(
                    "says \"\(phrase.joined(separator: " "))\", but the account hit the \(limitsInScope.joined(separator: ", ")) limits")
            }
        }
        // "having run into its plan limits", "hit the plan limit" with no limit hit.
        for index in stemmed.indices where ["limit", "cap", "quota"].contains(stemmed[index]) {
            let before = words[max(0, index - 4)..<index]
            guard
                before.contains(where: {
                    [
                        "hit", "hitting", "hits", "reached", "reaching", "ran", "run", "running", "bumped", "bumping", "pressing", "maxed",
                        "exceeded", "exceeding", "breached",
                    ].contains($0)
                }),
                !negated(before: index, within: 5),
                !words[max(0, index - 6)..<index].contains(where: {
                    [
                        "if", "could", "would", "may", "might", "before", "until", "when", "once", "avoid", "near", "nearing",
                        "approaching", "close",
                    ].contains($0)
                })
            else { continue }
            let windowLimits = input.limitsHit, everLimits = input.limitsHitEver ?? input.limitsHit
            let contradicted =
                scope == .window ? windowLimits.isEmpty : (scope == .ever ? everLimits.isEmpty : windowLimits.isEmpty && everLimits.isEmpty)
            if contradicted {
                found.append(
                    "says the account \(words[max(0, index - 4)...index].joined(separator: " ")), but it hit no plan limit\(scope == .window ? " in the last \(input.windowDays) days" : "")"
                )
                break
            }
        }
        if let claim = noneClaim(["invitation", "invite", "invited", "teammate"]),
            !words.contains(where: { ["accepted", "accept", "joined", "join", "responded", "answered", "redeemed"].contains($0) })
        {
            let ever = input.invitedTeammatesEver ?? input.invitedTeammates
            // "has never invited anyone" speaks of all time.
            let claimScope = claim.hasPrefix("never") && scope == .either ? .ever : scope
            let contradicted =
                claimScope == .ever
                ? ever > 0 : (claimScope == .window ? input.invitedTeammates > 0 : input.invitedTeammates > 0 && ever > 0)
            if contradicted, words.contains(where: { $0.hasPrefix("invit") }) {
                found.append(
                    "says \"\(claim)\", but the account sent \(input.invitedTeammates) invitations in the last \(input.windowDays) days and \(ever) ever"
                )
            }
        }
        // "a small insurance shop" for a company of 4,200: small is under 250 employees (the EU's SME line).
        if let employees = input.employeeCount, employees >= 250,
            let index = words.indices.first(where: {
                ["small", "tiny", "little", "local"].contains(words[$0])
                    && words[($0 + 1)..<min(words.count, $0 + 3)].contains {
                        [
                            "shop", "office", "firm", "company", "business", "startup", "outfit", "agency", "practice", "studio",
                            "organisation", "organization",
                        ].contains(Self.stem($0))
                    }
            }),
            !negated(before: index, within: 2)
        {
            found.append("says \"\(words[index])\" of a company of \(employees) employees")
        }
        // "the only limit they have run into lately is the seat cap" with two hit.
        if let phrase = has([["only", "limit"], ["only", "cap"], ["only", "plan", "limit"], ["only", "quota"]]), let index = at(phrase),
            !negated(before: index, within: 2)
        {
            if limitsInScope.count > 1 {
                found.append(
                    "says \"\(phrase.joined(separator: " "))\", but the account hit the \(limitsInScope.joined(separator: ", ")) limits")
            }
        }
        // "they have not touched the funnel builder" when they used it.
        for usage in input.topFeatures + (input.topFeaturesEver ?? []) where usage.count > 0 {
            let key = Self.words(in: usage.name).map { Self.stem($0.text) }
            guard
                let index = Self.firstOccurrence(of: key, in: stemmed)
                    ?? Self.firstOccurrence(of: key.map(Self.root), in: words.map(Self.root))
            else { continue }
            let before = words[max(0, index - 5)..<index]
            if before.contains(where: { ["not", "never", "t"].contains($0) }),
                before.contains(where: { ["touched", "used", "tried", "opened", "explored", "adopted"].contains($0) })
            {
                found.append("says \(usage.name) is not used, but the account used it \(usage.count) times")
                break
            }
        }
        // "kept inviting colleagues", "has been inviting steadily this fortnight": invitations going on now.
        if input.invitedTeammates == 0,
            let phrase = has([
                ["kept", "inviting"], ["keep", "inviting"], ["keeps", "inviting"], ["been", "inviting"], ["continue", "to", "invite"],
                ["continues", "to", "invite"], ["still", "inviting"], ["steadily", "inviting"], ["inviting", "steadily"],
                ["stream", "of", "teammate", "invitation"], ["stream", "of", "invitation"], ["steady", "invitation"],
                ["flow", "of", "invitation"],
            ]),
            let index = at(phrase), !negated(before: index, within: 3)
        {
            found.append(
                "says \"\(phrase.joined(separator: " "))\", but the account sent no invitations in the last \(input.windowDays) days")
        }
        // "relies almost entirely on a single feature" with several in use.
        if let phrase = has([
            ["single", "feature"], ["just", "one", "feature"], ["only", "one", "feature"], ["entirely", "on", "one"],
            ["nothing", "else"], ["relies", "solely"], ["rely", "solely"], ["solely", "on"], ["exclusively", "on"],
        ]),
            let index = at(phrase), !negated(before: index, within: 3),
            let features = input.featureCount ?? (input.topFeatures.isEmpty ? nil : input.topFeatures.count), features > 1,
            !words.contains(where: { ["top", "most", "leading", "favourite", "favorite", "main", "biggest"].contains($0) })
        {
            found.append(
                "says \"\(phrase.joined(separator: " "))\", but the account used \(features) different features in the last \(window) days")
        }
        if let phrase = has([
            ["every", "activation", "step"], ["all", "activation", "step"], ["all", "of", "the", "activation", "step"],
            ["fully", "activated"],
            ["all", "the", "activation", "step"], ["every", "onboarding", "step"], ["all", "onboarding", "step"], ["full", "activation"],
            ["activation", "is", "complete"], ["completed", "activation"],
        ]),
            let index = at(phrase), !negated(before: index, within: 3), !input.missingActivations.isEmpty
        {
            found.append(
                "says \"\(phrase.joined(separator: " "))\", but \(input.missingActivations.joined(separator: ", ")) is not completed")
        }
        // A named activation step said to be done while missing, or missing while done.
        for step in input.completedActivations + input.missingActivations {
            let key = Self.words(in: step).map(\.text).filter {
                !["created", "sent", "used", "connected", "completed", "viewed", "started"].contains($0)
            }.map(Self.stem)
            guard !key.isEmpty, let index = Self.firstOccurrence(of: key, in: stemmed) else { continue }
            let isMissing = input.missingActivations.contains(step)
            let sentenceNegated = negated(before: index, within: 4)
            let statesDone = words[max(0, index - 3)..<min(words.count, index + key.count + 2)].contains {
                ["completed", "done", "finished", "created", "connected", "sent"].contains($0)
            }
            let asked = words.contains { ["ask", "asking", "whether", "should", "could", "would", "first", "next", "if"].contains($0) }
            let saysLeft = words.contains {
                ["missing", "yet", "left", "remaining", "outstanding", "pending", "incomplete", "skipped", "unfinished"].contains($0)
            }
            if isMissing, statesDone, !sentenceNegated, !asked, !saysLeft {
                found.append("says \(step) is done, but it is among the activation steps not completed")
            } else if !isMissing, sentenceNegated,
                words[max(0, index - 4)..<index].contains(where: {
                    ["completed", "created", "connected", "sent", "finished", "done"].contains($0)
                })
            {
                found.append("says \(step) is not done, but the account completed it")
            }
        }

        // The plan.
        let plan = input.plan.trimmedWhitespace.lowercased()
        if plan == "free",
            let phrase = has([
                ["already", "paying"], ["paying", "customer"], ["already", "on", "a", "paid"], ["current", "paid", "plan"],
                ["on", "a", "paid", "plan"], ["existing", "paid", "plan"],
            ]), let index = at(phrase), !hypothetical(before: index),
            !words[max(0, index - 3)..<index].contains(where: {
                ["budget", "off", "spend", "spending", "approval", "decision"].contains($0)
            })
        {
            found.append("says \"\(phrase.joined(separator: " "))\", but the account is on the free plan")
        }
        if plan != "free",
            let phrase = has([["free", "user"], ["not", "yet", "paying"], ["not", "paying"], ["still", "free"], ["free", "account"]])
        {
            found.append("says \"\(phrase.joined(separator: " "))\", but the account is on the \(input.plan) plan")
        }
        for name in ["free", "pro", "team", "enterprise", "business", "starter", "premium"] where name != plan {
            for lead in [["on", "the"], ["on", "their"], ["on", "its"], ["on"]] {
                if let index = at(lead + [name, "plan"]) ?? at(lead + [name, "tier"]), !negated(before: index, within: 2),
                    !hypothetical(before: index)
                {
                    found.append(
                        "says \"\(([name, "plan"]).joined(separator: " "))\" is their plan, but the account is on the \(input.plan) plan")
                    break
                }
            }
        }

        // A tool from the company records said to be connected.
        let integrations = Set(input.integrations.map { $0.lowercased() })
        for tool in input.techStack where !integrations.contains(tool.lowercased()) {
            let key = Self.words(in: tool).map { Self.stem($0.text) }
            guard let index = Self.firstOccurrence(of: key, in: stemmed) else { continue }
            let near = words[max(0, index - 3)..<min(words.count, index + key.count + 3)]
            let connected = near.contains {
                ["integration", "connected", "integrated", "synced", "syncing", "sync", "connector", "piping", "pipes"].contains($0)
            }
            let sentenceNegated = words.contains {
                ["not", "no", "none", "never", "neither", "nor", "t", "without", "yet", "unconnected", "outside"].contains($0)
            }
            if connected, !sentenceNegated, !hypothetical(before: index) {
                found.append("says \(tool) is connected, but it is only among the tools the company uses, not the account's integrations")
            }
        }
        return found
    }
}
