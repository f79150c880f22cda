/// What reps said about the accounts of a backtest (SPEC §6.1): the last feedback value each account got after the as-of
/// time and within the horizon — a label, like a conversion, never a scoring input — beside whether it converted, the
/// precision of the hot tier by that feedback, and the reasons the accounts marked positive share.
public struct FeedbackEvidence: Sendable, Equatable, Codable {
    public struct Value: Sendable, Equatable, Codable {
        public var value: String
        public var positive: Bool
        public var accounts: Int
        /// Of them, hot at the as-of time, and converted within the horizon.
        public var hot: Int
        public var converted: Int
    }

    /// A reason code the positive accounts had at the as-of time: in how many of them, and their share.
    public struct SharedReason: Sendable, Equatable, Codable {
        public var code: String
        public var accounts: Int
        public var share: Double
    }

    public var values: [Value]
    /// Eligible accounts with feedback in the window.
    public var accounts: Int
    /// Of the hot ones with feedback, those marked positive: hot precision by feedback (nil without any).
    public var hotWithFeedback: Int
    public var hotPositive: Int
    public var precision: Double?
    /// Feedback and conversion agree (positive and converted, or not positive and not converted), over accounts with feedback.
    public var agreement: Double?
    public var sharedReasons: [SharedReason]

    /// - Parameters:
    ///   - accounts: the backtest's eligible accounts (tier at the as-of time, converted within the horizon).
    ///   - reasons: each account's reason codes at the as-of time.
    ///   - entries: every feedback value read back; those set in (asOf, until] count, an account's latest (a value cleared,
    ///     stored as "", ends the one before it: no label).
    public static func measure(
        accounts: [BacktestSubject], reasons: [String: [ReasonCode]], entries: [FeedbackEntry], asOf: Timestamp, until: Timestamp,
        settings: BrieferConfiguration.Feedback
    ) -> FeedbackEvidence? {
        var latest: [String: FeedbackEntry] = [:]
        for e in entries where e.setAt > asOf && e.setAt <= until {
            let key = e.account.lowercased()
            if let known = latest[key], known.setAt >= e.setAt { continue }
            latest[key] = e
        }
        latest = latest.filter { !$0.value.value.isEmpty }
        guard !latest.isEmpty else { return nil }
        let positive = Set(settings.positive)
        let labelled = accounts.compactMap { a in latest[a.id.lowercased()].map { (subject: a, value: $0.value) } }
        let order = settings.options + Set(labelled.map(\.value)).subtracting(settings.options).sorted()
        let values = order.compactMap { value -> Value? in
            let these = labelled.filter { $0.value == value }
            guard !these.isEmpty || settings.options.contains(value) else { return nil }
            return Value(
                value: value, positive: positive.contains(value), accounts: these.count,
                hot: these.filter { $0.subject.tier == .hot }.count,
                converted: these.filter(\.subject.converted).count)
        }
        let hot = labelled.filter { $0.subject.tier == .hot }
        let hotPositive = hot.filter { positive.contains($0.value) }.count
        let agree = labelled.filter { positive.contains($0.value) == $0.subject.converted }.count
        let positives = labelled.filter { positive.contains($0.value) }
        var counts: [String: Int] = [:]
        for p in positives { for code in Set((reasons[p.subject.id] ?? []).map(\.code)) { counts[code, default: 0] += 1 } }
        let shared = counts.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.prefix(5).map {
            SharedReason(code: $0.key, accounts: $0.value, share: Double($0.value) / Double(positives.count))
        }
        return FeedbackEvidence(
            values: values, accounts: labelled.count, hotWithFeedback: hot.count, hotPositive: hotPositive,
            precision: hot.isEmpty ? nil : Double(hotPositive) / Double(hot.count),
            agreement: labelled.isEmpty ? nil : Double(agree) / Double(labelled.count), sharedReasons: Array(shared))
    }
}
