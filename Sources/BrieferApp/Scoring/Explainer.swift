import BrieferCore
import BrieferStore
import Foundation

/// `briefer explain DOMAIN`: recomputes one account's score from its raw events, rule by rule, and
/// checks the result against the stored run.
public struct Explainer {
    public var store: BrieferStore
    public var configuration: BrieferConfiguration

    public init(store: BrieferStore, configuration: BrieferConfiguration) { self.store = store; self.configuration = configuration }

    public struct Explanation: Sendable {
        public var account: String
        public var lines: [String]
        public var recomputed: AccountScore
        public var stored: AccountScore?
        public var storedUsers: [UserScore]
        public var recomputedUsers: [UserScore]
        /// True when the recomputation from raw events equals what the run stored, user by user.
        public var matches: Bool
    }

    public enum Failure: Error, CustomStringConvertible {
        case noRun
        case unknownAccount(String)
        case imported(ScoringRun)
        public var description: String {
            switch self {
            case .noRun: return "no scoring run yet: run `briefer score` first"
            case let .imported(run):
                return "run \(run.id) was scored in the \(run.source ?? "warehouse"): its events are there, not in this database, so "
                    + "it cannot be recomputed here; query the script's work tables (briefer_w_counted, briefer_w_facts, briefer_w_users) "
                    + "in the warehouse, or explain a run scored here (--run)"
            case let .unknownAccount(a): return "no account '\(a)' in the latest run (see `briefer accounts`)"
            }
        }
    }

    public func explain(account rawKey: String, runId: Int64? = nil) throws -> Explanation {
        guard let run = try store.run(id: runId) else { throw Failure.noRun }
        if run.isImported { throw Failure.imported(run) }
        let key = rawKey.hasPrefix("user:") ? rawKey : Identity.normalizedDomain(rawKey)
        let context = ScoringContext(asOf: run.asOf, configuration: configuration, model: run.model, vocabulary: try store.vocabulary())
        let profiles = try store.profiles(context: context).profiles.filter { $0.account.description == key }
        guard !profiles.isEmpty else { throw Failure.unknownAccount(key) }
        let raw = try store.rawActivity(
            userIds: Set(profiles.map(\.userId)), extraction: ActivityExtraction(configuration), asOfMs: run.asOf.milliseconds)
        // Days before retention's horizon have no raw events left: they are read from the daily aggregates, as scoring reads them.
        var compacted: [String: [ActivityDay]] = [:]
        if let horizon = raw.horizon, horizon.day <= run.asOf.day {
            let stored = try store.scoringInput(context: context).days
            for profile in profiles {
                compacted[profile.userId] = (stored[profile.userId] ?? []).filter { $0.day < horizon.day }.sorted { $0.day < $1.day }
            }
        }
        let scorer = Scorer(context: context)
        var lines: [String] = [
            "account \(key), run \(run.id) as of \(run.asOf.iso8601), model \(run.model.rawValue), config \(run.configHash)"
        ]
        if let horizon = raw.horizon {
            let days = compacted.values.reduce(0) { $0 + $1.count }
            lines.append(
                "retention: raw activity events before \(horizon.isoDate) were compacted away; "
                    + (days == 0
                        ? "none of this account's scored days lie before it"
                        : "\(days) user-day(s) before it read from the daily aggregates"))
        }
        if run.configHash != configuration.fingerprint {
            lines.append(
                "note: the run used config \(run.configHash), the current config is \(configuration.fingerprint): numbers may differ")
        }
        var users: [UserScore] = []
        for profile in profiles {
            lines.append("")
            lines.append("user \(profile.userId) <\(profile.email ?? "no email")>, signup \(profile.signup?.iso8601 ?? "unknown")")
            for (link, events) in raw.stitched[profile.userId] ?? [] {
                lines.append(
                    "  stitched: \(events) event(s) of \(link.via == "alias" ? "id" : "anonymous id") \(link.fromId), linked by \(link.via) at "
                        + Timestamp(milliseconds: link.linkedMs).iso8601)
            }
            let days = (compacted[profile.userId] ?? []) + (raw.days[profile.userId] ?? [])
            let facts = UserFacts.compute(days: days, signup: profile.signup, context: context)
            lines.append(
                "  events: \(facts.countedEvents) counted, \(facts.botExcludedEvents) in bot-like days, \(facts.capExcludedEvents) over the daily cap"
            )
            let score = scorer.score(profile, facts: facts) { lines.append("  " + $0) }
            lines.append("  = \(score.score) (\(score.tier.rawValue)); reasons: \(ReasonCode.joined(score.reasons))")
            users.append(score)
        }
        lines.append("")
        let account = scorer.account(key, users: users) { lines.append($0) }
        lines.append("reasons: \(ReasonCode.joined(account.reasons))")
        let stored = try store.accountScores(runId: run.id).first { $0.score.account == key }?.score
        let storedUsers = try store.userScores(runId: run.id, account: key)
        let recomputedUsers = users.sorted { $0.userId < $1.userId }
        let matches =
            stored.map { Self.same($0, account) } == true && storedUsers.count == recomputedUsers.count
            && zip(storedUsers, recomputedUsers).allSatisfy(Self.same)
        lines.append(
            matches
                ? "stored score \(stored!.score) matches the recomputation from raw events"
                : "MISMATCH: stored \(stored.map { "\($0.score)" } ?? "nothing"), recomputed \(account.score)")
        return Explanation(
            account: key, lines: lines, recomputed: account, stored: stored, storedUsers: storedUsers,
            recomputedUsers: recomputedUsers, matches: matches)
    }

    static func same(_ a: AccountScore, _ b: AccountScore) -> Bool { a == b }

    /// Equal in everything a run stores (signals and team activity are not stored per user).
    static func same(_ a: UserScore, _ b: UserScore) -> Bool {
        var x = a, y = b
        x.signals = []; y.signals = []
        x.teamActive = false; y.teamActive = false
        return x == y
    }
}
