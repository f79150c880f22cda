/// **ungrounded_term**, judged open-world (SPEC §5 grounding): any product, feature, integration, tool
/// or limit name a field uses that the account's input does not contain is ungrounded, whether or not a
/// vocabulary knows it. The vocabulary (the workspace's terms, `known_terms`) helps recognise names; the
/// way a word is written does too (capitals mid-sentence, acronyms, identifiers), and so do nouns that
/// only products have ("the anomaly detection module", "an Epic EHR integration").
///
/// Ordinary English is not a name: a workspace event such as `signed_up` is not named by "when they
/// signed up", and a single lowercase word such as "alerts" is a word before it is a feature. A name
/// under a negation the input supports ("no plan limit reached" with no limits hit) is grounded.
extension BriefingValidator {
    /// One name a field uses, as written, and why it counts as a name.
    struct NameMention: Sendable {
        var text: String
        /// Lowercased words, stemmed.
        var words: [String]
        /// Where, in the field's words.
        var range: Range<Int>
        /// A workspace term (an event, feature, integration or limit of some account), not a product name.
        var isWorkspaceTerm: Bool
    }

    /// Acronyms that are ordinary business words, not product names (RULINGS.md).
    static let ordinaryAcronyms: Set<String> = [
        "sso", "saml", "api", "apis", "sql", "csv", "pdf", "kpi", "kpis", "roi", "sla", "slas", "crm", "sdr", "sdrs",
        "b2b", "b2c", "saas", "etl", "elt", "bi", "ai", "ml", "hr", "it", "qa", "pql", "pqls", "ceo", "cto", "cfo", "coo",
        "cio", "ciso", "cmo", "cro", "vp", "svp", "evp", "ui", "ux", "poc", "mvp", "faq", "url", "urls", "id", "ids",
        "usd", "eur", "gbp", "ok", "us", "uk", "eu", "usa", "q1", "q2", "q3", "q4", "am", "pm", "utc", "tbd", "asap",
        "arr", "mrr", "acv", "tco", "nps", "okr", "okrs", "gtm", "plg", "smb", "smbs", "mid", "llc", "ltd", "inc",
        "gmbh", "ag", "sas", "plc", "bv", "co", "corp", "json", "yaml", "html", "http", "https", "www", "com", "io",
    ]

    /// Capitalised words that are not names: months, days, roles, and words models capitalise in prose.
    static let ordinaryCapitalised: Set<String> = [
        "i", "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
        "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
        "head", "director", "manager", "chief", "officer", "lead", "admin", "administrator", "engineer", "analyst",
        "founder", "cofounder", "owner", "champion", "rep", "sales", "revops", "ops", "operations", "data",
        "engineering", "finance", "product", "marketing", "security", "it", "team", "teams", "company", "account",
        "score", "tier", "hot", "warm", "newly", "plan", "plans", "free", "paid", "trial", "upgrade", "pricing",
        "premium", "activation", "integration", "integrations", "feature", "features", "limit", "limits",
        "dashboard", "dashboards", "report", "reports", "reporting", "analytics", "users", "user",
        "customer", "customers", "success", "support", "legal", "procurement", "leadership", "executive", "board",
        "growth", "revenue", "people", "design", "research",
        "europe", "european", "asia", "americas", "emea", "apac", "latam", "north", "south", "east", "west",
        // The briefing's own keys, which small models recite ("use_case_hypothesis", "Expansion_Signal").
        "use", "case", "hypothesis", "expansion", "signal", "recommended", "opening", "risk", "factor", "usecase",
        "casehypothesis", "risk_f",
    ]

    /// Nouns after a name that say what kind of thing it is; dropped before grounding ("the Snowflake
    /// integration" is grounded by `snowflake`, "the API request limit" by `api_requests`).
    static let nameHeads: Set<String> = [
        "limit", "cap", "quota", "feature", "integration", "connector", "connection", "page", "tool", "module",
        "plan", "tier", "step", "event", "app", "addon", "add", "on", "plugin", "extension", "workspace", "sync",
        "product", "suite", "platform", "account", "data", "usage", "use", "view", "setup",
    ]

    /// Head nouns that only products, modules and integrations have: the words before one of them, when
    /// the input does not have them, name something invented ("the anomaly detection module").
    static let productNouns: Set<String> = [
        "integration", "connector", "plugin", "addon", "module", "extension", "limit", "quota", "feature", "api", "warehouse",
    ]

    /// Words before a product noun that describe it rather than name it ("a CRM integration", "a hard
    /// limit", "their existing connector").
    static let describingWords: Set<String> = [
        "a", "an", "the", "their", "its", "this", "that", "these", "those", "any", "each", "every", "another", "other",
        "one", "new", "more", "first", "next", "same", "existing", "current", "native", "deeper", "deep", "further",
        "competing", "upcoming", "remaining", "incoming", "outgoing", "recurring", "ongoing", "separate", "own", "shared",
        "additional", "extra", "second", "third", "party", "custom", "key", "main", "core", "only", "single", "plan",
        "usage", "rate", "hard", "soft", "upper", "monthly", "daily", "weekly", "free", "paid", "tier", "account",
        "crm", "data", "warehouse", "marketing", "sales", "support", "chat", "messaging", "email", "billing",
        "payment", "payments", "ticketing", "identity", "database", "analytics", "bi", "erp", "hr", "calendar",
        "cloud", "product", "reporting", "communication", "collaboration", "workflow", "automation", "planning",
        "its", "our", "your", "her", "his", "live", "working", "connected", "active", "used", "that", "which",
        "an", "any", "no", "not", "without", "of", "and", "or", "with", "for", "to", "in", "on", "at", "by", "from",
        "is", "are", "was", "were", "has", "have", "had", "be", "been", "s", "t", "it", "they", "them", "one",
        "two", "three", "four", "both", "all", "most", "several", "multiple", "many", "few", "some", "current",
        "higher", "larger", "bigger", "lower", "shared", "team", "dozen", "handful", "couple", "few", "several", "many",
    ]

    /// Words whose presence just before a name negates it ("no", "hasn't connected", "without").
    static let negationWords: Set<String> = [
        "no", "not", "never", "without", "none", "zero", "neither", "nor", "t", "yet", "lacks", "lack", "lacking", "missing",
    ]

    /// Product names that are also ordinary English words: names only when capitalised.
    static let ordinaryWordProducts: Set<String> = [
        "slack", "segment", "excel", "notion", "snowflake", "stripe", "asana", "looker", "okta", "intercom", "teams",
        "sheets", "trello", "marketo", "redshift",
    ]

    /// Country codes and the names and adjectives a briefing may use for them.
    static let countryNames: [String: Set<String>] = [
        "us": ["united", "states", "america", "american", "us", "usa", "u"],
        "gb": ["united", "kingdom", "uk", "britain", "british", "england", "english"],
        "uk": ["united", "kingdom", "uk", "britain", "british", "england", "english"], "de": ["germany", "german"],
        "fr": ["france", "french"], "jp": ["japan", "japanese"], "ca": ["canada", "canadian"], "au": ["australia", "australian"],
        "nl": ["netherlands", "dutch", "holland"], "sg": ["singapore", "singaporean"], "br": ["brazil", "brazilian"],
        "ch": ["switzerland", "swiss"], "in": ["india", "indian"], "es": ["spain", "spanish"], "it": ["italy", "italian"],
        "se": ["sweden", "swedish"], "ie": ["ireland", "irish"], "at": ["austria", "austrian"], "be": ["belgium", "belgian"],
        "dk": ["denmark", "danish"], "no": ["norway", "norwegian"], "fi": ["finland", "finnish"], "pl": ["poland", "polish"],
        "mx": ["mexico", "mexican"], "nz": ["new", "zealand"], "za": ["south", "africa", "african"], "kr": ["korea", "korean"],
        "cn": ["china", "chinese"], "il": ["israel", "israeli"], "ae": ["uae", "emirates"],
    ]

    /// A word reduced to a rough root for matching paraphrases: `building`, `builder` → `build`; `alerting`
    /// → `alert`; `exported` → `export`; `requests` → `request`.
    static func root(_ word: String) -> String {
        var w = stem(word)
        // British "-ogue" ("catalogue", "cataloguing") roots like "-og".
        if w.count > 5, w.hasSuffix("ogu") || w.hasSuffix("ogue") || w.hasSuffix("oguing") || w.hasSuffix("ogued") {
            w = String(w.prefix(while: { _ in true }))
            while !w.hasSuffix("og") { w.removeLast() }
            return w
        }
        for suffix in ["ations", "ation", "ings", "ing", "ers", "er", "ed", "ions", "ion", "ies", "ie", "y", "e"]
        where w.count > suffix.count + 3 && w.hasSuffix(suffix) {
            w = String(w.dropLast(suffix.count))
            // A consonant doubled before the ending is one ("embedded", "embeds" → `embed`), in roots long
            // enough to stay distinct ("running", "planning", "settings" keep theirs: `run`, `plan`, `set` are other words).
            if ["ings", "ing", "ers", "er", "ed"].contains(suffix), w.count >= 6, let last = w.last, w.dropLast().last == last,
                !"aeiouylszf".contains(last)
            {
                w.removeLast()
            }
            break
        }
        return w
    }

    /// Whether a workspace term reads like an event (`signed_up`, `report_exported`): written in plain
    /// lowercase words it describes what someone did, it does not name a thing.
    static func isEventLike(_ words: [String]) -> Bool {
        guard let last = words.last else { return false }
        return last.hasSuffix("ed") || ["up", "in", "out", "sent", "run", "seen", "done", "made", "built", "begun", "set"].contains(last)
    }

    /// The names a field uses (see the type's discussion), each with the words it spans.
    func nameMentions(_ words: [Word], text: String) -> [NameMention] {
        let chars = Array(text)
        let lower = words.map(\.text)
        let stemmed = lower.map(Self.stem)
        var mentions: [NameMention] = []
        var covered: Set<Int> = []
        func add(_ range: Range<Int>, workspace: Bool) {
            guard !range.isEmpty, range.allSatisfy({ !covered.contains($0) }) else { return }
            let start = words[range.lowerBound].range.lowerBound, end = words[range.upperBound - 1].range.upperBound
            mentions.append(
                NameMention(text: String(chars[start..<end]), words: range.map { stemmed[$0] }, range: range, isWorkspaceTerm: workspace))
            covered.formUnion(range)
        }
        func writtenAsIdentifier(_ range: Range<Int>) -> Bool {
            if range.contains(where: { words[$0].isIdentifierLike }) { return true }
            guard range.count > 1 else { return false }
            let start = words[range.lowerBound].range.upperBound, end = words[range.upperBound - 1].range.lowerBound
            return chars[start..<end].contains("_")
        }
        // 1. Terms of the vocabulary, written as names.
        for (entry, range) in vocabulary.mentionRanges(in: stemmed) {
            let capitalised = range.contains { words[$0].isCapitalised && ($0 > 0 || range.count > 1 || entry.isProduct) }
            let isName: Bool
            if entry.isProduct {
                isName = capitalised || !(entry.words.count == 1 && Self.ordinaryWordProducts.contains(entry.words[0]))
            } else {
                isName = writtenAsIdentifier(range) || capitalised || (entry.words.count > 1 && !Self.isEventLike(entry.words))
            }
            if isName { add(range, workspace: !entry.isProduct) }
        }
        // 2. Runs of capitalised words and acronyms (a capital at the start of the field alone is not a sign).
        // A capital after a sentence end (". They", "? Ask") starts a sentence: no sign of a name either.
        func startsSentence(_ index: Int) -> Bool {
            guard index > 0 else { return true }
            var k = words[index].range.lowerBound - 1
            while k >= 0, chars[k] == " " || Self.openers.contains(chars[k]) { k -= 1 }
            return k < 0 || ".!?:;".contains(chars[k])
        }
        var i = 0
        while i < words.count {
            let w = words[i]
            let signal = w.isAcronym || w.isIdentifierLike || (w.isCapitalised && !startsSentence(i))
            guard signal, !covered.contains(i) else { i += 1; continue }
            var j = i
            while j < words.count, !covered.contains(j),
                words[j].isCapitalised || words[j].isAcronym || words[j].text.allSatisfy(\.isNumber) && j > i,
                j == i || words[j - 1].range.upperBound == words[j].range.lowerBound - 1
            {
                j += 1
            }
            add(i..<max(j, i + 1), workspace: false)
            i = max(j, i + 1)
        }
        // 3. Words written with underscores (`report_builder`) that the vocabulary does not know.
        for index in words.indices where !covered.contains(index) {
            let end = words[index].range.upperBound
            if end < chars.count, chars[end] == "_", index + 1 < words.count {
                var j = index + 1
                while j < words.count, words[j - 1].range.upperBound < chars.count, chars[words[j - 1].range.upperBound] == "_" { j += 1 }
                add(index..<j, workspace: true)
            }
        }
        // 4. Lowercase words between a determiner and a noun only products have: "the anomaly detection module".
        // (An acronym head such as "API" is a name only with the words before it: "the cohort export API".)
        // … and only as the head, not inside "an earlier API request cap".
        let functionWords: Set<String> = [
            "would", "could", "will", "to", "for", "or", "and", "that", "which", "is", "was", "so", "from", "in",
            "on", "with", "instead", "rather", "they", "it", "by", "as", "but", "if",
        ]
        for index in words.indices
        where Self.productNouns.contains(Self.stem(lower[index]))
            && (!covered.contains(index)
                || (lower[index] == "api" && (index + 1 == words.count || functionWords.contains(lower[index + 1]))))
        {
            if lower[index] == "api", index + 1 < words.count, !functionWords.contains(lower[index + 1]) { continue }
            var start = index
            while start > 0, index - start < 2, !covered.contains(start - 1), !Self.describingWords.contains(lower[start - 1]),
                lower[start - 1].allSatisfy(\.isLetter), Self.numberWordValue(lower[start - 1]) == nil
            {
                // A participle describes a state ("the connected integration") unless it opens a longer name
                // right after the determiner ("the scheduled queries feature").
                // (The second half of a hyphenated compound is part of a name: "the matter-tracking module".)
                let hyphenated = words[start - 1].range.lowerBound > 0 && chars[words[start - 1].range.lowerBound - 1] == "-"
                let participle =
                    !hyphenated && (lower[start - 1].hasSuffix("ed") || (lower[start - 1].hasSuffix("ing") && lower[start - 1].count <= 8))
                if participle,
                    !(start < index && start >= 2 && ["the", "their", "its", "an", "a", "our", "this"].contains(lower[start - 2]))
                {
                    break
                }
                start -= 1
            }
            let determined =
                start > 0 && ["the", "their", "its", "an", "a", "our", "this"].contains(lower[start - 1])
                && (lower[index] != "feature" || index - start >= 2)
            if start < index, determined { add(start..<index, workspace: true) }
        }
        return mentions.sorted { $0.range.lowerBound < $1.range.lowerBound }
    }

    /// Whether the name is one the input has: all its words (past ordinary capitalised words, acronyms
    /// and kind-of-thing nouns) are words of one string of the input, a configured product name, or the
    /// input's country; or it is negated and the input does not have it (a negation the input supports).
    func isGrounded(_ name: NameMention, words: [Word], context: Context) -> Bool {
        var core = name.words.filter { !Self.nameHeads.contains($0) }
        if core.isEmpty { core = name.words }
        let candidates = core.filter { word in
            !(Self.ordinaryAcronyms.contains(word) || Self.ordinaryCapitalised.contains(word) || word.allSatisfy(\.isNumber))
        }
        if candidates.isEmpty { return true }
        // A single letter ("X", "B") is not a name; nor are the briefing's own keys, in any cut.
        if candidates.allSatisfy({ $0.count < 2 }) { return true }
        let keys = Briefing.fieldNames.joined().replacing("_", with: "")
        if candidates.allSatisfy({ keys.contains($0) }) { return true }
        if context.grounds(core) { return true }
        let roots = candidates.map(Self.root)
        if context.rootSets.contains(where: { set in roots.allSatisfy(set.contains) }) { return true }
        if context.productRootSets.contains(where: { set in roots.allSatisfy(set.contains) }) { return true }
        if roots.allSatisfy({ context.countryWords.contains($0) }) { return true }
        if candidates.count == name.words.count, candidates.allSatisfy({ context.companyWords.contains($0) }) { return true }
        // Negated: "no plan_limit_reached events", "has not used row_level_security".
        if name.isWorkspaceTerm {
            let before = words[max(0, name.range.lowerBound - 4)..<name.range.lowerBound].map(\.text)
            if before.contains(where: Self.negationWords.contains) { return true }
        }
        return false
    }
}
