extension ReasonCode {
    /// The reason as the prompt states it: in words a model can cite, with its scope (the account's top
    /// user, the account, the company) and its points, e.g. `active_days:9:+29` →
    /// "the top user was active on 9 of the last 14 days (+29)".
    ///
    /// The machine form (``description``) stays what the CRM's `pql_reason_codes` gets; only the prompt
    /// reads this one. A user's reasons are the account's best user's ("top user": the account score is
    /// that user's score plus the team bonus, SPEC §3.3); intent signals (+0) are seen at any of the
    /// account's users. Details come from the data and are cleaned by the caller like any untrusted text.
    ///
    /// - Parameters:
    ///   - windowDays: the engagement window the activity reasons count over.
    ///   - featuresAreEventTypes: whether `features_used` counts distinct event names (seed 004's
    ///     default, `weighted.engagement.feature_property` empty) rather than values of a feature property.
    public func phrase(windowDays: Int, featuresAreEventTypes: Bool = true) -> String {
        let points = points > 0 ? "+\(points)" : points < 0 ? "−\(-points)" : "0"
        let detail = self.detail ?? ""
        let text: String
        switch code {
        case "active_days":
            // The window (as-of − N days, as-of] touches N + 1 calendar days; like the score, at most N count.
            let days = Int(detail).map { String(min($0, windowDays)) } ?? detail
            text = "the top user was active on \(days) of the last \(windowDays) days"
        case "features_used":
            text =
                featuresAreEventTypes
                ? "the top user did \(detail) different kinds of events in the last \(windowDays) days"
                : "the top user used \(detail) different features in the last \(windowDays) days"
        case "recency":
            if detail == "none" {
                text = "the top user has no activity in the last \(windowDays) days"
            } else if detail.hasPrefix("over ") {
                text = "the top user was last active over \(Self.days(detail.dropFirst(5))) ago"
            } else {
                text = "the top user was last active within \(Self.days(Substring(detail)))"
            }
        case "company_size":
            text = detail == "unknown" ? "company size unknown" : "company size of \(detail) employees"
        case "industry":
            text = "industry \(detail)"
        case "revenue":
            // Grouped (10,191,000): easier to read, and ten ungrouped digits would be masked as a phone number.
            text = detail == "unknown" ? "estimated revenue unknown" : "estimated revenue of \(Int(detail).map(Self.grouped) ?? detail)"
        case "work_email":
            text = "the top user signed up with a work email address"
        case "personal_email":
            text = "the top user signed up with a personal email address"
        case "student":
            text = "the top user looks like a student"
        case "title":
            text = "the top user's job title reads as \(detail)"
        case "tech_stack":
            text = "the company uses \(detail)"
        case "geography":
            text = "the company is in \(detail)"
        case "competitor":
            text = "the domain \(detail) belongs to a competitor"
        case "team_active_users":
            text = "\(detail) active teammates besides the top user (team bonus)"
        case "velocity":
            let parts = detail.split(separator: "_")
            text =
                parts.count == 3
                ? "the top user did \(parts[0]) actions within \(parts[2].dropLast()) hours"
                : "the top user had a burst of activity (\(detail))"
        case "inactive":
            text = "the top user has been inactive for \(Self.days(Substring(detail)))"
        case "decay":
            text = "the score decayed after \(Self.days(Substring(detail))) without activity"
        default:
            if points == "0" {
                text = self.detail.map { "intent signal at the account: \(code) (\($0))" } ?? "intent signal at the account: \(code)"
            } else if let count = self.detail, Int(count) != nil {
                text = "the top user did \(code) \(count) \(count == "1" ? "time" : "times")"
            } else if self.points < 0 {
                text = "the top user did \(code)"
            } else {
                text = "the top user completed the activation step \(code)"
            }
        }
        return "\(text) (\(points))"
    }

    /// `7d` → "7 days", `1d` → "1 day"; anything else as it is.
    /// `n` with a comma between thousands (`10191000` → `10,191,000`).
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (k, c) in digits.enumerated() {
            if k > 0, (digits.count - k) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    private static func days(_ text: Substring) -> String {
        guard text.hasSuffix("d"), let n = Int(text.dropLast()) else { return String(text) }
        return n == 1 ? "1 day" : "\(n) days"
    }
}
