import BrieferApp
import BrieferCore
import BrieferStore
import BrieferTesting
import Foundation
import GRDB
import Testing

private func ts(_ iso: String) -> Timestamp { Timestamp.parse(iso)!.timestamp }

/// Retention (issue 16, SPEC §8): raw activity events older than `retention.raw_event_days` are compacted away; the
/// daily aggregates, identity calls, scores, briefings and outbox stay, so no score changes, `explain` still matches
/// and a late copy of a compacted event is not counted twice.
@Suite struct RetentionTests {
    /// The sample workspace (events 2026-10-06 … 2026-11-20, as of 2026-11-20T12:00Z) compacted with 30 days' retention
    /// as if it were 20 days later: the horizon, 2026-11-10, lies inside the 14-day windows of the as-of time.
    static let days = 30
    static let now = ts("2026-12-10T09:00:00Z")
    static let horizon = ts("2026-11-10T00:00:00Z")

    static func workspace() throws -> (TemporaryStore, BrieferSession) {
        let t = try TemporaryStore()
        let session = BrieferSession(configuration: BrieferConfiguration(), configurationFile: nil, store: t.store, logger: .quiet)
        var ingestor = Ingestor(store: t.store, configuration: BrieferConfiguration(), logger: .quiet)
        ingestor.batchSize = 1_000  // many blocks, which a pass steps through
        _ = try ingestor.ingest(files: FixturePaths.workspaceFiles)
        return (t, session)
    }

    static func count(_ store: BrieferStore, _ sql: String, _ arguments: StatementArguments = []) throws -> Int {
        precondition(arguments.isEmpty, "written into the query")
        return Int(try store.eventsScalar(sql) ?? "") ?? -1
    }

    @Test func scoresExplainAndIdentityHistorySurviveCompaction() throws {
        let (t, session) = try Self.workspace()
        let asOf = try FixturePaths.manifestAsOf()
        let times = [asOf, asOf.adding(days: -15), asOf.adding(days: -30)]
        let before = try times.map { try session.score(asOf: $0) }
        let old = "ts < \(Self.horizon.milliseconds) AND kind IN ('track', 'page', 'screen')"
        let activityBefore = try Self.count(t.store, "SELECT count(*) FROM events WHERE \(old)")
        let identityCalls = try Self.count(t.store, "SELECT count(*) FROM events WHERE kind IN ('identify', 'group', 'alias')")
        let hinted = try Self.count(t.store, "SELECT count(*) FROM events WHERE \(old) AND group_hint IS NOT NULL")
        // A user's hint history keeps, per user, UTC day and hint, the first and the last event carrying it.
        let needed = try Self.count(
            t.store,
            """
            SELECT count(DISTINCT id) FROM (
                SELECT min(ts), id FROM events WHERE \(old) AND group_hint IS NOT NULL AND user_id IS NOT NULL
                    GROUP BY user_id, ts / 86400000, group_hint
                UNION ALL
                SELECT max(ts), id FROM events WHERE \(old) AND group_hint IS NOT NULL AND user_id IS NOT NULL
                    GROUP BY user_id, ts / 86400000, group_hint)
            """)
        let days = try Self.count(t.store, "SELECT count(*) FROM user_days")
        #expect(activityBefore > 1000 && hinted > 0 && needed < hinted)

        let pass = try #require(try session.compact(days: Self.days, now: Self.now))
        #expect(pass.horizon == Self.horizon && pass.finishedMs != nil)
        #expect(pass.eventsRemoved + pass.eventsTrimmed == activityBefore && pass.eventsTrimmed == needed)
        // What is left before the horizon: identity calls, and those hinted events without their properties.
        #expect(try Self.count(t.store, "SELECT count(*) FROM events WHERE \(old)") == needed)
        #expect(try Self.count(t.store, "SELECT count(*) FROM events WHERE \(old) AND properties IS NOT NULL") == 0)
        #expect(try Self.count(t.store, "SELECT count(*) FROM events WHERE kind IN ('identify', 'group', 'alias')") == identityCalls)
        #expect(try Self.count(t.store, "SELECT count(*) FROM user_days") == days)
        #expect(try t.store.retentionHorizon() == Self.horizon)

        // The same scores as of the run's time and as of times before the horizon (a backtest's).
        let after = try times.map { try session.score(asOf: $0) }
        for (b, a) in zip(before, after) {
            #expect(a.accounts == b.accounts)
            #expect(a.users == b.users)
            #expect(a.run.eventsCounted == b.run.eventsCounted)
        }
        // Rebuilding the aggregates (a configuration change) keeps the days before the horizon and reads their hints again
        // from the events kept for them: the same scores again.
        try t.store.rebuildAggregates(extraction: ActivityExtraction(BrieferConfiguration()))
        let rebuilt = try times.map { try session.score(asOf: $0) }
        for (b, r) in zip(before, rebuilt) {
            #expect(r.accounts == b.accounts)
            #expect(r.users == b.users)
        }
        // explain recomputes from the raw events after the horizon and the aggregates before it.
        for account in after[0].accounts.filter({ $0.tier == .hot }).map(\.account.description) {
            let explained = try session.explain(account: account, runId: after[0].run.id).explanation
            #expect(explained.matches, "\(explained.lines.joined(separator: "\n"))")
            #expect(explained.lines.contains { $0.hasPrefix("retention: raw activity events before 2026-11-10") })
        }
        // Nothing is due again until the horizon moves.
        #expect(try session.compact(days: Self.days, now: Self.now) == nil)
    }

    @Test func aLateCopyOfACompactedEventIsNotStoredAgain() async throws {
        let (t, session) = try Self.workspace()
        let asOf = try FixturePaths.manifestAsOf()
        let before = try session.score(asOf: asOf)
        _ = try session.compact(days: Self.days, now: Self.now)
        // The whole file again: every line already stored, or before the horizon.
        let again = try session.ingest(files: [FixturePaths.workspace.appendingPathComponent("events.jsonl").path])
        #expect(again.inserted == 0 && again.expired > 0)
        #expect(try session.score(asOf: asOf).accounts == before.accounts)

        // Through serve's intake: one call before the horizon, one after; then both again.
        let intake = try LiveIntake(store: t.store, configuration: BrieferConfiguration())
        let body = Array(
            #"""
            {"batch":[
            {"type":"track","messageId":"late-1","userId":"u-late","event":"login","timestamp":"2026-11-09T23:59:59Z"},
            {"type":"track","messageId":"late-2","userId":"u-late","event":"login","timestamp":"2026-11-10T00:00:00Z"},
            {"type":"identify","messageId":"late-3","userId":"u-late","traits":{"email":"late@acme.com"},"timestamp":"2026-11-01T00:00:00Z"}
            ]}
            """#.utf8)
        let first = try await intake.accept(.batch, body: body, now: Self.now)
        #expect(first.expired == 1 && first.stored == 2)
        let second = try await intake.accept(.batch, body: body, now: Self.now)
        #expect(second.expired == 1 && second.stored == 0 && second.duplicates == 2)
    }

    @Test func aRebuildKeepsTheDaysBeforeTheHorizon() throws {
        let (t, session) = try Self.workspace()
        let asOf = try FixturePaths.manifestAsOf()
        let before = try session.score(asOf: asOf)
        _ = try session.compact(days: Self.days, now: Self.now)
        let packed = "SELECT user_id, day, entries FROM user_days ORDER BY user_id, day"
        let rows = try t.store.read { db in try Row.fetchAll(db, sql: packed) }
        try t.store.rebuildAggregates(extraction: ActivityExtraction(BrieferConfiguration()))
        #expect(try t.store.read { db in try Row.fetchAll(db, sql: packed) } == rows)
        #expect(try session.score(asOf: asOf).accounts == before.accounts)
    }

    @Test func aPassStoppedMidwayCarriesOnWhereItWas() throws {
        let (whole, _) = try Self.workspace()
        let (stepped, _) = try Self.workspace()
        // Whole, in the default steps: the same removed and kept.
        let once = try #require(try whole.store.compactRawEvents(olderThanDays: Self.days, now: Self.now))
        var steps = 0
        let stopped = try #require(
            try stepped.store.compactRawEvents(olderThanDays: Self.days, now: Self.now, rowsPerStep: 500) {
                steps += 1
                return steps > 3
            })
        #expect(stopped.finishedMs == nil && stopped.eventsRemoved > 0 && stopped.eventsRemoved < once.eventsRemoved)
        // Already refused while the pass is unfinished: the horizon is set by its first step.
        #expect(try stepped.store.retentionHorizon() == Self.horizon)
        let finished = try #require(try stepped.store.compactRawEvents(olderThanDays: Self.days, now: Self.now, rowsPerStep: 500))
        #expect(finished.id == stopped.id && finished.finishedMs != nil)
        #expect(finished.eventsRemoved == once.eventsRemoved && finished.eventsTrimmed == once.eventsTrimmed)
        let state = try stepped.store.retentionState()
        #expect(state.eventsRemoved == once.eventsRemoved && state.lastPass == finished)

        // A later day moves the horizon by one day: a new pass removes that day's events only.
        let next = try #require(try whole.store.compactRawEvents(olderThanDays: Self.days, now: Self.now.adding(days: 1)))
        #expect(next.id != once.id && next.horizon == Self.horizon.adding(days: 1))
        #expect(try whole.store.retentionState().eventsRemoved == once.eventsRemoved + next.eventsRemoved)
    }

    @Test func quarantinedLinesOlderThanTheHorizonGo() throws {
        let (t, _) = try Self.workspace()
        let quarantined = try Self.count(t.store, "SELECT count(*) FROM quarantine")
        #expect(quarantined > 0)
        // Stored today (the ingest ran now): a horizon before today keeps them, one after removes them.
        let today = Timestamp.now
        #expect(try t.store.compactRawEvents(olderThanDays: 30, now: today)?.quarantineRemoved == 0)
        let later = try #require(try t.store.compactRawEvents(olderThanDays: 30, now: today.adding(days: 31)))
        #expect(later.quarantineRemoved == quarantined)
        #expect(try Self.count(t.store, "SELECT count(*) FROM quarantine") == 0)
    }

    @Test func statusShowsTheDatabaseSizeAndWhatRetentionRemoved() throws {
        let (t, session) = try Self.workspace()
        let off = Reports.status(try session.status(runs: 5))
        #expect(off.contains("retention: off") && off.contains("raw event(s)") && off.contains("database: "))
        let pass = try #require(try session.compact(days: Self.days, now: Self.now))
        let shown = Reports.status(try WorkerStatus.read(from: t.store, runs: 5, retentionDays: Self.days))
        #expect(shown.contains("retention: raw activity events before 2026-11-10 compacted away; in all \(pass.eventsRemoved) removed"))
        #expect(shown.contains("last pass: started"))
        let size = try t.store.size()
        let events = try Self.count(t.store, "SELECT count(*) FROM events")
        #expect(size.bytes > 0 && size.events == events)
    }

    @Test func theRetentionAgeCoversTheLongestLookBack() throws {
        var c = BrieferConfiguration()
        c.retention.rawEventDays = 10
        let problem = try #require(c.validate().first { $0.key == "retention.raw_event_days" })
        #expect(problem.description.contains("30, the longest look-back window"))
        for ok in [0, 30, 365] {
            c.retention.rawEventDays = ok
            #expect(!c.validate().contains { $0.key == "retention.raw_event_days" })
        }
        let (_, session) = try Self.workspace()
        let refused = try #require(throws: BrieferSessionError.self) { try session.compact() }
        #expect(refused.code == .badArgument)
        #expect((try #require(throws: BrieferSessionError.self) { try session.compact(days: 7) }).code == .badArgument)
    }
}
