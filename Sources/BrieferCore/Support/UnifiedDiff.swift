/// A line diff in the unified format `diff -u` and `git diff` print: `---`/`+++` headers, then hunks
/// `@@ -a,b +c,d @@` with up to `context` unchanged lines around each change.
public enum UnifiedDiff {
    /// The diff from `old` to `new`, or nil when they are the same text.
    public static func diff(_ old: String, _ new: String, oldName: String, newName: String, context: Int = 3) -> String? {
        guard old != new else { return nil }
        let a = lines(old), b = lines(new)
        if a == b {
            // Nothing a line diff can show: say what differs instead of an empty diff.
            return "--- \(oldName)\n+++ \(newName)\n(the texts differ only in line endings or the newline at the end)"
        }
        let ops = edits(a, b)
        var out = ["--- \(oldName)", "+++ \(newName)"]
        // Group the edit script into hunks: changes closer than 2·context lines share one.
        var index = 0
        while index < ops.count {
            guard let firstChange = ops[index...].firstIndex(where: { $0.kind != .same }) else { break }
            var last = firstChange
            var scan = firstChange
            while scan < ops.count {
                if ops[scan].kind != .same { last = scan; scan += 1; continue }
                let nextChange = ops[scan...].firstIndex { $0.kind != .same }
                guard let next = nextChange, next - last - 1 <= 2 * context else { break }
                scan = next
            }
            let start = max(firstChange - context, index)
            let end = min(last + context, ops.count - 1)
            let hunk = ops[start...end]
            let oldStart = hunk.first!.oldLine, newStart = hunk.first!.newLine
            let oldCount = hunk.filter { $0.kind != .inserted }.count
            let newCount = hunk.filter { $0.kind != .deleted }.count
            out.append("@@ -\(range(oldStart, oldCount)) +\(range(newStart, newCount)) @@")
            for op in hunk {
                switch op.kind {
                case .same: out.append(" " + op.text)
                case .deleted: out.append("-" + op.text)
                case .inserted: out.append("+" + op.text)
                }
            }
            index = end + 1
        }
        return out.joined(separator: "\n")
    }

    static func range(_ start: Int, _ count: Int) -> String {
        // diff -u: an empty range is shown at the line before it.
        count == 0 ? "\(start - 1),0" : count == 1 ? "\(start)" : "\(start),\(count)"
    }

    static func lines(_ text: String) -> [String] {
        // "\r\n" is one Character in Swift: split on both line ends.
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    struct Edit {
        enum Kind { case same, deleted, inserted }
        var kind: Kind
        var text: String
        /// 1-based line numbers in each side where this edit sits.
        var oldLine: Int
        var newLine: Int
    }

    /// The shortest edit script by longest common subsequence (prompts are tens of lines: O(n·m) is fine).
    static func edits(_ a: [String], _ b: [String]) -> [Edit] {
        let n = a.count, m = b.count
        var lcs = Array(repeating: Array(repeating: 0, count: m + 1), count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : max(lcs[i + 1][j], lcs[i][j + 1])
            }
        }
        var out: [Edit] = []
        var i = 0, j = 0
        while i < n || j < m {
            if i < n, j < m, a[i] == b[j] {
                out.append(Edit(kind: .same, text: a[i], oldLine: i + 1, newLine: j + 1)); i += 1; j += 1
            } else if i < n, j == m || lcs[i + 1][j] >= lcs[i][j + 1] {
                out.append(Edit(kind: .deleted, text: a[i], oldLine: i + 1, newLine: j + 1)); i += 1
            } else {
                out.append(Edit(kind: .inserted, text: b[j], oldLine: i + 1, newLine: j + 1)); j += 1
            }
        }
        return out
    }
}
