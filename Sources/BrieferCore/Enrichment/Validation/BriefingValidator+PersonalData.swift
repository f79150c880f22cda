extension BriefingValidator {
    // MARK: Personal data

    struct PersonalData {
        var text: String
        var range: Range<Int>
        var isEmail: Bool
    }

    /// Email addresses (`local@domain.tld`) and phone numbers in `chars`.
    ///
    /// A phone number is a run of digits with spaces, `-`, `.` or parentheses between groups (optionally
    /// after a `+`), not inside a word, with 7 to 15 digits, and either a leading `+`, at least two groups,
    /// or at least ten digits. Dates (`2026-10-06`) and decimals are not phone numbers.
    static func personalData(in chars: [Character]) -> [PersonalData] {
        var found: [PersonalData] = []
        func isDigit(_ c: Character) -> Bool { c.isASCII && c.isNumber }
        func isLocal(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber || "._%+-".contains(c)) }
        func isDomain(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber || ".-".contains(c)) }

        for at in chars.indices where chars[at] == "@" {
            var start = at
            while start > 0, isLocal(chars[start - 1]) { start -= 1 }
            while start < at, chars[start] == "." { start += 1 }
            var end = at + 1
            while end < chars.count, isDomain(chars[end]) { end += 1 }
            while end > at + 1, chars[end - 1] == "." || chars[end - 1] == "-" { end -= 1 }
            guard start < at, end > at + 1 else { continue }
            let domain = chars[(at + 1)..<end]
            guard let dot = domain.lastIndex(of: "."), dot > at + 1 else { continue }
            let tld = domain[(dot + 1)...]
            guard tld.count >= 2, tld.allSatisfy(\.isLetter) else { continue }
            found.append(PersonalData(text: String(chars[start..<end]), range: start..<end, isEmail: true))
        }

        var i = 0
        while i < chars.count {
            let c = chars[i]
            let opens = (c == "+" || c == "(") && i + 1 < chars.count && isDigit(chars[i + 1])
            let glued = i > 0 && (chars[i - 1].isLetter || chars[i - 1].isNumber || ",.@:".contains(chars[i - 1]))
            guard isDigit(c) || opens, !glued, !found.contains(where: { $0.range.contains(i) }) else { i += 1; continue }
            var j = i
            var groups: [Int] = []
            var inGroup = false
            var separators: Set<Character> = []
            var lastDigit = i
            while j < chars.count {
                let d = chars[j]
                if isDigit(d) {
                    if !inGroup { groups.append(0); inGroup = true }
                    groups[groups.count - 1] += 1
                    lastDigit = j + 1
                } else if d == "+", j == i {
                    inGroup = false
                } else if d == "-" || d == "." || d == "(" || d == ")" {
                    inGroup = false; separators.insert(d)
                } else if d == " ", j + 1 < chars.count, isDigit(chars[j + 1]) || chars[j + 1] == "(" {
                    inGroup = false; separators.insert(d)
                } else {
                    break
                }
                j += 1
            }
            let digits = groups.reduce(0, +)
            let isDate =
                groups.count == 3 && separators.isSubset(of: ["-", "."])
                && (groups[0] == 4 && groups[1] <= 2 && groups[2] <= 2 || groups[0] <= 2 && groups[1] <= 2 && groups[2] == 4)
            let isDecimal = groups.count == 2 && separators == ["."]
            // A date and a time (`2023-01-23 14:31`): the run starts with a year and a dash, or a `:` follows it.
            let isDateTime =
                (groups.first == 4 && i + 4 < chars.count && chars[i + 4] == "-")
                || (lastDigit < chars.count && chars[lastDigit] == ":")
            let gluedAfter = lastDigit < chars.count && chars[lastDigit].isLetter
            if (7...15).contains(digits), c == "+" || groups.count >= 2 || digits >= 10, !isDate, !isDecimal, !isDateTime, !gluedAfter {
                found.append(PersonalData(text: String(chars[i..<lastDigit]), range: i..<lastDigit, isEmail: false))
            }
            i = max(j, i + 1)
        }
        return found
    }

}
