import BrieferApp
import BrieferCore
import BrieferStore
import BrieferTesting
import Foundation
import Testing

private func ts(_ iso: String) -> Timestamp { Timestamp.parse(iso)!.timestamp }

/// Identity stitching (SPEC §2): an anonymous visitor's pricing page views count for the user once an identify
/// links the anonymous id to them — and not in a score as of a time before the link.
@Suite struct StitchingTests {
    static let users = """
        user_id,email,company_domain,title,created_at
        u1,alice@acme.com,acme.com,VP Engineering,2026-11-01T00:00:00Z
        u2,bob@initech.com,initech.com,Engineer,2026-11-01T00:00:00Z
        """
    static let companies = """
        domain,name,employee_count,industry,estimated_revenue,country
        acme.com,Acme,500,software,50000000,US
        initech.com,Initech,300,software,20000000,US
        """

    /// u1's own activity, a1's two pricing page views before signing in, the identify linking a1 to u1 on 11-18,
    /// and (when `conflict`) a later identify linking a1 to u2.
    static func events(linked: Bool = true, conflict: Bool = false) -> String {
        var lines: [String] = []
        for (i, day) in (2...19).enumerated() where day % 2 == 0 {
            lines.append(
                #"{"type":"track","messageId":"u1-\#(i)","userId":"u1","event":"core_feature_used","properties":{"feature":"dashboard"},"timestamp":"2026-11-\#(String(format: "%02d", day))T09:00:00Z"}"#
            )
            lines.append(
                #"{"type":"track","messageId":"u2-\#(i)","userId":"u2","event":"core_feature_used","properties":{"feature":"alerts"},"timestamp":"2026-11-\#(String(format: "%02d", day))T09:00:00Z"}"#
            )
        }
        lines.append(
            #"{"type":"page","messageId":"p1","anonymousId":"a1","properties":{"path":"/pricing"},"timestamp":"2026-11-15T10:00:00Z"}"#)
        lines.append(
            #"{"type":"page","messageId":"p2","anonymousId":"a1","properties":{"url":"https://tallyboard.io/pricing/teams"},"timestamp":"2026-11-16T10:00:00Z"}"#
        )
        lines.append(
            #"{"type":"identify","messageId":"i1","userId":"u1",\#(linked ? #""anonymousId":"a1","# : "")"traits":{"email":"alice@acme.com"},"timestamp":"2026-11-18T10:00:00Z"}"#
        )
        if conflict {
            lines.append(#"{"type":"identify","messageId":"i2","userId":"u2","anonymousId":"a1","timestamp":"2026-11-19T10:00:00Z"}"#)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func session(_ t: TemporaryStore, events: String) throws -> BrieferSession {
        let session = BrieferSession(configuration: BrieferConfiguration(), configurationFile: nil, store: t.store, logger: .quiet)
        _ = try session.ingest(files: [
            try t.file("users.csv", users), try t.file("companies.csv", companies), try t.file("events.jsonl", events),
        ])
        return session
    }

    /// Whether the account's users carry the pricing-page intent signal (seed 004).
    static func pricingReason(_ outcome: ScoringOutcome, _ account: String) -> Bool {
        outcome.users.filter { $0.account.description == account }.contains { "\($0.signals)".contains("pricing_page_viewed") }
    }

    @Test func preSignupPricingViewsCountFromTheLinkOn() throws {
        let (linkedStore, unlinkedStore) = (try TemporaryStore(), try TemporaryStore())
        let linked = try Self.session(linkedStore, events: Self.events())
        let unlinked = try Self.session(unlinkedStore, events: Self.events(linked: false))

        let after = ts("2026-11-20T12:00:00Z"), before = ts("2026-11-17T12:00:00Z")
        let (linkedAfter, unlinkedAfter) = (try linked.score(asOf: after), try unlinked.score(asOf: after))
        #expect(Self.pricingReason(linkedAfter, "acme.com") && !Self.pricingReason(unlinkedAfter, "acme.com"))
        #expect(linkedAfter.run.eventsCounted == unlinkedAfter.run.eventsCounted + 2)
        // As of a time before the identify, the views are nobody's.
        let (linkedBefore, unlinkedBefore) = (try linked.score(asOf: before), try unlinked.score(asOf: before))
        #expect(!Self.pricingReason(linkedBefore, "acme.com"))
        #expect(linkedBefore.run.eventsCounted == unlinkedBefore.run.eventsCounted)
        #expect(linkedBefore.accounts.map(\.score) == unlinkedBefore.accounts.map(\.score))

        // explain recomputes the same score from raw events, the stitched ones shown as such.
        let explained = try linked.explain(account: "acme.com", runId: linkedAfter.run.id).explanation
        #expect(explained.matches, "\(explained.lines.joined(separator: "\n"))")
        #expect(
            explained.lines.contains { $0.contains("stitched: 2 event(s) of anonymous id a1, linked by identify at 2026-11-18T10:00:00") })
        #expect(
            try linked.explain(account: "acme.com", runId: linkedBefore.run.id).explanation.lines.allSatisfy { !$0.contains("stitched") })

        // The briefing's facts see what scoring saw.
        let hotOrNot = try linkedStore.store.accountScores(runId: linkedAfter.run.id).filter { $0.score.account == "acme.com" }
        let inputs = try linkedStore.store.promptInputs(run: linkedAfter.run, accounts: hotOrNot, configuration: BrieferConfiguration())
        #expect(inputs["acme.com"].map { "\($0)".contains("pricing_page_viewed") } == true)
    }

    @Test func aLaterLinkToAnotherUserIsKeptAsideNotApplied() throws {
        let t = try TemporaryStore()
        let session = BrieferSession(configuration: BrieferConfiguration(), configurationFile: nil, store: t.store, logger: .quiet)
        let ingested = try session.ingest(files: [
            try t.file("users.csv", Self.users), try t.file("companies.csv", Self.companies),
            try t.file("events.jsonl", Self.events(conflict: true)),
        ])
        #expect(ingested.linkConflicts == 1)
        let (links, conflicts) = try t.store.identityLinks()
        #expect(links.map { "\($0.fromId)→\($0.userId)" } == ["a1→u1"])
        #expect(conflicts.map { "\($0.fromId)→\($0.userId) \($0.via)" } == ["a1→u2 identify"])
        let outcome = try session.score(asOf: ts("2026-11-20T12:00:00Z"))
        #expect(Self.pricingReason(outcome, "acme.com") && !Self.pricingReason(outcome, "initech.com"))
    }

    @Test func theFirstLinkWinsWhateverOrderTheCallsArriveIn() throws {
        let t = try TemporaryStore()
        // The later link to u2 arrives first.
        let lines = Self.events(conflict: true).split(separator: "\n").map(String.init)
        let reordered = ([lines.last!] + lines.dropLast()).joined(separator: "\n") + "\n"
        _ = try Self.session(t, events: reordered)
        let (links, conflicts) = try t.store.identityLinks()
        #expect(links.map { "\($0.fromId)→\($0.userId)" } == ["a1→u1"] && conflicts.map(\.userId) == ["u2"])
    }

    /// Two links of one id at the same millisecond: the smaller user id holds it, in either order.
    @Test func aTieGoesToTheSmallerUserIdInEitherOrder() throws {
        let calls = [
            #"{"type":"identify","messageId":"t1","userId":"u2","anonymousId":"a9","timestamp":"2026-11-18T10:00:00Z"}"#,
            #"{"type":"identify","messageId":"t2","userId":"u1","anonymousId":"a9","timestamp":"2026-11-18T10:00:00Z"}"#,
        ]
        for order in [calls, calls.reversed()] {
            let t = try TemporaryStore()
            _ = try Self.session(t, events: order.joined(separator: "\n") + "\n")
            let (links, conflicts) = try t.store.identityLinks()
            #expect(links.map { "\($0.fromId)→\($0.userId)" } == ["a9→u1"] && conflicts.map(\.userId) == ["u2"])
        }
    }

    @Test func forgettingAPersonRemovesTheEventsOfTheirAnonymousIds() throws {
        let t = try TemporaryStore()
        let session = try Self.session(t, events: Self.events())
        let pages = { try t.store.eventsScalar("SELECT count(*) FROM events WHERE kind = 'page'").flatMap(Int.init) ?? -1 }
        #expect(try pages() == 2)
        let outcome = try session.forget(email: "alice@acme.com")
        #expect(outcome.report.users == ["u1"])
        #expect(try pages() == 0)
        #expect(try t.store.count("anon_days") == 0)
        #expect(try t.store.identityLinks().links.isEmpty)
        // The same file again: the anonymous id's views stay out, counted as forgotten.
        let again = try session.ingest(files: [try t.file("events.jsonl", Self.events())])
        #expect(try pages() == 0 && again.files[0].forgotten >= 3)
    }

    /// `alias` from one user id to another makes them one person from the alias on.
    @Test func anAliasMakesTwoUserIdsOnePerson() throws {
        let t = try TemporaryStore()
        var lines = Self.events(linked: false).split(separator: "\n").map(String.init)
        for (i, day) in [3, 5, 7].enumerated() {
            lines.append(
                #"{"type":"track","messageId":"old-\#(i)","userId":"u1-old","event":"pricing_page_viewed","timestamp":"2026-11-1\#(day)T08:00:00Z","context":{"groupId":"acme.com"}}"#
            )
        }
        lines.append(#"{"type":"alias","messageId":"al1","previousId":"u1-old","userId":"u1","timestamp":"2026-11-18T12:00:00Z"}"#)
        let session = try Self.session(t, events: lines.joined(separator: "\n") + "\n")
        let after = try session.score(asOf: ts("2026-11-20T12:00:00Z"))
        #expect(!after.users.contains { $0.userId == "u1-old" } && Self.pricingReason(after, "acme.com"))
        let before = try session.score(asOf: ts("2026-11-18T00:00:00Z"))
        #expect(before.users.contains { $0.userId == "u1-old" })
        #expect(before.users.first { $0.userId == "u1" }.map { "\($0.signals)".contains("pricing_page_viewed") } == false)
        let explained = try session.explain(account: "acme.com", runId: after.run.id).explanation
        #expect(explained.matches, "\(explained.lines.joined(separator: "\n"))")
        #expect(explained.lines.contains { $0.contains("stitched: 3 event(s) of id u1-old, linked by alias") })
    }

    /// A device first linked to one person and later used by another: forgetting the second person leaves the first
    /// person's events of that device alone.
    @Test func forgettingSomeoneLeavesAnotherPersonsDeviceAlone() throws {
        let t = try TemporaryStore()
        let session = try Self.session(t, events: Self.events(conflict: true))
        _ = try session.forget(email: "bob@initech.com")
        #expect(try t.store.eventsScalar("SELECT count(*) FROM events WHERE kind = 'page'") == "2")
        #expect(try t.store.identityLinks().links.map { "\($0.fromId)→\($0.userId)" } == ["a1→u1"])
        let again = try session.ingest(files: [
            try t.file(
                "more.jsonl",
                #"{"type":"track","messageId":"late","userId":"u1","anonymousId":"a1","event":"core_feature_used","timestamp":"2026-11-19T11:00:00Z"}"#
                    + "\n")
        ])
        #expect(again.inserted == 1 && again.forgotten == 0)
    }

    /// An anonymous visitor identified as u1-old, then u1-old aliased to u0 and u0 to u1: the visitor's pricing views
    /// and both old ids' days count for u1 from the last alias on (aliases chain), and explain says so.
    static func chainedEvents() -> String {
        var lines = Self.events(linked: false).split(separator: "\n").map(String.init)
        lines.append(#"{"type":"identify","messageId":"i-old","userId":"u1-old","anonymousId":"a1","timestamp":"2026-11-17T10:00:00Z"}"#)
        lines.append(
            #"{"type":"track","messageId":"old-1","userId":"u1-old","event":"integration_connected","timestamp":"2026-11-17T11:00:00Z"}"#)
        lines.append(#"{"type":"track","messageId":"mid-1","userId":"u0","event":"team_invite_sent","timestamp":"2026-11-17T12:00:00Z"}"#)
        lines.append(#"{"type":"alias","messageId":"al1","previousId":"u1-old","userId":"u0","timestamp":"2026-11-18T12:00:00Z"}"#)
        lines.append(#"{"type":"alias","messageId":"al2","previousId":"u0","userId":"u1","timestamp":"2026-11-19T12:00:00Z"}"#)
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func aliasesChainAndAnonymousIdsFollowTheirUser() throws {
        let t = try TemporaryStore()
        let session = try Self.session(t, events: Self.chainedEvents())
        let after = try session.score(asOf: ts("2026-11-20T12:00:00Z"))
        #expect(after.users.filter { $0.account.description == "acme.com" }.map(\.userId) == ["u1"])
        let u1 = try #require(after.users.first { $0.userId == "u1" })
        #expect("\(u1.signals)".contains("pricing_page_viewed"))
        let own = try session.score(asOf: ts("2026-11-19T00:00:00Z"))
        // Between the aliases, u0 is the person holding u1-old and the visitor; u1 is on its own.
        #expect(own.users.contains { $0.userId == "u0" } && !own.users.contains { $0.userId == "u1-old" })
        #expect(own.users.first { $0.userId == "u1" }.map { "\($0.signals)".contains("pricing_page_viewed") } == false)
        let explained = try session.explain(account: "acme.com", runId: after.run.id).explanation
        #expect(explained.matches, "\(explained.lines.joined(separator: "\n"))")
        #expect(explained.lines.contains { $0.contains("stitched: 2 event(s) of anonymous id a1") })
        #expect(explained.lines.contains { $0.contains("stitched: 1 event(s) of id u1-old") })
        #expect(explained.lines.contains { $0.contains("stitched: 1 event(s) of id u0") })
    }

    /// A user id migrated by an alias to a new id that says nothing of itself: the person keeps the old id's email,
    /// company and signup — and only from the alias on.
    @Test func theNewIdOfAnAliasKeepsWhatTheOldOneSaidOfThePerson() throws {
        let t = try TemporaryStore()
        var lines = Self.events(linked: false).split(separator: "\n").map(String.init).filter { !$0.contains("\"i1\"") }
        lines.append(#"{"type":"alias","messageId":"m1","previousId":"u1","userId":"alice-7","timestamp":"2026-11-18T12:00:00Z"}"#)
        for day in [19, 20] {
            lines.append(
                #"{"type":"track","messageId":"n\#(day)","userId":"alice-7","event":"report_exported","timestamp":"2026-11-\#(day)T08:00:00Z"}"#
            )
        }
        let session = try Self.session(t, events: lines.joined(separator: "\n") + "\n")
        let after = try session.score(asOf: ts("2026-11-20T12:00:00Z"))
        #expect(after.users.filter { $0.account.description == "acme.com" }.map(\.userId) == ["alice-7"])
        #expect(!after.accounts.contains { $0.account.description.hasPrefix("user:") })
        let explained = try session.explain(account: "acme.com", runId: after.run.id).explanation
        #expect(explained.matches, "\(explained.lines.joined(separator: "\n"))")
        #expect(explained.lines.contains("user alice-7 <alice@acme.com>, signup 2026-11-01T00:00:00Z"))
        let before = try session.score(asOf: ts("2026-11-18T00:00:00Z"))
        #expect(before.users.first { $0.userId == "u1" }?.account.description == "acme.com")
        #expect(!before.users.contains { $0.userId == "alice-7" })
    }

    /// An identify naming another identified user's id as its anonymous id (a shared browser never reset) merges
    /// nobody: both stay scored as themselves, and forgetting one leaves the other.
    @Test func anIdentifyNamingAnotherUserMergesNobody() throws {
        let t = try TemporaryStore()
        var lines = Self.events(linked: false).split(separator: "\n").map(String.init)
        lines.append(#"{"type":"identify","messageId":"x1","userId":"u2","anonymousId":"u1","timestamp":"2026-11-18T11:00:00Z"}"#)
        let session = try Self.session(t, events: lines.joined(separator: "\n") + "\n")
        let plain = try Self.session(try TemporaryStore(), events: Self.events(linked: false))
        let asOf = ts("2026-11-20T12:00:00Z")
        #expect(try session.score(asOf: asOf).users.map(\.score) == plain.score(asOf: asOf).users.map(\.score))
        _ = try session.forget(email: "alice@acme.com")
        #expect(try t.store.scalar("SELECT count(*) FROM users WHERE external_id = 'u2'") == "1")
    }

    /// u1 aliased to u2, later u2 aliased back to u1: the latest alias decides who the person is, and nobody is lost.
    @Test func anAliasCycleKeepsThePersonTheLatestAliasNames() throws {
        let t = try TemporaryStore()
        var lines = Self.events(linked: false).split(separator: "\n").map(String.init).filter { !$0.contains("\"u2\"") }
        lines.append(
            #"{"type":"track","messageId":"v-1","userId":"u9","event":"pricing_page_viewed","timestamp":"2026-11-16T08:00:00Z","context":{"groupId":"acme.com"}}"#
        )
        lines.append(#"{"type":"alias","messageId":"c1","previousId":"u1","userId":"u9","timestamp":"2026-11-17T12:00:00Z"}"#)
        lines.append(#"{"type":"alias","messageId":"c2","previousId":"u9","userId":"u1","timestamp":"2026-11-18T12:00:00Z"}"#)
        let session = try Self.session(t, events: lines.joined(separator: "\n") + "\n")
        let between = try session.score(asOf: ts("2026-11-17T18:00:00Z"))
        #expect(between.users.map(\.userId).contains("u9") && !between.users.map(\.userId).contains("u1"))
        let after = try session.score(asOf: ts("2026-11-20T12:00:00Z"))
        #expect(after.users.map(\.userId).contains("u1") && !after.users.map(\.userId).contains("u9"))
        #expect(Self.pricingReason(after, "acme.com"))
        let explained = try session.explain(account: "acme.com", runId: after.run.id).explanation
        #expect(explained.matches, "\(explained.lines.joined(separator: "\n"))")
    }

    /// explain's stitched count is of the events that existed as of the run, not of every event of the id.
    @Test func explainCountsStitchedEventsUpToTheRunOnly() throws {
        let t = try TemporaryStore()
        var lines = Self.events().split(separator: "\n").map(String.init)
        lines.append(
            #"{"type":"page","messageId":"p-late","anonymousId":"a1","properties":{"path":"/pricing"},"timestamp":"2026-11-25T10:00:00Z"}"#)
        let session = try Self.session(t, events: lines.joined(separator: "\n") + "\n")
        let run = try session.score(asOf: ts("2026-11-20T12:00:00Z")).run
        let explained = try session.explain(account: "acme.com", runId: run.id).explanation
        #expect(explained.matches && explained.lines.contains { $0.contains("stitched: 2 event(s) of anonymous id a1") })
    }

    /// Forgetting a person forgets every user id an alias joined to theirs (before or after), with the anonymous ids
    /// linked to any of them; none of them comes back as a user of its own.
    @Test func forgettingAPersonForgetsTheirAliasedIds() throws {
        let t = try TemporaryStore()
        let session = try Self.session(t, events: Self.chainedEvents())
        let outcome = try session.forget(email: "alice@acme.com")
        #expect(outcome.report.users.sorted() == ["u0", "u1", "u1-old"])
        #expect(try t.store.scalar("SELECT count(*) FROM users WHERE external_id IN ('u0', 'u1', 'u1-old')") == "0")
        #expect(try t.store.count("anon_days") == 0 && t.store.count("anonymous_ids") == 0)
        #expect(try t.store.eventsScalar("SELECT count(*) FROM events WHERE kind != 'forgotten' AND user_id IS NULL") == "0")
        let scored = try session.score(asOf: ts("2026-11-20T12:00:00Z"))
        #expect(Set(scored.users.map(\.userId)) == ["u2"])
    }

    /// An address used as an anonymous id: forgetting it removes that id's packed days, its row and its links too, so
    /// scoring and explain agree and the address is not left in the store.
    @Test func forgettingAnAddressUsedAsAnAnonymousIdRemovesItsDaysAndLinks() throws {
        let t = try TemporaryStore()
        let lines = Self.events().replacingOccurrences(of: "\"a1\"", with: "\"Jane@Example.com\"")
        let session = try Self.session(t, events: lines)
        #expect(try t.store.count("anon_days") == 2)
        _ = try session.forget(email: "jane@example.com")
        #expect(try t.store.count("anon_days") == 0 && t.store.count("anonymous_ids") == 0)
        #expect(try t.store.identityLinks().links.isEmpty)
        let run = try session.score(asOf: ts("2026-11-20T12:00:00Z"))
        #expect(!Self.pricingReason(run, "acme.com"))
        let explained = try session.explain(account: "acme.com", runId: run.run.id).explanation
        #expect(explained.matches, "\(explained.lines.joined(separator: "\n"))")
    }
}
