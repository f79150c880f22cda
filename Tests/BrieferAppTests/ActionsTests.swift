import BrieferApp
import BrieferCore
import BrieferStore
import BrieferTesting
import Foundation
import Synchronization
import Testing

/// Actions for reps on the sample workspace (11 accounts hot as of its manifest's time; SPEC §6.1): one HubSpot task, one
/// Slack message and one signed webhook event per newly-hot account, none on a rerun, none for accounts already hot when
/// actions were enabled nor from a backfill; a task whose create went unanswered is found by its key (HubSpot's search
/// lagging behind) and never made twice; Slack is not sent again after an unknown outcome, the webhook is.
@Suite(.serialized) struct ActionsTests {
    static let token = "pat-actions"

    static func configuration(searchLag: Int = 2) -> BrieferConfiguration {
        var c = BrieferConfiguration()
        c.actions.enabled = true
        c.actions.briefingWaitMinutes = 0
        c.actions.searchLagSeconds = searchLag
        c.actions.slack.enabled = true
        c.actions.webhook.enabled = true
        c.actions.owners.roundRobin = ["r1", "r2"]
        c.crm.maxRetries = 2
        return c
    }

    /// The stores, fakes and clients of one test.
    struct World {
        let t: TemporaryStore
        let configuration: BrieferConfiguration
        let hubspot: FakeHubSpotServer
        let slack: FakeWebhookReceiver
        let hook: FakeWebhookReceiver
        let client: HubSpotClient

        init(_ configuration: BrieferConfiguration = ActionsTests.configuration()) throws {
            t = try TemporaryStore()
            self.configuration = configuration
            hubspot = try FakeHubSpotServer(token: ActionsTests.token)
            slack = try FakeWebhookReceiver(kind: .slack)
            hook = try FakeWebhookReceiver(kind: .signed)
            client = HubSpotClient(
                endpoint: HubSpotEndpoint(baseUrl: hubspot.baseURL, token: ActionsTests.token), settings: configuration.crm, logger: .quiet)
        }

        func stop() {
            client.shutdown()
            hubspot.stop()
            slack.stop()
            hook.stop()
        }

        var targets: NotificationTargets {
            NotificationTargets(slackURL: slack.url, webhookURL: hook.url, webhookSecret: hook.secret)
        }

        var runner: ActionRunner { ActionRunner(store: t.store, configuration: configuration, logger: .quiet) }

        /// Scores as of `asOf` (ingesting the workspace first), pushes the contacts, then acts.
        @discardableResult
        func cycle(asOf: Timestamp, ingest: Bool = false) async throws -> ActionSummary {
            let session = BrieferSession(configuration: configuration, configurationFile: nil, store: t.store, logger: .quiet)
            if ingest { _ = try await ActionsTests.off { try session.ingest(files: FixturePaths.workspaceFiles) } }
            let scored = try await ActionsTests.off { try session.score(asOf: asOf) }
            _ = try await CRMSync(store: t.store, configuration: configuration, logger: .quiet).push(client: client, options: .init())
            return try await runner.run(.push(hubspot: client, notifications: targets), scoredRunId: scored.run.id)
        }

        func act() async throws -> ActionSummary {
            try await runner.run(.push(hubspot: client, notifications: targets))
        }
    }

    @Test func aRunActsOncePerNewlyHotAccountAndARerunNotAtAll() async throws {
        let w = try World()
        defer { w.stop() }
        let asOf = try FixturePaths.manifestAsOf()
        let first = try await w.cycle(asOf: asOf, ingest: true)
        #expect(first.recorded == ["task": 11, "slack": 11, "webhook": 11])
        #expect(first.done == ["task": 11, "slack": 11, "webhook": 11] && first.leftPending == 0 && first.rejected == 0)
        #expect(first.withRulesBriefing == 33)
        let hot = try w.t.store.accountScores(runId: try w.t.store.latestRun(model: .weighted)!.id, tier: .hot).map(\.score.account)
        // One task per hot account, each with its key, its owner, and its best contact by record id.
        let tasks = w.hubspot.tasks
        #expect(tasks.count == 11)
        #expect(Set(tasks.compactMap(\.traceId)) == Set(hot.map { ActionKind.task.key(account: $0, becameHot: asOf) }))
        #expect(tasks.allSatisfy { ["r1", "r2"].contains($0.properties["hubspot_owner_id"] ?? "") })
        for task in tasks {
            let contact = try #require(task.associations[204]?.first)
            #expect(w.hubspot.contact(id: contact) != nil)
            #expect(task.properties["hs_task_body"]?.hasSuffix("Briefer key: " + (task.traceId ?? "?")) == true)
        }
        // One Slack message each, a link to the contact's record; one signed event each, with the facts.
        #expect(w.slack.taken.count == 11)
        #expect(
            w.slack.taken.allSatisfy {
                String(decoding: $0.request.body, as: UTF8.self).contains("https://app.hubspot.com/contacts/12345678/record/0-1/")
            })
        #expect(Set(w.hook.eventIds) == Set(hot.map { ActionKind.webhook.key(account: $0, becameHot: asOf) }))
        let acme = try #require(w.hook.event(ActionKind.webhook.key(account: "acme.com", becameHot: asOf)))
        #expect((acme["data"] as? [String: Any])?["score"] as? Int == 100 && acme["type"] as? String == "account.became_hot")

        // A rerun at the same time, and a later one where the same accounts stay hot: nothing new.
        let again = try await w.cycle(asOf: asOf)
        let later = try await w.cycle(asOf: asOf.adding(hours: 1))
        #expect(again.recorded.isEmpty && later.recorded.isEmpty && again.done.isEmpty && later.done.isEmpty)
        #expect(w.hubspot.tasks.count == 11 && w.slack.deliveries.count == 11 && w.hook.deliveries.count == 11)
        #expect(try w.t.store.actions(statuses: [.done]).count == 33)
    }

    @Test func accountsAlreadyHotWhenEnabledAndBackfillsMakeNoActions() async throws {
        var off = Self.configuration()
        off.actions.enabled = false
        let w = try World(off)
        defer { w.stop() }
        let asOf = try FixturePaths.manifestAsOf()
        let session = BrieferSession(configuration: off, configurationFile: nil, store: w.t.store, logger: .quiet)
        _ = try await ActionsTests.off { try session.ingest(files: FixturePaths.workspaceFiles) }
        _ = try await ActionsTests.off { try session.score(asOf: asOf) }
        #expect(try await w.runner.ifEnabled(.push(hubspot: w.client, notifications: w.targets)) == nil)
        // Enabled an hour later: the 11 accounts became hot before, no flood.
        let on = World.Enabled(w)
        let summary = try await on.cycle(asOf: asOf.adding(hours: 1))
        #expect(summary.alreadyHot == 11 && summary.recorded.isEmpty && summary.enabledFrom == asOf.adding(hours: 1))
        // A backfill (an earlier as-of) acts on nothing, even for accounts hot then.
        let backfill = try await ActionsTests.off { try session.score(asOf: asOf.adding(days: -20)) }
        let skipped = try await on.runner.run(.push(hubspot: w.client, notifications: w.targets), scoredRunId: backfill.run.id)
        #expect(skipped.notRun?.contains("backfills make no actions") == true)
        #expect(w.hubspot.tasks.isEmpty && w.slack.deliveries.isEmpty && w.hook.deliveries.isEmpty)
    }

    /// A create whose answer was lost: the task exists, HubSpot's search shows it only a second later. The next pass waits
    /// out actions.search_lag_seconds, finds all 11 by key (5 per search, under a search limit of 2 a second) and creates
    /// none again. A create lost before it arrived: searched for, not found, created once.
    @Test func aCreateWithoutAnAnswerIsFoundByItsKeyNotMadeTwice() async throws {
        let w = try World()
        defer { w.stop() }
        w.hubspot.searchLag = 1
        w.hubspot.searchRateLimit = 2
        w.hubspot.setFaultScript { $0.path == FakeHubSpotServer.tasksCreatePath ? .dropAfterApplying : nil }
        let first = try await w.cycle(asOf: try FixturePaths.manifestAsOf(), ingest: true)
        #expect(first.done["task"] == nil && first.leftPending == 11)
        #expect(w.hubspot.tasks.count == 11)
        w.hubspot.setFaultScript(nil)
        let second = try await w.act()
        #expect(second.foundBySearch == 11 && second.done["task"] == 11)
        #expect(w.hubspot.tasks.count == 11)
        #expect(w.hubspot.count(of: FakeHubSpotServer.tasksSearchPath) >= 3 && w.hubspot.searchesRateLimited >= 1)
        #expect(try w.t.store.actions(kind: .task).allSatisfy { $0.status == .done && $0.resultId != nil })

        // Lost before arriving: nothing to find, so each is created, once.
        let x = try World()
        defer { x.stop() }
        x.hubspot.setFaultScript(Self.once(.drop, on: FakeHubSpotServer.tasksCreatePath))
        let lost = try await x.cycle(asOf: try FixturePaths.manifestAsOf(), ingest: true)
        #expect(lost.leftPending == 11 && x.hubspot.tasks.isEmpty)
        let retried = try await x.act()
        #expect(retried.foundBySearch == 0 && retried.done["task"] == 11 && x.hubspot.tasks.count == 11)
    }

    /// The fake's lag is real: searching as soon as the answer is lost (actions.search_lag_seconds 0) does not find the
    /// task HubSpot made, and it is made twice. This is why the wait exists.
    @Test func searchingBeforeTheIndexCatchesUpWouldDouble() async throws {
        let w = try World(Self.configuration(searchLag: 0))
        defer { w.stop() }
        w.hubspot.searchLag = 30
        w.hubspot.setFaultScript(Self.once(.dropAfterApplying, on: FakeHubSpotServer.tasksCreatePath))
        _ = try await w.cycle(asOf: try FixturePaths.manifestAsOf(), ingest: true)
        _ = try await w.act()
        #expect(w.hubspot.tasks.count == 22)
    }

    @Test func slackIsNotSentAgainAfterAnUnknownOutcomeTheWebhookIs() async throws {
        let w = try World()
        defer { w.stop() }
        // Slack: the first message arrives but its answer is lost; the second meets a 429, then goes.
        w.slack.enqueue(.dropAfterReceiving, .status(429, retryAfter: "0"))
        // The webhook: the first event arrives, its answer lost; sent again at once, it meets two 503s (retries spent) and
        // waits for the next pass; the next event meets a 500, then goes.
        w.hook.enqueue(.dropAfterReceiving, .status(503), .status(503), .status(500))
        let first = try await w.cycle(asOf: try FixturePaths.manifestAsOf(), ingest: true)
        #expect(first.unknown == 1 && first.done["slack"] == 10)
        #expect(first.done["webhook"] == 10 && first.leftPending == 1)
        let second = try await w.act()
        #expect(second.done["webhook"] == 1 && second.done["slack"] == nil && second.leftPending == 0)
        // Slack got 11 messages (12 requests: one 429), never a 12th; the receiver kept 11 events, one of them sent twice.
        #expect(w.slack.taken.count == 11 && w.slack.deliveries.count == 12)
        #expect(w.hook.eventIds.count == 11)
        let perId = Dictionary(grouping: w.hook.taken.compactMap(\.eventId), by: { $0 }).mapValues(\.count)
        #expect(perId.values.sorted().last == 2 && perId.values.filter { $0 == 2 }.count == 1)
        #expect(try w.t.store.actions(kind: .slack, statuses: [.unknown]).count == 1)
    }
}

extension ActionsTests {
    /// A contact deleted in HubSpot since it was synced: the batch of tasks is refused (400), split, and the one task that
    /// names the contact goes without that association, not lost. A webhook receiver that answers 404 (mid-deploy) gets
    /// the event again next pass; forgetting a person stops the actions not yet sent that name them.
    @Test func aStaleAssociationOrA404LosesNothing() async throws {
        let w = try World()
        defer { w.stop() }
        let session = BrieferSession(configuration: w.configuration, configurationFile: nil, store: w.t.store, logger: .quiet)
        _ = try await ActionsTests.off { try session.ingest(files: FixturePaths.workspaceFiles) }
        let scored = try await ActionsTests.off { try session.score(asOf: try FixturePaths.manifestAsOf()) }
        _ = try await CRMSync(store: w.t.store, configuration: w.configuration, logger: .quiet).push(client: w.client, options: .init())
        let best = try #require(try OwnersSource.bestContact(w.t.store, runId: scored.run.id, account: "acme.com"))
        #expect(w.hubspot.removeContact(email: best))
        w.hook.enqueue(.status(404))
        let first = try await w.runner.run(.push(hubspot: w.client, notifications: w.targets), scoredRunId: scored.run.id)
        #expect(first.done["task"] == 11 && w.hubspot.tasks.count == 11)
        let acme = try #require(w.hubspot.tasks.first { $0.properties["hs_task_subject"]?.contains("acme.com") == true })
        #expect(acme.associations[204] == nil)
        #expect(first.done["webhook"] == 10 && first.leftPending == 1)
        let second = try await w.act()
        #expect(second.done["webhook"] == 1 && w.hook.eventIds.count == 11)
    }

    @Test func forgettingAPersonStopsTheirActionsNotYetSent() async throws {
        var c = Self.configuration()
        c.actions.briefingWaitMinutes = 0
        let w = try World(c)
        defer { w.stop() }
        let session = BrieferSession(configuration: c, configurationFile: nil, store: w.t.store, logger: .quiet)
        _ = try await ActionsTests.off { try session.ingest(files: FixturePaths.workspaceFiles) }
        let scored = try await ActionsTests.off { try session.score(asOf: try FixturePaths.manifestAsOf()) }
        // Files first fix the bodies; the push destinations' rows are made, fixed and then the person forgotten before sending.
        _ = try await w.runner.run(.files(directory: w.t.directory.appendingPathComponent("out").path), scoredRunId: scored.run.id)
        let best = try #require(try OwnersSource.bestContact(w.t.store, runId: scored.run.id, account: "acme.com"))
        let bodies = try w.t.store.actions(destination: CRMSync.filesDestination).filter { $0.body?.contains(best) == true }
        #expect(!bodies.isEmpty)
        // A pending action naming the person (as a later pass would hold it) is not sent once they are forgotten.
        try w.t.store.recordActions(
            [
                NewAction(
                    kind: .webhook, destination: "webhook", account: "acme.com", becameHot: .now, runId: scored.run.id, status: .pending,
                    body: "{\"contact_email\":\"\(best)\"}")
            ],
            at: .now)
        try w.t.store.saveFeedback(
            destination: "hubspot x", [FeedbackEntry(object: .contact, record: best, account: "acme.com", value: "useful", setAt: .now)],
            at: .now)
        _ = try session.forget(email: best)
        #expect(try w.t.store.feedback(account: "acme.com").isEmpty)
        let stopped = try w.t.store.actions(destination: "webhook")
        #expect(stopped.count == 1 && stopped[0].status == .skipped && stopped[0].body?.contains(best) == false)
    }

    /// Reps' feedback set in HubSpot comes back at the next push, with the time it was set, and the backtest reports it
    /// beside conversions: only values set after the as-of time and within the horizon count, an account's latest.
    @Test func feedbackSetInTheCRMShowsInFeedbackAndInTheBacktest() async throws {
        let w = try World(Self.withCompanies())
        defer { w.stop() }
        let asOf = try FixturePaths.manifestAsOf()
        _ = try await w.cycle(asOf: asOf, ingest: true)
        let run = try #require(try w.t.store.latestRun(model: .weighted))
        let best = { (account: String) in try OwnersSource.bestContact(w.t.store, runId: run.id, account: account)! }
        let day = 86_400.0
        let start = Date(timeIntervalSince1970: Double(asOf.milliseconds) / 1000)
        w.hubspot.setContactProperty(email: try best("acme.com"), "pql_feedback", "bad_timing", at: start.addingTimeInterval(1 * day))
        w.hubspot.setContactProperty(email: try best("acme.com"), "pql_feedback", "useful", at: start.addingTimeInterval(2 * day))
        w.hubspot.setContactProperty(email: try best("globex.com"), "pql_feedback", "not_relevant", at: start.addingTimeInterval(3 * day))
        // Set before the as-of time: not a label of that backtest.
        w.hubspot.setContactProperty(email: try best("hooli.com"), "pql_feedback", "useful", at: start.addingTimeInterval(-5 * day))
        // A company's feedback: an account of the backtest's population (not one excluded as already paying).
        let eligible = try BacktestRunner(store: w.t.store, configuration: w.configuration, logger: .quiet).population(asOf: asOf)
            .accounts.filter { $0.tier == .hot }.map(\.id)
        let third = try #require(eligible.first { !["acme.com", "globex.com", "hooli.com"].contains($0) })
        let northwind = try #require(w.hubspot.companies.first { $0.domain == third })
        w.hubspot.setCompanyProperty(id: northwind.id, "pql_feedback", "converted", at: start.addingTimeInterval(4 * day))

        let pass = try await w.act()
        #expect(pass.feedbackRead == 5)
        let session = BrieferSession(configuration: w.configuration, configurationFile: nil, store: w.t.store, logger: .quiet)
        let listed = try session.feedback()
        #expect(listed.count == 5 && listed.first?.account == third && listed.first?.object == .company)
        #expect(try session.feedback(account: "acme.com").map(\.value) == ["useful", "bad_timing"])
        // Read again: nothing new.
        #expect(try await w.act().feedbackRead == 0)

        let report = try await ActionsTests.off {
            try BacktestRunner(store: w.t.store, configuration: w.configuration, logger: .quiet).run(asOf: asOf, horizonDays: 30)
        }
        let feedback = try #require(report.feedback)
        #expect(feedback.accounts == 3 && feedback.hotWithFeedback == 3 && feedback.hotPositive == 2)
        #expect(feedback.precision == 2.0 / 3.0)
        let byValue = Dictionary(uniqueKeysWithValues: feedback.values.map { ($0.value, $0.accounts) })
        #expect(byValue == ["useful": 1, "not_relevant": 1, "bad_timing": 0, "converted": 1])
        #expect(!feedback.sharedReasons.isEmpty && feedback.sharedReasons.allSatisfy { $0.accounts <= 2 })
        #expect(Reports.backtest(report).contains("precision by feedback 66.7 %"))
        #expect(BacktestHTML.page(report).contains("precision by feedback 66.7 %"))
    }

    /// `briefer crm check`: each enabled feature's scopes against the token's; a push refused for a scope names it.
    @Test func theCheckNamesTheScopesEachFeatureLacks() async throws {
        let w = try World(Self.withCompanies())
        defer { w.stop() }
        let all = Set(CRMScopes.needs(w.configuration).flatMap(\.scopes))
        #expect(all.contains("crm.objects.companies.write") && all.contains("crm.schemas.companies.write"))
        w.hubspot.grantedScopes = all
        let ok = try await CRMCheck(client: w.client, configuration: w.configuration).run()
        #expect(ok.passed && ok.portal == "12345678" && !ok.lines.contains { $0.hasPrefix("MISSING") })
        // Without the companies' write scope: the feature that needs it is named, the others pass.
        w.hubspot.grantedScopes = all.subtracting(["crm.objects.companies.write"])
        let short = try await CRMCheck(client: w.client, configuration: w.configuration).run()
        #expect(!short.passed)
        #expect(
            short.lines.filter { $0.hasPrefix("MISSING") } == [
                "MISSING  company records and associations (actions.companies): crm.objects.companies.write (add the scope to the private app)"
            ])
        // Without actions, companies are not asked for.
        #expect(!Set(CRMScopes.needs(BrieferConfiguration()).flatMap(\.scopes)).contains("crm.objects.companies.write"))
        // A push the CRM refuses for a scope stops and names the scope.
        w.hubspot.grantedScopes = ["crm.objects.contacts.read"]
        let session = BrieferSession(configuration: w.configuration, configurationFile: nil, store: w.t.store, logger: .quiet)
        _ = try await ActionsTests.off { try session.ingest(files: FixturePaths.workspaceFiles) }
        _ = try await ActionsTests.off { try session.score(asOf: try FixturePaths.manifestAsOf()) }
        let push = try await CRMSync(store: w.t.store, configuration: w.configuration, logger: .quiet).push(
            client: w.client, options: .init())
        #expect(push.stopped?.contains("missing scope(s): crm.objects.contacts.write") == true, "\(push.stopped ?? "not stopped")")
    }

    /// The briefing wait: with no briefing of the transition, actions wait actions.briefing_wait_minutes (here 30), then go
    /// with the rules' briefing. The daily cap: 3 a day per kind, the rest recorded as skipped, and the store's history
    /// (what the cap and the cool-down read) counts only what was acted on.
    @Test func actionsWaitForTheBriefingThenGoAndTheCapHolds() async throws {
        var c = Self.configuration()
        c.actions.briefingWaitMinutes = 30
        c.actions.dailyCap = 3
        c.actions.slack.enabled = false
        c.actions.webhook.enabled = false
        let w = try World(c)
        defer { w.stop() }
        let clock = Mutex(Timestamp.now)
        let runner = ActionRunner(store: w.t.store, configuration: c, logger: .quiet, clock: { clock.withLock { $0 } })
        let session = BrieferSession(configuration: c, configurationFile: nil, store: w.t.store, logger: .quiet)
        _ = try await ActionsTests.off { try session.ingest(files: FixturePaths.workspaceFiles) }
        let asOf = try FixturePaths.manifestAsOf()
        _ = try await ActionsTests.off { try session.score(asOf: asOf) }
        let first = try await runner.run(.push(hubspot: w.client, notifications: w.targets))
        #expect(first.recorded == ["task": 3] && first.skipped == ["task": 8] && first.waiting == 3 && w.hubspot.tasks.isEmpty)
        let skipped = try w.t.store.actions(kind: .task, statuses: [.skipped])
        #expect(skipped.count == 8 && skipped.allSatisfy { $0.message?.hasPrefix("daily cap") == true })
        let history = try w.t.store.actionHistory(
            kind: .task, destination: w.client.endpoint.destination, dayStart: clock.withLock { $0 }.startOfDay)
        #expect(history.actedToday == 3 && history.lastActed.count == 3 && history.lastActed.values.allSatisfy { $0 == asOf })
        // 29 minutes on: still waiting. 31: they go, with the rules' briefing.
        clock.withLock { $0 = Timestamp(milliseconds: $0.milliseconds + 29 * 60_000) }
        #expect(try await runner.run(.push(hubspot: w.client, notifications: w.targets)).waiting == 3)
        clock.withLock { $0 = Timestamp(milliseconds: $0.milliseconds + 2 * 60_000) }
        let late = try await runner.run(.push(hubspot: w.client, notifications: w.targets))
        #expect(late.withRulesBriefing == 3 && late.done["task"] == 3 && w.hubspot.tasks.count == 3)
        #expect(w.hubspot.tasks.allSatisfy { $0.properties["hs_task_body"]?.contains("Use case: ") == true })
        #expect(try w.t.store.actions(kind: .task, statuses: [.done]).allSatisfy { $0.briefingSource == "rules" })
    }

    /// Actions still waiting for their briefing when their kind is turned off are not made later.
    @Test func actionsOfAKindTurnedOffAreNotMadeLater() async throws {
        var c = Self.configuration()
        c.actions.briefingWaitMinutes = 30
        c.actions.webhook.enabled = false
        let w = try World(c)
        defer { w.stop() }
        let session = BrieferSession(configuration: c, configurationFile: nil, store: w.t.store, logger: .quiet)
        _ = try await ActionsTests.off { try session.ingest(files: FixturePaths.workspaceFiles) }
        _ = try await ActionsTests.off { try session.score(asOf: try FixturePaths.manifestAsOf()) }
        let first = try await ActionRunner(store: w.t.store, configuration: c, logger: .quiet).run(
            .push(hubspot: w.client, notifications: w.targets))
        #expect(first.waiting == 22)
        c.actions.slack.enabled = false
        _ = try await ActionRunner(store: w.t.store, configuration: c, logger: .quiet).run(
            .push(hubspot: w.client, notifications: w.targets))
        let slack = try w.t.store.actions(kind: .slack)
        #expect(slack.count == 11 && slack.allSatisfy { $0.status == .skipped && $0.message == "actions.slack turned off" })
        #expect(try w.t.store.actions(kind: .task, statuses: [.waiting]).count == 11)
    }

    /// Runs store-heavy synchronous work (ingest, scoring, a backtest) on ``StoreExecutor``'s threads, not on the
    /// cooperative pool the other suites' tasks, running beside these, need to get on with.
    static func off<T: Sendable>(_ body: @Sendable () throws -> T) async throws -> T { try await StoreExecutor.run { try body() } }

    static func withCompanies(createWait: Int = 0) -> BrieferConfiguration {
        var c = configuration()
        c.actions.companies.enabled = true
        c.actions.companies.createWaitMinutes = createWait
        return c
    }

    /// The account on its HubSpot company: acme.com's contacts are associated with a company of another domain (it is
    /// used, not one by domain); globex.com's company exists by domain only (found by search); the other hot accounts have
    /// none (created, once); warm ones none either (not created: not a create tier). Properties written, contacts
    /// associated, the tasks associated with the company; a rerun makes and writes nothing.
    @Test func theAccountGoesOnItsCompanyFoundOrCreatedOnce() async throws {
        let w = try World(Self.withCompanies())
        defer { w.stop() }
        let asOf = try FixturePaths.manifestAsOf()
        let session = BrieferSession(configuration: w.configuration, configurationFile: nil, store: w.t.store, logger: .quiet)
        _ = try await ActionsTests.off { try session.ingest(files: FixturePaths.workspaceFiles) }
        let acmeContact = w.hubspot.addContact(email: "omar.fischer@acme.com")
        let acmeCompany = w.hubspot.addCompany(domain: "acme-corp.com", properties: ["name": "Acme"], contacts: [acmeContact])
        let globex = w.hubspot.addCompany(domain: "globex.com")
        let first = try await w.cycle(asOf: asOf)
        #expect(first.done["company"] == 9 && first.done["task"] == 11, "\(first)")
        let companies = w.hubspot.companies
        #expect(companies.count == 11)
        #expect(Set(companies.compactMap(\.domain)).count == 11)
        let byId = Dictionary(uniqueKeysWithValues: companies.map { ($0.id, $0) })
        #expect(byId[acmeCompany]?.properties["pql_score"] == "100" && byId[acmeCompany]?.properties["pql_tier"] == "hot")
        #expect(byId[globex]?.properties["pql_tier"] == "hot" && byId[globex]?.properties["pql_reason_codes"] != nil)
        #expect(companies.allSatisfy { $0.properties["pql_contact_score"] == nil && !$0.contacts.isEmpty })
        // Each task goes to its account's company too.
        let acmeTask = try #require(w.hubspot.tasks.first { $0.properties["hs_task_subject"]?.contains("acme.com") == true })
        #expect(acmeTask.associations[192] == [acmeCompany])
        #expect(w.hubspot.tasks.allSatisfy { $0.associations[192]?.count == 1 })
        #expect(w.slack.taken.contains { String(decoding: $0.request.body, as: UTF8.self).contains("/record/0-2/\(acmeCompany)") })

        let requests = w.hubspot.received
        let again = try await w.cycle(asOf: asOf)
        #expect(again.done.isEmpty && w.hubspot.companies.count == 11)
        let writes = w.hubspot.requests.dropFirst(requests).map(\.path)
        #expect(!writes.contains(FakeHubSpotServer.companiesCreatePath) && !writes.contains(FakeHubSpotServer.associatePath))
        #expect(!writes.contains(FakeHubSpotServer.companiesUpdatePath))
    }

    /// HubSpot made a company for each new contact's domain (its "create and associate companies" setting): found through
    /// the contacts' associations, none created. A create whose answer was lost: found by domain once the index caught up.
    @Test func aCompanyHubSpotMadeOrOneWhoseAnswerWasLostIsNotMadeAgain() async throws {
        let w = try World(Self.withCompanies())
        defer { w.stop() }
        w.hubspot.autoCreatesCompanies = true
        let made = try await w.cycle(asOf: try FixturePaths.manifestAsOf(), ingest: true)
        #expect(made.done["company"] == nil && w.hubspot.count(of: FakeHubSpotServer.companiesCreatePath) == 0)
        #expect(w.hubspot.companies.filter { $0.properties["pql_tier"] == "hot" }.count == 11)

        let x = try World(Self.withCompanies())
        defer { x.stop() }
        x.hubspot.searchLag = 1
        x.hubspot.setFaultScript(Self.once(.dropAfterApplying, on: FakeHubSpotServer.companiesCreatePath))
        _ = try await x.cycle(asOf: try FixturePaths.manifestAsOf(), ingest: true)
        #expect(x.hubspot.companies.count == 11)
        // The next pass's searches fail (500s past the retries): nothing may be taken as not found, nothing made again.
        x.hubspot.setFaultScript { $0.path == FakeHubSpotServer.companiesSearchPath ? .status(500) : nil }
        _ = try await x.act()
        #expect(x.hubspot.companies.count == 11 && x.hubspot.count(of: FakeHubSpotServer.companiesCreatePath) == 1)
        x.hubspot.setFaultScript(nil)
        let second = try await x.act()
        #expect(x.hubspot.companies.count == 11 && x.hubspot.count(of: FakeHubSpotServer.companiesCreatePath) == 1)
        #expect(x.hubspot.companies.allSatisfy { $0.properties["pql_tier"] == "hot" }, "\(second)")
        #expect(try x.t.store.actions(kind: .company).allSatisfy { $0.status == .done })

        // Contacts just written: no company is made before actions.companies.create_wait_minutes (HubSpot may make one).
        let y = try World(Self.withCompanies(createWait: 10))
        defer { y.stop() }
        let waiting = try await y.cycle(asOf: try FixturePaths.manifestAsOf(), ingest: true)
        #expect(y.hubspot.companies.isEmpty && waiting.messages.contains { $0.contains("create_wait_minutes") })
    }

    /// Files with companies on: a second pass writes nothing (no create written twice for a script to apply twice).
    /// Pushing: a company deleted in HubSpot since is made again, and every property written to the new one.
    @Test func companiesAreWrittenOnceAndADeletedOneIsMadeAgainWhole() async throws {
        let w = try World(Self.withCompanies())
        defer { w.stop() }
        let session = BrieferSession(configuration: w.configuration, configurationFile: nil, store: w.t.store, logger: .quiet)
        _ = try await ActionsTests.off { try session.ingest(files: FixturePaths.workspaceFiles) }
        let scored = try await ActionsTests.off { try session.score(asOf: try FixturePaths.manifestAsOf()) }
        let out = w.t.directory.appendingPathComponent("files").path
        let written = try await w.runner.run(.files(directory: out), scoredRunId: scored.run.id)
        #expect(written.done["company"] == 11 && written.directory != nil)
        let again = try await w.runner.run(.files(directory: out), scoredRunId: scored.run.id)
        #expect(again.done.isEmpty && again.directory == nil)

        _ = try await w.cycle(asOf: try FixturePaths.manifestAsOf())
        let acme = try #require(w.hubspot.companies.first { $0.domain == "acme.com" })
        #expect(acme.properties["pql_tier"] == "hot")
        // Deleted in HubSpot; the next write to it met OBJECT_NOT_FOUND (its id forgotten, as the push does).
        #expect(w.hubspot.removeCompany(id: acme.id))
        let destination = w.client.endpoint.destination + " companies"
        try w.t.store.markMissing(destination: destination, emails: ["acme.com"], at: .now)
        _ = try await w.act()
        let remade = try #require(w.hubspot.companies.first { $0.domain == "acme.com" })
        #expect(remade.id != acme.id && remade.properties["pql_tier"] == "hot" && remade.properties["pql_score"] == "100")
        #expect(w.hubspot.companies.filter { $0.domain == "acme.com" }.count == 1)
    }

    /// Actions turned off and on again start from the run that sees them on again: accounts that became hot while they
    /// were off are not acted on in a flood.
    @Test func actionsTurnedOnAgainStartAfresh() async throws {
        let w = try World()
        defer { w.stop() }
        let asOf = try FixturePaths.manifestAsOf()
        let session = BrieferSession(configuration: w.configuration, configurationFile: nil, store: w.t.store, logger: .quiet)
        _ = try await ActionsTests.off { try session.ingest(files: FixturePaths.workspaceFiles) }
        // On for a run a month earlier: the enabled moment is set then.
        let early = try await ActionsTests.off { try session.score(asOf: asOf.adding(days: -30)) }
        _ = try await w.runner.run(.push(hubspot: w.client, notifications: w.targets), scoredRunId: early.run.id)
        // Off, and a run while off: most of the 11 become hot then.
        var off = w.configuration
        off.actions.enabled = false
        #expect(
            try await ActionRunner(store: w.t.store, configuration: off, logger: .quiet).ifEnabled(.files(directory: "/nonexistent")) == nil
        )
        _ = try await ActionsTests.off { try session.score(asOf: asOf) }
        // On again three days later: they became hot while actions were off, so nothing is made for them.
        let later = try await ActionsTests.off { try session.score(asOf: asOf.adding(days: 3)) }
        let on = try await w.runner.run(.push(hubspot: w.client, notifications: w.targets), scoredRunId: later.run.id)
        #expect(on.enabledFrom == asOf.adding(days: 3))
        let hot = try w.t.store.accountScores(runId: later.run.id, tier: .hot)
        let before = hot.filter { $0.becameHotAt == asOf.iso8601 }.count
        // Those hot a month earlier got their task then; those that became hot while actions were off get none.
        #expect(before >= 5 && on.alreadyHot == before && on.recorded.isEmpty)
        #expect(w.hubspot.tasks.count == (try w.t.store.accountScores(runId: early.run.id, tier: .hot).count))
    }

    /// A fault script that answers the first request to `path` with `fault`, and nothing else.
    static func once(_ fault: FakeHubSpotServer.Fault, on path: String) -> FakeHubSpotServer.FaultScript {
        let fired = Mutex(false)
        return { request in
            guard request.path == path else { return nil }
            return fired.withLock { done in
                defer { done = true }
                return done ? nil : fault
            }
        }
    }
}

extension ActionsTests.World {
    /// The same world with actions enabled.
    struct Enabled {
        let world: ActionsTests.World
        let runner: ActionRunner
        init(_ world: ActionsTests.World) {
            self.world = world
            runner = ActionRunner(store: world.t.store, configuration: ActionsTests.configuration(), logger: .quiet)
        }
        func cycle(asOf: Timestamp) async throws -> ActionSummary {
            let session = BrieferSession(
                configuration: ActionsTests.configuration(), configurationFile: nil, store: world.t.store, logger: .quiet)
            let scored = try await ActionsTests.off { try session.score(asOf: asOf) }
            return try await runner.run(.push(hubspot: world.client, notifications: world.targets), scoredRunId: scored.run.id)
        }
    }
}

/// The account's best contact, as the actions pick it.
enum OwnersSource {
    static func bestContact(_ store: BrieferStore, runId: Int64, account: String) throws -> String? {
        try store.contactCandidates(runId: runId)[account]?.sorted { ($1.score, $0.email) < ($0.score, $1.email) }.first?.email.lowercased()
    }
}
