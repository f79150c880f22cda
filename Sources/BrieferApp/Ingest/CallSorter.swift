import BrieferCore
import BrieferStore

/// What ingest does with the calls one line amounts to — a line of a file, or a call a client sent `briefer serve` —
/// so that both keep the same rules: a forgotten person's calls are counted and kept out, a vendor's person snapshots
/// are kept one per person, content and UTC day, bad calls go to the quarantine with their reason, and the summary's
/// counts are kept.
struct CallSorter {
    let forgotten: ForgottenPeople
    let extraction: ActivityExtraction
    /// A vendor's events repeat the person's properties: an identify is kept only when they change (or the day does).
    private var lastSnapshot: [String: [UInt8]] = [:]
    /// The calls to store and the lines to quarantine, until the caller takes them.
    var events: [IncomingEvent] = []
    var rejected: [QuarantinedLine] = []
    /// The raw bytes held in `rejected` (a caller flushes past a bound, so memory stays flat).
    var rejectedBytes = 0

    init(forgotten: ForgottenPeople, extraction: ActivityExtraction) {
        self.forgotten = forgotten
        self.extraction = extraction
    }

    /// Sorts one line's parsed calls into `events` and `rejected`, counting them in `file`.
    /// - Parameter envelope: the line is a batch envelope: each bad call is kept apart (by its index).
    mutating func take(
        _ results: consuming [Result<IncomingEvent, Rejection>], path: String, line: Int, raw: @autoclosure () -> [UInt8],
        envelope: Bool, file: inout IngestSummary.File
    ) {
        if results.isEmpty { file.withoutCalls += 1 }
        // Each call moved out of the list (not copied: an event holds many references), in order.
        var results = results
        results.reverse()
        var index = -1
        while let result = results.popLast() {
            index += 1
            switch consume result {
            case let .success(event) where forgotten.covers(event):
                file.forgotten += 1
            case let .success(event) where event.isPersonSnapshot:
                // One snapshot per person, content and UTC day: whatever order the export comes in, a score as of any
                // day sees the properties the person had by then. One carrying a link is always kept.
                let key = StableHash.digest((event.traits.canonicalText + "|\(event.timestamp.day)").utf8)
                guard let user = event.userId, event.linkFrom != nil || lastSnapshot[user] != key else { continue }
                lastSnapshot[user] = key
                events.append(forgotten.isEmpty ? event : forgotten.redacting(event))
            case let .success(event):
                if !event.timestampHadZone { file.zonelessTimestamps += 1 }
                if event.kind.isActivity && extraction.isSystemEvent(source: event.source, name: event.name ?? "") {
                    file.systemEvents += 1
                } else if event.kind.isActivity && event.userId == nil {
                    file.anonymousEvents += 1
                }
                events.append(forgotten.isEmpty ? event : forgotten.redacting(event))
            case let .failure(rejection):
                reject(rejection, path: path, line: line, raw: raw(), part: envelope ? index : nil, file: &file)
            }
        }
    }

    /// Quarantines a bad line or call (or counts it as a forgotten person's, not kept).
    mutating func reject(_ rejection: Rejection, path: String, line: Int, raw: [UInt8], part: Int? = nil, file: inout IngestSummary.File) {
        if forgotten.mentioned(in: Array(raw.prefix(LineReader.keptOfOversized))) {
            file.forgotten += 1
            return
        }
        file.quarantined += 1
        file.quarantineReasons[rejection.reason.rawValue, default: 0] += 1
        rejected.append(QuarantinedLine(file: path, line: line, reason: rejection.reason, detail: rejection.detail, raw: raw, part: part))
        rejectedBytes += raw.count
    }

    /// Hands over what was sorted so far.
    mutating func drain() -> (events: [IncomingEvent], rejected: [QuarantinedLine]) {
        defer {
            events = []
            rejected = []
            rejectedBytes = 0
        }
        return (events, rejected)
    }
}
