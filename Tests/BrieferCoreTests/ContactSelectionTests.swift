import Testing
@testable import BrieferCore

/// SPEC §6 "which contacts": work emails first, by contact score, at most max_contacts_per_account,
/// minus the do-not-contact list.
struct ContactSelectionTests {
    func selection(max: Int = 5, doNotContact: [String] = []) -> ContactSelection {
        var c = BrieferConfiguration()
        c.crm.maxContactsPerAccount = max
        c.crm.doNotContact = doNotContact
        return ContactSelection(c)
    }

    let people: [ContactSelection.Candidate] = [
        .init(userId: "u1", email: "ada@gmail.com", score: 95),
        .init(userId: "u2", email: "bo@acme.com", score: 40),
        .init(userId: "u3", email: "cy@acme.com", score: 70),
        .init(userId: "u4", email: "di@acme.com", score: 70),
        .init(userId: "u5", email: "ed@yahoo.com", score: 20),
    ]

    @Test func workEmailsFirstThenByScoreThenEmail() {
        #expect(selection().choose(people).map(\.userId) == ["u3", "u4", "u2", "u1", "u5"])
    }

    @Test func atMostTheConfiguredNumber() {
        #expect(selection(max: 2).choose(people).map(\.userId) == ["u3", "u4"])
    }

    @Test func theDoNotContactListWinsByAddressAndByDomain() {
        let s = selection(doNotContact: ["CY@acme.com", "@yahoo.com"])
        #expect(s.choose(people).map(\.userId) == ["u4", "u2", "u1"])
        #expect(!s.isAllowed("x@mail.yahoo.com"))
        #expect(s.isAllowed("x@notyahoo.com"))
    }

    @Test func oneAddressIsOneContact() {
        let twice = people + [.init(userId: "u9", email: "CY@ACME.COM", score: 99)]
        #expect(selection().choose(twice).map(\.userId) == ["u9", "u4", "u2", "u1", "u5"])
    }

    @Test func badDoNotContactEntriesAreRefusedByKey() throws {
        #expect(try problemKeys(#"{"crm": {"do_not_contact": ["acme"]}}"#) == ["crm.do_not_contact[0]"])
        #expect(try problemKeys(#"{"crm": {"max_contacts_per_account": 0}}"#) == ["crm.max_contacts_per_account"])
    }

    @Test func impossibleSyncSettingsAreRefusedByKey() throws {
        // HubSpot takes at most 100 inputs per batch.
        #expect(try problemKeys(#"{"crm": {"batch_size": 101}}"#) == ["crm.batch_size"])
        #expect(try problemKeys(#"{"crm": {"batch_size": 100}}"#) == [])
        #expect(try problemKeys(#"{"crm": {"base_url": "api.hubapi.com"}}"#) == ["crm.base_url"])
        #expect(try problemKeys(#"{"crm": {"create_tiers": ["hot", "hot"]}}"#) == ["crm.create_tiers"])
        #expect(try problemKeys(#"{"crm": {"create_tiers": ["hot", "warm"]}}"#) == [])
        #expect(try problemKeys(#"{"crm": {"requests_per_window": 0}}"#) == ["crm.requests_per_window"])
        #expect(try problemKeys(#"{"crm": {"window_seconds": 0}}"#) == ["crm.window_seconds"])
        #expect(try problemKeys(#"{"crm": {"max_retries": 11}}"#) == ["crm.max_retries"])
        #expect(try problemKeys(#"{"crm": {"out_dir": " "}}"#) == ["crm.out_dir"])
    }
}
