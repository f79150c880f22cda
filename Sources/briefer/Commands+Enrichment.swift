import ArgumentParser
import BrieferApp
import BrieferCore
import BrieferStore
import Foundation
import Logging

/// Options of the commands that render prompts or call the model.
struct PromptOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The prompt template (default: the config's enrichment.prompt, else the built-in one).", valueName: "path"))
    var prompt: String?

}

/// Where the model is and which one: the options of the commands that call it.
struct EndpointOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The OpenAI-compatible endpoint, e.g. http://127.0.0.1:8088/v1 (else OPENAI_BASE_URL, else enrichment.base_url).",
            valueName: "url"))
    var baseUrl: String?
    @Option(help: ArgumentHelp("The model to ask (default: the config's enrichment.model).", valueName: "name"))
    var model: String?
    @Option(help: ArgumentHelp("A file holding the API key (instead of OPENAI_API_KEY).", valueName: "path"))
    var apiKeyFile: String?

}

struct Select: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show which hot accounts the next `briefer enrich` would brief, and why the others wait.",
        discussion: "Selected: newly hot (no briefing since it became hot) or changed (its prompt input, prompt or model changed and "
            + "its last briefing is older than selection.refresh_after_hours). Skipped: unchanged, cooldown, over capacity "
            + "(selection.max_per_day briefings per UTC day), deferred (an earlier run was asked to wait, or the endpoint refused). "
            + "Reads the latest scoring run of the configured model; calls nothing.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var prompt: PromptOptions
    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let plan = try global.session(prompt: prompt, mustExist: true).selection()
        print(json ? JSONOutput.render(Reports.selectionJSON(plan)) : Reports.selection(plan))
    }
}

struct PromptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prompt", abstract: "Work with the briefing prompt.", subcommands: [Render.self])

    struct Render: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print exactly what would be sent to the model for one hot account of the latest run.",
            discussion: "The system and user messages as rendered, or with --body the exact request body (JSON) that is POSTed "
                + "to {base_url}/chat/completions. The API key is never printed.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var prompt: PromptOptions
        @Argument(help: "The account's domain.")
        var account: String
        @Flag(help: "Print the request body instead of the messages.")
        var body = false
        @Flag(help: "Print JSON: the prompt input, the messages, the fingerprint and the request body.")
        var json = false

        func run() throws {
            let preview = try global.session(prompt: prompt, mustExist: true).previewPrompt(account: account)
            let (planned, template, request) = (preview.account, preview.template, preview.request)
            if json {
                let input = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(planned.input))
                print(
                    JSONOutput.render([
                        "account": account, "input": input, "system": planned.prompt.system, "user": planned.prompt.user,
                        "fingerprint": planned.fingerprint, "prompt_version": template.version,
                        "prompt_hash": template.hash, "body": request.body,
                    ]))
            } else if body {
                print(request.body)
            } else {
                print("# prompt \(template.version) (\(template.hash)), model \(preview.model), fingerprint \(planned.fingerprint)")
                print("# ---- system ----\n\(planned.prompt.system)")
                print("# ---- user ----\n\(planned.prompt.user)")
            }
        }
    }
}

struct Enrich: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Brief the selected hot accounts: render the prompt, call the model, validate, repair or fall back, store.",
        discussion: "The endpoint is --base-url, else OPENAI_BASE_URL, else the config's enrichment.base_url; the key is read "
            + "from --api-key-file, else OPENAI_API_KEY, else the file named by enrichment.api_key_file (sent as a bearer token, "
            + "never logged or stored). Each answer is validated (SPEC §5); a failing one is "
            + "asked again with its errors listed, up to enrichment.max_attempts and the token budget; then the account gets a "
            + "briefing built from its reason codes (source: rules) or is left for review (enrichment.on_failure). A server asking "
            + "to wait longer than enrichment.max_retry_after_seconds defers the account until then; the daily spend cap, to the "
            + "next day; a refused or unreachable endpoint (401, 403, 404, TLS, nothing listening) stops the run and defers every account left. "
            + "Running again with nothing changed makes no calls.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var prompt: PromptOptions
    @OptionGroup var endpoint: EndpointOptions
    @Flag(help: "Show what would be briefed (as `briefer select` does); call nothing, store nothing.")
    var dryRun = false
    @Flag(help: "Print the summary as JSON.")
    var json = false

    func run() async throws {
        let session = try global.session(prompt: prompt, endpoint: endpoint, mustExist: true)
        if dryRun {
            let plan = try session.selection()
            print(json ? JSONOutput.render(Reports.selectionJSON(plan)) : Reports.selection(plan))
            return
        }
        let progress = json ? nil : Progress()
        let outcome = try await session.enrich { done, total in
            progress?.update(label: "briefing", done: done, total: total, unit: .items)
        }
        progress?.finish()
        if json {
            print(JSONOutput.render(Reports.enrichmentJSON(outcome.summary)))
        } else {
            print(Reports.enrichment(outcome.summary))
            if !outcome.briefings.isEmpty { print("\n" + Reports.briefings(outcome.briefings)) }
        }
    }
}

struct Briefings: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show stored briefings: each account's latest (or every one with --all), with source, attempts and errors.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Only this account.")
    var account: String?
    @Flag(help: "Every briefing, not only each account's latest.")
    var all = false
    @Option(help: "Show at most this many.")
    var limit: Int = 100
    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        if limit < 0 { throw ValidationError("--limit must not be negative") }
    }

    func run() throws {
        let list = try global.session(mustExist: true).briefings(account: account, all: all, limit: limit)
        let records = list.briefings
        if json {
            print(
                JSONOutput.render([
                    "briefings": records.map(Reports.briefingJSON),
                    "deferred": list.deferred.map {
                        [
                            "account": $0.account, "reason": $0.reason.rawValue, "detail": $0.detail,
                            "since": Timestamp(milliseconds: $0.createdMs).iso8601,
                            "until": $0.untilMs.map { Timestamp(milliseconds: $0).iso8601 } ?? NSNull(),
                        ] as [String: Any]
                    },
                ]))
        } else {
            print(Reports.briefings(records))
            let deferred = list.deferred
            if !deferred.isEmpty {
                print(
                    "\ndeferred to a later run: "
                        + deferred.map { d in
                            "\(d.account) (\(d.reason.rawValue): \(d.detail)"
                                + (d.untilMs.map { "; until \(Timestamp(milliseconds: $0).iso8601)" } ?? "") + ")"
                        }.joined(separator: "; "))
            }
        }
    }
}
