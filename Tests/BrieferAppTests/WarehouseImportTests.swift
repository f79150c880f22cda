import BrieferApp
import BrieferCore
import BrieferTesting
import Foundation
import GRDB
import Testing

@testable import BrieferStore

/// `briefer import-scores` (SPEC §10): a warehouse's output of `briefer sql` as a stored run that select, enrich and sync
/// work on. That a real engine's output equals `briefer score`, and imports back to the same selection, briefing inputs
/// and CRM files, is Tests/warehouse/run.sh's to prove; these tests hold the importer's own rules on hand-made tables.
@Suite struct WarehouseImportTests {
    static let configuration = BrieferConfiguration()
    static var fingerprint: String { configuration.fingerprint(scoring: .weighted) }

    /// A warehouse's output for two accounts: acme.com hot (two users), b.org warm; CRLF line ends, a reason list and a
    /// company name that need quoting.
    static func tables(run: String? = nil, users extraUsers: String = "", contacts extraContacts: String = "") -> [String: String] {
        [
            "briefer_run.csv": run
                ?? "as_of_ms,model,config_hash,dialect,script_version,users_scored,accounts_scored\r\n1795176000000,weighted,\(fingerprint),snowflake,1,3,2\r\n",
            "briefer_user_scores.csv": """
            user_id,account,activation,engagement,firmographic,fit,behaviour,score,tier,is_pql,team_active,reasons
            u1,acme.com,100,89,100,0,0,96,hot,1,1,"project_created:+30; company_size:1200:+30"
            u2,acme.com,30,40,100,0,0,52,warm,0,1,"company_size:1200:+30"
            u3,b.org,0,10,20,0,0,9,monitor,0,0,
            \(extraUsers)
            """,
            "briefer_account_scores.csv": """
            account,score,tier,is_pql,best_user_id,users,active_teammates,team_bonus,activation,engagement,firmographic,fit,behaviour,reasons
            acme.com,99,hot,1,u1,2,1,3,100,89,100,0,0,"project_created:+30; company_size:1200:+30; team_active_users:1:+3"
            b.org,9,monitor,0,u3,1,0,0,0,10,20,0,0,
            """,
            "briefer_account_contacts.csv": """
            account,user_id,score,email
            acme.com,u1,96,ann@acme.com
            acme.com,u2,52,bob@acme.com
            b.org,u3,9,cy@b.org
            \(extraContacts)
            """,
            "briefer_account_facts.jsonl": """
            {"account":"acme.com","fact":"event","name":"project_created","window_count":1,"ever_count":2}
            {"account":"acme.com","fact":"event","name":"team_invite_sent","window_count":2,"ever_count":5}
            {"account":"acme.com","fact":"event","name":"core_feature_used","window_count":7,"ever_count":9}
            {"account":"acme.com","fact":"feature","name":"sql_editor","window_count":4,"ever_count":4}
            {"account":"acme.com","fact":"feature","name":"alerts","window_count":0,"ever_count":3}
            {"account":"acme.com","fact":"limit","name":"seats","window_count":1,"ever_count":1}
            {"account":"acme.com","fact":"integration","name":"snowflake","window_count":0,"ever_count":1}
            {"account":"acme.com","fact":"account","name":"active_days","window_count":15,"ever_count":20}
            {"account":"acme.com","fact":"account","name":"active_users","window_count":2,"ever_count":2}
            """,
            "briefer_account_profiles.csv": """
            account,company_name,industry,employee_count,country,tech_stack,plan
            acme.com,"Acme, Inc.
            (Cloud)",saas,1200,US,hubspot;snowflake,
            """,
        ]
    }

    func folder(_ t: TemporaryStore, _ tables: [String: String]) throws -> String {
        let dir = t.directory.appendingPathComponent("exports-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (name, text) in tables {
            try text.write(toFile: (dir as NSString).appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return dir
    }

    func importer(_ t: TemporaryStore) -> WarehouseImporter {
        WarehouseImporter(store: t.store, configuration: Self.configuration, logger: .quiet)
    }

    @Test func anImportedRunIsSelectedBriefedFromItsFactsAndSynced() async throws {
        let t = try TemporaryStore()
        let summary = try importer(t).importScores(from: WarehouseFiles(folder: try folder(t, Self.tables()), prefix: "briefer_"))
        #expect((summary.users, summary.accounts, summary.contacts, summary.factAccounts) == (3, 2, 3, 1))
        #expect(summary.quarantined.isEmpty && summary.otherConfiguration == nil)
        #expect(summary.run.isImported && summary.run.source == "warehouse (snowflake)")
        #expect(summary.run.asOf.milliseconds == 1_795_176_000_000)

        let stored = try t.store.accountScores(runId: summary.run.id)
        let acme = try #require(stored.first { $0.score.account == "acme.com" })
        #expect(acme.score.score == 99 && acme.score.tier == .hot && acme.score.reasons.count == 3 && acme.previousTier == nil)
        #expect(acme.becameHotAt == "2026-11-20T12:00:00Z")

        // The briefing input, from the imported counts (no event is stored here).
        let inputs = try t.store.promptInputs(run: summary.run, accounts: [acme], configuration: Self.configuration)
        let input = try #require(inputs["acme.com"])
        #expect(input.companyName == "Acme, Inc.\n(Cloud)" && input.employeeCount == 1200 && input.techStack == ["hubspot", "snowflake"])
        #expect(input.activeDays == 14)  // at most the window's days, as for a local run
        #expect(input.activeUsers == 2 && input.invitedTeammates == 2 && input.invitedTeammatesEver == 5)
        #expect(input.topFeatures.map(\.name) == ["sql_editor"] && input.topFeaturesEver?.map(\.name) == ["sql_editor", "alerts"])
        #expect(input.completedActivations == ["project_created", "team_invite_sent", "core_feature_used"])
        #expect(input.integrations == ["snowflake"] && input.limitsHit == ["seats"] && input.plan == "free" && input.newlyHot)
        // The validator knows the names the warehouse brought.
        let terms = Set(try t.store.workspaceTerms())
        #expect(terms.isSuperset(of: ["sql_editor", "alerts", "seats", "snowflake", "hubspot", "core_feature_used"]))

        // Selection and the CRM sync read the imported run and contacts.
        let template = try PromptLoader.load(path: FixturePaths.root.appendingPathComponent("Prompts/briefing.v1.yaml").path)
        let plan = try Enricher(store: t.store, configuration: Self.configuration, template: template, logger: .quiet).plan()
        #expect(plan.selected.map { $0.score.score.account } == ["acme.com"])
        let sync = try CRMSync(store: t.store, configuration: Self.configuration, logger: .quiet).writeFiles(
            directory: t.directory.appendingPathComponent("crm").path)
        #expect(sync.contacts == 3)

        // The same tables again: a later import of the same as-of time keeps acme.com's transition.
        let again = try importer(t).importScores(from: WarehouseFiles(folder: try folder(t, Self.tables()), prefix: "briefer_"))
        #expect(
            try t.store.accountScores(runId: again.run.id).first { $0.score.account == "acme.com" }?.becameHotAt == "2026-11-20T12:00:00Z")
    }

    @Test func contactFactAndProfileRowsThatDoNotReadAreQuarantinedAndTheRestImported() throws {
        let t = try TemporaryStore()
        var tables = Self.tables(
            contacts: "b.org,u3,9,not-an-address\nzz.org,u7,7,z@zz.org\nacme.com,u1,96,other@acme.com\nacme.com,u9,5,x@acme.com")
        tables["briefer_account_facts.jsonl"]! += """

            {"account":"acme.com","fact":"event","name":"project_created","window_count":1,"ever_count":2}
            {"account":"acme.com","fact":"mood","name":"happy","window_count":1,"ever_count":1}
            {"account":"acme.com","fact":"event","name":"login","window_count":3,"ever_count":2}
            """
        tables["briefer_account_profiles.csv"]! += "\nacme.com,Acme again,,,,,\nnowhere.io,Nowhere,,,,,"
        let summary = try importer(t).importScores(from: WarehouseFiles(folder: try folder(t, tables), prefix: "briefer_"))
        #expect(summary.users == 3 && summary.accounts == 2 && summary.contacts == 3)
        #expect(summary.quarantined == ["account_contacts": 4, "account_facts": 3, "account_profiles": 2])
        let details = try t.store.read { db in
            try Row.fetchAll(db, sql: "SELECT reason, detail FROM quarantine ORDER BY file, line").map {
                "\($0["reason"] as String): \($0["detail"] as String)"
            }
        }
        #expect(details.count == 9)
        #expect(details.contains("wrong_type: email is not an address"))
        #expect(details.contains("missing_reference: account zz.org is not in the scores"))
        #expect(details.contains("missing_reference: user u9 is not in the scores"))
        #expect(details.contains("duplicate_row: user u1 of acme.com is in account_contacts twice"))
        #expect(details.contains("duplicate_row: event project_created of acme.com is in account_facts twice"))
        #expect(details.contains("wrong_type: fact mood happy is none the script writes"))
        #expect(details.contains("bad_number: window_count and ever_count must be 0 <= window_count <= ever_count"))
        #expect(details.contains("duplicate_row: account acme.com is in account_profiles twice"))
        #expect(details.contains("missing_reference: account nowhere.io is not in account_scores"))
        // The first of each repeated row stands.
        #expect(try t.store.contactCandidates(runId: summary.run.id)["acme.com"]?.map(\.email) == ["ann@acme.com", "bob@acme.com"])
    }

    /// Scores are all or nothing: a run missing a user or an account would make its account newly hot again at the next.
    @Test func scoresThatDoNotAllReadStoreNoRun() throws {
        let t = try TemporaryStore()
        let cases: [(String, [String: String], String)] = [
            ("a bad tier", Self.tables(users: "u4,b.org,0,0,0,0,0,7,lukewarm,0,0,"), "did not read"),
            ("a score that is no number", Self.tables(users: "u4,b.org,0,0,0,0,0,seven,monitor,0,0,"), "did not read"),
            ("a reason that does not read", Self.tables(users: "u4,b.org,0,0,0,0,0,7,monitor,0,0,not a reason"), "did not read"),
            ("a user twice", Self.tables(users: "u3,b.org,0,10,20,0,0,9,monitor,0,0,"), "did not read"),
            ("a user of no account", Self.tables(users: "u8,gone.org,0,0,0,0,0,1,monitor,0,0,"), "did not read"),
        ]
        for (what, tables, message) in cases {
            let error = try #require(throws: WarehouseImportError.self, "\(what)") {
                try importer(t).importScores(from: WarehouseFiles(folder: try folder(t, tables), prefix: "briefer_"))
            }
            #expect(error.message.contains(message), "\(what): \(error.message)")
        }
        #expect(try t.store.run() == nil)
        let reasons = try t.store.read { db in try String.fetchAll(db, sql: "SELECT DISTINCT reason FROM quarantine ORDER BY reason") }
        #expect(reasons == ["bad_number", "duplicate_row", "missing_reference", "wrong_type"])
        // A cut export: fewer rows than the script wrote.
        var cut = Self.tables()
        cut["briefer_run.csv"] =
            "as_of_ms,model,config_hash,dialect,script_version,users_scored,accounts_scored\n1795176000000,weighted,\(Self.fingerprint),duckdb,1,4,2\n"
        let partial = try #require(throws: WarehouseImportError.self) {
            try importer(t).importScores(from: WarehouseFiles(folder: try folder(t, cut), prefix: "briefer_"))
        }
        #expect(partial.message.contains("has 3 rows, the script wrote 4"))
        #expect(try t.store.run() == nil)
        // An empty export of a table (no hot account: no facts, no profiles) is no error.
        var empty = Self.tables()
        empty["briefer_account_facts.jsonl"] = ""
        empty["briefer_account_profiles.csv"] = ""
        #expect(try importer(t).importScores(from: WarehouseFiles(folder: try folder(t, empty), prefix: "briefer_")).factAccounts == 0)
    }

    @Test func anotherConfigurationOrContractIsRefused() throws {
        let t = try TemporaryStore()
        let other = "as_of_ms,model,config_hash,dialect,script_version\n1795176000000,weighted,0123456789abcdef,duckdb,1\n"
        let dir = try folder(t, Self.tables(run: other))
        #expect(throws: WarehouseImportError.self) { try importer(t).importScores(from: WarehouseFiles(folder: dir, prefix: "briefer_")) }
        #expect(try t.store.run() == nil)
        let taken = try importer(t).importScores(from: WarehouseFiles(folder: dir, prefix: "briefer_"), allowOtherConfiguration: true)
        #expect(taken.otherConfiguration == "0123456789abcdef" && taken.run.configHash == "0123456789abcdef")

        let oldContract = "as_of_ms,model,config_hash,dialect,script_version\n1795176000000,weighted,\(Self.fingerprint),duckdb,0\n"
        let error = try #require(throws: WarehouseImportError.self) {
            try importer(t).importScores(from: WarehouseFiles(folder: try folder(t, Self.tables(run: oldContract)), prefix: "briefer_"))
        }
        #expect(error.message.contains("version 0") && error.message.contains("briefer sql"))
        // A missing table is named.
        var missing = Self.tables()
        missing["briefer_account_contacts.csv"] = nil
        let absent = try #require(throws: WarehouseImportError.self) {
            try importer(t).importScores(from: WarehouseFiles(folder: try folder(t, missing), prefix: "briefer_"))
        }
        #expect(absent.message.contains("briefer_account_contacts"))
    }

    @Test func explainBacktestAndForgetSayWhatTheyCannotReach() throws {
        let t = try TemporaryStore()
        let summary = try importer(t).importScores(from: WarehouseFiles(folder: try folder(t, Self.tables()), prefix: "briefer_"))
        let explained = try #require(throws: Explainer.Failure.self) {
            try Explainer(store: t.store, configuration: Self.configuration).explain(account: "acme.com")
        }
        #expect("\(explained)".contains("scored in the warehouse (snowflake)"))
        #expect(throws: BacktestUnavailable.self) {
            try BacktestRunner(store: t.store, configuration: Self.configuration, logger: .quiet).run(
                asOf: Timestamp(milliseconds: 1_790_000_000_000))
        }
        let report = try t.store.forget(email: "Bob@acme.com")
        #expect(report.warehouseRuns == 1 && report.users == ["u2"])
        #expect(report.rows["warehouse_contacts"] == 1 && report.rows["user_scores"] == 1)
        #expect(try t.store.contactCandidates(runId: summary.run.id)["acme.com"]?.map(\.email) == ["ann@acme.com"])
        // The best user of an account, forgotten, is named no more; a personal account goes.
        _ = try t.store.forget(email: "cy@b.org")
        let accounts = try t.store.accountScores(runId: summary.run.id)
        #expect(accounts.first { $0.score.account == "b.org" }?.score.bestUserId == "(forgotten)")
    }
}
