/// Text from the data (company names, titles, event properties) on its way into a prompt: data, never
/// instructions (SPEC §5). It is cleaned so that it cannot break out of the prompt's delimited data block,
/// hide characters from a reader, or flood the prompt.
public enum UntrustedText {
    /// `text` without control, format (zero-width, bidirectional override) or line-breaking characters,
    /// whitespace runs collapsed to one space, the data block's delimiters `<` `>` and the template's
    /// braces replaced by look-alikes, and cut to `maxCharacters` (ending in `…` when cut).
    public static func sanitize(_ text: String, maxCharacters: Int) -> String {
        var out = ""
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            let props = scalar.properties
            switch props.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned:
                if props.isWhitespace { pendingSpace = !out.isEmpty }  // tab, line and paragraph breaks separate words
                continue
            case .spaceSeparator:
                pendingSpace = !out.isEmpty
                continue
            default:
                break
            }
            if pendingSpace { out.append(" "); pendingSpace = false }
            switch scalar {
            case "<": out.append("‹")
            case ">": out.append("›")
            case "{": out.append("(")
            case "}": out.append(")")
            default: out.unicodeScalars.append(scalar)
            }
        }
        guard out.count > maxCharacters else { return out }
        let kept = out.prefix(max(0, maxCharacters - 1))
        return String(kept.reversed().drop(while: { $0 == " " }).reversed()) + "…"
    }

    /// `text` with every email address and phone number in it (as the validator finds them) replaced by
    /// `[email]` / `[phone]`.
    public static func maskingPersonalData(_ text: String) -> String {
        replacingPersonalData(text) { _, isEmail in isEmail ? "[email]" : "[phone]" }
    }

    /// `text` with each email address `matches` accepts replaced by `replacement`.
    public static func replacingEmails(in text: String, where matches: (String) -> Bool, with replacement: String) -> String {
        guard text.contains("@") else { return text }
        return replacingPersonalData(text) { value, isEmail in isEmail && matches(value) ? replacement : nil }
    }

    /// `text` with each email address and phone number found replaced by what `replacement` gives for
    /// it (nil keeps it).
    static func replacingPersonalData(_ text: String, _ replacement: (_ value: String, _ isEmail: Bool) -> String?) -> String {
        let chars = Array(text)
        let found = BriefingValidator.personalData(in: chars).sorted { $0.range.lowerBound < $1.range.lowerBound }
        guard !found.isEmpty else { return text }
        var out = ""
        var next = 0
        for item in found where item.range.lowerBound >= next {
            guard let replaced = replacement(item.text, item.isEmail) else { continue }
            out += String(chars[next..<item.range.lowerBound]) + replaced
            next = item.range.upperBound
        }
        return out + String(chars[next...])
    }

    /// The whole numbers written with digits in `text` (`1,200` is 1200; `3.5` is 3 and 5).
    public static func integers(in text: String) -> Set<Int> {
        Set(numberRuns(in: Array(text)).map(\.value))
    }

    /// Each number written with digits in `chars`, with where it starts and ends: a thousands separator
    /// (`1,200`) continues a number, any other character ends it. Every reading of numbers in text (what
    /// the input states, what a briefing states or cites) goes through this one scanner.
    static func numberRuns(in chars: [Character]) -> [(value: Int, start: Int, end: Int)] {
        func isDigit(_ i: Int) -> Bool { i < chars.count && chars[i].isASCII && chars[i].isNumber }
        var runs: [(value: Int, start: Int, end: Int)] = []
        var digits = ""
        var start = 0
        func flush(at end: Int) {
            if !digits.isEmpty, let n = Int(digits.prefix(18)) { runs.append((n, start, end)) }
            digits = ""
        }
        var i = 0
        while i < chars.count {
            if isDigit(i) {
                if digits.isEmpty { start = i }
                digits.append(chars[i])
            } else if chars[i] == ",", !digits.isEmpty, isDigit(i + 1), isDigit(i + 2), isDigit(i + 3), !isDigit(i + 4) {
                // a thousands separator: the same number goes on
            } else {
                flush(at: i)
            }
            i += 1
        }
        flush(at: chars.count)
        return runs
    }
}
