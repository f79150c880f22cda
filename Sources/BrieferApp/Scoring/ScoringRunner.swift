import BrieferCore
import BrieferStore
import Foundation
import Logging

/// The result of `briefer score`.
public struct ScoringOutcome: Sendable {
    public var run: ScoringRun
    public var users: [UserScore]
    public var accounts: [AccountScore]
    public var internalUsers: Int
}

/// Scores computed and not stored.
public struct ScoringComputation: Sendable {
    public var users: [UserScore]
    public var accounts: [AccountScore]
    public var internalUsers: Int
    public var facts: [String: UserFacts]
    public var profiles: [String: UserProfile]
}

/// `briefer score`: scores every known user and account as of a time, and stores the run.
public struct ScoringRunner {
    public var store: BrieferStore
    public var configuration: BrieferConfiguration
    public var logger: Logger

    public init(store: BrieferStore, configuration: BrieferConfiguration, logger: Logger) {
        self.store = store; self.configuration = configuration; self.logger = logger
    }

    public func context(asOf: Timestamp, model: BrieferConfiguration.ScoringModel?) throws -> ScoringContext {
        try store.ensureAggregates(extraction: ActivityExtraction(configuration))
        return ScoringContext(asOf: asOf, configuration: configuration, model: model, vocabulary: try store.vocabulary())
    }

    /// Scores without storing: users and accounts, sorted, with each user's facts and profile.
    public func compute(context: ScoringContext) throws -> ScoringComputation {
        let clock = ContinuousClock()
        let start = clock.now
        let input = try store.scoringInput(context: context)
        logger.debug(
            "scoring input loaded",
            metadata: [
                "seconds": "\(clock.now - start)", "users": "\(input.profiles.count)",
                "days": "\(input.days.values.reduce(0) { $0 + $1.count })",
            ])
        let scorer = Scorer(context: context)
        var users: [UserScore] = []
        var facts: [String: UserFacts] = [:]
        var profiles: [String: UserProfile] = [:]
        users.reserveCapacity(input.profiles.count)
        for profile in input.profiles {
            let f = UserFacts.compute(days: input.days[profile.userId] ?? [], signup: profile.signup, context: context)
            facts[profile.userId] = f
            profiles[profile.userId] = profile
            users.append(scorer.score(profile, facts: f))
        }
        let byAccount = Dictionary(grouping: users, by: \.account)
        let accounts = byAccount.keys.sorted().map { scorer.account($0, users: byAccount[$0]!) }
        return ScoringComputation(
            users: users, accounts: accounts, internalUsers: input.internalUsers.count, facts: facts, profiles: profiles)
    }

    public func run(asOf: Timestamp, model: BrieferConfiguration.ScoringModel? = nil) throws -> ScoringOutcome {
        let started = Timestamp.now.iso8601
        let clock = ContinuousClock()
        let t0 = clock.now
        let context = try self.context(asOf: asOf, model: model)
        let computed = try compute(context: context)
        let t1 = clock.now
        let totals = computed.facts.values.reduce(into: (0, 0, 0)) { t, f in
            t.0 += f.countedEvents; t.1 += f.botExcludedEvents; t.2 += f.capExcludedEvents
        }
        let run = try store.saveRun(
            context: context, startedAt: started, users: computed.users, accounts: computed.accounts,
            excluded: computed.internalUsers, counted: totals.0, botExcluded: totals.1, capExcluded: totals.2)
        logger.debug("scoring phases", metadata: ["compute": "\(t1 - t0)", "save": "\(clock.now - t1)"])
        logger.info(
            "scored",
            metadata: [
                "run.id": "\(run.id)", "as_of": "\(asOf.iso8601)", "users": "\(computed.users.count)",
                "accounts": "\(computed.accounts.count)", "model": "\(context.model.rawValue)",
            ])
        return ScoringOutcome(run: run, users: computed.users, accounts: computed.accounts, internalUsers: computed.internalUsers)
    }
}
