import ArgumentParser
import BrieferApp
import BrieferCore
import BrieferStore
import Foundation

struct Sync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the latest scores and briefings to the CRM's contacts: as request files (default) or pushed to HubSpot.",
        discussion: "Each scored account's contacts (work emails first, by their own score, at most crm.max_contacts_per_account, "
            + "never crm.do_not_contact) get the pql_* properties (`briefer crm properties` lists them); hot accounts also their "
            + "latest briefing. Only properties whose value differs from the last one synced to that destination are sent "
            + "(pql_last_calculated rides along with a real change); nothing changed, nothing sent.\n\n"
            + "Every change is recorded in the database with its objectWriteTraceId before it is written or sent, and marked done "
            + "only once it is: after a crash or a failure the next sync sends it again under the same trace id.\n\n"
            + "Files (default): a numbered folder under --out (default crm.out_dir) with the exact HubSpot batch request bodies and a "
            + "manifest.json; contacts of crm.create_tiers in batch/upsert bodies; others in a batch/read body plus a batch/update "
            + "body keyed by email, whose ids must be replaced by the record ids the read returns (batch/update takes record ids only).\n\n"
            + "--push: sends to crm.base_url (HUBSPOT_BASE_URL overrides) with HUBSPOT_ACCESS_TOKEN as a bearer token. Contacts of "
            + "crm.create_tiers are upserted by email (created if missing); others are looked up by email (record ids cached) and "
            + "updated if the CRM has them, else recorded as missing in CRM (asked again after crm.recheck_missing_after_hours). "
            + "A 400 records the CRM's message (see `briefer sync-log --status rejected`; --retry-rejected sends them again); "
            + "a 429 waits Retry-After or X-HubSpot-RateLimit-Interval-Milliseconds; a DAILY limit, a refused token or an "
            + "unreachable CRM stops the push, leaving the rest for the next run.\n\n"
            + "With actions.enabled, the actions for newly-hot accounts follow the contacts (`briefer actions` lists them): a HubSpot "
            + "task (tasks/batch/create, due actions.tasks.sla_hours after the account became hot, for its owner), a Slack message "
            + "(BRIEFER_SLACK_WEBHOOK_URL) and a signed webhook event (actions.webhook.url, BRIEFER_WEBHOOK_SECRET) — in files, "
            + "their exact bodies in an actions-NNNNNN folder. Once per transition: a rerun makes none.\n\n"
            + "Exit status: 0 when everything sent was applied or recorded (missing or rejected); 5 when a push stopped early or "
            + "left changes for the next run.")

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("Write request files under this directory (default: the config's crm.out_dir).", valueName: "dir"))
    var out: String?
    @Flag(help: "Push to the CRM instead of writing files.")
    var push = false
    @Flag(help: "Print how many contacts and properties would change; record, write and send nothing.")
    var dryRun = false
    @Flag(help: "Send every property, changed or not.")
    var full = false
    @Flag(help: "Send the changes the CRM refused (400) again, under their trace ids.")
    var retryRejected = false
    @Flag(
        help: ArgumentHelp(
            "Push to the token's HubSpot portal though this database synced to another one at this URL.",
            discussion: "What was synced to the other portal, its record ids and its sync-log history are filed under "
                + "\"hubspot URL (portal N until TIME)\" and not used again; every value is sent to the new portal afresh."))
    var newPortal = false
    @Flag(help: "Print the summary as JSON.")
    var json = false

    func validate() throws {
        if push && out != nil { throw ValidationError("--push and --out are two different destinations: give one") }
        if newPortal && !push { throw ValidationError("--new-portal applies to --push") }
    }

    func run() async throws {
        let options = CRMSync.Options(full: full, retryRejected: retryRejected, newPortal: newPortal)
        let progress = json || !push || dryRun ? nil : Progress()
        let summary = try await global.session(mustExist: true).sync(
            to: push ? .push : .files(directory: out), options: options, dryRun: dryRun
        ) { done, total in
            progress?.update(label: "pushing", done: done, total: total, unit: .items)
        }
        progress?.finish()
        print(json ? JSONOutput.render(Reports.syncJSON(summary)) : Reports.sync(summary))
        if summary.stopped != nil || summary.leftPending > 0 { throw ExitCode(5) }
    }
}

struct SyncLog: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync-log",
        abstract: "Show what was synced to the CRM per contact: the properties, when, the trace id, and the outcome with the CRM's message."
    )

    @OptionGroup var global: GlobalOptions
    @Option(help: "Only this contact (email).")
    var contact: String?
    @Option(help: "Only this account (domain).")
    var account: String?
    @Option(help: "Only changes in this state: pending, done, missing or rejected.")
    var status: String?
    @Option(help: "Show at most this many (newest first).")
    var limit: Int = 100
    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        if limit < 0 { throw ValidationError("--limit must not be negative") }
        if let status, OutboxItem.Status(rawValue: status) == nil {
            throw ValidationError("--status must be one of \(OutboxItem.Status.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        let items = try global.session(mustExist: true).syncLog(
            status: status.flatMap(OutboxItem.Status.init(rawValue:)), contact: contact, account: account, limit: limit)
        print(json ? JSONOutput.render(Reports.syncLogJSON(items)) : Reports.syncLog(items))
    }
}

struct ActionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "actions",
        abstract: "Show the actions taken for newly-hot accounts: tasks, Slack messages and webhook events, and what became of each.",
        discussion: "Actions are made by run, worker, serve and sync once actions.enabled is true (sync --dry-run shows what they "
            + "would do). Statuses: waiting (for the briefing), pending, done, rejected, skipped (cool-down, daily cap, no longer "
            + "hot) and unknown (a Slack send without an answer, never sent again).")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Only this account (domain).")
    var account: String?
    @Option(help: "Only this kind: task, slack or webhook.")
    var kind: String?
    @Option(help: "Only actions in this state: waiting, pending, done, rejected, skipped or unknown.")
    var status: String?
    @Option(help: "Show at most this many (newest first).")
    var limit: Int = 100
    @Flag(help: "Print JSON (with each action's body).")
    var json = false

    func validate() throws {
        if limit < 0 { throw ValidationError("--limit must not be negative") }
        if let status, ActionRecord.Status(rawValue: status) == nil {
            throw ValidationError("--status must be one of \(ActionRecord.Status.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let kind, ActionKind(rawValue: kind) == nil {
            throw ValidationError("--kind must be one of \(ActionKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        let actions = try global.session(mustExist: true).actionLog(
            status: status.flatMap(ActionRecord.Status.init(rawValue:)), kind: kind.flatMap(ActionKind.init(rawValue:)), account: account,
            limit: limit)
        print(json ? JSONOutput.render(Reports.actionLogJSON(actions)) : Reports.actionLog(actions))
    }
}

struct FeedbackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feedback",
        abstract: "Show reps' feedback on accounts, as read back from HubSpot: each value, when it was set, on which contact or company.",
        discussion: "Reps set actions.feedback.property (pql_feedback: useful, not relevant, bad timing, converted; `briefer crm "
            + "properties --apply` defines it) on a contact or a company; every push with actions.enabled reads its history back. "
            + "`briefer backtest` reports it beside conversions, as a label after the as-of time, never as a scoring input.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Only this account (domain).")
    var account: String?
    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let entries = try global.session(mustExist: true).feedback(account: account)
        print(json ? JSONOutput.render(Reports.feedbackJSON(entries)) : Reports.feedback(entries))
    }
}

struct CRMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crm", abstract: "Work with the CRM's side: the properties Briefer writes, and the token's scopes.",
        subcommands: [Properties.self, Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check before a push that HUBSPOT_ACCESS_TOKEN has the scopes every enabled feature needs.",
            discussion: "Names each feature the configuration turns on (contact sync, property definitions, and with actions.enabled "
                + "owners, tasks, companies, feedback) with the HubSpot scopes it needs, reads the private app token's scopes "
                + "(POST /oauth/v2/private-apps/get/access-token-info, the token in the body) and says which are missing. "
                + "Exit status 0 when all are granted, 1 otherwise or when the scopes cannot be read.")

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let report = try await global.session(database: false).checkCRM()
            print(report.lines.joined(separator: "\n"))
            if !report.passed { throw ExitCode(1) }
        }
    }

    struct Properties: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print (or, with --apply, create) the property group and property definitions as HubSpot request bodies.",
            discussion: "Two requests, each preceded by its method and path: the group (crm.group_name, crm.group_label) and a "
                + "batch/create of every property (names from crm.property_names; the tier an enumeration of hot, warm, nurture, "
                + "monitor). --apply sends them to crm.base_url (HUBSPOT_BASE_URL overrides) with HUBSPOT_ACCESS_TOKEN; a group "
                + "or property that already exists is reported and left as it is. Needed once per HubSpot account, before the first push.")

        @OptionGroup var global: GlobalOptions
        @Flag(help: "Create them in the CRM.")
        var apply = false

        func run() async throws {
            let session = try global.session(database: false)
            guard apply else {
                print(
                    session.crmDefinitions.map { d in
                        "POST \(d.groupPath)\n\(JSONOutput.pretty(d.groupBody))\n\nPOST \(d.propertiesPath)\n\(JSONOutput.pretty(d.propertiesBody))"
                    }.joined(separator: "\n\n"))
                return
            }
            let report = try await session.applyCRMDefinitions()
            print(report.lines.joined(separator: "\n"))
            if !report.succeeded { throw ExitCode(1) }
        }
    }
}
