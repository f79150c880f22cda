/// Turns one JSON line into an ``IncomingEvent`` or a ``Rejection`` with its reason (SPEC §2).
public struct EventLineParser: Sendable {
    /// The wall-clock time of the ingest: events more than `futureTolerance` after it are refused.
    public var now: Timestamp
    public var futureToleranceMilliseconds: Int64

    public init(now: Timestamp, futureToleranceSeconds: Int) {
        self.now = now
        self.futureToleranceMilliseconds = Int64(futureToleranceSeconds) * 1000
    }

    public func parse(_ line: UnsafeBufferPointer<UInt8>) -> Result<IncomingEvent, Rejection> {
        // Invalid UTF-8 is its own reason, checked before JSON so that it is not called malformed.
        var ascii = true
        for byte in line where byte >= 0x80 { ascii = false; break }
        if !ascii, String(validating: line, as: UTF8.self) == nil {
            return .failure(Rejection(.invalidUTF8, "the line is not valid UTF-8"))
        }
        let value: JSONValue
        var propertiesText: String?
        do {
            // Properties are checked but not built: ingest stores them as written.
            let document = try JSONParser.parseDocument(line, skipping: ["properties"])
            value = document.value
            if let range = document.memberRanges.last(where: { $0.key == "properties" })?.range {
                propertiesText = String(decoding: UnsafeBufferPointer(rebasing: line[range]), as: UTF8.self)
            }
        } catch {
            return .failure(Rejection(.malformedJSON, error.description))
        }
        do {
            return .success(try event(from: value, propertiesText: propertiesText) { try JSONParser.parse(line) })
        } catch let rejection as Rejection {
            return .failure(rejection)
        } catch {
            return .failure(Rejection(.malformedJSON, "\(error)"))
        }
    }

    public func parse(_ line: String) -> Result<IncomingEvent, Rejection> {
        var copy = line
        return copy.withUTF8 { parse($0) }
    }

    /// - Parameters:
    ///   - value: the line, with `properties` not built.
    ///   - propertiesText: the `properties` member as written, when present.
    ///   - whole: the whole line, built (for the content hash of a line without messageId).
    func event(from value: JSONValue, propertiesText rawProperties: String?, whole: () throws -> JSONValue) throws -> IncomingEvent {
        guard case .object = value else { throw Rejection(.malformedJSON, "the line is not a JSON object") }
        let kind: IncomingEvent.Kind
        let seed004: Bool
        if let type = value["type"] {
            guard let typeName = type.stringValue else { throw Rejection(.wrongType, "type must be a string") }
            switch typeName {
            case "track": kind = .track
            case "identify": kind = .identify
            case "group": kind = .group
            default: throw Rejection(.unsupportedType, "type '\(typeName)' is not track, identify or group")
            }
            seed004 = false
        } else if value["event_name"] != nil || value["user_id"] != nil {
            kind = .track
            seed004 = true
        } else if value["event"] != nil || value["userId"] != nil {
            kind = .track
            seed004 = false
        } else {
            throw Rejection(.unknownShape, "neither a Segment call (type) nor a seed 004 event (user_id, event_name)")
        }

        let userId = try identifier(value, seed004 ? "user_id" : "userId")
        let anonymousId = seed004 ? nil : try identifier(value, "anonymousId")

        var name: String?
        if kind == .track {
            let key = seed004 ? "event_name" : "event"
            guard let raw = value[key], !raw.isNull else { throw Rejection(.missingEventName, "no \(key)") }
            guard let text = raw.stringValue else { throw Rejection(.wrongType, "\(key) must be a string") }
            let trimmed = text.trimmedWhitespace
            guard !trimmed.isEmpty else { throw Rejection(.missingEventName, "\(key) is empty") }
            name = trimmed
        }
        switch kind {
        case .track:
            if userId == nil && anonymousId == nil {
                throw Rejection(.missingUserId, "no \(seed004 ? "user_id" : "userId or anonymousId")")
            }
        case .identify:
            if userId == nil { throw Rejection(.missingUserId, "identify without userId") }
        case .group:
            break
        }

        let timeKey = (value["timestamp"].map { !$0.isNull } ?? false) ? "timestamp" : "originalTimestamp"
        guard let timeValue = value[timeKey], !timeValue.isNull else { throw Rejection(.badTimestamp, "no timestamp") }
        guard let timeText = timeValue.stringValue else { throw Rejection(.wrongType, "\(timeKey) must be a string") }
        guard let parsed = Timestamp.parse(timeText) else {
            throw Rejection(.badTimestamp, "cannot read \(timeKey) '\(timeText.prefix(64))'")
        }
        if parsed.timestamp.milliseconds > now.milliseconds + futureToleranceMilliseconds {
            throw Rejection(.futureTimestamp, "\(timeKey) \(parsed.timestamp.iso8601) is after the ingest time \(now.iso8601)")
        }

        var propertiesText = "{}"
        if let raw = rawProperties {
            switch raw.utf8.first {
            case UInt8(ascii: "{"): propertiesText = raw
            case UInt8(ascii: "n"): break  // null
            default: throw Rejection(.wrongType, "properties must be an object")
            }
        }
        let context = try object(value, "context")
        var traits: JSONValue = .object([])
        if kind != .track {
            traits = try object(value, "traits")
        }

        var groupHint: String?
        if kind == .group {
            guard let g = try identifier(value, "groupId") else { throw Rejection(.missingGroupId, "group call without groupId") }
            groupHint = g
        } else if let g = try identifier(context, "groupId") {
            groupHint = g
        } else if let d = try identifier(context, "company_domain") {
            groupHint = d
        }

        let dedupSource: String
        if let messageId = value["messageId"], !messageId.isNull {
            guard let id = messageId.stringValue else { throw Rejection(.wrongType, "messageId must be a string") }
            dedupSource = "m:" + id
        } else {
            dedupSource = "c:" + (try whole()).canonicalText
        }
        return IncomingEvent(
            kind: kind, dedupKey: StableHash.digest(dedupSource.utf8), userId: userId, anonymousId: anonymousId,
            name: name, timestamp: parsed.timestamp, timestampHadZone: parsed.hadZone,
            groupHint: groupHint, traits: traits, propertiesText: propertiesText
        )
    }

    /// A string (or integer) identifier; nil when absent, null or empty; wrong_type otherwise.
    private func identifier(_ value: JSONValue, _ key: String) throws -> String? {
        guard let raw = value[key] else { return nil }
        switch raw {
        case .null: return nil
        case let .string(s):
            let t = s.trimmedWhitespace
            return t.isEmpty ? nil : t
        case let .number(n) where !n.contains(".") && !n.contains("e") && !n.contains("E"):
            return n
        default:
            throw Rejection(.wrongType, "\(key) must be a string")
        }
    }

    private func object(_ value: JSONValue, _ key: String) throws -> JSONValue {
        guard let raw = value[key], !raw.isNull else { return .object([]) }
        guard case .object = raw else { throw Rejection(.wrongType, "\(key) must be an object") }
        return raw
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    public var trimmedWhitespace: String {
        // Fast path: nothing to trim when both ends are visible ASCII.
        let utf8 = self.utf8
        if let first = utf8.first, let last = utf8.last, first > 0x20, first < 0x80, last > 0x20, last < 0x80 { return self }
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[first...last])
    }
}
