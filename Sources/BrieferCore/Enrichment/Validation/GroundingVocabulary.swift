/// Names a briefing might mention that must be grounded: every feature, integration, limit and event
/// name seen anywhere in the workspace (event names and property values), the companies' tech-stack
/// tools, and the configured known terms (SPEC §5, grounding vocabulary).
///
/// A term is compared as a sequence of words: lowercased, anything that is not a letter or a digit
/// (`_`, `-`, spaces, dots) separating words, and a trailing plural `s` ignored on every word, so
/// `report_builder` is mentioned by "report builder", "Report-Builder" and "report builders".
///
/// Some values seen in event properties are ordinary English words that any briefing uses
/// ("team" as a plan name, "password" as a login method): single-word terms in ``commonWords`` are
/// not kept, nor are terms with fewer than two letters (ids such as `d_288`) or single words shorter
/// than three characters. Configured known terms (``BrieferConfiguration/BriefingRules/knownTerms``)
/// are always kept: someone chose them.
public struct GroundingVocabulary: Sendable {
    /// One kept term: as given, and as the words it is compared by.
    struct Entry: Sendable {
        let term: String
        let words: [String]
        /// A configured product name (``BrieferConfiguration/BriefingRules/knownTerms``): a name in any
        /// letter case, where a workspace term (an event or property value) is one only when written as one.
        var isProduct = false
    }

    /// Single words that are too common in sales prose to count as a product name on their own.
    public static let commonWords: Set<String> = [
        "team", "teams", "pro", "free", "plan", "plans", "enterprise", "business", "basic", "starter", "standard",
        "premium", "trial", "user", "users", "account", "accounts", "data", "email", "password", "login", "page",
        "source", "from", "list", "format", "method", "none", "unknown", "other", "yes", "no", "true", "false",
        "default", "all", "new", "web", "app", "mobile", "desktop", "home", "settings", "admin", "owner", "member",
    ]

    private(set) var entries: [Entry] = []
    private var byFirstWord: [String: [Int]] = [:]
    private var keys: Set<[String]> = []
    private let ignoredWords: Set<String>

    /// The vocabulary of `terms`, without the single-word ``commonWords``.
    public init(terms: some Sequence<String>) {
        self.init(terms: terms, ignoring: Self.commonWords)
    }

    /// The vocabulary of `terms`, without the single-word terms in `ignoring`.
    public init(terms: some Sequence<String>, ignoring: Set<String>) {
        ignoredWords = Set(ignoring.map { $0.lowercased() })
        add(terms, keepCommon: false)
    }

    /// The terms kept, as given, in the order first given.
    public var terms: [String] { entries.map(\.term) }

    public var count: Int { entries.count }

    /// This vocabulary and `terms`; with `keepCommon`, common words among them are kept too.
    public func adding(_ terms: some Sequence<String>, keepCommon: Bool = false) -> GroundingVocabulary {
        var copy = self
        copy.add(terms, keepCommon: keepCommon)
        return copy
    }

    /// This vocabulary and the product names `terms` (kept whatever they are, marked as products; a
    /// workspace term of the same words becomes a product too).
    func addingProducts(_ terms: some Sequence<String>) -> GroundingVocabulary {
        var copy = self
        copy.add(terms, keepCommon: true, product: true)
        return copy
    }

    private mutating func add(_ terms: some Sequence<String>, keepCommon: Bool, product: Bool = false) {
        for term in terms {
            let plain = BriefingValidator.words(in: term).map(\.text)
            guard !plain.isEmpty, term.reduce(0, { $0 + ($1.isLetter ? 1 : 0) }) >= 2 else { continue }
            if plain.count == 1, !keepCommon, ignoredWords.contains(plain[0]) || plain[0].count < 3 { continue }
            let words = plain.map(BriefingValidator.stem)
            guard keys.insert(words).inserted else {
                if product, let index = entries.firstIndex(where: { $0.words == words }) { entries[index].isProduct = true }
                continue
            }
            byFirstWord[words[0], default: []].append(entries.count)
            entries.append(Entry(term: term.trimmedWhitespace, words: words, isProduct: product))
        }
    }

    /// The terms mentioned in `words` (a text's stemmed words), each once, in order of first mention.
    func mentions(in words: [String]) -> [Entry] { mentionRanges(in: words).map(\.entry) }

    /// The terms mentioned in `words`, each once (at its first mention), with the words it spans.
    func mentionRanges(in words: [String]) -> [(entry: Entry, range: Range<Int>)] {
        var found: [(entry: Entry, range: Range<Int>)] = []
        var seen: Set<Int> = []
        for start in words.indices {
            for index in byFirstWord[words[start]] ?? [] where !seen.contains(index) {
                let term = entries[index].words
                if start + term.count <= words.count, words[start..<(start + term.count)].elementsEqual(term) {
                    seen.insert(index)
                    found.append((entries[index], start..<(start + term.count)))
                }
            }
        }
        return found
    }
}
