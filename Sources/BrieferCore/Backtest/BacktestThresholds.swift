import Foundation

/// What a hot threshold would have done in the backtest: a what-if on the total score, every other
/// rule as configured.
public struct ThresholdOutcome: Sendable, Equatable, Codable {
    public var threshold: Int
    public var hot: ConversionRate
    public var share: Double?
    public var lift: Double?
    public var precision: Double?
    public var recall: Double?
    /// Accounts that became hot at this threshold per week, averaged over the weeks before the
    /// backtest time (capacity suggestions only).
    public var newPerWeek: Double?

    public init(_ subjects: [BacktestSubject], threshold: Int) {
        self.threshold = threshold
        let (hot, rest) = ConversionRate.split(subjects, converted: \.converted, matching: { $0.isHot(atThreshold: threshold) })
        self.hot = hot
        share = subjects.isEmpty ? nil : Double(hot.count) / Double(subjects.count)
        lift = conversionLift(hot.rate, over: rest.rate)
        precision = hot.rate
        let converters = hot.converted + rest.converted
        recall = converters == 0 ? nil : Double(hot.converted) / Double(converters)
    }
}

/// One account's state at the start and the end of a week before the backtest time.
public struct WeekTransition: Sendable, Equatable {
    /// Nil when the account was not known at the week's start.
    public var before: BacktestSubject?
    public var after: BacktestSubject
    public init(before: BacktestSubject?, after: BacktestSubject) { self.before = before; self.after = after }

    public func becameHot(atThreshold t: Int) -> Bool { after.isHot(atThreshold: t) && !(before?.isHot(atThreshold: t) ?? false) }
}

/// The threshold that fills the SDR team's capacity.
public struct CapacitySuggestion: Sendable, Equatable, Codable {
    public var capacityPerWeek: Int
    public var weeksMeasured: Int
    public var current: ThresholdOutcome
    public var suggested: ThresholdOutcome?
    public var note: String
}

/// The threshold with the best lift among those keeping the PQL share in seed 003's healthy band.
public struct BandSuggestion: Sendable, Equatable, Codable {
    public var current: ThresholdOutcome
    public var suggested: ThresholdOutcome?
    public var note: String
}

/// Suggestions only: nothing here changes the configuration.
public struct ThresholdSuggestions: Sendable, Equatable, Codable {
    /// The configured hot threshold (weighted: `weighted.tiers.hot`; points: `points.pql.min_total`).
    public var currentThreshold: Int
    /// Thresholds tried: above the warm threshold (tiers stay in order) up to the model's maximum.
    public var range: ClosedRange<Int>
    public var capacity: CapacitySuggestion?
    public var band: BandSuggestion

    public static func currentThreshold(_ configuration: BrieferConfiguration, model: BrieferConfiguration.ScoringModel) -> Int {
        model == .weighted ? configuration.weighted.tiers.hot : configuration.points.pql.minTotal
    }

    public static func range(_ configuration: BrieferConfiguration, model: BrieferConfiguration.ScoringModel) -> ClosedRange<Int> {
        let warm = model == .weighted ? configuration.weighted.tiers.warm : configuration.points.tiers.warm
        let maximum = model == .weighted ? 100 : configuration.points.maxTotal
        return min(warm + 1, maximum)...maximum
    }

    /// - Parameters:
    ///   - users: the eligible users (the PQL share band is a share of users, as seed 003 counts leads).
    ///   - accounts: the eligible accounts (sales works accounts: one briefing each).
    ///   - weeks: per week before the backtest time, each account's state at its start and end.
    public static func suggest(
        current: Int, range: ClosedRange<Int>, users: [BacktestSubject], accounts: [BacktestSubject],
        weeks: [[WeekTransition]], capacityPerWeek: Int?
    ) -> ThresholdSuggestions {
        ThresholdSuggestions(
            currentThreshold: current, range: range,
            capacity: capacityPerWeek.map { capacity(current: current, range: range, accounts: accounts, weeks: weeks, perWeek: $0) },
            band: band(current: current, range: range, users: users))
    }

    static func newPerWeek(_ weeks: [[WeekTransition]], threshold: Int) -> Double? {
        guard !weeks.isEmpty else { return nil }
        let total = weeks.reduce(0) { sum, week in sum + week.filter { $0.becameHot(atThreshold: threshold) }.count }
        return Double(total) / Double(weeks.count)
    }

    static func capacity(current: Int, range: ClosedRange<Int>, accounts: [BacktestSubject], weeks: [[WeekTransition]], perWeek: Int)
        -> CapacitySuggestion
    {
        func outcome(_ t: Int) -> ThresholdOutcome {
            var o = ThresholdOutcome(accounts, threshold: t)
            o.newPerWeek = newPerWeek(weeks, threshold: t)
            return o
        }
        let now = outcome(current)
        guard !weeks.isEmpty else {
            return CapacitySuggestion(
                capacityPerWeek: perWeek, weeksMeasured: 0, current: now, suggested: nil,
                note: "no full week of data before the as-of time: the weekly flow of new hot accounts cannot be measured")
        }
        // From the top down: the lowest threshold before the flow first exceeds the capacity.
        var fitting: ThresholdOutcome?
        for t in range.reversed() {
            let o = outcome(t)
            if (o.newPerWeek ?? 0) > Double(perWeek) { break }
            fitting = o
        }
        let note: String
        switch fitting {
        case nil:
            note = "even a threshold of \(range.upperBound) gives more than \(perWeek) new hot accounts a week"
        case let f? where f.threshold == range.lowerBound:
            // Lowering hot to just above warm is no suggestion: the capacity is larger than the flow.
            let busiest = range.map { (t: $0, flow: newPerWeek(weeks, threshold: $0) ?? 0) }.max { $0.flow < $1.flow }!
            note =
                "every threshold from \(f.threshold) (just above warm) to \(range.upperBound) gives at most \(format(busiest.flow)) new hot accounts "
                + "a week (at \(busiest.t)): the capacity is larger than the flow, no threshold fills it"
            fitting = nil
        case let f?:
            note =
                "\(format(f.newPerWeek)) new hot accounts a week at \(f.threshold); at \(f.threshold - 1) it would be \(format(outcome(f.threshold - 1).newPerWeek))"
        }
        return CapacitySuggestion(capacityPerWeek: perWeek, weeksMeasured: weeks.count, current: now, suggested: fitting, note: note)
    }

    static func band(current: Int, range: ClosedRange<Int>, users: [BacktestSubject]) -> BandSuggestion {
        let now = ThresholdOutcome(users, threshold: current)
        let outcomes = range.map { ThresholdOutcome(users, threshold: $0) }
        let inBand = outcomes.filter { o in o.share.map { PQLShareHealth.healthyRange.contains($0) } ?? false }
        guard !inBand.isEmpty else {
            let shares = outcomes.compactMap(\.share)
            let span = shares.isEmpty ? "no eligible users" : "shares run from \(percent(shares.min()!)) to \(percent(shares.max()!))"
            return BandSuggestion(
                current: now, suggested: nil,
                note: "no threshold from \(range.lowerBound) to \(range.upperBound) puts the PQL share between 5 % and 15 % (\(span))")
        }
        let withLift = inBand.filter { $0.lift != nil }
        guard let best = withLift.max(by: { a, b in a.lift! != b.lift! ? a.lift! < b.lift! : a.threshold > b.threshold }) else {
            return BandSuggestion(
                current: now, suggested: nil,
                note:
                    "thresholds \(inBand.first!.threshold)–\(inBand.last!.threshold) keep the PQL share in 5–15 %, but none has a measurable lift (no conversions on one side)"
            )
        }
        return BandSuggestion(
            current: now, suggested: best,
            note: "the best lift among thresholds \(inBand.first!.threshold)–\(inBand.last!.threshold), which keep the PQL share in 5–15 %")
    }

    public static func format(_ value: Double?) -> String {
        guard let value else { return "n/a" }
        return value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    /// A share as the reports show it: `12.3 %`.
    public static func percent(_ value: Double) -> String { String(format: "%.1f %%", value * 100) }
}
