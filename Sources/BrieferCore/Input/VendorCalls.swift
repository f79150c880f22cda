import Foundation

/// Where an event line comes from (SPEC §2), detected per line or named with `briefer ingest --format`.
public enum EventFormat: String, Sendable, CaseIterable, Codable {
    case auto, segment, posthog, amplitude, mixpanel
}

/// PostHog, Amplitude and Mixpanel export lines as the Segment calls they amount to, so that one path validates,
/// deduplicates, names, links and stores every source alike. Each mapping follows the vendor's documentation, cited
/// in Fixtures/sources/<vendor>/README.md beside a sample export and its expected result.
public enum VendorCalls {
    /// One Segment call made of a vendor line, and the id the line links to its user (an identity merge).
    public struct Call {
        public var call: JSONValue
        public var linkFrom: String?
        public var linkVia: String?
        /// An identify made of the person properties an event carries (a snapshot, repeated on many events).
        public var personSnapshot = false
        init(_ call: JSONValue, linkFrom: String? = nil, linkVia: String? = nil, personSnapshot: Bool = false) {
            self.call = call; self.linkFrom = linkFrom; self.linkVia = linkVia; self.personSnapshot = personSnapshot
        }

        /// The identify a vendor's event amounts to through the person properties it carries (its id the event's + `:person`).
        static func snapshot(
            _ traits: JSONValue, id: String?, time: String, userId: String, linkFrom: String? = nil, linkVia: String? = nil
        ) -> Call {
            Call(
                VendorCalls.call("identify", id: id.map { $0 + ":person" }, time: time, userId: userId, anonymousId: nil, traits: traits),
                linkFrom: linkFrom, linkVia: linkVia, personSnapshot: true)
        }
    }

    /// Which source a line's top-level members say it is from (Segment covers seed 004's shape).
    static func detect(_ value: JSONValue, has: (String) -> Bool) -> EventFormat {
        if has("type") || has("userId") || has("anonymousId") || has("event_name") || has("user_id") && !has("event_type") {
            return .segment
        }
        if has("event_type") { return .amplitude }
        if has("distinct_id") && has("event") { return .posthog }
        if has("event") && has("properties") && !has("timestamp") { return .mixpanel }
        return .segment
    }

    static func text(_ value: JSONValue?) -> String? {
        switch value {
        case let .string(s)?: return s.trimmedWhitespace.nonEmpty
        case let .number(n)?: return n
        default: return nil
        }
    }

    /// Builds an object from the pairs whose values are present.
    static func object(_ pairs: [(String, JSONValue?)]) -> JSONValue { .object(pairs.compactMap { k, v in v.map { (k, $0) } }) }

    /// Person properties as identify traits: email, title, company (a name or an object), created time.
    static func traits(_ person: JSONValue?) -> JSONValue? {
        guard let person, case .object = person else { return nil }
        let company: JSONValue? =
            person["company"].flatMap { if case .object = $0 { $0 } else { text($0).map { .object([("name", .string($0))]) } } }
        let traits = object([
            ("email", (text(person["email"]) ?? text(person["$email"])).map(JSONValue.string)),
            ("title", (text(person["title"]) ?? text(person["job_title"])).map(JSONValue.string)),
            ("company", company),
            ("created_at", (text(person["created_at"]) ?? text(person["$created"])).map(JSONValue.string)),
        ])
        if case let .object(members) = traits, members.isEmpty { return nil }
        return traits
    }

    /// A call of `type` with the common members.
    static func call(
        _ type: String, id: String?, time: String, userId: String?, anonymousId: String?, name: (String, String)? = nil,
        properties: JSONValue? = nil, traits: JSONValue? = nil, groupId: String? = nil, extra: [(String, JSONValue?)] = []
    ) -> JSONValue {
        object(
            [
                ("type", .string(type)), ("messageId", id.map(JSONValue.string)), ("timestamp", .string(time)),
                ("userId", userId.map(JSONValue.string)), ("anonymousId", anonymousId.map(JSONValue.string)),
                name.map { ($0.0, JSONValue.string($0.1)) } ?? ("", nil), ("properties", properties), ("traits", traits),
                ("context", groupId.map { .object([("groupId", .string($0))]) }),
            ] + extra)
    }

    // MARK: PostHog

    /// A PostHog event (`uuid`, `event`, `distinct_id`, `timestamp`, `properties`): `$identify` links
    /// `$anon_distinct_id` to the user and its `$set` person properties are traits; `$create_alias` is an alias;
    /// `$groupidentify` of the configured group type is a group call; `$pageview` and `$screen` are page and screen
    /// calls; any other event is a track call, its account `$groups.<type>`. A `distinct_id` PostHog marks
    /// unidentified (`$is_identified: false`, or the browser's `$device_id`) is an anonymous id.
    static func posthog(_ value: JSONValue, settings: BrieferConfiguration.Sources.PostHog) throws -> [Call] {
        guard let event = text(value["event"]) else { throw Rejection(.missingEventName, "no event") }
        guard let distinct = text(value["distinct_id"]) else { throw Rejection(.missingUserId, "no distinct_id") }
        guard let time = text(value["timestamp"]) else { throw Rejection(.badTimestamp, "no timestamp") }
        let properties = value["properties"] ?? .object([])
        let id = text(value["uuid"])
        let anonymous =
            properties["$is_identified"] == .bool(false) || (text(properties["$device_id"]).map { $0 == distinct } ?? false)
        let (userId, anonymousId) = anonymous ? (nil, distinct) : (distinct, nil as String?)
        let group = text(properties["$groups"]?[settings.groupType])
        var calls: [Call] = []
        // Exported events carry the person's properties in `person_properties`; `$set` / `$set_once` where captured.
        var person: JSONValue? = value["person_properties"]
        for key in ["$set", "$set_once"] {
            guard case let .object(more)? = properties[key] else { continue }
            guard case let .object(held)? = person else {
                person = properties[key]
                continue
            }
            let keys = Set(held.map(\.0))
            person = .object(held + more.filter { !keys.contains($0.0) })
        }
        switch event {
        case "$identify":
            let anon = text(properties["$anon_distinct_id"])
            calls.append(
                Call(
                    call("identify", id: id, time: time, userId: distinct, anonymousId: anon, traits: traits(person) ?? .object([]))))
            return calls
        case "$create_alias":
            guard let alias = text(properties["alias"]) else { throw Rejection(.missingUserId, "$create_alias without alias") }
            // Sent from an anonymous distinct id, the alias is the user the visitor turns out to be.
            if anonymous {
                return [Call(call("identify", id: id, time: time, userId: alias, anonymousId: distinct, traits: .object([])))]
            }
            return [
                Call(
                    call("alias", id: id, time: time, userId: distinct, anonymousId: nil, extra: [("previousId", .string(alias))]))
            ]
        case "$groupidentify":
            guard text(properties["$group_type"]) == settings.groupType, let key = text(properties["$group_key"]) else { return [] }
            return [
                Call(
                    call(
                        // Server-side libraries send it under a made-up distinct id ($company_<key>): it names no person.
                        "group", id: id, time: time, userId: nil, anonymousId: nil,
                        traits: properties["$group_set"] ?? .object([]),
                        extra: [("groupId", .string(key))]))
            ]
        case "$pageview":
            let page = object([
                ("path", (text(properties["$pathname"])).map(JSONValue.string)),
                ("url", text(properties["$current_url"]).map(JSONValue.string)),
                ("title", text(properties["title"]).map(JSONValue.string)),
            ])
            calls.append(
                Call(
                    call("page", id: id, time: time, userId: userId, anonymousId: anonymousId, properties: page, groupId: group)))
        case "$screen":
            let name = text(properties["$screen_name"])
            calls.append(
                Call(
                    call(
                        "screen", id: id, time: time, userId: userId, anonymousId: anonymousId, name: name.map { ("name", $0) },
                        properties: .object([]), groupId: group)))
        default:
            calls.append(
                Call(
                    call(
                        "track", id: id, time: time, userId: userId, anonymousId: anonymousId, name: ("event", event),
                        properties: properties,
                        groupId: group)))
        }
        // Person properties set on an ordinary event are what an identify would say.
        if let userId, let traits = traits(person) {
            calls.append(.snapshot(traits, id: id, time: time, userId: userId))
        }
        return calls
    }

    // MARK: Amplitude

    /// An Amplitude export event (`$insert_id` else `uuid`, `event_type`, `user_id`, `device_id`, `event_time` in UTC,
    /// `event_properties`, `user_properties`, `groups`): a track call, its account `groups.<type>`; a device id beside a
    /// user id links the device to the user; `$identify` (and person properties on any event) are identify traits;
    /// `[Amplitude] Page Viewed` is a page call.
    static func amplitude(_ value: JSONValue, settings: BrieferConfiguration.Sources.Amplitude) throws -> [Call] {
        guard let event = text(value["event_type"]) else { throw Rejection(.missingEventName, "no event_type") }
        guard let rawTime = text(value["event_time"]) ?? text(value["client_event_time"]) else {
            throw Rejection(.badTimestamp, "no event_time")
        }
        // "2026-11-10 10:00:00.123000" or "2026-11-10T10:00:00.123000": UTC per Amplitude's export, written without a zone.
        let time = utc(rawTime)
        let userId = text(value["user_id"]), device = text(value["device_id"])
        guard userId != nil || device != nil else { throw Rejection(.missingUserId, "no user_id or device_id") }
        // Amplitude drops a repeated insert_id of the same device or user (HTTP V2 API): the id is scoped so.
        let id = text(value["$insert_id"]).map { "\($0)|\(userId ?? device ?? "")" } ?? text(value["uuid"])
        var group: String?
        switch value["groups"]?[settings.groupType] {
        case let .array(values)?: group = values.lazy.compactMap(text).first
        case let single: group = text(single)
        }
        let properties = value["event_properties"] ?? .object([])
        let link = userId != nil ? device : nil
        var calls: [Call] = []
        switch event {
        case "$identify", "$groupidentify":
            break
        case _ where ["[amplitude] page viewed", "page viewed"].contains(event.lowercased()):
            // Browser SDK 2's autocapture writes "Page viewed" and its properties without the "[Amplitude] " prefix.
            let page = object([
                ("path", (text(properties["[Amplitude] Page Path"]) ?? text(properties["Page Path"])).map(JSONValue.string)),
                ("url", (text(properties["[Amplitude] Page URL"]) ?? text(properties["Page URL"])).map(JSONValue.string)),
            ])
            calls.append(
                Call(
                    call("page", id: id, time: time, userId: userId, anonymousId: device, properties: page, groupId: group),
                    linkFrom: link, linkVia: "amplitude device_id"))
        default:
            calls.append(
                Call(
                    call(
                        "track", id: id, time: time, userId: userId, anonymousId: device, name: ("event", event), properties: properties,
                        groupId: group), linkFrom: link, linkVia: "amplitude device_id"))
        }
        if let userId, let traits = traits(value["user_properties"]) {
            calls.append(.snapshot(traits, id: id, time: time, userId: userId, linkFrom: link, linkVia: "amplitude device_id"))
        } else if event == "$identify", let userId {
            calls.append(
                Call(
                    call("identify", id: id, time: time, userId: userId, anonymousId: nil, traits: .object([])), linkFrom: link,
                    linkVia: "amplitude device_id"))
        }
        return calls
    }

    // MARK: Mixpanel

    /// A Mixpanel raw export event (`event`, `properties.time` in seconds, `distinct_id`, `$insert_id`, `$device_id`,
    /// `$user_id`): a track call; `$user_id` beside `$device_id` links the device to the user (simplified ID merge),
    /// as do `$identify` (`$anon_id` → `$identified_id`) and `$create_alias`; `$mp_web_page_view` is a page call; the
    /// account is the configured property; `time` is read in the project's time zone when one is configured.
    static func mixpanel(_ value: JSONValue, settings: BrieferConfiguration.Sources.Mixpanel) throws -> [Call] {
        guard let event = text(value["event"]) else { throw Rejection(.missingEventName, "no event") }
        guard case .object = value["properties"] else { throw Rejection(.wrongType, "properties must be an object") }
        let properties = value["properties"]!
        guard let rawTime = properties["time"], case let .number(number) = rawTime, let seconds = Double(number) else {
            throw Rejection(.badTimestamp, "no properties.time in seconds")
        }
        // Seconds (milliseconds from some exporters); before year 10000 either way — a larger number is no time at all.
        let milliseconds = seconds < 1e11 ? seconds * 1000 : seconds
        guard milliseconds.isFinite, milliseconds >= 0, milliseconds < 253_402_300_800_000 else {
            throw Rejection(.badTimestamp, "properties.time \(number.prefix(32)) is not a time")
        }
        var ms = Int64(milliseconds.rounded())
        if !settings.projectTimeZone.isEmpty, let guess = timeZoneOffset(settings.projectTimeZone, atUTC: ms) {
            // The wall-clock time read as UTC is off by the offset: the offset of the instant it stands for decides
            // (they differ for the hours after a daylight-saving change).
            ms -= (timeZoneOffset(settings.projectTimeZone, atUTC: ms - guess * 1000) ?? guess) * 1000
        }
        let time = Timestamp(milliseconds: ms).iso8601
        let device = text(properties["$device_id"])
        var userId = text(properties["$user_id"])
        let distinct = text(properties["distinct_id"])
        if userId == nil, let distinct, distinct != device, !distinct.hasPrefix("$device:") { userId = distinct }
        let anonymousId = device ?? (userId == nil ? distinct.map { $0.hasPrefix("$device:") ? String($0.dropFirst(8)) : $0 } : nil)
        guard userId != nil || anonymousId != nil else { throw Rejection(.missingUserId, "no distinct_id, $user_id or $device_id") }
        // Mixpanel's duplicates share event, distinct_id, time and $insert_id (Event deduplication).
        let id = text(properties["$insert_id"]).map { "\(event)|\(distinct ?? "")|\(number)|\($0)" }
        let group = settings.groupProperty.isEmpty ? nil : text(properties[settings.groupProperty])
        switch event {
        case "$identify":
            guard let user = text(properties["$identified_id"]) ?? userId else {
                throw Rejection(.missingUserId, "$identify without $identified_id")
            }
            return [
                Call(
                    call(
                        "identify", id: id, time: time, userId: user, anonymousId: text(properties["$anon_id"]),
                        traits: traits(properties) ?? .object([])))
            ]
        case "$create_alias":
            guard let alias = text(properties["alias"]), let user = distinct else {
                throw Rejection(.missingUserId, "$create_alias without alias")
            }
            // mixpanel.alias(id) from a device (original ID merge): the alias is the user the device turns out to be.
            if userId == nil {
                return [Call(call("identify", id: id, time: time, userId: alias, anonymousId: anonymousId, traits: .object([])))]
            }
            return [
                Call(
                    call("alias", id: id, time: time, userId: user, anonymousId: nil, extra: [("previousId", .string(alias))]))
            ]
        default:
            let link = userId != nil ? device : nil
            var calls: [Call] = []
            if event == "$mp_web_page_view" {
                let page = object([
                    ("path", text(properties["current_url_path"]).map(JSONValue.string)),
                    ("url", text(properties["current_page_url"] ?? properties["$current_url"]).map(JSONValue.string)),
                ])
                calls.append(
                    Call(
                        call("page", id: id, time: time, userId: userId, anonymousId: anonymousId, properties: page, groupId: group),
                        linkFrom: link, linkVia: "mixpanel $device_id"))
            } else {
                calls.append(
                    Call(
                        call(
                            "track", id: id, time: time, userId: userId, anonymousId: anonymousId, name: ("event", event),
                            properties: properties,
                            groupId: group), linkFrom: link, linkVia: "mixpanel $device_id"))
            }
            if let userId, let traits = traits(properties) {
                calls.append(.snapshot(traits, id: id, time: time, userId: userId))
            }
            return calls
        }
    }

    /// A time written without a zone, in UTC: the date and time joined by `T`, and `Z` added.
    static func utc(_ text: String) -> String {
        var bytes = Array(text.utf8)
        guard bytes.count > 10 else { return text }
        if bytes[10] == UInt8(ascii: " ") { bytes[10] = UInt8(ascii: "T") }
        let zoned = bytes.dropFirst(11).contains { $0 == UInt8(ascii: "Z") || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") }
        if !zoned { bytes.append(UInt8(ascii: "Z")) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Seconds east of UTC of an IANA time zone at a UTC instant (nil for an unknown name).
    public static func timeZoneOffset(_ name: String, atUTC ms: Int64) -> Int64? {
        guard let zone = TimeZone(identifier: name) else { return nil }
        return Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(ms) / 1000)))
    }
}
