/// Turns one JSON line into ``IncomingEvent``s, or ``Rejection``s with their reasons (SPEC §2): a Segment call
/// (track, page, screen, identify, group, alias), Segment's `{"batch": […]}` envelope (each call its own
/// result), or a seed 004 event.
public struct EventLineParser: Sendable {
    /// The wall-clock time of the ingest: events more than `futureTolerance` after it are refused.
    public var now: Timestamp
    public var futureToleranceMilliseconds: Int64
    /// How each source's lines are read (page naming, clock skew, group and time settings).
    public var sources: BrieferConfiguration.Sources
    /// The source every line is from, or `.auto` to tell per line.
    public var format: EventFormat
    public var segment: BrieferConfiguration.Sources.Segment {
        get { sources.segment }
        set { sources.segment = newValue }
    }

    public init(
        now: Timestamp, futureToleranceSeconds: Int, sources: BrieferConfiguration.Sources = .init(), format: EventFormat = .auto
    ) {
        self.now = now
        self.futureToleranceMilliseconds = Int64(futureToleranceSeconds) * 1000
        self.sources = sources
        self.format = format
    }

    public init(now: Timestamp, futureToleranceSeconds: Int, segment: BrieferConfiguration.Sources.Segment) {
        var sources = BrieferConfiguration.Sources()
        sources.segment = segment
        self.init(now: now, futureToleranceSeconds: futureToleranceSeconds, sources: sources)
    }

    /// Every event of the line: one, each call of a batch envelope, or what a vendor's export line amounts to.
    public func parseLine(_ line: UnsafeBufferPointer<UInt8>) -> [Result<IncomingEvent, Rejection>] {
        // A batch envelope starts with its `batch` member as Segment's libraries write it; anything else is one call.
        guard (format == .auto || format == .segment) && Self.mayBeBatch(line) else { return parseOne(line) }
        if let failure = Self.utf8Failure(line) { return [.failure(failure)] }
        let value: JSONValue
        do { value = try JSONParser.parse(line) } catch { return [.failure(Rejection(.malformedJSON, error.description))] }
        guard value["type"] == nil, value["batch"] != nil else { return parseOne(line) }
        return Self.batchCalls(value).map { call in
            call.flatMap { call in
                parseCall(call.value).mapError { Rejection($0.reason, "batch[\(call.index)]: \($0.detail)") }
            }
        }
    }

    /// One call a client sent as JSON (`briefer serve`). `type`, when given, is the endpoint's (`/v1/track` is a track
    /// call whatever the body says); the call's own otherwise. `sent`, when given, is the call as the client sent it
    /// (before the server stamped its times), whose content is the dedup key of a call without messageId.
    public func parseCall(_ call: JSONValue, type: String? = nil, sent: JSONValue? = nil) -> Result<IncomingEvent, Rejection> {
        guard case var .object(members) = call else { return .failure(Rejection(.malformedJSON, "the call is not a JSON object")) }
        if let type {
            members.removeAll { $0.0 == "type" }
            members.insert(("type", .string(type)), at: 0)
        }
        let value = JSONValue.object(members)
        do {
            return .success(try event(from: value, propertiesText: value["properties"]?.compactText) { sent ?? value })
        } catch let rejection as Rejection {
            return .failure(rejection)
        } catch {
            return .failure(Rejection(.malformedJSON, "\(error)"))
        }
    }

    /// The calls of a batch envelope (`{"batch": […], "context": …, "sentAt": …}`), each with the envelope's context
    /// (its own keys winning), `sentAt` and `receivedAt` — as Segment's libraries send them to `/v1/batch`.
    public static func batchCalls(_ envelope: JSONValue) -> [Result<(index: Int, value: JSONValue), Rejection>] {
        guard case let .array(calls) = envelope["batch"] else { return [.failure(Rejection(.wrongType, "batch must be a list of calls"))] }
        let shared = envelope["context"]
        return calls.enumerated().map { index, call in
            guard case var .object(members) = call else {
                return .failure(Rejection(.malformedJSON, "batch[\(index)] is not a JSON object"))
            }
            if case let .object(sharedContext)? = shared {
                let own: [(String, JSONValue)] = call["context"].flatMap { if case let .object(m) = $0 { m } else { nil } } ?? []
                let ownKeys = Set(own.map(\.0))
                let context = JSONValue.object(sharedContext.filter { !ownKeys.contains($0.0) } + own)
                members.removeAll { $0.0 == "context" }
                members.append(("context", context))
            }
            for key in ["sentAt", "receivedAt"] where call[key] == nil {
                if let v = envelope[key] { members.append((key, v)) }
            }
            return .success((index, .object(members)))
        }
    }

    /// Whether the line's first member is `batch` (how Segment's libraries and exports write the envelope).
    public static func mayBeBatch(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        while i < line.count, line[i] == 0x20 || line[i] == 0x09 || line[i] == 0xEF || line[i] == 0xBB || line[i] == 0xBF { i += 1 }
        guard i < line.count, line[i] == UInt8(ascii: "{") else { return false }
        i += 1
        while i < line.count, line[i] == 0x20 || line[i] == 0x09 { i += 1 }
        let key = Array("\"batch\"".utf8)
        return line.count - i >= key.count && zip(key, line[i..<(i + key.count)]).allSatisfy { $0 == $1 }
    }

    static func utf8Failure(_ line: UnsafeBufferPointer<UInt8>) -> Rejection? {
        var ascii = true
        for byte in line where byte >= 0x80 { ascii = false; break }
        if !ascii, String(validating: line, as: UTF8.self) == nil { return Rejection(.invalidUTF8, "the line is not valid UTF-8") }
        return nil
    }

    public func parseLine(_ line: String) -> [Result<IncomingEvent, Rejection>] {
        var copy = line
        return copy.withUTF8 { parseLine($0) }
    }

    /// The line's first event (the one of a single call; see ``parseLine(_:)`` for lines of several).
    public func parse(_ line: UnsafeBufferPointer<UInt8>) -> Result<IncomingEvent, Rejection> {
        parseLine(line).first ?? .failure(Rejection(.unknownShape, "the line holds no event"))
    }

    /// One line that is not a batch envelope: a Segment call or seed 004 event, or a vendor's export line.
    private func parseOne(_ line: UnsafeBufferPointer<UInt8>) -> [Result<IncomingEvent, Rejection>] {
        // Invalid UTF-8 is its own reason, checked before JSON so that it is not called malformed.
        if let failure = Self.utf8Failure(line) { return [.failure(failure)] }
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
            return [.failure(Rejection(.malformedJSON, error.description))]
        }
        // `properties` is the one member skipped (not built): it is there when its text is.
        let format =
            format == .auto ? VendorCalls.detect(value, has: { value[$0] != nil || ($0 == "properties" && propertiesText != nil) }) : format
        do {
            guard format != .segment else {
                return [.success(try event(from: value, propertiesText: propertiesText) { try JSONParser.parse(line) })]
            }
            guard case .object = value else { throw Rejection(.malformedJSON, "the line is not a JSON object") }
            let whole = try JSONParser.parse(line)
            let calls: [VendorCalls.Call]
            switch format {
            case .posthog: calls = try VendorCalls.posthog(whole, settings: sources.posthog)
            case .amplitude: calls = try VendorCalls.amplitude(whole, settings: sources.amplitude)
            default: calls = try VendorCalls.mixpanel(whole, settings: sources.mixpanel)
            }
            return calls.map { vendor in
                Result {
                    var event = try event(from: vendor.call, propertiesText: vendor.call["properties"]?.compactText) { vendor.call }
                    if let from = vendor.linkFrom, event.userId != nil, from != event.userId {
                        (event.linkFrom, event.linkVia) = (from, vendor.linkVia)
                    }
                    event.isPersonSnapshot = vendor.personSnapshot
                    event.source = format.rawValue
                    return event
                }.mapError { ($0 as? Rejection) ?? Rejection(.malformedJSON, "\($0)") }
            }
        } catch let rejection as Rejection {
            return [.failure(rejection)]
        } catch {
            return [.failure(Rejection(.malformedJSON, "\(error)"))]
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
            guard let known = IncomingEvent.Kind(rawValue: typeName) else {
                throw Rejection(.unsupportedType, "type '\(typeName.prefix(64))' is not track, page, screen, identify, group or alias")
            }
            kind = known
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

        var properties: JSONValue?
        if kind == .page || kind == .screen, let rawProperties, rawProperties.utf8.first == UInt8(ascii: "{") {
            properties = try? JSONParser.parse(rawProperties)
        }
        var name: String?
        var pageCall: JSONValue?
        if kind == .page || kind == .screen {
            let call = Self.pageCall(kind, value, properties: properties ?? .object([]))
            name = Self.pageEventName(kind, call: call, rules: segment.pageEvents)
            pageCall = call
        } else if kind == .track {
            let key = seed004 ? "event_name" : "event"
            guard let raw = value[key], !raw.isNull else { throw Rejection(.missingEventName, "no \(key)") }
            guard let text = raw.stringValue else { throw Rejection(.wrongType, "\(key) must be a string") }
            let trimmed = text.trimmedWhitespace
            guard !trimmed.isEmpty else { throw Rejection(.missingEventName, "\(key) is empty") }
            name = trimmed
        }
        var linkFrom: String?
        switch kind {
        case .track, .page, .screen:
            if userId == nil && anonymousId == nil {
                throw Rejection(.missingUserId, "no \(seed004 ? "user_id" : "userId or anonymousId")")
            }
        case .identify:
            if userId == nil { throw Rejection(.missingUserId, "identify without userId") }
            linkFrom = anonymousId
        case .alias:
            if userId == nil { throw Rejection(.missingUserId, "alias without userId") }
            guard let previous = try identifier(value, "previousId") else { throw Rejection(.missingUserId, "alias without previousId") }
            linkFrom = previous
        case .group:
            break
        }
        if linkFrom == userId { linkFrom = nil }

        let (time, timeKey) = try eventTime(value)
        if time.timestamp.milliseconds > now.milliseconds + futureToleranceMilliseconds {
            throw Rejection(.futureTimestamp, "\(timeKey) \(time.timestamp.iso8601) is after the ingest time \(now.iso8601)")
        }
        let parsed = time

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
        if kind == .identify || kind == .group {
            traits = try object(value, "traits")
        } else if let pageCall {
            traits = pageCall
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
        let (head, tail) = StableHash.hash128(dedupSource.utf8)
        return IncomingEvent(
            kind: kind, dedupHead: Int64(bitPattern: head), dedupTail: Int64(bitPattern: tail), userId: userId, anonymousId: anonymousId,
            name: name, linkFrom: linkFrom, timestamp: parsed.timestamp, timestampHadZone: parsed.hadZone,
            groupHint: groupHint, traits: traits, propertiesText: propertiesText
        )
    }

    /// The event's time: `timestamp`, else `originalTimestamp` — corrected for the device clock's skew as Segment
    /// does when `sentAt` and `receivedAt` come with it (and the correction is on).
    private func eventTime(_ value: JSONValue) throws -> ((timestamp: Timestamp, hadZone: Bool), String) {
        func time(_ key: String) throws -> (timestamp: Timestamp, hadZone: Bool)? {
            guard let raw = value[key], !raw.isNull else { return nil }
            guard let text = raw.stringValue else { throw Rejection(.wrongType, "\(key) must be a string") }
            guard let parsed = Timestamp.parse(text) else { throw Rejection(.badTimestamp, "cannot read \(key) '\(text.prefix(64))'") }
            return (parsed.timestamp, parsed.hadZone)
        }
        if let stamped = try time("timestamp") { return (stamped, "timestamp") }
        guard let original = try time("originalTimestamp") else { throw Rejection(.badTimestamp, "no timestamp") }
        if segment.correctClockSkew, let sent = try time("sentAt"), let received = try time("receivedAt") {
            let corrected = received.timestamp.milliseconds - (sent.timestamp.milliseconds - original.timestamp.milliseconds)
            return ((Timestamp(milliseconds: corrected), original.hadZone), "originalTimestamp (corrected by sentAt, receivedAt)")
        }
        return (original, "originalTimestamp")
    }

    /// What names a page or screen call: its name, category and (a page's) path, as kept in its stored traits.
    static func pageCall(_ kind: IncomingEvent.Kind, _ value: JSONValue, properties: JSONValue) -> JSONValue {
        func text(_ v: JSONValue?) -> String? { v?.stringValue?.trimmedWhitespace.nonEmpty }
        let name = text(value["name"]) ?? text(properties["name"])
        let category = text(value["category"]) ?? text(properties["category"])
        let path =
            kind == .page
            ? text(properties["path"]) ?? text(value["context"]?["page"]?["path"]) ?? text(properties["url"]).flatMap(Self.path(ofURL:))
            : nil
        return .object([("name", name), ("category", category), ("path", path)].compactMap { k, v in v.map { (k, .string($0)) } })
    }

    /// A page or screen call's event name, from what ``pageCall(_:_:properties:)`` kept: the first rule it matches,
    /// else Segment's destinations' naming.
    public static func pageEventName(_ kind: IncomingEvent.Kind, call: JSONValue, rules: [BrieferConfiguration.Sources.PageEventRule])
        -> String
    {
        let (callName, category, path) = (call["name"]?.stringValue, call["category"]?.stringValue, call["path"]?.stringValue)
        for rule in rules {
            if !rule.path.isEmpty, let path, Self.glob(rule.path, matches: path) { return rule.event }
            if !rule.name.isEmpty, let callName, Self.glob(rule.name, matches: callName) { return rule.event }
        }
        switch (kind, callName) {
        case let (.screen, name?): return "Viewed \(name) Screen"
        case (.screen, nil): return "Loaded a Screen"
        case let (_, name?): return "Viewed \(category.map { $0 + " " } ?? "")\(name) Page"
        case (_, nil): return category.map { "Viewed \($0) Page" } ?? "Loaded a Page"
        }
    }

    /// The path of an absolute URL (`https://host/pricing?x` → `/pricing`).
    static func path(ofURL url: String) -> String? {
        let scalars = Array(url.utf8)
        guard
            let colon = (0..<max(scalars.count - 2, 0)).first(where: {
                scalars[$0] == UInt8(ascii: ":") && scalars[$0 + 1] == UInt8(ascii: "/") && scalars[$0 + 2] == UInt8(ascii: "/")
            })
        else { return nil }
        let rest = Substring(decoding: scalars[(colon + 3)...], as: UTF8.self)
        guard let slash = rest.firstIndex(of: "/") else { return "/" }
        let path = rest[slash...]
        return String(path.prefix { $0 != "?" && $0 != "#" })
    }

    /// `*` matches any run of characters; letters match in any case.
    static func glob(_ pattern: String, matches text: String) -> Bool {
        glob(Array(pattern.lowercased().unicodeScalars), matches: Array(text.lowercased().unicodeScalars))
    }

    /// ``glob(_:matches:)`` of a pattern and a text already lower-cased.
    static func glob(_ p: [Unicode.Scalar], matches t: [Unicode.Scalar]) -> Bool {
        var (pi, ti, star, mark) = (0, 0, -1, 0)
        while ti < t.count {
            if pi < p.count, p[pi] != "*", p[pi] == t[ti] {
                pi += 1; ti += 1
            } else if pi < p.count, p[pi] == "*" {
                star = pi; mark = ti; pi += 1
            } else if star >= 0 {
                pi = star + 1; mark += 1; ti = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
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
    /// Nil for the empty string.
    var nonEmpty: String? { isEmpty ? nil : self }

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

/// Event name patterns (`*` matches any run of characters, letters in any case), read once and matched per event.
public struct EventNamePatterns: Sendable, Equatable {
    private let exact: Set<String>
    private let globs: [[Unicode.Scalar]]

    public init(_ patterns: [String]) {
        let lower = patterns.map { $0.lowercased() }
        exact = Set(lower.filter { !$0.contains("*") })
        globs = lower.filter { $0.contains("*") }.map { Array($0.unicodeScalars) }
    }

    public func matches(_ name: String) -> Bool {
        let lower = name.lowercased()
        if exact.contains(lower) { return true }
        guard !globs.isEmpty else { return false }
        let text = Array(lower.unicodeScalars)
        return globs.contains { EventLineParser.glob($0, matches: text) }
    }
}
