/// The signed event a newly-hot account sends to a configured URL (SPEC §6.1), signed as Stripe and GitHub sign theirs:
/// `Briefer-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` under a shared secret, so a receiver can check
/// the sender and the freshness, and `Briefer-Event-Id` (also the body's `id`), the same on every delivery of one
/// transition, so a receiver can drop repeats (delivery is at least once).
public enum SignedWebhook {
    public static let eventType = "account.became_hot"
    public static let signatureHeader = "Briefer-Signature"
    public static let eventIdHeader = "Briefer-Event-Id"

    /// The event: `{id, type, created, data: {account, score, tier, became_hot_at, reasons, briefing, briefing_source,
    /// owner_id, contact_email, hubspot_url}}` (absent values are null).
    public static func event(_ c: ActionContent, createdAt: Timestamp) -> JSONValue {
        func optional(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        let briefing: JSONValue =
            c.briefing.map { b in
                .object([
                    ("use_case_hypothesis", .string(b.useCaseHypothesis)), ("expansion_signal", .string(b.expansionSignal)),
                    ("recommended_opening", .string(b.recommendedOpening)), ("risk_factor", .string(b.riskFactor)),
                ])
            } ?? .null
        return .object([
            ("id", .string(c.key)), ("type", .string(eventType)), ("created", .string(createdAt.iso8601)),
            (
                "data",
                .object([
                    ("account", .string(c.account)), ("score", .number(String(c.score))), ("tier", .string(c.tier.rawValue)),
                    ("became_hot_at", .string(c.becameHot.iso8601)),
                    (
                        "reasons",
                        .array(
                            c.reasons.map { r in
                                .object([("code", .string(r.code)), ("detail", optional(r.detail)), ("points", .number(String(r.points)))])
                            })
                    ),
                    ("briefing", briefing), ("briefing_source", optional(c.briefingSource?.rawValue)), ("owner_id", optional(c.ownerId)),
                    ("contact_email", optional(c.contactEmail)), ("hubspot_url", optional(c.recordURL)),
                ])
            ),
        ])
    }

    /// The signature header's value for `body` sent at `timestamp` (Unix seconds).
    public static func signature(secret: String, timestamp: Int64, body: [UInt8]) -> String {
        let signed = Array("\(timestamp).".utf8) + body
        return "t=\(timestamp),v1=" + HMAC.hex(HMAC.code(.sha256, key: Array(secret.utf8), message: signed))
    }

    /// Whether `header` signs `body` under `secret`, no more than `tolerance` seconds from `now`: what a receiver checks
    /// (compared in constant time).
    public static func verify(header: String, body: [UInt8], secret: String, now: Int64, tolerance: Int64 = 300) -> Bool {
        var timestamp: Int64?
        var signatures: [String] = []
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { continue }
            if pair[0] == "t" { timestamp = Int64(pair[1]) }
            if pair[0] == "v1" { signatures.append(pair[1]) }
        }
        guard let timestamp, abs(now - timestamp) <= tolerance else { return false }
        let expected = Array(signature(secret: secret, timestamp: timestamp, body: body).split(separator: "=").last!.utf8)
        return signatures.contains { HMAC.constantTimeEqual(Array($0.utf8), expected) }
    }
}
