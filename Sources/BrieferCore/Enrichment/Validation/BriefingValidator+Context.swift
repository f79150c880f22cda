// MARK: - What the input allows

extension BriefingValidator {
    /// What one account's input grounds, worked out once per validation.
    struct Context {
        /// The stemmed words of every string of the input (names, company, account, reasons).
        let groundingTexts: [[String]]
        /// The stemmed words of the usage names a concrete fact can cite.
        let factNames: [[String]]
        /// The input's numbers other than the window length (unless it is also one of them).
        let factNumbers: Set<Int>
        /// The company name's own tokens that end in `.`, `!` or `?` ("ltd.", "yahoo!").
        let exemptTokens: Set<String>
        /// Word runs from strings that read like instructions, and which string they came from.
        let planted: [(words: [String], source: String)]
        /// Every string of the input, lowercased, and only its digits, for personal data.
        let lowercasedTexts: [String]
        let digitTexts: [String]
        /// A fact of this input to suggest in a no_concrete_fact detail.
        let exampleFact: String
        /// The input itself, for the rules that read its counts and lists (contradictions).
        let input: PromptInput
        /// The roots of each string's words (``BriefingValidator/root(_:)``): paraphrases of its names.
        let rootSets: [Set<String>]
        /// The roots of each configured product name (`product_terms`).
        let productRootSets: [Set<String>]
        /// The input's country as its code and the names and adjectives a briefing may use for it.
        let countryWords: Set<String>
        /// The company name's words (stemmed).
        let companyWords: Set<String>
        /// The input's values by kind of count, for numbers (with the number words its strings contain,
        /// "Three Rivers Ltd").
        let numberFacts: NumberFacts

        init(input: PromptInput, rules: BrieferConfiguration.BriefingRules) {
            let texts =
                [input.account, input.companyName] + (input.country.map { [$0] } ?? []) + input.mentionedNames + input.reasons
                + input.wordedReasons
            groundingTexts = texts.map { BriefingValidator.words(in: $0).map(\.text).map(BriefingValidator.stem) }
            var numbers = input.mentionedNumbers
            for text in texts {
                for word in BriefingValidator.words(in: text) { if let n = BriefingValidator.numberWords[word.text] { numbers.insert(n) } }
            }
            self.input = input
            rootSets = texts.map { Set(BriefingValidator.words(in: $0).map { BriefingValidator.root($0.text) }) }
            productRootSets = rules.productTerms.map { Set(BriefingValidator.words(in: $0).map { BriefingValidator.root($0.text) }) }
            let code = input.country?.trimmedWhitespace.lowercased() ?? ""
            countryWords = Set((BriefingValidator.countryNames[code] ?? []).map(BriefingValidator.root) + (code.isEmpty ? [] : [code]))
            companyWords = Set(BriefingValidator.words(in: input.companyName).map { BriefingValidator.stem($0.text) })
            numberFacts = NumberFacts(input: input, numbersInStrings: numbers)

            let names =
                input.completedActivations + input.missingActivations + input.integrations + input.limitsHit
                + input.techStack + input.topFeatures.map(\.name) + input.recentEvents.map(\.name)
            factNames = names.map { BriefingValidator.words(in: $0).map(\.text).map(BriefingValidator.stem) }.filter { !$0.isEmpty }
            var facts: Set<Int> = [input.score, input.users, input.activeUsers, input.activeDays, input.invitedTeammates]
            if let employees = input.employeeCount { facts.insert(employees) }
            for usage in input.topFeatures + input.recentEvents { facts.insert(usage.count) }
            for text in names + input.reasons { facts.formUnion(UntrustedText.integers(in: text)) }
            factNumbers = facts

            var exempt: Set<String> = []
            for token in input.companyName.split(whereSeparator: \.isWhitespace) {
                let cleaned = BriefingValidator.sentenceToken(Array(token))
                if let last = cleaned.last, BriefingValidator.terminators.contains(last) { exempt.insert(cleaned) }
            }
            exemptTokens = exempt

            var planted: [(words: [String], source: String)] = []
            let sources =
                [(input.companyName, "company name"), (input.account, "account domain")]
                + (input.industry.map { [($0, "industry")] } ?? []) + (input.country.map { [($0, "country")] } ?? [])
                + input.mentionedNames.map { ($0, "feature, event or tool names") }
                + input.reasons.map { ($0, "reason codes") }
            // Read as the model sees it: personal data masked ("call [phone] or [email]").
            for (text, source) in sources.map({ (UntrustedText.maskingPersonalData($0.0), $0.1) }) {
                for words in BriefingValidator.plantedRuns(in: text) + BriefingValidator.plantedMarkers(in: text) {
                    planted.append((words, source))
                }
            }
            self.planted = planted

            lowercasedTexts = texts.map { $0.lowercased() }
            digitTexts = texts.map { String($0.filter { $0.isASCII && $0.isNumber }) }

            func clean(_ s: String) -> String { BriefingValidator.quote(s, max: min(40, rules.maxUntrustedChars)) }
            let safe = { (s: String) in BriefingValidator.plantedRuns(in: s).isEmpty && !s.trimmedWhitespace.isEmpty }
            if let feature = input.topFeatures.first(where: { safe($0.name) }) {
                exampleFact = "\(clean(feature.name)) (used \(feature.count) times)"
            } else if let limit = input.limitsHit.first(where: safe) {
                exampleFact = "the \(clean(limit)) limit it reached"
            } else if let name = names.first(where: safe) {
                exampleFact = clean(name)
            } else if input.invitedTeammates > 0 {
                exampleFact = "its \(input.invitedTeammates) invited teammates"
            } else {
                exampleFact = "its PQL score of \(input.score)"
            }
        }

        /// Whether some string of the input contains the words (a vocabulary term's).
        func grounds(_ words: [String]) -> Bool {
            groundingTexts.contains { BriefingValidator.firstOccurrence(of: words, in: $0) != nil }
        }

        func contains(personal item: PersonalData) -> Bool {
            if item.isEmail { return lowercasedTexts.contains { $0.contains(item.text.lowercased()) } }
            let digits = String(item.text.filter { $0.isASCII && $0.isNumber })
            return digitTexts.contains { $0.contains(digits) }
        }
    }
}
