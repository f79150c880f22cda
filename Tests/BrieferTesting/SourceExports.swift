import BrieferCore
import Foundation

/// One set of product events written as each source exports them (SPEC §2): Segment calls, PostHog events,
/// Amplitude export lines and Mixpanel raw export lines. Ingested, each must give the same scores.
public enum SourceExports {
    public enum Kind: Sendable { case track, page, identify }

    public struct Event: Sendable {
        public var kind: Kind
        public var id: String
        public var userId: String?
        public var anonymousId: String?
        public var name: String = ""
        public var properties: [String: String] = [:]
        /// Whole seconds (Mixpanel's export has no finer time).
        public var seconds: Int64
        public var group: String?
        public var email: String?
        public var title: String?
        public var path: String?
    }

    /// A small workspace: two companies' users using the product, an anonymous visitor of acme.com who reads the
    /// pricing page twice and then signs up (identify linking the visitor to the user), and a visitor never linked.
    public static let workspace: [Event] = {
        let start: Int64 = 1_762_768_800  // 2025-11-10T10:00:00Z
        let day: Int64 = 86_400
        var events: [Event] = []
        let people: [(String, String, String, String)] = [
            ("u_ann", "ann@acme.com", "VP Engineering", "acme.com"), ("u_bo", "bo@acme.com", "Analyst", "acme.com"),
            ("u_cy", "cy@globex.com", "CTO", "globex.com"), ("u_di", "di@globex.com", "Engineer", "globex.com"),
        ]
        for (i, person) in people.enumerated() {
            events.append(
                Event(
                    kind: .identify, id: "id-\(person.0)", userId: person.0, seconds: start + Int64(i) * 60, email: person.1,
                    title: person.2))
        }
        let names = [
            "project_created", "core_feature_used", "core_feature_used", "integration_connected", "team_invite_sent", "report_exported",
        ]
        let features = ["dashboard", "alerts", "report_builder", "sql_editor"]
        var n = 0
        for d in 0..<14 {
            for (i, person) in people.enumerated() where (d + i) % (i + 1) == 0 {
                let name = names[(d + i) % names.count]
                var properties: [String: String] = [:]
                if name == "core_feature_used" { properties["feature"] = features[(d * 3 + i) % features.count] }
                if name == "integration_connected" { properties["integration"] = i % 2 == 0 ? "salesforce" : "slack" }
                n += 1
                events.append(
                    Event(
                        kind: .track, id: "ev-\(n)", userId: person.0, name: name, properties: properties,
                        seconds: start + Int64(d) * day + 3600 + Int64(i) * 97, group: person.3))
            }
        }
        // The visitor: pricing twice, then signs up as u_eve of acme.com.
        events.append(Event(kind: .page, id: "pv-1", anonymousId: "anon-7f3a", seconds: start + 9 * day, path: "/pricing"))
        events.append(Event(kind: .page, id: "pv-2", anonymousId: "anon-7f3a", seconds: start + 10 * day, path: "/pricing/teams"))
        events.append(
            Event(
                kind: .identify, id: "id-eve", userId: "u_eve", anonymousId: "anon-7f3a", seconds: start + 11 * day, email: "eve@acme.com",
                title: "Head of Data"))
        for d in 11..<14 {
            n += 1
            events.append(
                Event(
                    kind: .track, id: "ev-\(n)", userId: "u_eve", name: "core_feature_used", properties: ["feature": "dashboard"],
                    seconds: start + Int64(d) * day + 7200, group: "acme.com"))
        }
        // A visitor never linked: stored, scored for nobody.
        events.append(Event(kind: .page, id: "pv-3", anonymousId: "anon-0000", seconds: start + 12 * day, path: "/pricing"))
        return events
    }()

    /// The time the workspace is scored at: the day after its last event.
    public static let asOf = Timestamp(milliseconds: (1_762_768_800 + 14 * 86_400) * 1000)

    static func json(_ pairs: [(String, Any?)]) -> String {
        let object = Dictionary(uniqueKeysWithValues: pairs.compactMap { k, v in v.map { (k, $0) } })
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    public static func iso(_ seconds: Int64) -> String { Timestamp(milliseconds: seconds * 1000).iso8601 }

    public static func segment(_ events: [Event] = workspace) -> String {
        events.map { e in
            switch e.kind {
            case .track:
                return json([
                    ("type", "track"), ("messageId", e.id), ("userId", e.userId), ("anonymousId", e.anonymousId), ("event", e.name),
                    ("properties", e.properties), ("timestamp", iso(e.seconds)), ("context", e.group.map { ["groupId": $0] }),
                ])
            case .page:
                return json([
                    ("type", "page"), ("messageId", e.id), ("userId", e.userId), ("anonymousId", e.anonymousId),
                    ("properties", ["path": e.path ?? "/"]), ("timestamp", iso(e.seconds)),
                ])
            case .identify:
                return json([
                    ("type", "identify"), ("messageId", e.id), ("userId", e.userId), ("anonymousId", e.anonymousId),
                    ("traits", ["email": e.email, "title": e.title].compactMapValues { $0 }), ("timestamp", iso(e.seconds)),
                ])
            }
        }.joined(separator: "\n") + "\n"
    }

    public static func posthog(_ events: [Event] = workspace) -> String {
        events.map { e in
            var properties: [String: Any] = e.properties
            if let group = e.group { properties["$groups"] = ["company": group] }
            switch e.kind {
            case .track:
                return json([
                    ("uuid", e.id), ("event", e.name), ("distinct_id", e.userId), ("timestamp", iso(e.seconds)), ("properties", properties),
                ])
            case .page:
                properties["$pathname"] = e.path
                properties["$current_url"] = "https://tallyboard.io" + (e.path ?? "/")
                properties["$is_identified"] = e.userId != nil
                return json([
                    ("uuid", e.id), ("event", "$pageview"), ("distinct_id", e.userId ?? e.anonymousId), ("timestamp", iso(e.seconds)),
                    ("properties", properties),
                ])
            case .identify:
                properties["$set"] = ["email": e.email, "title": e.title].compactMapValues { $0 }
                if let anon = e.anonymousId { properties["$anon_distinct_id"] = anon }
                return json([
                    ("uuid", e.id), ("event", "$identify"), ("distinct_id", e.userId), ("timestamp", iso(e.seconds)),
                    ("properties", properties),
                ])
            }
        }.joined(separator: "\n") + "\n"
    }

    /// Amplitude's export time: `2025-11-10 10:00:00.000000`, UTC.
    public static func amplitudeTime(_ seconds: Int64) -> String {
        String(iso(seconds).prefix(19)).replacingOccurrences(of: "T", with: " ") + ".000000"
    }

    public static func amplitude(_ events: [Event] = workspace) -> String {
        events.map { e in
            switch e.kind {
            case .track:
                return json([
                    ("$insert_id", e.id), ("uuid", "uuid-" + e.id), ("event_type", e.name), ("user_id", e.userId),
                    ("device_id", e.anonymousId),
                    ("event_time", amplitudeTime(e.seconds)), ("event_properties", e.properties), ("user_properties", [String: String]()),
                    ("groups", e.group.map { ["company": [$0]] } ?? [:]),
                ])
            case .page:
                return json([
                    ("$insert_id", e.id), ("event_type", "[Amplitude] Page Viewed"), ("user_id", e.userId), ("device_id", e.anonymousId),
                    ("event_time", amplitudeTime(e.seconds)), ("event_properties", ["[Amplitude] Page Path": e.path ?? "/"]),
                ])
            case .identify:
                return json([
                    ("$insert_id", e.id), ("event_type", "$identify"), ("user_id", e.userId), ("device_id", e.anonymousId),
                    ("event_time", amplitudeTime(e.seconds)),
                    ("user_properties", ["email": e.email, "title": e.title].compactMapValues { $0 }),
                ])
            }
        }.joined(separator: "\n") + "\n"
    }

    public static func mixpanel(_ events: [Event] = workspace) -> String {
        events.map { e in
            var properties: [String: Any] = e.properties
            properties["time"] = e.seconds
            properties["$insert_id"] = e.id
            switch e.kind {
            case .track:
                properties["distinct_id"] = e.userId
                properties["$user_id"] = e.userId
                if let group = e.group { properties["company_domain"] = group }
                return json([("event", e.name), ("properties", properties)])
            case .page:
                properties["distinct_id"] = e.userId ?? "$device:" + (e.anonymousId ?? "")
                properties["$device_id"] = e.anonymousId
                properties["current_url_path"] = e.path
                return json([("event", "$mp_web_page_view"), ("properties", properties)])
            case .identify:
                properties["distinct_id"] = e.userId
                properties["$identified_id"] = e.userId
                if let anon = e.anonymousId { properties["$anon_id"] = anon }
                properties["$email"] = e.email
                properties["title"] = e.title
                return json([("event", "$identify"), ("properties", properties)])
            }
        }.joined(separator: "\n") + "\n"
    }

    public static let companies = """
        domain,name,employee_count,industry,estimated_revenue,country
        acme.com,Acme,800,software,90000000,US
        globex.com,Globex,250,fintech,30000000,DE
        """ + "\n"
}
