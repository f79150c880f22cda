import Foundation
import Testing
@testable import BrieferCore

/// The backtest's numbers against small cases worked out by hand.
struct BacktestMetricsTests {
    func subject(_ score: Int, _ converted: Bool, tier: Tier? = nil, id: String = "") -> BacktestSubject {
        let t = tier ?? (score >= 75 ? .hot : score >= 50 ? .warm : score >= 25 ? .nurture : .monitor)
        return BacktestSubject(id: id, score: score, tier: t, converted: converted)
    }

    func approx(_ a: Double?, _ b: Double, _ tolerance: Double = 1e-9) -> Bool { a.map { abs($0 - b) <= tolerance } ?? false }

    /// Converters scored 80 and 60, non-converters 70, 40 and 60: of the 6 pairs the converter wins
    /// 80>70, 80>40, 80>60, 60>40, ties 60=60 (a half) and loses 60<70: 4.5 / 6.
    @Test func aucCountsPairsWithTiesAtHalf() {
        let subjects = [subject(80, true), subject(60, true), subject(70, false), subject(40, false), subject(60, false)]
        #expect(approx(BacktestMetrics.auc(subjects), 0.75))
        #expect(approx(BacktestMetrics.auc([subject(90, true), subject(10, false)]), 1))
        #expect(approx(BacktestMetrics.auc([subject(10, true), subject(90, false)]), 0))
        #expect(approx(BacktestMetrics.auc([subject(50, true), subject(50, false)]), 0.5))
        #expect(BacktestMetrics.auc([subject(50, false), subject(60, false)]) == nil)  // no converter
        #expect(BacktestMetrics.auc([subject(50, true)]) == nil)  // no non-converter
        #expect(BacktestMetrics.auc([]) == nil)
    }

    /// 4 hot (2 converted), 6 warm (2), 10 nurture (1), 20 monitor (0): 5 converters among the 40.
    func population() -> [BacktestSubject] {
        var s: [BacktestSubject] = []
        for i in 0..<4 { s.append(subject(80 + i, i < 2)) }
        for i in 0..<6 { s.append(subject(55 + i, i < 2)) }
        for i in 0..<10 { s.append(subject(30 + i, i == 0)) }
        for i in 0..<20 { s.append(subject(i, false)) }
        return s
    }

    @Test func precisionRecallAndLiftByHand() {
        let p = BacktestMetrics.population(population(), scale: ScoreScale(edges: [0, 25, 50, 75, 100], histogramWidth: 5))
        #expect(p.eligible == 40 && p.converted == 5)
        #expect(approx(p.baseRate, 5.0 / 40))
        #expect(approx(p.hotPrecision, 0.5))  // 2 of 4 hot
        // Recall's denominator is every converter among the eligible (5), including the nurture one:
        // counting only converters that were scored hot or warm would give 4/4.
        #expect(approx(p.hotRecall, 2.0 / 5))
        #expect(approx(p.hotWarmPrecision, 4.0 / 10))
        #expect(approx(p.hotWarmRecall, 4.0 / 5))
        #expect(p.pql == ConversionRate(count: 4, converted: 2))
        #expect(p.nonPQL == ConversionRate(count: 36, converted: 3))
        #expect(approx(p.pqlLift, 0.5 / (3.0 / 36)))  // 6×
        #expect(approx(p.pqlShare, 0.1))
        #expect(p.pqlShareHealth == .healthy)
        // The top 20 % are the 8 best: hot 80–83 (2 converted) and warm 57–60 (none; the warm converters
        // are 55 and 56): 2 of 8; the other 32 hold 3 converters.
        #expect(approx(p.top20.count, 8) && approx(p.top20.converted, 2))
        #expect(approx(p.top20Lift, (2.0 / 8) / (3.0 / 32)))
        #expect(p.targets.first { $0.name == "PQL lift" }?.status == .met)
        #expect(p.targets.first { $0.name == "hot precision" }?.status == .met)
        #expect(p.targets.first { $0.name == "hot+warm recall" }?.status == .met)
    }

    /// Seed 003's example: PQLs at 25 % against non-PQLs at 8 % is a 3.1× lift.
    @Test func seedLiftExample() {
        var s: [BacktestSubject] = []
        for i in 0..<100 { s.append(subject(90, i < 25)) }
        for i in 0..<100 { s.append(subject(10, i < 8)) }
        let p = BacktestMetrics.population(s, scale: ScoreScale(edges: [0, 25, 50, 75, 100], histogramWidth: 5))
        #expect(approx(p.pqlLift, 3.125))
        #expect(String(format: "%.1f", p.pqlLift!) == "3.1")
    }

    @Test func theTopShareSplitsTiesInProportion() {
        // Distinct scores: the top 2 of 10 are 100 and 90, both converted; the bottom 8 hold 1 converter.
        let distinct = (1...10).map { subject($0 * 10, [100, 90, 20].contains($0 * 10)) }
        let (top, rest) = BacktestMetrics.topShare(distinct, fraction: 0.2)
        #expect(approx(top.rate, 1) && approx(rest.rate, 1.0 / 8))
        // Five tied scores, one converter: the top 20 % is a fifth of the tie, expected 0.2 conversions.
        let tied = (0..<5).map { subject(50, $0 == 0) }
        let (t2, r2) = BacktestMetrics.topShare(tied, fraction: 0.2)
        #expect(approx(t2.count, 1) && approx(t2.converted, 0.2) && approx(r2.count, 4) && approx(r2.converted, 0.8))
        #expect(approx(conversionLift(t2.rate, over: r2.rate), 1))
    }

    @Test func bucketBoundaries() {
        let scale = ScoreScale(edges: [0, 25, 50, 75, 100], histogramWidth: 5)
        let scores = [0, 24, 25, 49, 50, 74, 75, 99, 100]
        let buckets = BacktestMetrics.buckets(scores.map { subject($0, $0 == 100) }, scale: scale)
        #expect(buckets.map(\.label) == ["[0,25)", "[25,50)", "[50,75)", "[75,100]"])
        #expect(buckets.map(\.conversion.count) == [2, 2, 2, 3])
        #expect(buckets.last!.conversion.converted == 1)  // 100 is in the last bucket
        #expect(buckets.map(\.expected) == BacktestMetrics.seedExpectations)
        // The points model cuts its 0–150 range where its tiers are.
        var c = BrieferConfiguration()
        #expect(ScoreScale(c, model: .points).edges == [0, 30, 60, 80, 150])
        c.points.tiers.nurture = 40
        #expect(ScoreScale(c, model: .points).edges == [0, 40, 60, 80, 150])
        let histogram = BacktestMetrics.histogram(
            [subject(0, false), subject(4, true), subject(5, false), subject(100, true)], scale: scale)
        #expect(histogram.count == 20)
        #expect(histogram[0].converted == 1 && histogram[0].notConverted == 1 && histogram[1].notConverted == 1)
        #expect(histogram[19].converted == 1 && histogram[19].upper == 100)  // 100 is in the last bin
    }

    @Test func emptyBucketsAndEmptyPopulationsHaveNoRateNotZero() {
        let scale = ScoreScale(edges: [0, 25, 50, 75, 100], histogramWidth: 5)
        let p = BacktestMetrics.population([subject(10, true), subject(12, false)], scale: scale)
        #expect(p.buckets[3].conversion == ConversionRate(count: 0, converted: 0))
        #expect(p.buckets[3].conversion.rate == nil && p.buckets[3].share == 0)
        #expect(p.pql.rate == nil && p.hotPrecision == nil && p.pqlLift == nil)
        let none = BacktestMetrics.population([], scale: scale)
        #expect(none.eligible == 0 && none.baseRate == nil && none.auc == nil && none.pqlShare == nil && none.top20Lift == nil)
        #expect(none.targets.allSatisfy { $0.status == .unknown })
    }

    @Test func noConversionsAtAllIsReportedNotDividedByZero() {
        let p = BacktestMetrics.population(
            population().map {
                var s = $0; s.converted = false; return s
            },
            scale: ScoreScale(edges: [0, 25, 50, 75, 100], histogramWidth: 5))
        #expect(p.converted == 0 && p.baseRate == 0)
        #expect(p.hotRecall == nil && p.hotWarmRecall == nil && p.auc == nil)
        #expect(p.pqlLift == nil && p.top20Lift == nil)
        #expect(p.targets.first { $0.name == "hot+warm recall" }?.status == .unknown)
        #expect(p.targets.first { $0.name == "PQL lift" }?.status == .unknown)
    }

    @Test func everyConversionAmongPQLsIsAnInfiniteLift() {
        let p = BacktestMetrics.population(
            [subject(90, true), subject(80, false), subject(10, false), subject(20, false)],
            scale: ScoreScale(edges: [0, 25, 50, 75, 100], histogramWidth: 5))
        #expect(p.pqlLift == .infinity)
        #expect(p.targets.first { $0.name == "PQL lift" }?.status == .met)
        #expect(conversionLift(0, over: 0) == nil && conversionLift(nil, over: 0.5) == nil)
    }

    @Test func pqlShareBandsFollowSeed003() {
        #expect(PQLShareHealth(share: 0.029) == .tooTight)
        #expect(PQLShareHealth(share: 0.03) == .tight)
        #expect(PQLShareHealth(share: 0.05) == .healthy)
        #expect(PQLShareHealth(share: 0.15) == .healthy)
        #expect(PQLShareHealth(share: 0.1501) == .loose)
        #expect(PQLShareHealth(share: 0.25) == .loose)
        #expect(PQLShareHealth(share: 0.2501) == .tooLoose)
    }

    @Test func signalEvidenceComparesWithAndWithout() {
        let signals = [BacktestSignal(name: "a", kind: "activation"), BacktestSignal(name: "b", kind: "intent")]
        let subjects = [subject(1, true), subject(2, false), subject(3, true), subject(4, false), subject(5, false)]
        // a: subjects 0, 1, 2 (2 of 3 converted) vs 3, 4 (0 of 2); b: 0, 3 (1 of 2) vs 1, 2, 4 (1 of 3).
        let has = [[true, true], [true, false], [true, false], [false, true], [false, false]]
        let evidence = BacktestSignals.evidence(signals, subjects: subjects, has: has)
        #expect(evidence[0].with == ConversionRate(count: 3, converted: 2) && evidence[0].without == ConversionRate(count: 2, converted: 0))
        #expect(evidence[0].lift == .infinity)
        #expect(approx(evidence[1].lift, 0.5 / (1.0 / 3)))
    }

    /// Users scored 51…100, one each; the top 10 converted. With 50 users the share is in 5–15 % for
    /// 3 to 7 hot users: thresholds 94 (7 hot) to 98 (3 hot).
    @Test func theBandSuggestionIsTheBestLiftInsideTheHealthyShare() {
        let users = (51...100).map { subject($0, $0 > 90) }
        let band = ThresholdSuggestions.band(current: 75, range: 51...100, users: users)
        #expect(band.current.hot.count == 26)
        let suggested = try! #require(band.suggested)
        // Every threshold from 94 to 98 has all-converting hot users, an infinite lift; the lowest wins ties.
        #expect(suggested.threshold == 94)
        #expect(suggested.hot == ConversionRate(count: 7, converted: 7))
        #expect(approx(suggested.share, 0.14) && approx(suggested.recall, 0.7))
        // No threshold in range reaches the band: a note, no suggestion.
        let few = (0..<10).map { subject(90, $0 < 2) }
        let none = ThresholdSuggestions.band(current: 75, range: 51...100, users: few)
        #expect(none.suggested == nil)
        #expect(none.note.contains("no threshold from 51 to 100"))
    }

    /// Two weeks; accounts climbing: the flow of newly hot accounts at each threshold, averaged.
    @Test func theCapacitySuggestionFillsTheWeeklyFlow() {
        func a(_ id: String, _ score: Int) -> BacktestSubject { subject(score, false, id: id) }
        // Week 1 (latest): x 70→90, y 60→85, z 80→95 (already above 80 at the start), w new at 78.
        // Week 2: x 50→70, y 40→60, z 70→80.
        let week1 = [
            WeekTransition(before: a("x", 70), after: a("x", 90)), WeekTransition(before: a("y", 60), after: a("y", 85)),
            WeekTransition(before: a("z", 80), after: a("z", 95)), WeekTransition(before: nil, after: a("w", 78)),
        ]
        let week2 = [
            WeekTransition(before: a("x", 50), after: a("x", 70)), WeekTransition(before: a("y", 40), after: a("y", 60)),
            WeekTransition(before: a("z", 70), after: a("z", 80)),
        ]
        let weeks = [week1, week2]
        // At 80: week 1 x, y (z was already ≥ 80) = 2; week 2 z = 1 → 1.5 a week.
        #expect(ThresholdSuggestions.newPerWeek(weeks, threshold: 80) == 1.5)
        // At 71: week 1 x, y, w = 3 (z was 80); week 2 z = 1 → 2 a week; at 70: week 1 y, w (x was 70) + week 2 x, z = 2.
        #expect(ThresholdSuggestions.newPerWeek(weeks, threshold: 71) == 2)
        let accounts = [a("x", 90), a("y", 85), a("z", 95), a("w", 78)]
        let capacity = ThresholdSuggestions.capacity(current: 75, range: 51...100, accounts: accounts, weeks: weeks, perWeek: 1)
        // From the top down, the flow first exceeds 1 a week at 85 (x, y and z in week 1: 1.5 a week).
        let suggested = try! #require(capacity.suggested)
        #expect(ThresholdSuggestions.newPerWeek(weeks, threshold: suggested.threshold)! <= 1)
        #expect(ThresholdSuggestions.newPerWeek(weeks, threshold: suggested.threshold - 1)! > 1)
        #expect(suggested.threshold == 86)  // at 86: x (70→90) in week 1, z (80→95) in week 1 → 2 / 2 weeks = 1
        #expect(capacity.current.newPerWeek == 2)  // at 75: x, y, w in week 1; z in week 2
        let none = ThresholdSuggestions.capacity(current: 75, range: 51...100, accounts: accounts, weeks: [], perWeek: 1)
        #expect(none.suggested == nil && none.weeksMeasured == 0)
        // A capacity above the flow at every threshold down to warm: no threshold fills it, none is suggested.
        let ample = ThresholdSuggestions.capacity(current: 75, range: 51...100, accounts: accounts, weeks: weeks, perWeek: 10)
        #expect(ample.suggested == nil && ample.note.contains("the capacity is larger than the flow"))
    }

    /// Shares 50/50 → 25/75 over two buckets: PSI = (0.25−0.5)·ln(0.5) + (0.75−0.5)·ln(1.5) ≈ 0.2747.
    @Test func driftMeasuresTheShiftAndTheClustering() {
        let scale = ScoreScale(edges: [0, 50, 100], histogramWidth: 10)
        let before = BacktestMetrics.population(
            [subject(10, false), subject(20, false), subject(60, true), subject(70, false)], scale: scale)
        let after = BacktestMetrics.population(
            [subject(10, false), subject(60, false), subject(70, true), subject(80, false)], scale: scale)
        let drift = PopulationDrift(from: before, to: after)
        #expect(approx(drift.stabilityIndex, 0.25 * log(2) + 0.25 * log(1.5), 1e-12))
        #expect(drift.largestBucketShareFrom == 0.5 && drift.largestBucketShareTo == 0.75)
        #expect(!drift.clusteredFrom && drift.clusteredTo)
        #expect(approx(PopulationDrift(from: before, to: before).stabilityIndex, 0))
        #expect(drift.changes.first { $0.name == "eligible" }?.to == 4)
    }
}
