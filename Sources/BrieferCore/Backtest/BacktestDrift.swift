import Foundation

/// How a population's score distribution and lift moved between two backtest times (seed 001's
/// monthly "score distribution health": over 50 % of leads in one bucket is a red flag).
public struct PopulationDrift: Sendable, Equatable, Codable {
    public struct Bucket: Sendable, Equatable, Codable {
        public var label: String
        public var shareFrom: Double?
        public var shareTo: Double?
        public var rateFrom: Double?
        public var rateTo: Double?
    }

    public struct Change: Sendable, Equatable, Codable {
        public var name: String
        public var from: Double?
        public var to: Double?
    }

    public var buckets: [Bucket]
    /// The population stability index over the buckets: under 0.1 stable, 0.1–0.25 a moderate shift,
    /// over 0.25 a large one (the usual reading in credit scoring). Empty buckets count as 0.01 %.
    public var stabilityIndex: Double?
    public var largestBucketShareFrom: Double?
    public var largestBucketShareTo: Double?
    public var changes: [Change]

    public static let clusterRedFlag = 0.5

    public var clusteredFrom: Bool { (largestBucketShareFrom ?? 0) > Self.clusterRedFlag }
    public var clusteredTo: Bool { (largestBucketShareTo ?? 0) > Self.clusterRedFlag }

    public init(from a: PopulationBacktest, to b: PopulationBacktest) {
        buckets = zip(a.buckets, b.buckets).map { x, y in
            Bucket(label: x.label, shareFrom: x.share, shareTo: y.share, rateFrom: x.conversion.rate, rateTo: y.conversion.rate)
        }
        if a.eligible > 0, b.eligible > 0 {
            stabilityIndex = buckets.reduce(0.0) { sum, bucket in
                let p = max(bucket.shareFrom ?? 0, 0.0001), q = max(bucket.shareTo ?? 0, 0.0001)
                return sum + (q - p) * log(q / p)
            }
        }
        largestBucketShareFrom = a.buckets.compactMap(\.share).max()
        largestBucketShareTo = b.buckets.compactMap(\.share).max()
        changes = [
            Change(name: "eligible", from: Double(a.eligible), to: Double(b.eligible)),
            Change(name: "conversion rate", from: a.baseRate, to: b.baseRate),
            Change(name: "PQL share", from: a.pqlShare, to: b.pqlShare),
            Change(name: "PQL lift", from: a.pqlLift, to: b.pqlLift),
            Change(name: "hot precision", from: a.hotPrecision, to: b.hotPrecision),
            Change(name: "hot+warm recall", from: a.hotWarmRecall, to: b.hotWarmRecall),
            Change(name: "top 20 % lift", from: a.top20Lift, to: b.top20Lift),
            Change(name: "AUC", from: a.auc, to: b.auc),
        ]
    }
}
