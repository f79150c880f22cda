import ArgumentParser
import BrieferApp
import BrieferCore
import BrieferServe
import Foundation

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Accept events over HTTP, as Segment's HTTP Tracking API takes them, until SIGTERM or SIGINT.",
        discussion: "POST /v1/batch, /v1/track, /v1/identify, /v1/group, /v1/page, /v1/screen and /v1/alias take Segment's calls, "
            + "a source's write key as the Basic-auth user (point a Segment source's HTTP API, or any Segment library with its "
            + "host set, at this address). Limits are Segment's: 32 KB a call, 500 KB a batch. A request is answered 200 only "
            + "once what it carries is committed to the disk (synchronous=FULL); a call sent again with the same messageId is "
            + "stored once; a bad call inside a good request is quarantined with its reason, as a file's bad line is; a request "
            + "refused whole (no or unknown write key: 401; too large or not JSON: 400) stores nothing. GET /healthz answers while "
            + "the process runs, GET /readyz when the database answers and its schema is current. With a webhook secret, "
            + "POST /webhooks/segment takes what Segment's Webhooks destination sends (one call or an array), signed. Beside the "
            + "intake, the pipeline cycle (score → select → enrich → sync, as `briefer run`) runs every serve.cycle_interval_seconds "
            + "and soon after a request stores one of serve.trigger_events (one cycle at a time; a burst makes one more). On SIGTERM or SIGINT the "
            + "service stops accepting, finishes the requests in flight, abandons the cycle between its committed steps and exits 0. Serve behind a reverse proxy for TLS."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var prompt: PromptOptions
    @OptionGroup var endpoint: EndpointOptions
    @OptionGroup var pipelineOptions: PipelineOptions
    @Flag(help: "Only take events: run no pipeline cycle (a `briefer worker` on the same database does).")
    var noCycles = false
    @Option(help: ArgumentHelp("The address to listen on (default 127.0.0.1:8090).", valueName: "host:port"))
    var listen = "127.0.0.1:8090"
    @Option(
        help: ArgumentHelp(
            "A file of write keys: one per line or comma-separated, each `key` or `source=key`.",
            discussion: "Also read from BRIEFER_WRITE_KEYS (the same format). At least one key is needed.", valueName: "path"))
    var writeKeysFile: String?
    @Option(
        help: ArgumentHelp(
            "A file holding the shared secret of Segment's Webhooks destination: POST /webhooks/segment then takes its calls.",
            discussion: "Also read from BRIEFER_WEBHOOK_SECRET. Each request's X-Signature must be the hex HMAC-SHA1 of its body "
                + "under the secret; a request without it, or with another, is answered 401 and nothing of it is stored.",
            valueName: "path"))
    var webhookSecretFile: String?
    @Option(
        help: ArgumentHelp(
            "Serve /metrics on this address instead of beside the intake (a private interface), host:port.", valueName: "host:port"))
    var metricsListen: String?
    @Option(
        help: ArgumentHelp(
            "A file holding a token /metrics then asks for (Authorization: Bearer <token>).",
            discussion: "Also read from BRIEFER_METRICS_TOKEN.", valueName: "path"))
    var metricsTokenFile: String?

    func validate() throws {
        guard Self.address(listen) != nil else { throw ValidationError("--listen must be host:port, e.g. 127.0.0.1:8090 or 0.0.0.0:80") }
        if let metricsListen, Self.address(metricsListen) == nil { throw ValidationError("--metrics-listen must be host:port") }
    }

    /// A secret from the environment or a file (the file wins), trimmed; nil when neither gives one.
    static func secret(environment name: String, file: String?, what: String) throws -> [UInt8]? {
        let text = try file.map { try contents(of: $0, what: what) } ?? ProcessInfo.processInfo.environment[name] ?? ""
        let bytes = Array(text.trimmingCharacters(in: .whitespacesAndNewlines).utf8)
        return bytes.isEmpty ? nil : bytes
    }

    static func contents(of file: String, what: String) throws -> String {
        guard let content = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw CommandError(.missingSecret, "cannot read the \(what) file \(file)")
        }
        return content
    }

    static func address(_ text: String) -> IntakeServer.Address? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else {
            return nil
        }
        let host = String(text[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return host.isEmpty ? nil : IntakeServer.Address(host: host, port: port)
    }

    func run() async throws {
        let keys = WriteKeys(
            (ProcessInfo.processInfo.environment["BRIEFER_WRITE_KEYS"] ?? "") + "\n"
                + (try writeKeysFile.map { try Self.contents(of: $0, what: "write keys") } ?? ""))
        guard !keys.keys.isEmpty else {
            throw CommandError(
                .missingSecret, "no write key: set BRIEFER_WRITE_KEYS or pass --write-keys-file (clients send one as the Basic-auth user)")
        }
        let webhookSecret = try Self.secret(environment: "BRIEFER_WEBHOOK_SECRET", file: webhookSecretFile, what: "webhook secret")
        let metricsToken = try Self.secret(environment: "BRIEFER_METRICS_TOKEN", file: metricsTokenFile, what: "metrics token")
        let session = try global.session(prompt: prompt, endpoint: endpoint)
        let logger = global.logger()
        let intake = try LiveIntake(store: try global.openStore(durable: true), configuration: session.configuration)
        let address = Self.address(listen)!
        let trigger = CycleTrigger(delay: .seconds(session.configuration.serve.triggerDelaySeconds))
        let cycles = noCycles ? nil : try session.cycles(try pipelineOptions.runOptions(inputs: []), trigger: trigger)
        // The cycle's long stretches of scoring and planning must not take the processor from the intake's requests.
        StoreExecutor.yieldToOtherThreads()
        let metrics = ServeMetrics()
        let alongside: (@Sendable () async -> Void)?
        if let cycles {
            alongside = {
                await cycles.run(
                    report: { summary in
                        metrics.cycle(summary)
                        FileHandle.standardOutput.write(Data((Reports.run(summary) + "\n").utf8))
                    }, stage: { metrics.stageStarted($0) })
            }
        } else {
            alongside = nil
        }
        let listening: @Sendable (Int) async -> Void = { port in
            FileHandle.standardError.write(
                Data("briefer serve: listening on \(address.host):\(port) (\(keys.keys.count) write key(s))\n".utf8))
        }
        let metricsAddress = metricsListen.flatMap(Self.address)
        let settings = IntakeServer.Settings(
            writeKeys: keys, webhookSecret: webhookSecret, trigger: cycles == nil ? nil : trigger, metrics: metrics,
            metricsToken: metricsToken, metricsAddress: metricsAddress)
        try await IntakeServer.run(
            intake: intake, settings: settings, at: address, logger: logger, onRunning: listening,
            onMetricsRunning: { port in
                FileHandle.standardError.write(Data("briefer serve: /metrics on \(metricsAddress?.host ?? address.host):\(port)\n".utf8))
            },
            alongside: alongside)
        try intake.finish()
    }
}
