import Testing
@testable import BrieferCore

// Selection (SPEC §4): hot accounts are briefed when newly hot, or when their fingerprint changed and
// the last briefing is older than refresh_after; never again for an unchanged fingerprint. Newly hot
// first, then by score; at most the day's capacity, the rest over capacity.

private let hour: Int64 = 3_600_000
private let refresh: Int64 = 24 * hour
/// 2024-03-15T12:00:00Z in ms since 1970.
private let now: Int64 = 1_710_504_000_000

/// A candidate never briefed since it became hot.
private func newlyHot(_ account: String, _ score: Int, lastBriefedMs: Int64? = nil) -> Selection.Candidate {
    .init(account: account, score: score, briefedSinceHot: false, briefedWithFingerprint: false, lastBriefedMs: lastBriefedMs)
}

/// A candidate briefed since it became hot, whose fingerprint has since changed.
private func changed(_ account: String, _ score: Int, lastBriefedMs: Int64?) -> Selection.Candidate {
    .init(account: account, score: score, briefedSinceHot: true, briefedWithFingerprint: false, lastBriefedMs: lastBriefedMs)
}

/// A candidate already briefed for exactly its current fingerprint.
private func unchanged(_ account: String, _ score: Int, briefedSinceHot: Bool = true, lastBriefedMs: Int64? = nil) -> Selection.Candidate {
    .init(account: account, score: score, briefedSinceHot: briefedSinceHot, briefedWithFingerprint: true, lastBriefedMs: lastBriefedMs)
}

/// Decisions as `account:reason`, in the order returned.
private func decide(_ candidates: [Selection.Candidate], capacity: Int = 50, nowMs: Int64 = now, refreshAfterMs: Int64 = refresh)
    -> [String]
{
    Selection.decide(candidates, nowMs: nowMs, refreshAfterMs: refreshAfterMs, capacity: capacity).map {
        "\($0.account):\($0.reason.rawValue)"
    }
}

struct SelectionTests {
    @Test func newlyHotFirstThenScoreDescendingThenAccount() {
        let candidates = [
            changed("zeta.com", 99, lastBriefedMs: now - 48 * hour),
            newlyHot("beta.com", 80),
            newlyHot("alpha.com", 76),
            changed("eta.com", 90, lastBriefedMs: now - 30 * hour),
            newlyHot("aardvark.com", 80),
            changed("delta.com", 90, lastBriefedMs: now - 25 * hour),
        ]
        // Newly hot: 80 (aardvark before beta by name), 76; then changed: 99, 90 (delta before eta), even
        // though the changed ones score higher.
        #expect(
            decide(candidates) == [
                "aardvark.com:newly_hot", "beta.com:newly_hot", "alpha.com:newly_hot",
                "zeta.com:changed", "delta.com:changed", "eta.com:changed",
            ])
    }

    @Test func orderDoesNotDependOnTheInputOrder() {
        let candidates = [newlyHot("b.com", 80), newlyHot("a.com", 80), changed("c.com", 95, lastBriefedMs: nil), newlyHot("d.com", 77)]
        let expected = ["a.com:newly_hot", "b.com:newly_hot", "d.com:newly_hot", "c.com:changed"]
        #expect(decide(candidates) == expected)
        #expect(decide(candidates.reversed()) == expected)
    }

    @Test func decisionsCarryAccountAndScore() {
        let d = Selection.decide([newlyHot("acme.com", 82)], nowMs: now, refreshAfterMs: refresh, capacity: 1)
        #expect(d.count == 1)
        #expect(d.first?.account == "acme.com")
        #expect(d.first?.score == 82)
        #expect(d.first?.reason == .newlyHot)
        #expect(d.first?.eligibleAtMs == nil)
        #expect(d.first?.reason.isSelected == true)
    }

    @Test func unchangedFingerprintIsNeverBriefedAgain() {
        // Briefed for this fingerprint long ago: still not again.
        #expect(decide([unchanged("acme.com", 90, lastBriefedMs: now - 1000 * hour)]) == ["acme.com:unchanged"])
        // hot → warm → hot with the same fingerprint: no briefing since it last became hot, but the
        // fingerprint was already briefed, so it is not newly hot again.
        #expect(decide([unchanged("acme.com", 90, briefedSinceHot: false, lastBriefedMs: now - 72 * hour)]) == ["acme.com:unchanged"])
        #expect(decide([unchanged("acme.com", 90, briefedSinceHot: false, lastBriefedMs: now - 1 * hour)]) == ["acme.com:unchanged"])
        // Never selected, whatever the capacity.
        let d = Selection.decide([unchanged("acme.com", 90, briefedSinceHot: false)], nowMs: now, refreshAfterMs: refresh, capacity: 100)
        #expect(d.map(\.reason.isSelected) == [false])
        #expect(d.first?.eligibleAtMs == nil)
    }

    @Test func changedAndOldEnoughIsSelected() {
        #expect(decide([changed("acme.com", 80, lastBriefedMs: now - 25 * hour)]) == ["acme.com:changed"])
        #expect(decide([changed("acme.com", 80, lastBriefedMs: now - refresh - 1)]) == ["acme.com:changed"])
    }

    @Test func changedButRecentCoolsDownUntilLastPlusRefresh() {
        let last = now - 3 * hour
        let d = Selection.decide([changed("acme.com", 80, lastBriefedMs: last)], nowMs: now, refreshAfterMs: refresh, capacity: 10)
        #expect(d.map(\.reason) == [.cooldown])
        #expect(d.first?.eligibleAtMs == last + refresh)  // 21 h from now
        #expect(d.first?.eligibleAtMs == now + 21 * hour)
        #expect(d.first?.reason.isSelected == false)
        // One millisecond short of the interval is still cooling down.
        #expect(decide([changed("acme.com", 80, lastBriefedMs: now - refresh + 1)]) == ["acme.com:cooldown"])
    }

    @Test func exactlyTheRefreshIntervalAgoIsSelected() {
        // now − last == refresh_after: old enough.
        let d = Selection.decide([changed("acme.com", 80, lastBriefedMs: now - refresh)], nowMs: now, refreshAfterMs: refresh, capacity: 10)
        #expect(d.map(\.reason) == [.changed])
        #expect(d.first?.eligibleAtMs == nil)
    }

    @Test func newlyHotIgnoresTheRefreshInterval() {
        // Briefed an hour ago (before a hot → warm → hot flip) with another fingerprint: newly hot wins.
        #expect(decide([newlyHot("acme.com", 80, lastBriefedMs: now - 1 * hour)]) == ["acme.com:newly_hot"])
    }

    @Test func changedWithoutAnyEarlierBriefingIsSelected() {
        #expect(decide([changed("acme.com", 80, lastBriefedMs: nil)]) == ["acme.com:changed"])
    }

    @Test func zeroRefreshIntervalNeverCoolsDown() {
        #expect(decide([changed("acme.com", 80, lastBriefedMs: now)], refreshAfterMs: 0) == ["acme.com:changed"])
    }

    @Test func capacityTakesTheFirstNInOrderTheRestWait() {
        let candidates = [
            changed("c1.com", 99, lastBriefedMs: now - 48 * hour),
            newlyHot("n1.com", 80),
            newlyHot("n2.com", 78),
            changed("c2.com", 85, lastBriefedMs: now - 48 * hour),
            newlyHot("n3.com", 76),
        ]
        #expect(
            decide(candidates, capacity: 2) == [
                "n1.com:newly_hot", "n2.com:newly_hot",
                "n3.com:over_capacity", "c1.com:over_capacity", "c2.com:over_capacity",
            ])
        #expect(
            decide(candidates, capacity: 4) == [
                "n1.com:newly_hot", "n2.com:newly_hot", "n3.com:newly_hot", "c1.com:changed",
                "c2.com:over_capacity",
            ])
        #expect(
            decide(candidates, capacity: 5) == [
                "n1.com:newly_hot", "n2.com:newly_hot", "n3.com:newly_hot", "c1.com:changed", "c2.com:changed",
            ])
    }

    @Test(arguments: [0, -1, -50])
    func noCapacityLeavesEveryoneOverCapacity(capacity: Int) {
        let candidates = [newlyHot("n1.com", 80), changed("c1.com", 99, lastBriefedMs: now - 48 * hour), newlyHot("n2.com", 90)]
        let d = Selection.decide(candidates, nowMs: now, refreshAfterMs: refresh, capacity: capacity)
        #expect(
            d.map { "\($0.account):\($0.reason.rawValue)" } == ["n2.com:over_capacity", "n1.com:over_capacity", "c1.com:over_capacity"])
        #expect(d.allSatisfy { !$0.reason.isSelected })
    }

    @Test func skippedComeLastByScoreThenAccount() {
        let candidates = [
            unchanged("u1.com", 70),
            changed("cool.com", 95, lastBriefedMs: now - 2 * hour),
            newlyHot("n1.com", 80),
            unchanged("u0.com", 70),
            changed("c1.com", 77, lastBriefedMs: now - 48 * hour),
            unchanged("u2.com", 99, briefedSinceHot: false),
            changed("cool2.com", 70, lastBriefedMs: now - 2 * hour),
        ]
        // Selected, then over capacity, then the skipped (unchanged and cooldown together) by score, then account.
        #expect(
            decide(candidates, capacity: 1) == [
                "n1.com:newly_hot",
                "c1.com:over_capacity",
                "u2.com:unchanged", "cool.com:cooldown", "cool2.com:cooldown", "u0.com:unchanged", "u1.com:unchanged",
            ])
    }

    @Test func everyCandidateGetsExactlyOneDecision() {
        let candidates = (0..<20).map { i -> Selection.Candidate in
            switch i % 4 {
            case 0: return newlyHot("a\(i).com", 75 + i)
            case 1: return changed("a\(i).com", 75 + i, lastBriefedMs: now - 48 * hour)
            case 2: return changed("a\(i).com", 75 + i, lastBriefedMs: now - hour)
            default: return unchanged("a\(i).com", 75 + i)
            }
        }
        let d = Selection.decide(candidates, nowMs: now, refreshAfterMs: refresh, capacity: 3)
        #expect(d.count == 20)
        #expect(Set(d.map(\.account)).count == 20)
        #expect(d.filter(\.reason.isSelected).count == 3)
        // 5 newly hot + 5 changed wanted; 3 selected, 7 over capacity; 5 cooldown, 5 unchanged.
        #expect(d.filter { $0.reason == .overCapacity }.count == 7)
        #expect(d.filter { $0.reason == .cooldown }.count == 5)
        #expect(d.filter { $0.reason == .unchanged }.count == 5)
        // The three selected are the newly hot with the highest scores: a16 (91), a12 (87), a8 (83).
        #expect(d.prefix(3).map(\.account) == ["a16.com", "a12.com", "a8.com"])
    }

    @Test func noCandidatesNoDecisions() {
        #expect(Selection.decide([], nowMs: now, refreshAfterMs: refresh, capacity: 5).isEmpty)
    }
}
