/// The Slack message a newly-hot account gets (SPEC §6.1): an incoming-webhook payload in Block Kit — the account, its
/// score and tier, the top reasons, the briefing, and a button to the HubSpot record — with a plain `text` for
/// notifications. Text from the data is escaped as Slack asks (`&`, `<`, `>`) in `verbatim` mrkdwn, so an account or a
/// briefing can never mention a channel or a person, nor become a link; each block is cut to Slack's limits.
public enum SlackMessage {
    /// Slack's limits: a header's text, a section's text, a field.
    static let headerLimit = 150
    static let sectionLimit = 3000
    static let fieldLimit = 2000

    /// The payload to POST to an incoming webhook.
    public static func payload(_ c: ActionContent) -> JSONValue {
        // mrkdwn with verbatim: Slack neither turns bare URLs into links nor parses channel names or mentions in it.
        func text(_ type: String, _ value: String, limit: Int) -> JSONValue {
            type == "mrkdwn"
                ? .object([("type", .string(type)), ("text", .string(cut(value, limit))), ("verbatim", .bool(true))])
                : .object([("type", .string(type)), ("text", .string(cut(value, limit)))])
        }
        func section(_ value: String) -> JSONValue {
            .object([("type", .string("section")), ("text", text("mrkdwn", value, limit: sectionLimit))])
        }
        let account = escaped(c.account)
        var fields = [
            "*PQL score*\n\(c.score)", "*Tier*\n\(c.tier.rawValue)", "*Became hot*\n\(c.becameHot.iso8601)",
        ]
        if let owner = c.ownerId { fields.append("*Owner*\n\(escaped(owner))") }
        var blocks: [JSONValue] = [
            .object([("type", .string("header")), ("text", text("plain_text", "Hot account: \(account)", limit: headerLimit))]),
            .object([("type", .string("section")), ("fields", .array(fields.map { text("mrkdwn", $0, limit: fieldLimit) }))]),
        ]
        let top = c.topReasons()
        if !top.isEmpty { blocks.append(section("*Top reasons*\n" + top.map { "• " + escaped($0.description) }.joined(separator: "\n"))) }
        if let b = c.briefing {
            blocks.append(
                section(
                    [
                        "*Use case:* " + escaped(b.useCaseHypothesis), "*Expansion signal:* " + escaped(b.expansionSignal),
                        "*Opening:* " + escaped(b.recommendedOpening), "*Risk:* " + escaped(b.riskFactor),
                    ].joined(separator: "\n")))
        }
        if let url = c.recordURL {
            blocks.append(
                .object([
                    ("type", .string("actions")),
                    (
                        "elements",
                        .array([
                            .object([
                                ("type", .string("button")), ("text", text("plain_text", "Open in HubSpot", limit: 75)),
                                ("url", .string(url)),
                            ])
                        ])
                    ),
                ]))
        }
        let source = c.briefingSource.map { $0 == .llm ? "briefing by the model, checked against the data" : "briefing by the rules" }
        blocks.append(
            .object([
                ("type", .string("context")),
                ("elements", .array([text("mrkdwn", "Briefer" + (source.map { " · " + $0 } ?? ""), limit: fieldLimit)])),
            ]))
        return .object([
            ("text", .string(cut("Hot account: \(account) (PQL \(c.score))", sectionLimit))), ("blocks", .array(blocks)),
        ])
    }

    /// `&`, `<` and `>` as Slack's mrkdwn needs them escaped: nothing from the data becomes a mention, a link or a command.
    public static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.append(ch)
            }
        }
        return out
    }

    static func cut(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }
}
