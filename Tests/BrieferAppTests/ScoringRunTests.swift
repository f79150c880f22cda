import BrieferApp
import BrieferCore
import BrieferStore
import BrieferTesting
import Foundation
import Testing

/// End to end over the fixture workspace: ingest, score at the manifest's as-of, explain.
@Suite(.serialized)
struct ScoringRunTests {
    static func scoredWorkspace(model: BrieferConfiguration.ScoringModel? = nil) throws -> (TemporaryStore, ScoringOutcome) {
        let t = try TemporaryStore()
        _ = try ingest(FixturePaths.workspaceFiles, into: t.store)
        let outcome = try ScoringRunner(store: t.store, configuration: BrieferConfiguration(), logger: .quiet)
            .run(asOf: try FixturePaths.manifestAsOf(), model: model)
        return (t, outcome)
    }

    /// The generator engineered these tiers with its own implementation of the rules
    /// (Fixtures/workspace/manifest.json): the hot list comes from outside this code.
    @Test func hotAccountsAreTheOnesTheGeneratorEngineered() throws {
        let (_, outcome) = try Self.scoredWorkspace()
        let engineered = try #require(try FixturePaths.manifest()["engineered"] as? [String: Any])
        let expectedHot = Set(
            (engineered["hot_accounts"] as! [String]) + (engineered["newly_active_hot_accounts"] as! [String])
                + (engineered["hot_through_team_bonus_accounts"] as! [String]))
        let hot = Set(outcome.accounts.filter { $0.tier == .hot }.map(\.account))
        #expect(hot == expectedHot)
        for warm in engineered["warm_accounts"] as! [String] {
            #expect(outcome.accounts.first { $0.account == warm }?.tier == .warm, "\(warm)")
        }
        // Internal test users are excluded, never scored.
        #expect(outcome.internalUsers == (engineered["internal_users"] as! [String]).count)
        #expect(!outcome.users.contains { ($0.account).hasSuffix("tallyboard.io") })
        // The team-bonus account is hot only through its teammates.
        let ledgerly = try #require(outcome.accounts.first { $0.account == "ledgerly.com" })
        #expect(ledgerly.teamBonus == 15)
        #expect(outcome.users.first { $0.userId == ledgerly.bestUserId }!.tier != .hot)
    }

    @Test(arguments: BrieferConfiguration.ScoringModel.allCases)
    func explainRecomputesEveryStoredAccountFromRawEvents(model: BrieferConfiguration.ScoringModel) throws {
        let (t, outcome) = try Self.scoredWorkspace(model: model)
        let explainer = Explainer(store: t.store, configuration: BrieferConfiguration())
        #expect(outcome.accounts.count > 50)
        for account in outcome.accounts {
            let explanation = try explainer.explain(account: account.account)
            #expect(explanation.matches, "\(account.account): stored \(account.score), recomputed \(explanation.recomputed.score)")
        }
    }

    @Test func sameInputsAsOfAndConfigGiveIdenticalScores() throws {
        let (t, first) = try Self.scoredWorkspace()
        let again = try ScoringRunner(store: t.store, configuration: BrieferConfiguration(), logger: .quiet).run(
            asOf: try FixturePaths.manifestAsOf())
        #expect(again.users == first.users)
        #expect(again.accounts == first.accounts)
        // Another database, the files ingested in another order, in smaller batches.
        let other = try TemporaryStore()
        var ingestor = Ingestor(store: other.store, configuration: BrieferConfiguration(), logger: .quiet)
        ingestor.now = Timestamp.parse("2026-11-25T00:00:00Z")!.timestamp
        ingestor.batchSize = 997
        _ = try ingestor.ingest(files: FixturePaths.workspaceFiles.reversed())
        let reordered = try ScoringRunner(store: other.store, configuration: BrieferConfiguration(), logger: .quiet).run(
            asOf: try FixturePaths.manifestAsOf())
        let differing = zip(reordered.users, first.users).filter { $0 != $1 }
        #expect(reordered.users.count == first.users.count)
        #expect(differing.isEmpty, "\(differing.prefix(3).map { "\($0.0)\n  vs \($0.1)" }.joined(separator: "\n"))")
        #expect(reordered.accounts == first.accounts)
    }

    @Test func aggregatesKeptAtIngestEqualAggregatesRebuiltFromRawEvents() throws {
        let (t, first) = try Self.scoredWorkspace()
        try t.store.rebuildAggregates(extraction: ActivityExtraction(BrieferConfiguration()))
        let rebuilt = try ScoringRunner(store: t.store, configuration: BrieferConfiguration(), logger: .quiet).run(
            asOf: try FixturePaths.manifestAsOf())
        #expect(rebuilt.users == first.users)
    }

    @Test func eventsAfterTheAsOfTimeChangeNothing() throws {
        let t = try TemporaryStore()
        _ = try ingest(FixturePaths.workspaceFiles, into: t.store)
        let asOf = Timestamp.parse("2026-11-10T00:00:00Z")!.timestamp
        let runner = ScoringRunner(store: t.store, configuration: BrieferConfiguration(), logger: .quiet)
        let before = try runner.run(asOf: asOf)
        let later = try t.file(
            "later.jsonl",
            (0..<50).map { i in
                #"{"type":"track","messageId":"late-\#(i)","userId":"u_0273","event":"core_feature_used","timestamp":"2026-11-1\#(i % 9)T10:00:00Z","context":{"groupId":"acme.com"}}"#
            }.joined(separator: "\n"))
        _ = try ingest([later], into: t.store)
        let after = try runner.run(asOf: asOf)
        #expect(after.users == before.users)
    }

    @Test func tierTransitionsAreKeptAcrossRuns() throws {
        let (t, _) = try Self.scoredWorkspace()
        let runner = ScoringRunner(store: t.store, configuration: BrieferConfiguration(), logger: .quiet)
        // 60 days later everyone is inactive: hot accounts fall, and remember they were hot.
        let later = try runner.run(asOf: try FixturePaths.manifestAsOf().adding(days: 60))
        let stored = try t.store.accountScores(runId: later.run.id)
        let acme = try #require(stored.first { $0.score.account == "acme.com" })
        #expect(acme.previousTier == .hot)
        #expect(acme.score.tier != .hot)
        #expect(acme.becameHotAt == (try FixturePaths.manifestAsOf()).iso8601)
    }

    /// A backtest at an earlier as-of, or the same as-of again, does not disturb transitions.
    @Test func transitionsFollowAsOfTimeNotRunOrder() throws {
        let (t, first) = try Self.scoredWorkspace()
        let runner = ScoringRunner(store: t.store, configuration: BrieferConfiguration(), logger: .quiet)
        let asOf = try FixturePaths.manifestAsOf()
        let before = try t.store.accountScores(runId: first.run.id)
        _ = try runner.run(asOf: asOf.adding(days: -60))  // a backtest
        _ = try runner.run(asOf: asOf, model: .points)  // another model
        let again = try runner.run(asOf: asOf)
        let after = try t.store.accountScores(runId: again.run.id)
        #expect(after.map(\.previousTier) != before.map(\.previousTier))  // now against the backtest, not "new"
        let rerun = try runner.run(asOf: asOf)
        let last = try t.store.accountScores(runId: rerun.run.id)
        #expect(last.map(\.previousTier) == after.map(\.previousTier))
        #expect(last.map(\.becameHotAt) == after.map(\.becameHotAt))
        #expect(last.map(\.score) == before.map(\.score))
        // Every hot account that was not hot 60 days earlier became hot at this as-of.
        for account in last where account.score.tier == .hot && account.previousTier != .hot {
            #expect(account.becameHotAt == asOf.iso8601)
        }
    }
}
