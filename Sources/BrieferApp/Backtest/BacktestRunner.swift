import BrieferCore
import BrieferStore
import Foundation
import Logging

/// `briefer backtest`: scores as of a past time from the events up to it, labels who converted in
/// the horizon after it, and measures how well the score predicted that.
public struct BacktestReport: Sendable, Equatable, Codable {
    public struct Exclusions: Sendable, Equatable, Codable {
        /// Users whose plan in force at the backtest time was paid.
        public var usersPaying = 0
        /// Users who signed up (or were first seen) after the backtest time, or have no sign of life by it.
        public var usersFirstSeenAfter = 0
        /// Users of internal or test domains (never scored).
        public var usersInternal = 0
        public var accountsPaying = 0
        public var accountsFirstSeenAfter = 0
    }

    public var asOf: String
    public var horizonDays: Double
    /// The end of the labelling window: as-of + horizon.
    public var labelsUntil: String
    public var model: String
    public var configFingerprint: String
    /// The latest event or subscription start stored.
    public var dataEnd: String?
    public var warnings: [String]
    public var exclusions: Exclusions
    public var users: PopulationBacktest
    public var accounts: PopulationBacktest
    /// Per configured signal, over the eligible users.
    public var signals: [SignalEvidence]
    public var thresholds: ThresholdSuggestions
    /// Reps' feedback after the as-of time, beside conversions (nil when none was read back in the window).
    public var feedback: FeedbackEvidence?
}

/// Two backtests and how the score distribution and lift moved between them.
public struct BacktestComparison: Sendable, Equatable, Codable {
    public var from: BacktestReport
    public var to: BacktestReport
    public var users: PopulationDrift
    public var accounts: PopulationDrift
    public var warnings: [String]
}

public struct BacktestRunner {
    public var store: BrieferStore
    public var configuration: BrieferConfiguration
    public var logger: Logger

    public init(store: BrieferStore, configuration: BrieferConfiguration, logger: Logger) {
        self.store = store; self.configuration = configuration; self.logger = logger
    }

    /// Fewer conversions than this and the report says its rates are rough.
    public static let smallSample = 20

    /// The labelled population of a backtest: who is in it, their scores as of the time, who converted.
    public struct Population: Sendable {
        public var asOf: Timestamp
        public var labelsUntil: Timestamp
        public var horizonDays: Double
        public var context: ScoringContext
        public var scores: ScoringComputation
        /// Eligible users, and which configured signals each has (``BacktestSignals/definitions(_:)``).
        public var users: [BacktestSubject]
        public var signals: [[Bool]]
        public var accounts: [BacktestSubject]
        public var exclusions: BacktestReport.Exclusions
        /// Who paid when, and how far the data reaches: read once, for the report too.
        let labels: Labels
        let span: BrieferStore.DataSpan
    }

    public func population(asOf: Timestamp, horizonDays: Double? = nil, model: BrieferConfiguration.ScoringModel? = nil) throws
        -> Population
    {
        let horizon = horizonDays ?? Double(configuration.backtest.horizonDays)
        let labelsUntil = Timestamp(milliseconds: asOf.milliseconds + Int64((horizon * Double(Timestamp.millisecondsPerDay)).rounded()))
        let scoring = ScoringRunner(store: store, configuration: configuration, logger: logger)
        // A database whose scores come from a warehouse has no events to score as of a past time.
        if try store.storedEventCount() == 0, let imported = try store.run(), imported.isImported {
            throw BacktestUnavailable(run: imported)
        }
        let context = try scoring.context(asOf: asOf, model: model)
        let now = try scoring.compute(context: context)
        let labels = try Labels(store: store, configuration: configuration)
        let span = try store.dataSpan()
        let scorer = Scorer(context: context)

        var exclusions = BacktestReport.Exclusions(usersInternal: now.internalUsers)
        // Users stored but not known at the as-of time (first call later, or a users-CSV created_at later).
        exclusions.usersFirstSeenAfter = max(0, span.users - now.users.count - now.internalUsers)
        var users: [BacktestSubject] = []
        var has: [[Bool]] = []
        for user in now.users {
            let profile = now.profiles[user.userId]!
            if labels.isPaying(user.userId, at: asOf) { exclusions.usersPaying += 1; continue }
            if !Labels.seen(profile, by: asOf) { exclusions.usersFirstSeenAfter += 1; continue }
            users.append(
                BacktestSubject(
                    id: user.userId, score: user.score, tier: user.tier,
                    meetsOtherPQLConditions: scorer.meetsPQLMinimums(fit: user.fit, behaviour: user.behaviour),
                    converted: labels.converts(user.userId, after: asOf, until: labelsUntil)))
            has.append(BacktestSignals.present(now.facts[user.userId]!, profile: profile, context: context))
        }
        var accounts: [BacktestSubject] = []
        let byAccount = now.userIdsByAccount
        for account in now.accounts {
            let members = byAccount[account.account] ?? []
            if members.contains(where: { labels.isPaying($0, at: asOf) }) { exclusions.accountsPaying += 1; continue }
            if !members.contains(where: { Labels.seen(now.profiles[$0]!, by: asOf) }) { exclusions.accountsFirstSeenAfter += 1; continue }
            accounts.append(
                BacktestSubject(
                    id: account.account, score: account.score, tier: account.tier,
                    meetsOtherPQLConditions: scorer.meetsPQLMinimums(fit: account.fit, behaviour: account.behaviour),
                    converted: members.contains { labels.converts($0, after: asOf, until: labelsUntil) }))
        }
        return Population(
            asOf: asOf, labelsUntil: labelsUntil, horizonDays: horizon, context: context, scores: now,
            users: users, signals: has, accounts: accounts, exclusions: exclusions, labels: labels, span: span)
    }

    public func run(
        asOf: Timestamp, horizonDays: Double? = nil, model: BrieferConfiguration.ScoringModel? = nil,
        capacityPerWeek: Int? = nil
    ) throws -> BacktestReport {
        let clock = ContinuousClock()
        let started = clock.now
        let population = try self.population(asOf: asOf, horizonDays: horizonDays, model: model)
        let (context, now, users, accounts, labelsUntil) = (
            population.context, population.scores, population.users, population.accounts, population.labelsUntil
        )
        let scale = ScoreScale(configuration, model: context.model)
        let scoring = ScoringRunner(store: store, configuration: configuration, logger: logger)

        let end = population.span
        var weeks: [[WeekTransition]] = []
        if capacityPerWeek != nil, let firstEvent = end.firstEvent {
            weeks = try weeklyTransitions(
                scoring: scoring, asOf: asOf, dataStart: firstEvent, scorer: Scorer(context: context), current: now,
                labels: population.labels)
        }
        let signals = BacktestSignals.definitions(context)
        let userMetrics = BacktestMetrics.population(users, scale: scale)
        let accountMetrics = BacktestMetrics.population(accounts, scale: scale)
        let dataEnd = [end.lastEvent, end.lastSubscription].compactMap { $0 }.max()

        var warnings: [String] = []
        if end.lastSubscription == nil {
            warnings.append("no subscriptions are stored: nothing can count as a conversion (ingest the subscriptions CSV)")
        }
        if let dataEnd, dataEnd < labelsUntil {
            warnings.append(
                "the horizon runs to \(labelsUntil.iso8601), past the latest event or subscription stored (\(dataEnd.iso8601)): if the data ends there, later conversions are missing and rates read low"
            )
        }
        if let last = end.lastSubscription, last <= asOf {
            warnings.append("no subscription starts after \(asOf.iso8601): is the subscriptions CSV older than the as-of time?")
        }
        if let largest = userMetrics.buckets.max(by: { ($0.share ?? 0) < ($1.share ?? 0) }),
            (largest.share ?? 0) > PopulationDrift.clusterRedFlag
        {
            warnings.append(
                "red flag: \(Int(((largest.share ?? 0) * 100).rounded())) % of users score in \(largest.label) (seed 001: over 50 % in one bucket means the score does not spread leads apart)"
            )
        }
        if users.isEmpty {
            warnings.append("no eligible user: every user was paying or first seen after \(asOf.iso8601)")
        } else if userMetrics.converted == 0 {
            warnings.append("no eligible user converted within the horizon: lift, precision, recall and AUC cannot be measured")
        } else if userMetrics.converted < Self.smallSample {
            warnings.append("only \(userMetrics.converted) user conversion(s): treat rates and lifts as rough")
        }

        let report = BacktestReport(
            asOf: asOf.iso8601, horizonDays: population.horizonDays, labelsUntil: labelsUntil.iso8601, model: context.model.rawValue,
            configFingerprint: configuration.fingerprint, dataEnd: dataEnd?.iso8601, warnings: warnings, exclusions: population.exclusions,
            users: userMetrics, accounts: accountMetrics,
            signals: BacktestSignals.evidence(signals, subjects: users, has: population.signals),
            thresholds: ThresholdSuggestions.suggest(
                current: ThresholdSuggestions.currentThreshold(configuration, model: context.model),
                range: ThresholdSuggestions.range(configuration, model: context.model),
                users: users, accounts: accounts, weeks: weeks, capacityPerWeek: capacityPerWeek),
            feedback: FeedbackEvidence.measure(
                accounts: accounts, reasons: Dictionary(now.accounts.map { ($0.account, $0.reasons) }, uniquingKeysWith: { a, _ in a }),
                entries: try store.feedback(), asOf: asOf, until: labelsUntil, settings: configuration.actions.feedback))
        logger.info(
            "backtest",
            metadata: [
                "as_of": "\(asOf.iso8601)", "users": "\(users.count)", "accounts": "\(accounts.count)",
                "conversions": "\(userMetrics.converted)", "seconds": "\(clock.now - started)",
            ])
        return report
    }

    public func compare(
        _ first: Timestamp, _ second: Timestamp, horizonDays: Double? = nil, model: BrieferConfiguration.ScoringModel? = nil,
        capacityPerWeek: Int? = nil
    ) throws -> BacktestComparison {
        let (a, b) = first <= second ? (first, second) : (second, first)
        let from = try run(asOf: a, horizonDays: horizonDays, model: model, capacityPerWeek: capacityPerWeek)
        let to = try run(asOf: b, horizonDays: horizonDays, model: model, capacityPerWeek: capacityPerWeek)
        let users = PopulationDrift(from: from.users, to: to.users)
        let warnings = from.warnings.map { "as of \(from.asOf): \($0)" } + to.warnings.map { "as of \(to.asOf): \($0)" }
        return BacktestComparison(
            from: from, to: to, users: users, accounts: PopulationDrift(from: from.accounts, to: to.accounts), warnings: warnings)
    }

    /// Per week before `asOf` (newest first, at most `backtest.capacity_weeks` of them, only weeks
    /// starting at or after the first event: before it, every account would look newly hot): each
    /// account not paying at the week's end, with its state at the start and the end of the week.
    private func weeklyTransitions(
        scoring: ScoringRunner, asOf: Timestamp, dataStart: Timestamp, scorer: Scorer,
        current: ScoringComputation, labels: Labels
    ) throws -> [[WeekTransition]] {
        func subjects(_ computed: ScoringComputation, at time: Timestamp) -> [String: BacktestSubject] {
            let members = computed.userIdsByAccount
            var result: [String: BacktestSubject] = [:]
            for account in computed.accounts where !(members[account.account] ?? []).contains(where: { labels.isPaying($0, at: time) }) {
                result[account.account] = BacktestSubject(
                    id: account.account, score: account.score, tier: account.tier,
                    meetsOtherPQLConditions: scorer.meetsPQLMinimums(fit: account.fit, behaviour: account.behaviour),
                    converted: false)
            }
            return result
        }
        let week = 7 * Timestamp.millisecondsPerDay
        var end = subjects(current, at: asOf)
        var weeks: [[WeekTransition]] = []
        for w in 1...configuration.backtest.capacityWeeks {
            let startTime = Timestamp(milliseconds: asOf.milliseconds - Int64(w) * week)
            guard startTime >= dataStart else { break }
            let start = subjects(
                try scoring.compute(context: try scoring.context(asOf: startTime, model: scorer.context.model)), at: startTime)
            weeks.append(end.keys.sorted().map { WeekTransition(before: start[$0], after: end[$0]!) })
            end = start
        }
        return weeks
    }
}

/// Who paid when, from the subscriptions CSV.
struct Labels {
    let byUser: [String: [BrieferStore.SubscriptionStart]]
    let freePlans: Set<String>

    init(store: BrieferStore, configuration: BrieferConfiguration) throws {
        let free = Set(configuration.backtest.freePlans.map { $0.trimmedWhitespace.lowercased() })
        freePlans = free
        // Oldest first; of plans starting at the same time, the paid one last (the one in force).
        byUser = try store.subscriptionsByUser().mapValues { rows in
            rows.sorted { a, b in
                (a.start, Self.isPaid(a.plan, free: free) ? 1 : 0, a.plan) < (b.start, Self.isPaid(b.plan, free: free) ? 1 : 0, b.plan)
            }
        }
    }

    static func isPaid(_ plan: String, free: Set<String>) -> Bool { !free.contains(plan.trimmedWhitespace.lowercased()) }
    func isPaid(_ plan: String) -> Bool { Self.isPaid(plan, free: freePlans) }

    /// The plan in force at `time` (the latest started by then) is paid.
    func isPaying(_ user: String, at time: Timestamp) -> Bool {
        guard let plan = byUser[user]?.last(where: { $0.start <= time })?.plan else { return false }
        return isPaid(plan)
    }

    /// A paid subscription starts in (after, until].
    func converts(_ user: String, after: Timestamp, until: Timestamp) -> Bool {
        byUser[user]?.contains { $0.start > after && $0.start <= until && isPaid($0.plan) } ?? false
    }

    /// Signed up, or seen in any call, by `time`.
    static func seen(_ profile: UserProfile, by time: Timestamp) -> Bool {
        [profile.signup, profile.firstSeen].contains { $0.map { $0 <= time } ?? false }
    }
}

extension ScoringComputation {
    /// Each account's user ids, in the order they were scored.
    var userIdsByAccount: [String: [String]] {
        var members: [String: [String]] = [:]
        for user in users { members[user.account, default: []].append(user.userId) }
        return members
    }
}

/// A backtest scores this database's events as of a past time; one whose scores come from a warehouse has none.
public struct BacktestUnavailable: BrieferError {
    public var run: ScoringRun
    public var code: BrieferErrorCode { .noScoringRun }
    public var message: String {
        "this database holds no events: its scores (run \(run.id)) were computed in the \(run.source ?? "warehouse"). A backtest "
            + "scores the events as of a past time: generate the script for that time there (briefer sql --as-of T), import its "
            + "scores (briefer import-scores), and compare them with the conversions after T; or run the backtest where the events are"
    }
}
