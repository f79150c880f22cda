/// One accepted event: a Segment call (track, page, screen, identify, group, alias) or a seed 004 event.
public struct IncomingEvent: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case track, identify, group, page, screen, alias

        /// Calls that are something a person did (scored): track, page and screen.
        public var isActivity: Bool { self == .track || self == .page || self == .screen }
        /// The kinds that are activity, as stored (for SQL).
        public static let activityKinds = allCases.filter(\.isActivity).map(\.rawValue)
    }

    public var kind: Kind
    /// The dedup key's first and last 8 bytes (big-endian) as signed integers, as the store keeps them.
    public var dedupHead: Int64
    public var dedupTail: Int64

    /// 16 bytes: the hash of `m:<messageId>`, or of `c:<canonical line>` when there is no messageId.
    public var dedupKey: [UInt8] {
        get {
            [dedupHead, dedupTail].flatMap { v in (0..<8).map { UInt8(truncatingIfNeeded: UInt64(bitPattern: v) >> (56 - 8 * UInt64($0))) }
            }
        }
        set {
            dedupHead = Int64(bitPattern: newValue.prefix(8).reduce(0) { $0 << 8 | UInt64($1) })
            dedupTail = Int64(bitPattern: newValue.suffix(8).reduce(0) { $0 << 8 | UInt64($1) })
        }
    }
    public var userId: String?
    public var anonymousId: String?
    /// The event's name (a page or screen call's as its rules name it); nil for identify, group and alias calls.
    public var name: String?
    /// The id this call links to `userId` (SPEC §2 identity stitching): an identify's `anonymousId`, an alias's
    /// `previousId`.
    public var linkFrom: String?
    /// What made the link, when not the call itself (`amplitude device_id`).
    public var linkVia: String?
    /// An identify made of the person properties a vendor's event carries: a snapshot that many events repeat.
    public var isPersonSnapshot = false
    /// The export a vendor's event came from (`posthog`, `amplitude`, `mixpanel`); nil for Segment's calls and seed
    /// 004's events. Stored with the event: which of its events are system events is the source's setting.
    public var source: String?
    public var timestamp: Timestamp
    /// False when the time had no zone offset and was read as UTC (counted in the summary).
    public var timestampHadZone: Bool
    /// The properties, parsed from ``propertiesText`` when asked for (ingest mostly only stores them).
    public var properties: JSONValue { (try? JSONParser.parse(propertiesText)) ?? .object([]) }
    /// The account hint: `context.groupId`, seed 004's `context.company_domain`, or a group call's `groupId`.
    public var groupHint: String?
    /// identify or group traits.
    public var traits: JSONValue

    /// Properties as written in the line (stored as they came).
    public var propertiesText: String
}
