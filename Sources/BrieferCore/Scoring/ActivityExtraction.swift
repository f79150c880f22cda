/// Which configured terms an event carries besides its name: its feature (when features are an
/// event property) and its detail (a signal's detail property, or one the prompt names, such as the
/// integration of `integration_connected`). Ingest and `explain` both use this, so the packed
/// aggregates and a recomputation from raw events see the same terms.
public struct ActivityExtraction: Sendable, Equatable {
    public let featureProperty: String
    public let signalDetails: [String: String]
    /// How page and screen calls are named (a rebuild renames them when the rules change).
    public let pageEvents: [BrieferConfiguration.Sources.PageEventRule]
    /// Each vendor's system events (`sources.<vendor>.ignored_events`), by source: stored, never activity (a rebuild
    /// applies the lists in force).
    public let systemEvents: [String: [String]]
    private let systemPatterns: [String: EventNamePatterns]

    public init(_ configuration: BrieferConfiguration) {
        featureProperty = configuration.weighted.engagement.featureProperty
        pageEvents = configuration.sources.segment.pageEvents
        systemEvents = [
            EventFormat.posthog.rawValue: configuration.sources.posthog.ignoredEvents,
            EventFormat.amplitude.rawValue: configuration.sources.amplitude.ignoredEvents,
            EventFormat.mixpanel.rawValue: configuration.sources.mixpanel.ignoredEvents,
        ]
        systemPatterns = systemEvents.mapValues(EventNamePatterns.init)
        var details: [String: String] = [:]
        for signal in configuration.reasons.signals where !signal.detailProperty.isEmpty { details[signal.event] = signal.detailProperty }
        for extra in configuration.enrichment.detailProperties where details[extra.event] == nil && !extra.property.isEmpty {
            details[extra.event] = extra.property
        }
        signalDetails = details
    }

    /// A fingerprint of what the aggregates depend on: when it changes they are rebuilt.
    public var signature: String {
        // v2: page and screen calls, and anonymous activity, are aggregated too. v3: users' group hints by day (HintDay).
        "v3;feature=\(featureProperty);" + signalDetails.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            + ";pages=" + pageEvents.map { "\($0.path)|\($0.name)|\($0.event)" }.joined(separator: ",")
            + ";system="
            + systemEvents.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value.joined(separator: "|"))" }.joined(separator: ",")
    }

    /// Whether an event of `source` (nil: Segment) named `name` is one of the vendor's system events: no product action.
    public func isSystemEvent(source: String?, name: String) -> Bool {
        guard let source, let patterns = systemPatterns[source] else { return false }
        return patterns.matches(name)
    }

    /// True when an event of this name carries a configured term in its properties.
    public func readsProperties(of name: String) -> Bool { !featureProperty.isEmpty || signalDetails[name] != nil }

    /// The activity entry of a track event, its terms given ids by `term` (which interns them at
    /// ingest, or looks them up when recomputing). Properties (the text as stored) are parsed only when a configured term
    /// is read from them and could be there: a member named so appears in the text as that name in quotes, unless the text
    /// escapes something.
    public func entry(
        milliseconds: Int64, nameId: UInt32, name: String, propertiesText: String?,
        term: (String) throws -> UInt32?
    ) rethrows -> ActivityEntry {
        var terms: (feature: String?, detail: String?) = (nil, nil)
        if readsProperties(of: name), let text = propertiesText,
            Self.mayHold(text, featureProperty) || Self.mayHold(text, signalDetails[name] ?? "")
        {
            terms = self.terms(name: name, properties: (try? JSONParser.parse(text)) ?? .object([]))
        }
        return ActivityEntry(
            milliseconds: milliseconds, name: nameId,
            feature: try terms.feature.flatMap(term) ?? 0, detail: try terms.detail.flatMap(term) ?? 0)
    }

    /// Whether JSON text may have a member named `key`: it escapes something, or holds the key in quotes.
    static func mayHold(_ text: String, _ key: String) -> Bool {
        guard !key.isEmpty else { return false }
        let needle = Array(("\"" + key + "\"").utf8)
        return text.utf8.withContiguousStorageIfAvailable { hay in
            guard hay.count >= needle.count else { return hay.contains(UInt8(ascii: "\\")) }
            let first = needle[0]
            var i = 0
            while i < hay.count {
                let b = hay[i]
                if b == UInt8(ascii: "\\") { return true }
                if b == first && i + needle.count <= hay.count {
                    var j = 1
                    while j < needle.count && hay[i + j] == needle[j] { j += 1 }
                    if j == needle.count { return true }
                }
                i += 1
            }
            return false
        } ?? true
    }

    public func terms(name: String, properties: JSONValue) -> (feature: String?, detail: String?) {
        let feature = featureProperty.isEmpty ? nil : text(properties[featureProperty])
        let detail = signalDetails[name].flatMap { text(properties[$0]) }
        return (feature, detail)
    }

    private func text(_ value: JSONValue?) -> String? {
        switch value {
        case let .string(s)?:
            let t = s.trimmedWhitespace
            return t.isEmpty ? nil : String(t.prefix(200))
        case let .number(n)?: return n
        case let .bool(b)?: return b ? "true" : "false"
        default: return nil
        }
    }
}
