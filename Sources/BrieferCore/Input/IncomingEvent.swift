/// One accepted event line, in either Segment shape (track / identify / group) or seed 004's.
public struct IncomingEvent: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable { case track, identify, group }

    public var kind: Kind
    /// 16 bytes: the hash of `m:<messageId>`, or of `c:<canonical line>` when there is no messageId.
    public var dedupKey: [UInt8]

    /// The dedup key's first and last 8 bytes as signed integers (how the store keeps them).
    public var dedupHead: Int64 { Int64(bitPattern: dedupKey.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }) }
    public var dedupTail: Int64 { Int64(bitPattern: dedupKey.suffix(8).reduce(0) { $0 << 8 | UInt64($1) }) }
    public var userId: String?
    public var anonymousId: String?
    /// The track event's name; nil for identify and group calls.
    public var name: String?
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
