import Foundation

/// One user or account in a backtest: its score as of the backtest time and whether it converted
/// (a paid subscription started) within the horizon after it.
public struct BacktestSubject: Sendable, Equatable {
    public var id: String
    public var score: Int
    public var tier: Tier
    /// The model's PQL conditions other than the total hold (points model: the fit and behaviour
    /// minimums; always true in the weighted model, where hot is the score alone). A what-if
    /// threshold moves only the total.
    public var meetsOtherPQLConditions: Bool
    public var converted: Bool

    public init(id: String, score: Int, tier: Tier, meetsOtherPQLConditions: Bool = true, converted: Bool) {
        self.id = id; self.score = score; self.tier = tier; self.meetsOtherPQLConditions = meetsOtherPQLConditions;
        self.converted = converted
    }

    /// Hot under a what-if total threshold.
    public func isHot(atThreshold threshold: Int) -> Bool { score >= threshold && meetsOtherPQLConditions }
}

/// How many of a group converted. `rate` is nil for an empty group: no rate, not 0.
public struct ConversionRate: Sendable, Equatable, Codable {
    public var count: Int
    public var converted: Int
    public var rate: Double?

    public init(count: Int, converted: Int) {
        self.count = count; self.converted = converted
        rate = count == 0 ? nil : Double(converted) / Double(count)
    }

    public init<S: Sequence>(_ subjects: S) where S.Element == BacktestSubject {
        self = Self.split(subjects, converted: \.converted, matching: { _ in true }).matching
    }

    /// The conversion of the items `matching` accepts and of the rest, in one pass.
    public static func split<S: Sequence>(_ items: S, converted: (S.Element) -> Bool, matching: (S.Element) -> Bool)
        -> (matching: ConversionRate, rest: ConversionRate)
    {
        var counts = (0, 0, 0, 0)  // matching, its converted, rest, its converted
        for item in items {
            let c = converted(item) ? 1 : 0
            if matching(item) { counts.0 += 1; counts.1 += c } else { counts.2 += 1; counts.3 += c }
        }
        return (ConversionRate(count: counts.0, converted: counts.1), ConversionRate(count: counts.2, converted: counts.3))
    }
}

/// A rate over a share of a ranked population whose boundary falls inside a group of tied scores:
/// the tied group is split in proportion (the expectation over every order of the ties), so counts
/// may be fractional.
public struct FractionalRate: Sendable, Equatable, Codable {
    public var count: Double
    public var converted: Double
    public var rate: Double?

    public init(count: Double, converted: Double) {
        self.count = count; self.converted = converted
        rate = count <= 0 ? nil : converted / count
    }
}

/// The lift of one rate over another: nil when either is undefined or both are 0; infinite when only
/// the second is 0 (every conversion on the first side).
public func conversionLift(_ a: Double?, over b: Double?) -> Double? {
    guard let a, let b else { return nil }
    if b == 0 { return a > 0 ? .infinity : nil }
    return a / b
}

/// A score range of the report, with seed 001's expected conversion for it.
public struct ScoreBucket: Sendable, Equatable, Codable {
    public var label: String
    public var lower: Int
    /// Exclusive, except for the last bucket, which holds its upper bound.
    public var upper: Int
    public var includesUpper: Bool
    /// Seed 001's "expected conversion pattern" for this range (unqualified, low intent, moderate, PQL-ready).
    public var expected: String?
    public var conversion: ConversionRate
    /// The bucket's share of the population.
    public var share: Double?

    public func contains(_ score: Int) -> Bool { score >= lower && (score < upper || (includesUpper && score == upper)) }
}

public struct TierConversion: Sendable, Equatable, Codable {
    public var tier: Tier
    public var conversion: ConversionRate
    public var share: Double?
}

public struct HistogramBin: Sendable, Equatable, Codable {
    public var lower: Int
    public var upper: Int
    public var converted: Int
    public var notConverted: Int
}

/// Seed 003's "What % of leads should reach PQL status?": 5–15 % good, 15–25 % warning, over 25 %
/// red flag (too loose), under 3 % red flag (too tight); 3–5 % sits between good and the red flag.
public enum PQLShareHealth: String, Sendable, Equatable, Codable {
    case tooTight = "red flag: too tight"
    case tight = "warning: tight"
    case healthy
    case loose = "warning: loose"
    case tooLoose = "red flag: too loose"

    public static let healthyRange = 0.05...0.15

    public init(share: Double) {
        switch share {
        case ..<0.03: self = .tooTight
        case ..<0.05: self = .tight
        case ...0.15: self = .healthy
        case ...0.25: self = .loose
        default: self = .tooLoose
        }
    }
}

/// A number the seeds set a target for, and where this backtest stands against it.
public struct TargetCheck: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Equatable, Codable {
        case met, warning
        case redFlag = "red flag"
        case unknown = "not measurable"
    }
    public var name: String
    public var value: Double?
    public var target: String
    public var status: Status
    public var source: String
}

/// The backtest's numbers for one population (users or accounts).
public struct PopulationBacktest: Sendable, Equatable, Codable {
    public var eligible: Int
    public var converted: Int
    public var baseRate: Double?
    public var buckets: [ScoreBucket]
    public var tiers: [TierConversion]
    public var pql: ConversionRate
    public var nonPQL: ConversionRate
    /// PQL conversion rate over non-PQL conversion rate (seed 001: 3–5×).
    public var pqlLift: Double?
    /// Share of hot that converted (seed 004: > 30 %).
    public var hotPrecision: Double?
    /// Share of every converter among the eligible that was hot.
    public var hotRecall: Double?
    public var hotWarmPrecision: Double?
    /// Share of every converter among the eligible that was hot or warm (seed 004: > 70 %).
    public var hotWarmRecall: Double?
    public var top20: FractionalRate
    public var bottom80: FractionalRate
    /// Seed 003: the top-scoring 20 % should convert at 2×+ the rate of the bottom 80 %.
    public var top20Lift: Double?
    /// The probability that a converter outscores a non-converter (ties count half): 0.5 is a coin.
    public var auc: Double?
    public var pqlShare: Double?
    public var pqlShareHealth: PQLShareHealth?
    public var histogram: [HistogramBin]
    public var targets: [TargetCheck]
}

/// The score ranges a model's report uses.
public struct ScoreScale: Sendable, Equatable {
    /// Bucket edges, increasing; the last is the maximum score and belongs to the last bucket.
    public var edges: [Int]
    public var histogramWidth: Int
    public var maximum: Int

    public init(edges: [Int], histogramWidth: Int) {
        self.edges = edges; self.histogramWidth = histogramWidth; maximum = edges.last ?? 100
    }

    /// Weighted model: [0,25), [25,50), [50,75), [75,100] (seed 001's score ranges).
    /// Points model: its own ranges, cut where its tiers are: [0, nurture), [nurture, warm), [warm, PQL total), [PQL total, max].
    public init(_ configuration: BrieferConfiguration, model: BrieferConfiguration.ScoringModel) {
        switch model {
        case .weighted:
            self.init(edges: [0, 25, 50, 75, 100], histogramWidth: 5)
        case .points:
            let p = configuration.points
            var edges = [0]
            for edge in [p.tiers.nurture, p.tiers.warm, p.pql.minTotal, p.maxTotal] where edge > edges.last! { edges.append(edge) }
            self.init(edges: edges, histogramWidth: 10)
        }
    }
}

public enum BacktestMetrics {
    /// Seed 001, 2d: expected conversion by score range, from the lowest range up.
    public static let seedExpectations = ["< 5 % (unqualified)", "5–10 % (low intent)", "10–20 % (moderate)", "25–40 % (PQL-ready)"]

    public static func buckets(_ subjects: [BacktestSubject], scale: ScoreScale) -> [ScoreBucket] {
        let edges = scale.edges
        guard edges.count >= 2 else { return [] }
        let expectations = edges.count - 1 == seedExpectations.count ? seedExpectations : []
        return (0..<(edges.count - 1)).map { i in
            let last = i == edges.count - 2
            let label = "[\(edges[i]),\(edges[i + 1])\(last ? "]" : ")")"
            var bucket = ScoreBucket(
                label: label, lower: edges[i], upper: edges[i + 1], includesUpper: last,
                expected: expectations.isEmpty ? nil : expectations[i],
                conversion: ConversionRate(count: 0, converted: 0), share: nil)
            bucket.conversion = ConversionRate(subjects.lazy.filter { bucket.contains($0.score) })
            bucket.share = subjects.isEmpty ? nil : Double(bucket.conversion.count) / Double(subjects.count)
            return bucket
        }
    }

    /// The area under the ROC curve by the rank-sum (Mann–Whitney) formula, ties at half; nil without
    /// both converters and non-converters.
    public static func auc(_ subjects: [BacktestSubject]) -> Double? {
        let positives = subjects.filter(\.converted).count
        let negatives = subjects.count - positives
        guard positives > 0, negatives > 0 else { return nil }
        let sorted = subjects.sorted { $0.score < $1.score }
        var rankSum = 0.0
        var i = 0
        while i < sorted.count {
            var j = i
            while j < sorted.count && sorted[j].score == sorted[i].score { j += 1 }
            let averageRank = Double(i + 1 + j) / 2  // ranks i+1 ... j
            rankSum += averageRank * Double(sorted[i..<j].filter(\.converted).count)
            i = j
        }
        let p = Double(positives)
        return (rankSum - p * (p + 1) / 2) / (p * Double(negatives))
    }

    /// The top `fraction` of the population by score and the rest, a tied group at the boundary split
    /// in proportion.
    public static func topShare(_ subjects: [BacktestSubject], fraction: Double) -> (top: FractionalRate, rest: FractionalRate) {
        let n = Double(subjects.count)
        let target = fraction * n
        let totalConverted = Double(subjects.filter(\.converted).count)
        let groups = Dictionary(grouping: subjects, by: \.score).sorted { $0.key > $1.key }
        var taken = 0.0, converted = 0.0
        for (_, group) in groups where taken < target {
            let size = Double(group.count)
            let part = min(1, (target - taken) / size)
            taken += part * size
            converted += part * Double(group.filter(\.converted).count)
        }
        return (FractionalRate(count: taken, converted: converted), FractionalRate(count: n - taken, converted: totalConverted - converted))
    }

    public static func histogram(_ subjects: [BacktestSubject], scale: ScoreScale) -> [HistogramBin] {
        let width = max(1, scale.histogramWidth)
        let binCount = max(1, (scale.maximum + width - 1) / width)
        var bins = (0..<binCount).map {
            HistogramBin(lower: $0 * width, upper: min(($0 + 1) * width, scale.maximum), converted: 0, notConverted: 0)
        }
        for s in subjects {
            let index = min(max(0, s.score) / width, binCount - 1)
            if s.converted { bins[index].converted += 1 } else { bins[index].notConverted += 1 }
        }
        return bins
    }

    /// Every number of the report for one population.
    public static func population(_ subjects: [BacktestSubject], scale: ScoreScale) -> PopulationBacktest {
        let all = ConversionRate(subjects)
        let (pql, nonPQL) = ConversionRate.split(subjects, converted: \.converted, matching: { $0.tier == .hot })
        let hotWarm = ConversionRate(subjects.lazy.filter { $0.tier == .hot || $0.tier == .warm })
        func recall(_ group: ConversionRate) -> Double? { all.converted == 0 ? nil : Double(group.converted) / Double(all.converted) }
        let (top, rest) = topShare(subjects, fraction: 0.2)
        let share = subjects.isEmpty ? nil : Double(pql.count) / Double(subjects.count)
        var result = PopulationBacktest(
            eligible: subjects.count, converted: all.converted, baseRate: all.rate,
            buckets: buckets(subjects, scale: scale),
            tiers: Tier.allCases.map { tier in
                let c = ConversionRate(subjects.lazy.filter { $0.tier == tier })
                return TierConversion(tier: tier, conversion: c, share: subjects.isEmpty ? nil : Double(c.count) / Double(subjects.count))
            },
            pql: pql, nonPQL: nonPQL, pqlLift: conversionLift(pql.rate, over: nonPQL.rate),
            hotPrecision: pql.rate, hotRecall: recall(pql), hotWarmPrecision: hotWarm.rate, hotWarmRecall: recall(hotWarm),
            top20: top, bottom80: rest, top20Lift: conversionLift(top.rate, over: rest.rate),
            auc: auc(subjects), pqlShare: share, pqlShareHealth: share.map(PQLShareHealth.init(share:)),
            histogram: histogram(subjects, scale: scale), targets: [])
        result.targets = targets(result)
        return result
    }

    /// The seeds' targets: PQL lift 3×+ (seed 001; under 2× calls for recalibration), hot precision
    /// over 30 % (seed 004; under 20 % is a red flag), hot+warm recall over 70 % (seed 004; under 50 %),
    /// top 20 % at 2×+ the bottom 80 % (seed 003), PQL share 5–15 % (seed 003).
    public static func targets(_ p: PopulationBacktest) -> [TargetCheck] {
        func check(_ name: String, _ value: Double?, _ target: String, met: (Double) -> Bool, red: (Double) -> Bool, _ source: String)
            -> TargetCheck
        {
            let status: TargetCheck.Status = value.map { met($0) ? .met : red($0) ? .redFlag : .warning } ?? .unknown
            return TargetCheck(name: name, value: value, target: target, status: status, source: source)
        }
        var checks = [
            check("PQL lift", p.pqlLift, "≥ 3× (red flag < 2×)", met: { $0 >= 3 }, red: { $0 < 2 }, "seed 001"),
            check("hot precision", p.hotPrecision, "> 30 % (red flag < 20 %)", met: { $0 > 0.30 }, red: { $0 < 0.20 }, "seed 004"),
            check("hot+warm recall", p.hotWarmRecall, "> 70 % (red flag < 50 %)", met: { $0 > 0.70 }, red: { $0 < 0.50 }, "seed 004"),
            check("top 20 % lift", p.top20Lift, "≥ 2×", met: { $0 >= 2 }, red: { _ in false }, "seed 003"),
        ]
        let shareStatus: TargetCheck.Status
        switch p.pqlShareHealth {
        case .healthy: shareStatus = .met
        case .tight, .loose: shareStatus = .warning
        case .tooTight, .tooLoose: shareStatus = .redFlag
        case nil: shareStatus = .unknown
        }
        checks.append(
            TargetCheck(
                name: "PQL share", value: p.pqlShare, target: "5–15 % (warning 15–25 %, red flag > 25 % or < 3 %)",
                status: shareStatus, source: "seed 003"))
        return checks
    }
}
