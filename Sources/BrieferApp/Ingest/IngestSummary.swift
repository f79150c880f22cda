import BrieferCore

/// What an ingest did, per file and in total (SPEC §2: nothing is dropped silently).
public struct IngestSummary: Sendable, Codable, Equatable {
    public struct File: Sendable, Codable, Equatable {
        public var path: String
        public var kind: String
        public var read = 0
        public var inserted = 0
        public var duplicates = 0
        /// Bad lines found in this run (every one is in the quarantine)...
        public var quarantined = 0
        /// ...of which this many were already there from an earlier ingest of the same file.
        public var alreadyQuarantined = 0
        public var quarantineReasons: [String: Int] = [:]
        /// Times without a zone offset, read as UTC.
        public var zonelessTimestamps = 0
        /// Events with only an anonymousId: stored, counted, scored for nobody.
        public var anonymousEvents = 0
        /// Lines and rows of people `briefer forget` removed: not stored.
        public var forgotten = 0
        /// Identity links set aside, the id being linked to another user first (SPEC §2).
        public var linkConflicts = 0
        /// Activity events timestamped before retention's horizon (`retention.raw_event_days`): not stored, since their
        /// raw events were compacted away and a duplicate could no longer be told apart.
        public var expired = 0
        /// A vendor's system events (`sources.<vendor>.ignored_events`): stored, never activity (the links and person
        /// properties they carry still count).
        public var systemEvents = 0
        /// Lines that amount to no call (another group type's `$groupidentify`, an Amplitude `$identify` of no user,
        /// an empty batch envelope): read, nothing to store.
        public var withoutCalls = 0
        /// Why the file was not read to its end (a corrupt or truncated compressed stream): the lines before were.
        public var error: String?
    }

    public var files: [File] = []
    public var read: Int { files.reduce(0) { $0 + $1.read } }
    public var inserted: Int { files.reduce(0) { $0 + $1.inserted } }
    public var duplicates: Int { files.reduce(0) { $0 + $1.duplicates } }
    public var quarantined: Int { files.reduce(0) { $0 + $1.quarantined } }
    public var alreadyQuarantined: Int { files.reduce(0) { $0 + $1.alreadyQuarantined } }
    public var forgotten: Int { files.reduce(0) { $0 + $1.forgotten } }
    public var linkConflicts: Int { files.reduce(0) { $0 + $1.linkConflicts } }
    public var expired: Int { files.reduce(0) { $0 + $1.expired } }
    public var systemEvents: Int { files.reduce(0) { $0 + $1.systemEvents } }
    public var withoutCalls: Int { files.reduce(0) { $0 + $1.withoutCalls } }
    /// Files not read to their end.
    public var unfinished: [File] { files.filter { $0.error != nil } }
    public var quarantineReasons: [String: Int] {
        files.reduce(into: [:]) { totals, file in for (k, v) in file.quarantineReasons { totals[k, default: 0] += v } }
    }
}
