/// Text scanning shared by every rule: words, sentences, fences, quoting.
extension BriefingValidator {
    /// **multiple_sentences**: a period after one of these (lowercased, with their dots) does not end a
    /// sentence. Initials (`J.`, `U.S.`) and the input's company name's own abbreviations (`Ltd.` in
    /// "Globex Ltd.") do not either.
    public static let abbreviations: Set<String> = [
        "e.g.", "i.e.", "vs.", "etc.", "inc.", "ltd.", "co.", "corp.", "llc.", "plc.", "mr.", "mrs.", "ms.", "dr.",
        "prof.", "st.", "jr.", "sr.", "no.", "approx.", "est.", "dept.", "cf.", "al.", "fig.", "avg.", "ca.", "resp.",
    ]

    /// A word of a text: a run of letters and digits, lowercased, with its place (character offsets).
    struct Word: Sendable {
        var text: String
        var range: Range<Int>
        /// As written (letter case kept): names are told from ordinary words partly by their capitals.
        var original: String = ""

        /// Written with a capital letter (`Slack`, `SQL`, `HubSpot`).
        var isCapitalised: Bool { original.first?.isUppercase == true }
        /// Two or more letters, all capitals (`SSO`, `HIPAA`, `SOC`).
        var isAcronym: Bool {
            original.count >= 2 && original.allSatisfy { $0.isUppercase || $0.isNumber } && original.contains(where: \.isLetter)
        }
        /// Capitals after the first letter, or letters and digits mixed (`HubSpot`, `dbt2`, `S3`).
        var isIdentifierLike: Bool {
            original.dropFirst().contains(where: \.isUppercase) && original.contains(where: \.isLowercase)
                || original.contains(where: \.isLetter) && original.contains(where: \.isNumber)
        }
    }

    /// The words of `text`: runs of letters and digits, lowercased; everything else separates words.
    static func words(in text: String) -> [Word] {
        var out: [Word] = []
        var current = ""
        var start = 0
        var offset = 0
        for character in text {
            if character.isLetter || character.isNumber {
                if current.isEmpty { start = offset }
                current.append(character)
            } else if !current.isEmpty {
                out.append(Word(text: current.lowercased(), range: start..<offset, original: current))
                current = ""
            }
            offset += 1
        }
        if !current.isEmpty { out.append(Word(text: current.lowercased(), range: start..<offset, original: current)) }
        return out
    }

    /// The indices of the words followed by punctuation that ends a clause or a phrase (`,;:.()`).
    static func punctuationStops(in text: String, words: [Word]) -> Set<Int> {
        let chars = Array(text)
        return Set(
            words.indices.dropLast().filter { k in
                words[k].range.upperBound <= words[k + 1].range.lowerBound
                    && chars[words[k].range.upperBound..<words[k + 1].range.lowerBound].contains(where: { ",;:.()".contains($0) })
            })
    }

    /// `word` without a trailing plural `s` (not `ss`, not in words of three letters or fewer). Applied the
    /// same way to both sides of a comparison, so "postgres" and "postgre" match, which is harmless.
    static func stem(_ word: String) -> String {
        guard word.count > 3, word.hasSuffix("s"), !word.hasSuffix("ss") else { return word }
        return String(word.dropLast())
    }

    /// Where `needle` first occurs as a contiguous run in `haystack`.
    static func firstOccurrence(of needle: [String], in haystack: [String]) -> Int? {
        guard !needle.isEmpty, needle.count <= haystack.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return start }
        }
        return nil
    }

    static let instructionPhraseWords: [[String]] = instructionPhrases.map { words(in: $0).map(\.text) }
    static let refusalPhraseWords: [[String]] = refusalPhrases.map { words(in: $0).map(\.text) }
    static let markerWords: [[String]] = plantedInstructionMarkers.map { words(in: $0).map(\.text) }
    static let payloadLeadWords: [[String]] = payloadLeads.map { words(in: $0).map(\.text) }
    static let idiomWords: [[String]] = numberIdioms.map { words(in: $0).map(\.text) }

    /// The refusal phrase `text` contains, if any.
    static func refusalPhrase(in text: String) -> String? {
        let words = words(in: text).map(\.text)
        return refusalPhraseWords.first { firstOccurrence(of: $0, in: words) != nil }?.joined(separator: " ")
    }

    /// The content without surrounding whitespace and without one Markdown fence around all of it
    /// (```` ``` ```` or ```` ```json ```` on the first line, ```` ``` ```` at the end).
    static func unfenced(_ content: String) -> String {
        var text = content.trimmedWhitespace
        guard text.hasPrefix("```") else { return text }
        text.removeFirst(3)
        if let newline = text.firstIndex(where: \.isNewline) {
            let tag = String(text[..<newline]).trimmedWhitespace
            if tag.allSatisfy({ $0.isLetter }) { text = String(text[text.index(after: newline)...]) }
        } else {
            text = String(text.drop(while: \.isLetter))
        }
        text = text.trimmedWhitespace
        if text.hasSuffix("```") { text.removeLast(3) }
        return text.trimmedWhitespace
    }

    static func kind(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// `text` cleaned like untrusted text and cut to `max` characters, in double quotes.
    static func quote(_ text: String, max: Int = 60, quoted: Bool = true) -> String {
        let clean = UntrustedText.sanitize(text, maxCharacters: max).replacing("\"", with: "'")
        return quoted ? "\"\(clean)\"" : clean
    }

    // MARK: Sentences

    static let terminators: Set<Character> = [".", "!", "?"]
    static let closers: Set<Character> = ["\"", "'", "”", "’", ")", "]", "»", "*"]
    static let openers: Set<Character> = ["\"", "'", "“", "‘", "(", "[", "«", "*"]

    /// A token as the sentence rule compares it: lowercased, without opening quotes and brackets before it
    /// or closing ones after it.
    static func sentenceToken(_ characters: [Character]) -> String {
        var slice = characters[...]
        while let first = slice.first, openers.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, closers.contains(last) { slice = slice.dropLast() }
        return String(slice).lowercased()
    }

    /// Where each sentence after the first starts (character offsets).
    ///
    /// A sentence ends at `.`, `!` or `?` (a run of them, then any closing quotes or brackets) followed by
    /// whitespace and more text. Not an end: a terminator not followed by whitespace (`2.5`, `acme.com`,
    /// `report_builder.csv`), an ellipsis (`...`), a period after an abbreviation in ``abbreviations`` or
    /// after initials (`J.`, `U.S.`), and the company name's own tokens (`Ltd.`, `Yahoo!`) in `exempt`.
    static func sentenceStarts(in text: String, exempt: Set<String>) -> [Int] {
        let chars = Array(text)
        var starts: [Int] = []
        var i = 0
        while i < chars.count {
            guard terminators.contains(chars[i]) else { i += 1; continue }
            var end = i
            while end < chars.count, terminators.contains(chars[end]) { end += 1 }
            defer { i = end }
            var next = end
            while next < chars.count, closers.contains(chars[next]) { next += 1 }
            guard next < chars.count, chars[next].isWhitespace else { continue }
            while next < chars.count, chars[next].isWhitespace { next += 1 }
            guard next < chars.count else { continue }
            let run = chars[i..<end]
            if run.count >= 2, run.allSatisfy({ $0 == "." }) { continue }
            var start = i
            while start > 0, !chars[start - 1].isWhitespace { start -= 1 }
            let token = sentenceToken(Array(chars[start..<end]))
            if exempt.contains(token) { continue }
            if run.count == 1, run.first == "." {
                if abbreviations.contains(token) { continue }
                let parts = token.dropLast().split(separator: ".", omittingEmptySubsequences: false)
                if !parts.isEmpty, parts.allSatisfy({ $0.count == 1 && $0.first!.isLetter }) { continue }
            }
            starts.append(next)
        }
        return starts
    }

}
