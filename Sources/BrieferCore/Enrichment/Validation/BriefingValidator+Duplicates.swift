/// **duplicate_fields**: two fields that make the same point, in the same words or in other words
/// (Fixtures/validator/RULINGS.md: the same fact and the same claim about it). Reported on the later field.
///
/// - The same words: word sets (lowercased, numbers ignored: recited list items differ only in their
///   numbers) with a Jaccard index at or over `duplicate_similarity_percent`, or one set of five words or
///   more at least 90 % inside the other, which is at most 1.5 times its size.
/// - The same claim: each field's facts are the input's names it cites (features, limits, integrations,
///   events, tools; the plan said as "the team plan"; "no plan limit hit"; a cap is a limit, API calls are
///   API requests) and the counts it states (the window is no fact); its claims are kinds of thing said —
///   outgrown, ready to buy, a growing team, an integration missing, a step missing, the main use, a daily
///   habit, fully set up, broad use — by their words (a few words may stand between two: "not yet wired",
///   "comparing paid plans"), or implied by stating a fact (a limit hit says outgrown); a data source or a
///   connection is an integration, and "the limits" unnamed are the limits hit. Two statements that share a
///   fact and a claim about it, or that both make a claim about the whole account, or both say the plan is
///   outgrown, make one point. A question that restates the other field's claim about a shared fact does too.
/// - The same facts, in other words: one statement cites only facts the other cites (more than the plan,
///   no count or comparison of its own) and adds at most ``maxNewWords`` content words, or both rest on
///   exactly the same two or more names ("Open by pointing out that their API calls have run past what the
///   team plan allows" after "They hit the API request limit: they have outgrown the team plan").
///
/// A question asks something else, but what an opening restates before it asks ("Open by noting that every
/// setup step is finished, and ask what comes next", "Have they noticed that both caps were reached?") is
/// compared as a statement, and so is what a yes/no question asks to confirm ("Have you been running into the
/// API request cap lately?" — with no word of its own); its reasons ("since …", "given that …") make their
/// claims but are not its point. An opening that only leads with a fact restates it. A claim in a concession or
/// a condition ("even with the limits in the way", "if …", "rather than pay for more capacity") is not made.
extension BriefingValidator {
    /// Content words a field may add to another's facts and still be the same point.
    static let maxNewWords = 3

    /// The verbs that state a limit was hit.
    static let limitHitWords: Set<String> = [
        "hit", "hitting", "hits", "reached", "reaching", "maxed", "exceeded", "ran", "running", "bumped",
    ]

    /// The fact a field states when it speaks of limits (a limit, a cap, a quota), named or not, and the input
    /// has limits hit: "which plan limits they keep bumping into" is about the limits the input lists.
    static let limitsHitFact = "limits hit"

    /// The words that speak of limits.
    static let limitWords: Set<String> = [
        "limit", "limits", "cap", "caps", "quota", "quotas", "ceiling", "ceilings", "allowance", "allowances",
    ]

    /// Words a field's point is not made of: the framing words in any inflection (by root: "signals",
    /// "suggested"), and as written the verbs that say a limit was hit (the limit is the fact; "reached" as
    /// written, not "reach out") and the words that restate one.
    static func isFraming(_ word: String) -> Bool {
        framingWords.contains(word) || limitHitWords.contains(word) || restateMarkers.contains(word) || framingRoots.contains(root(word))
    }

    /// The roots of the framing words.
    static let framingRoots = Set(framingWords.map(root))

    /// Words that frame a point rather than make one.
    static let framingWords: Set<String> = [
        "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "by", "for", "with", "from", "into", "as", "is",
        "are", "was", "were", "be", "been", "being", "has", "have", "had", "it", "its", "they", "their", "them", "this",
        "that", "these", "those", "which", "what", "who", "whom", "whether", "how", "why", "so", "since", "because",
        "could", "would", "may", "might", "can", "will", "should", "more", "most", "very", "just", "still", "already",
        "yet", "also", "even", "only", "open", "opening", "ask", "asking", "start", "starting", "lead", "leading", "begin",
        "mention", "point", "pointing", "out", "discuss", "about", "rep", "conversation", "clear", "sign", "signal",
        "strong", "show", "shows", "showing", "suggest", "suggests", "account", "team", "company", "they", "re", "ve",
        "s", "t", "do", "does", "did", "not", "no", "than", "then", "there", "here", "now", "recently", "last", "past",
        "days", "day", "weeks", "week", "two", "fourteen", "ever", "so", "far", "while", "after", "before", "over",
        "both", "each", "all", "any", "some", "much", "many", "plan", "by", "up", "down", "clearly", "too", "keep",
        "keeps", "kept", "really", "quite", "again", "repeatedly", "note", "noting", "tell", "telling", "say", "saying",
        "you", "your", "lately", "currently", "fortnight",
        // Prepositions and adverbs of degree or likelihood.
        "across", "through", "within", "via", "per", "among", "around", "toward", "towards", "mainly", "mostly", "largely",
        "primarily", "heavily", "chiefly", "likely", "probably", "perhaps", "possibly", "seem", "seems", "appear", "appears",
        // Using the product frames what it is used for.
        "use", "uses", "using", "used",
    ]

    /// The input's names (activation steps, integrations, limits, tools, features, events, the plan) and
    /// the words a field must use to cite each.
    static func citableNames(_ input: PromptInput) -> [(name: String, roots: Set<String>)] {
        let verbs: Set<String> = [
            "created", "sent", "used", "connected", "viewed", "reached", "started", "exported", "completed", "run", "clicked",
        ]
        // The plan is cited as "the team plan", not by "a team that …" (see ``citedRoots(_:)``).
        let names =
            input.completedActivations + input.missingActivations + input.integrations + input.limitsHit + (input.limitsHitEver ?? [])
            + input.techStack + input.topFeatures.map(\.name) + (input.topFeaturesEver ?? []).map(\.name) + input.recentEvents.map(\.name)
        var seen: Set<String> = []
        return names.compactMap { name in
            let roots = Set(words(in: name).map(\.text).filter { !verbs.contains($0) }.map(root))
            guard !roots.isEmpty, seen.insert(name).inserted else { return nil }
            return (name, roots)
        } + [(input.plan, Set([planRoot(input.plan)]))]
    }

    /// Words with which an opening restates a fact before it asks ("noting that", "acknowledging that").
    static let restateMarkers: Set<String> = [
        "noting", "note", "pointing", "acknowledging", "acknowledge", "highlighting", "highlight", "reminding", "remind",
        "mentioning", "mention", "recognising", "recognizing", "congratulating", "congratulate", "telling", "referencing",
        "noticed", "aware", "realise", "realize", "realised", "realized",
    ]

    /// Kinds of claim a field makes about a fact, by the words that make it (stemmed): two statements that
    /// make the same kind of claim about one fact make one point.
    static let claimKinds: [(kind: String, phrases: [[String]])] = [
        (
            "outgrown",
            [
                ["outgrown"], ["outgrow"], ["outgrowing"], ["outgrew"], ["in", "their", "way"], ["in", "its", "way"], ["too", "small"],
                ["too", "tight"], ["hold", "back"], ["holding", "back"],
                ["hold", "them", "back"], ["holding", "them", "back"], ["hold", "the", "team", "back"], ["holding", "the", "team", "back"],
                ["held", "back"], ["boxed"], ["squeezing"], ["squeezed"], ["run", "out"], ["running", "out"], ["ran", "out"],
                ["out", "of", "room"], ["no", "longer", "enough"], ["keep", "up"], ["permit"], ["allow"], ["constrained"],
                ["constraining"], ["bottleneck"], ["cramped"], ["capacity"], ["headroom"], ["in", "the", "way"], ["up", "against"],
                // Hitting a limit again and again, not once ("ran into" only says it was hit).
                ["blocked"], ["blocking"], ["keep", "bumping"], ["keeps", "bumping"], ["keep", "hitting"], ["keeps", "hitting"],
                ["keep", "running", "into"], ["keeps", "running", "into"], ["stopping", "them"], ["keeping", "them", "from"],
                ["stop", "them", "from"], ["stops", "them", "from"],
            ]
        ),
        (
            "ready to buy",
            [
                ["buy"], ["buying"], ["purchase"], ["purchasing"], ["interest"], ["intent"], ["intend"], ["looking", "at", "paid"],
                ["want", "paid"], ["wants", "paid"], ["shopping"], ["comparing", "plan"], ["evaluating", "plan"],
            ]
        ),
        (
            "a growing team",
            [
                ["growing"], ["grew"], ["growth"], ["adding", "people"], ["adding", "user"], ["adding", "colleague"],
                ["pulling", "in"], ["bringing", "in"], ["wave"], ["spreading"],
            ]
        ),
        (
            "an integration missing",
            [
                ["no", "integration"], ["not", "connected"], ["never", "connected"], ["missing", "integration"],
                ["not", "wired"], ["no", "data", "source"], ["t", "connected"], ["nothing", "connected"], ["first", "integration"],
            ]
        ),
        // Use across much of the product: its own fact.
        (
            "broad use",
            [
                ["broad"], ["breadth"], ["wide", "range"], ["wide", "spread"], ["widespread"], ["variety"], ["many", "different"],
                ["many", "feature"], ["range", "of", "feature"],
            ]
        ),
        // Which feature is used most ("its main use", "the feature they rely on most", "more than anything else").
        (
            "the main use",
            [
                ["main", "use"], ["main", "tool"], ["main", "feature"], ["most", "used"], ["used", "most"], ["top", "feature"],
                ["more", "than", "anything"], ["relie", "heavily"], ["rely", "heavily"], ["primary"], ["busiest"], ["favourite"],
                ["favorite"], ["most", "of", "their", "time"], ["most", "of", "its", "time"],
            ]
        ),
        // An activation step said to be still to do ("the one activation step left", "not completed", "skipped").
        (
            "a step missing",
            [
                ["left"], ["not", "completed"], ["t", "completed"], ["skipped"], ["missing"], ["outstanding"], ["remaining"],
                ["undone"], ["unfinished"], ["not", "finished"], ["t", "finished"],
            ]
        ),
        // About the account's activity as a whole: its own fact.
        (
            "a daily habit",
            [
                ["every", "day"], ["daily"], ["every", "one", "of", "the", "last"], ["every", "single", "day"], ["routine"], ["habit"],
                ["all", "14", "of"], ["all", "fourteen"],
            ]
        ),
        (
            "fully set up",
            [
                ["fully", "set", "up"], ["every", "activation", "step"], ["all", "activation", "step"], ["all", "four", "activation"],
                ["fully", "activated"], ["every", "setup", "step"], ["all", "of", "the", "setup"], ["all", "the", "setup"],
            ]
        ),
    ]

    /// Claims made by two words with a few others between them ("holding their usage back", "comparing paid
    /// plans", "weighing a move to the team tier"): the first word, then one of the others within four words.
    static let spreadClaims: [(kind: String, first: Set<String>, then: Set<String>)] = [
        ("outgrown", ["hold", "holding", "held"], ["back"]),
        (
            "an integration missing", ["no", "not", "never", "without", "nothing", "t"],
            ["connected", "wired", "hooked", "linked", "plugged", "integrated"]
        ),
        (
            "ready to buy",
            ["comparing", "compare", "weighing", "weigh", "evaluating", "evaluate", "considering", "consider", "eyeing", "sizing"],
            ["plan", "tier", "upgrade", "upgrading", "pricing", "option", "price"]
        ),
    ]

    /// Claims that are facts of their own: two statements making one are the same point without a shared name.
    static let wholeAccountClaims: Set<String> = ["a daily habit", "fully set up", "broad use"]

    /// How a field cites the plan: its name said with "plan" or "tier" ("the team plan", "pro tier"), or
    /// alone when it is no everyday word ("pro is no longer enough", not "a team that …").
    static func planRoot(_ plan: String) -> String { "plan:" + root(plan) }

    /// Words that name the same thing as a word of the input's lists: a cap is a limit, teammates are
    /// the team that invitations (`team_invite_sent`) grow and invitations are the team's, API calls are API
    /// requests, a data source or a connection is an integration.
    static let citedSynonyms: [String: [String]] = [
        "cap": ["limit"], "ceiling": ["limit"], "quota": ["limit"], "allowance": ["limit"],
        "teammate": ["teammat", "team"], "colleague": ["colleagu", "team"], "call": ["call", "request"], "source": ["source", "integr"],
        "connection": ["connect", "integr"],
        "invitation": ["invit", "team"], "invite": ["invit", "team"], "invited": ["invit", "team"], "inviting": ["invit", "team"],
    ]

    /// The roots a field's words cite names by: synonyms folded in, and the plan as ``planRoot(_:)``.
    static func citedRoots(_ words: [Word], plan: String) -> Set<String> {
        var roots = Set(words.filter { numberWordValue($0.text) == nil }.flatMap { citedSynonyms[stem($0.text)] ?? [root($0.text)] })
        let everyday = framingWords.contains(plan.lowercased()) || plan.lowercased() == "free"
        for k in words.indices {
            let named = k + 1 < words.count && ["plan", "tier"].contains(words[k + 1].text)
            if named || (!everyday && words[k].text == plan.lowercased()) { roots.insert(planRoot(words[k].text)) }
        }
        return roots
    }

    /// What a question states rather than asks (``statedInQuestion(_:text:)``).
    struct StatedInQuestion {
        /// The words compared as a statement: what it asserts and its reasons; for reasons alone, the whole
        /// question (it names what they are reasons for).
        var words: [Word]
        /// What it restates or asks to confirm, without its reasons: only these imply claims.
        var asserted: [Word]
        var how: How
        enum How {
            /// It restates ("Open by noting that …"), or is a yes/no question as a whole ("Have they been running
            /// into the API request cap?").
            case restates
            /// It asks whether something holds beside what else it asks ("ask what …, and whether …"): only
            /// the same facts with no word of its own restate them.
            case confirms
            /// It gives only reasons ("…, since …").
            case reasons
        }
    }

    /// Words with which an opening turns from what it restates to what it asks.
    static let askWords: Set<String> = ["ask", "asking", "whether"]

    /// Words that make a field a question (beside a question mark).
    static let questionWords = askWords.union(["asks", "wonder", "find"])

    /// Auxiliary verbs that open a yes/no question ("Have they been running into the API request cap?").
    static let questionAuxiliaries: Set<String> = [
        "are", "is", "have", "has", "do", "does", "did", "were", "was", "could", "would", "will", "can", "should",
    ]

    /// What a question states rather than asks, nil when nothing: what it restates before it asks ("Open by
    /// noting that every setup step is finished, and ask what comes next"; "Have they noticed that both caps were
    /// reached?" restates to its end), its reasons ("…, since alerts are clearly their main use", "given that only
    /// one invitation was sent") and what a yes/no question asks to confirm ("Have you been running into the
    /// API request cap lately?", "ask whether the visits mean they are comparing plans"): a question that asks
    /// whether a point holds makes that point. Each part runs to the end of its clause (punctuation); a
    /// yes/no question as a whole asserts its first clause.
    static func statedInQuestion(_ words: [Word], text: String) -> StatedInQuestion? {
        let t = words.map(\.text)
        let stops = punctuationStops(in: text, words: words)
        func clauseEnd(after k: Int) -> Int { (k..<t.count).first { stops.contains($0) }.map { $0 + 1 } ?? t.count }
        var asserted: [Range<Int>] = [], reasons: [Range<Int>] = []
        var restates = false
        if let marker = t.firstIndex(where: { restateMarkers.contains($0) }) {
            let ask = t[marker...].firstIndex(where: { askWords.contains($0) }) ?? t.count
            if ask - marker > 3 { asserted.append((marker + 1)..<ask); restates = true }
        }
        for k in t.indices {
            let reason = ["since", "because"].contains(t[k]) || (t[k] == "given" && k + 1 < t.count && t[k + 1] == "that")
            let confirms =
                t[k] == "whether" || (t[k] == "if" && k > 0 && askWords.contains(t[k - 1]))
                || (questionAuxiliaries.contains(t[k]) && (k == 0 || stops.contains(k - 1)) && text.contains("?"))
            guard reason || confirms else { continue }
            let start = t[k] == "given" ? k + 2 : k + 1
            let end = clauseEnd(after: start)
            guard end - start >= 3 else { continue }
            if reason { reasons.append(start..<end); continue }
            asserted.append(start..<end)
            // (A yes/no question that is the whole field asks to confirm all it says: it is compared as a statement.)
            restates = restates || (k == 0 && t[k] != "whether")
        }
        guard !asserted.isEmpty || !reasons.isEmpty else { return nil }
        // (A reason inside what it asserts — "noting that …, since …" — is still a reason.)
        let assertedWords = Set(asserted.joined()).subtracting(reasons.joined()).sorted().map { words[$0] }
        return asserted.isEmpty
            ? StatedInQuestion(words: words, asserted: [], how: .reasons)
            : StatedInQuestion(
                words: Set((asserted + reasons).joined()).sorted().map { words[$0] }, asserted: assertedWords,
                how: restates ? .restates : .confirms)
    }

    /// The pairs of fields that make the same point: the later field and a detail naming the earlier one.
    func duplicates(_ fields: [(name: String, text: String)], _ context: Context) -> [(field: String, detail: String)] {
        let wordLists = fields.map { Self.words(in: $0.text) }
        let sets = wordLists.map { Set($0.map(\.text).filter { $0.contains(where: \.isLetter) }) }
        let names = Self.citableNames(context.input)
        var questions = fields.indices.map { k in
            fields[k].text.contains("?") || wordLists[k].contains { Self.questionWords.contains($0.text) }
        }
        // What a question states beside what it asks is compared as a statement (``statedInQuestion(_:text:)``).
        // (A question's reasons alone make a claim, not its point: they are not compared as the same facts.)
        var parts = wordLists
        var asserted = wordLists
        var reasonsOnly = fields.map { _ in false }, confirmsOnly = reasonsOnly
        for k in fields.indices where questions[k] {
            guard let stated = Self.statedInQuestion(wordLists[k], text: fields[k].text) else { continue }
            (parts[k], asserted[k]) = (stated.words, stated.asserted)
            (reasonsOnly[k], confirmsOnly[k]) = (stated.how == .reasons, stated.how == .confirms)
            questions[k] = false
        }
        let roots = parts.map { Self.citedRoots($0, plan: context.input.plan) }
        let limitsHit = context.input.limitsHit + (context.input.limitsHitEver ?? [])
        // The claim a fact makes when stated: a limit hit says they outgrew the plan, invitations a growing
        // team, pricing page views and checkouts an intent to buy.
        var impliedClaims: [String: String] = [:]
        for limit in limitsHit { impliedClaims[limit] = "outgrown" }
        impliedClaims[Self.limitsHitFact] = "outgrown"
        impliedClaims["team_invite_sent"] = "a growing team"
        impliedClaims["pricing_page_viewed"] = "ready to buy"
        impliedClaims["checkout_started"] = "ready to buy"
        // (What a field asserts implies claims: a question's reasons do not.)
        let affirmative = asserted.map { words in !words.isEmpty && !words.contains { Self.negationWords.contains($0.text) } }
        let statesLimitHit = asserted.map { words in
            words.contains { Self.limitHitWords.contains($0.text) }
        }
        let claims = parts.map { words in
            let stemmed = words.map { Self.stem($0.text) }
            var kinds = Set(Self.claimKinds.filter { $0.phrases.contains { Self.firstOccurrence(of: $0, in: stemmed) != nil } }.map(\.kind))
            // A claim in a concession or a condition is not made: "even with the limits in the way", "if …", "rather
            // than pay for more capacity".
            let conceded =
                Self.firstOccurrence(of: ["even", "with"], in: stemmed) != nil
                || Self.firstOccurrence(of: ["rather", "than"], in: stemmed) != nil
                || Self.firstOccurrence(of: ["instead", "of"], in: stemmed) != nil || stemmed.first == "if"
            if conceded { kinds.remove("outgrown") }
            for claim in Self.spreadClaims {
                if let first = stemmed.firstIndex(where: { claim.first.contains($0) }),
                    stemmed[first..<min(stemmed.count, first + 5)].contains(where: { claim.then.contains($0) })
                {
                    kinds.insert(claim.kind)
                }
            }
            return kinds
        }
        // Each field's facts: the names it cites and the numbers it states.
        let facts: [Set<String>] = fields.indices.map { k in
            var cited = Set(names.filter { $0.roots.isSubset(of: roots[k]) }.map { "name:" + $0.name })
            for number in Self.numberMentions(in: fields[k].text, words: parts[k], skipped: []) {
                // The window ("14 days", "two weeks") frames a fact; it is none.
                if number.kind == .weeks || (number.kind == .days && number.value == context.input.windowDays) { continue }
                cited.insert("n:\(number.value)")
                if number.isRatio || number.isDifference { cited.insert("comparison") }
            }
            // "no plan limit hit yet" states a fact too: that there is none.
            let text = parts[k].map(\.text)
            // "Which plan limits they keep bumping into": the limits hit, whichever they are.
            if let limit = text.firstIndex(where: { Self.limitWords.contains($0) }) {
                if text[max(0, limit - 5)..<limit].contains(where: { ["no", "not", "never"].contains($0) }) {
                    cited.insert("name:no limit hit")
                } else if !limitsHit.isEmpty {
                    cited.insert("name:" + Self.limitsHitFact)
                }
            }
            return cited
        }
        let factRoots = Set(names.flatMap(\.roots) + [Self.root(context.input.plan), "limit"])
        let content = parts.map { words in
            Self.citedRoots(words.filter { !Self.isFraming($0.text) }, plan: context.input.plan).subtracting(factRoots)
                .filter { $0.contains(where: \.isLetter) && !$0.contains(":") }
        }
        let factNames = facts.map { $0.filter { $0.hasPrefix("name:") } }
        let plan = "name:" + context.input.plan
        let limitNames = Set(limitsHit.map { "name:" + $0 })
        func namesLimit(_ k: Int) -> Bool { !factNames[k].isDisjoint(with: limitNames) }
        // Resting on exactly the same two or more facts (the plan, and the limits hit beside a limit named, aside).
        func sameNames(_ a: Int, _ b: Int) -> Bool {
            factNames[a] == factNames[b] && factNames[a].subtracting([plan, "name:" + Self.limitsHitFact]).count >= 2
        }
        var found: [(field: String, detail: String)] = []
        for j in fields.indices {
            var same: [String] = []
            var highest = 0
            var sameFacts = false
            var sameClaim: String?
            for i in 0..<j where !sets[i].isEmpty && !sets[j].isEmpty {
                let shared = sets[i].intersection(sets[j]).count
                let smaller = min(sets[i].count, sets[j].count), larger = max(sets[i].count, sets[j].count)
                let contained =
                    rules.duplicateSimilarityPercent <= 90 && smaller >= 5
                    && shared * 100 / smaller >= 90 && larger * 2 <= smaller * 3
                let percent =
                    contained
                    ? max(shared * 100 / sets[i].union(sets[j]).count, rules.duplicateSimilarityPercent)
                    : shared * 100 / sets[i].union(sets[j]).count
                if percent >= rules.duplicateSimilarityPercent {
                    same.append(fields[i].name); highest = max(highest, percent)
                    continue
                }
                // The same claim about a shared fact: two statements that cite one fact (more than the plan) and
                // say the same kind of thing about it ("outgrown", "ready to buy", "a growing team").
                // (The limits hit, unnamed, are shared with a field naming some; two fields naming their own limits
                // share those.)
                let sharedFacts = factNames[i].intersection(factNames[j]).subtracting([plan])
                    .subtracting(namesLimit(i) && namesLimit(j) ? ["name:" + Self.limitsHitFact] : [])
                // What each says of the shared facts: its own claims, and those stating them implies (a limit hit:
                // outgrown — only when the field says it was hit, "the seat count they need" does not).
                let implied = Set(sharedFacts.compactMap { impliedClaims[String($0.dropFirst(5))] })
                func said(_ k: Int) -> Set<String> {
                    claims[k].union(affirmative[k] ? implied.filter { $0 != "outgrown" || statesLimitHit[k] } : [])
                }
                // "Outgrown" is said of the plan: two statements that both say it of the plan make one point
                // ("pro is no longer enough" and "running longer than the pro plan permits").
                // (A field that states a limit was hit on the plan says it too.)
                func saysOutgrown(_ k: Int) -> Bool {
                    claims[k].contains("outgrown") || (affirmative[k] && statesLimitHit[k] && claims[i == k ? j : i].contains("outgrown"))
                }
                let outgrownPlan =
                    saysOutgrown(i) && saysOutgrown(j) && (claims[i].contains("outgrown") || claims[j].contains("outgrown"))
                    && factNames[i].contains(plan) && factNames[j].contains(plan)
                let statements = !questions[i] && !questions[j]
                var claim: String?
                if statements {
                    // About the whole account, or the plan outgrown: no shared name needed.
                    claim =
                        (affirmative[i] && affirmative[j]
                            ? claims[i].intersection(claims[j]).intersection(Self.wholeAccountClaims).first : nil)
                        ?? (outgrownPlan ? "outgrown" : nil)
                    // About a shared fact: an implied claim counts when the other field says it in words.
                    if claim == nil, !sharedFacts.isEmpty {
                        claim =
                            claims[i].intersection(claims[j]).sorted().first
                            ?? said(i).intersection(said(j)).intersection(claims[i].union(claims[j])).sorted().first
                    }
                } else if !sharedFacts.isEmpty, questions[i] != questions[j] {
                    // A question that restates the claim the other field makes about a shared fact ("ask how often
                    // they run out of storage" after "they hit the storage limit": a limit hit says they outgrew it).
                    let (q, o) = questions[i] ? (i, j) : (j, i)
                    claim = claims[q].intersection(said(o)).sorted().first
                }
                if let claim {
                    same.append(fields[i].name); sameFacts = true; sameClaim = claim
                    continue
                }
                // The same facts, in other words: the names one cites are the other's (at least half of them),
                // its numbers too, it is a statement (a question makes another point), and it adds almost
                // nothing of its own.
                guard !factNames[i].isEmpty, !factNames[j].isEmpty else { continue }
                let (sub, sup) =
                    factNames[j].isSubset(of: factNames[i]) ? (j, i) : (factNames[i].isSubset(of: factNames[j]) ? (i, j) : (-1, -1))
                guard sub >= 0, !questions[sub], !questions[sup], !reasonsOnly[sub], !reasonsOnly[sup],
                    parts[sub].count >= 5
                else { continue }
                // Resting on the very same two or more names, a field may reword more before it is a new point.
                let allowed =
                    confirmsOnly[sub] || confirmsOnly[sup]
                    ? 0
                    : factNames[sub] == factNames[sup] && factNames[sub].subtracting(["name:" + Self.limitsHitFact]).count >= 2
                        ? Self.maxNewWords + 3 : Self.maxNewWords
                let added = content[sub].subtracting(content[sup])
                // Numbers of its own are facts of its own ("28 of its 63 lifetime dashboard uses").
                let numbers = { (k: Int) in facts[k].filter { $0.hasPrefix("n:") } }
                // (Resting on the same two names, counts of them restate; a comparison is a new fact.)
                guard numbers(sub).isSubset(of: numbers(sup)) || (sameNames(sub, sup) && !facts[sub].contains("comparison")) else {
                    continue
                }
                // Resting on exactly the same two or more facts (the plan aside), it is the same point however
                // worded; on one fact, only with few words of its own; on the plan alone, never.
                guard !factNames[sub].subtracting([plan]).isEmpty else { continue }
                // (A question asking to confirm them restates them only with no word of its own.)
                if added.count <= allowed || (sameNames(sub, sup) && !confirmsOnly[sub] && !confirmsOnly[sup]) {
                    same.append(fields[i].name); sameFacts = true
                }
            }
            if !same.isEmpty {
                let how =
                    sameFacts && highest == 0
                    ? "makes the same point as (the same facts\(sameClaim.map { ", the same claim: \($0)" } ?? ""), in other words)"
                    : highest == 100 ? "is the same as" : "is nearly the same as (\(highest)% of words shared)"
                found.append((fields[j].name, "\(how) \(same.joined(separator: " and ")); each field must make a different point"))
            }
        }
        return found
    }
}
