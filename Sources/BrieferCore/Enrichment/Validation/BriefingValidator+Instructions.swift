/// Refusals, talk about instructions or the prompt, and instructions planted in the data (codes
/// `refusal` and `instruction_echo`).
extension BriefingValidator {
    /// **refusal**: a sentence that declines the task, as word sequences (apostrophes split words:
    /// "I'm" is `i m`). Looked for in content that is not JSON, and in every string field of JSON content.
    public static let refusalPhrases: [String] = [
        "i m sorry but i can", "i am sorry but i can", "sorry but i cannot", "sorry but i can t",
        "i cannot help with", "i can t help with", "i cannot assist", "i can t assist", "i m unable to", "i am unable to",
        "i cannot provide", "i can t provide", "i cannot fulfill", "i can t fulfill", "i cannot comply", "i can t comply",
        "i won t be able to", "i must decline", "as an ai language model",
    ]

    /// **instruction_echo**: phrases that talk about instructions or the prompt. A briefing is about an
    /// account; these only appear when the model repeats an injection or describes itself.
    public static let instructionPhrases: [String] = [
        "ignore all previous instructions", "ignore previous instructions", "ignore all prior instructions",
        "ignore prior instructions", "ignore all instructions", "ignore the above", "previous instructions",
        "prior instructions", "new instructions", "my instructions", "your instructions", "disregard", "system prompt",
        "my prompt", "your prompt", "this prompt", "as an ai", "as a language model", "you are now",
        "the instructions", "these instructions", "my instructions", "the data i was given", "i was given", "provided to me",
        "given to me", "the account data block", "the data block", "the prompt", "language model", "ai assistant",
        "this briefing", "the data provided", "data provided", "the data given", "i was asked", "was asked to", "my read",
        "my analysis", "my assessment",
    ]

    /// **instruction_echo**: a briefing speaks of the account, never in the first person singular: "I" (and
    /// "me", "my", "myself") outside quotation marks is the model talking about itself ("I can't see their
    /// budget"). A suggested line for the rep in quotes may say "I".
    /// Verbs that open an opening written as advice to the rep rather than as the rep's own line: its
    /// "I" is the writer's.
    static let adviceVerbs: Set<String> = [
        "ask", "open", "start", "begin", "lead", "mention", "offer", "suggest", "call", "congratulate", "reference", "propose",
        "share", "point", "frame", "acknowledge", "highlight", "bring", "raise", "use", "focus", "invite", "walk", "show", "send",
        "email", "pitch", "position", "recommend", "explain", "discuss", "note", "cite", "kick",
    ]

    static func talksAboutItself(_ words: [Word], text: String) -> String? {
        let chars = Array(text)
        var quoted = Array(repeating: false, count: chars.count)
        var inside = false
        for (i, c) in chars.enumerated() {
            if c == "\"" || c == "“" || c == "”" { inside = c == "“" ? true : (c == "”" ? false : !inside) }
            quoted[i] = inside
        }
        for word in words where ["i", "me", "my", "myself"].contains(word.text) && !quoted[word.range.lowerBound] {
            if word.text == "i", word.original != "I" { continue }
            return word.original
        }
        return nil
    }

    /// **instruction_echo**: words that make a string of the input read like an instruction. From the
    /// first of them on, every run of three words of that string is planted text a briefing must not repeat.
    public static let plantedInstructionMarkers: [String] = [
        "ignore", "disregard", "instruction", "instructions", "system prompt", "prompt", "you are now", "reply with",
        "respond with", "answer with", "forget", "pretend", "act as", "jailbreak", "api key", "access token",
        // A call to contact someone, its number or address masked in the prompt ("call [phone] or [email]").
        "call [phone]", "email [email]", "text [phone]", "contact [phone]", "contact [email]", "write to [email]",
    ]

    /// **instruction_echo**: in a string that reads like an instruction, the words after one of these (up
    /// to four, to the next "and"/"then"/"or") are the payload (`reply with "BUY NOW"`), as is any quoted text.
    /// A payload of fewer than four letters is not checked (it would match ordinary words).
    public static let payloadLeads: [String] = [
        "reply with", "respond with", "answer with", "say", "output", "print", "write", "type", "return",
    ]

    // MARK: Planted instructions

    /// The word runs of `text` a briefing must not repeat, when `text` reads like an instruction (it
    /// contains one of ``plantedInstructionMarkers``): every three-word run from the first marker on (or
    /// all of it when it is shorter), quoted text, and the payload after a lead of ``payloadLeads``.
    /// Empty for ordinary text.
    static func plantedRuns(in text: String) -> [[String]] {
        let tokens = words(in: text).map(\.text)
        guard let markerStart = instructionStart(in: tokens) else { return [] }
        func substantial(_ run: [String]) -> Bool { run.reduce(0) { $0 + $1.count } >= 4 }
        var runs: [[String]] = []
        let suffix = Array(tokens[markerStart...])
        if suffix.count >= 3 {
            for start in 0...(suffix.count - 3) { runs.append(Array(suffix[start..<(start + 3)])) }
        } else if substantial(suffix) {
            runs.append(suffix)  // a short instruction ("IGNORE ALL") is planted as a whole
        }
        // Quoted text, anywhere in the string.
        let pairs: [Character: Character] = ["\"": "\"", "“": "”", "«": "»"]
        var open: (Character, String.Index)?
        for index in text.indices {
            let c = text[index]
            if let (closing, start) = open {
                if c == closing || (closing == "”" && c == "\"") {
                    let inner = words(in: String(text[text.index(after: start)..<index])).map(\.text)
                    if !inner.isEmpty, substantial(inner) { runs.append(inner) }
                    open = nil
                }
            } else if let closing = pairs[c] {
                open = (closing, index)
            }
        }
        // The payload after "reply with", "say", ….
        for lead in payloadLeadWords {
            var start = 0
            while start + lead.count <= tokens.count {
                if tokens[start..<(start + lead.count)].elementsEqual(lead) {
                    var payload: [String] = []
                    for word in tokens[(start + lead.count)...] {
                        if ["and", "then", "or"].contains(word) || payload.count == 4 { break }
                        payload.append(word)
                    }
                    if !payload.isEmpty, substantial(payload) { runs.append(payload) }
                    // A run of two or more words in capitals in the payload is planted as a run ("FREE UPGRADE",
                    // "CALL NOW"); a single one alone ("respond with ARRR"), unless it
                    // is a common word a briefing uses anyway ("FREE UPGRADE", "CALL NOW" stay runs).
                    let original = words(in: text)
                    var shouted: [String] = []
                    for k in (start + lead.count)..<min(tokens.count, start + lead.count + 5) where k < original.count {
                        if original[k].isAcronym { shouted.append(original[k].text) } else { break }
                    }
                    if shouted.count >= 2 { runs.append(shouted) }
                    for k in (start + lead.count)..<min(tokens.count, start + lead.count + 4) where k < original.count {
                        let w = original[k]
                        if w.isAcronym, w.text.count >= 4, !commonCapitalWords.contains(w.text), !ordinaryAcronyms.contains(w.text) {
                            runs.append([w.text])
                        }
                    }
                }
                start += 1
            }
        }
        return runs
    }

    /// The multiword instruction markers a planted string uses ("reply with", "you are now"): a briefing
    /// that repeats one repeats the instruction, whatever follows it.
    static func plantedMarkers(in text: String) -> [[String]] {
        let tokens = words(in: text).map(\.text)
        guard instructionStart(in: tokens) != nil else { return [] }
        return (markerWords + payloadLeadWords).filter { $0.count > 1 && firstOccurrence(of: $0, in: tokens) != nil }
    }

    /// Words a planted payload may shout that briefings use anyway.
    static let commonCapitalWords: Set<String> = [
        "free", "upgrade", "call", "now", "buy", "sign", "today", "urgent", "yes", "stop", "help", "every", "field",
        "please", "sale", "deal", "offer", "only", "here", "this", "that", "with", "your", "their", "plan",
    ]

    /// The index (in `tokens`) of the first instruction marker, if any.
    static func instructionStart(in tokens: [String]) -> Int? {
        markerWords.compactMap { firstOccurrence(of: $0, in: tokens) }.min()
    }
}
