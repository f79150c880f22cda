import BrieferApp
import BrieferCore
import Foundation
import Hummingbird
import Logging
import NIOCore

/// `briefer serve`'s HTTP service: Segment's HTTP Tracking API in (`POST /v1/batch`, `/v1/track`, `/v1/identify`,
/// `/v1/group`, `/v1/page`, `/v1/screen`, `/v1/alias`, a write key as the Basic-auth user), Segment's Webhooks
/// destination (`POST /webhooks/segment`, signed), `/healthz`, `/readyz` and `/metrics`.
/// A request is answered 200 only once what it carries is committed to the disk; a bad call inside a good request is
/// quarantined with its reason, as a file's bad line is; a request refused whole (no write key, a bad signature, too
/// large, not JSON) stores nothing and is answered with a JSON error.
public enum IntakeServer {
    public struct Address: Sendable {
        public var host: String
        public var port: Int
        public init(host: String, port: Int) { self.host = host; self.port = port }
    }

    /// Who may send what, and what is told where.
    public struct Settings: Sendable {
        public var writeKeys: WriteKeys
        /// Segment's Webhooks destination's shared secret: without one, `/webhooks/segment` is not served.
        public var webhookSecret: [UInt8]?
        /// Pulled when a request stores a high-intent event.
        public var trigger: CycleTrigger?
        public var metrics: ServeMetrics?
        /// With it, `/metrics` answers only `Authorization: Bearer <token>`.
        public var metricsToken: [UInt8]?
        /// `/metrics` on an address of its own (a private interface), not beside the intake.
        public var metricsAddress: Address?

        public init(
            writeKeys: WriteKeys, webhookSecret: [UInt8]? = nil, trigger: CycleTrigger? = nil, metrics: ServeMetrics? = nil,
            metricsToken: [UInt8]? = nil, metricsAddress: Address? = nil
        ) {
            self.writeKeys = writeKeys; self.webhookSecret = webhookSecret; self.trigger = trigger; self.metrics = metrics
            self.metricsToken = metricsToken; self.metricsAddress = metricsAddress
        }
    }

    /// Runs the service until SIGTERM or SIGINT (with `signals`; else until the task is cancelled): then it stops
    /// accepting, finishes the requests in flight and returns. `alongside` (the pipeline cycle) runs while the server
    /// does, and is cancelled once the server has stopped and finished its requests.
    public static func run(
        intake: LiveIntake, settings: Settings, at address: Address, logger: Logger, signals: Bool = true,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }, onMetricsRunning: @escaping @Sendable (Int) async -> Void = { _ in },
        alongside: (@Sendable () async -> Void)? = nil
    ) async throws {
        let app = application(intake: intake, settings: settings, at: address, logger: logger, onRunning: onRunning)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                if signals { try await app.runService() } else { try await app.runService(gracefulShutdownSignals: []) }
            }
            if let metrics = settings.metrics, let metricsAddress = settings.metricsAddress {
                let metricsApp = metricsApplication(
                    metrics, token: settings.metricsToken, at: metricsAddress, logger: logger, onRunning: onMetricsRunning)
                group.addTask { try await metricsApp.runService(gracefulShutdownSignals: []) }
            }
            if let alongside { group.addTask { await alongside() } }
            // The WAL is checkpointed here, never by a request's commit (see LiveIntake.checkpoint).
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(1))
                    do {
                        try await StoreExecutor.run { try intake.checkpoint() }
                    } catch {
                        logger.warning("WAL checkpoint failed; the next one tries again", metadata: ["error": "\(error)"])
                    }
                }
            }
            try await group.next()
            group.cancelAll()
            while !group.isEmpty { _ = try? await group.next() }
        }
    }

    /// The service, bound to `address` (port 0: any free port, told to `onRunning`).
    public static func application(
        intake: LiveIntake, settings: Settings, at address: Address, logger: Logger,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router()
        let metrics = settings.metrics
        router.get("healthz") { _, _ in json(.ok, #"{"status":"ok"}"#) }
        router.get("readyz") { _, _ in
            let ready = await StoreExecutor.run { intake.isReady() }
            return ready ? json(.ok, #"{"status":"ready"}"#) : json(.serviceUnavailable, #"{"status":"not ready"}"#)
        }
        if let metrics, settings.metricsAddress == nil { addMetrics(to: router, metrics, token: settings.metricsToken) }
        router.post("v1/:endpoint") { request, context -> Response in
            let name = context.parameters.get("endpoint") ?? ""
            let response = await trackingResponse(request, endpoint: name, intake: intake, settings: settings, logger: logger)
            metrics?.request(route: LiveIntake.Endpoint(rawValue: name) == nil ? "unknown" : name, status: response.status.code)
            return response
        }
        if let secret = settings.webhookSecret {
            router.post("webhooks/segment") { request, _ -> Response in
                let response = await webhookResponse(request, secret: secret, intake: intake, settings: settings, logger: logger)
                metrics?.request(route: "webhook", status: response.status.code)
                return response
            }
        }
        return application(router, at: address, logger: logger, onRunning: onRunning)
    }

    /// `/metrics` alone (and `/healthz`), on an address of its own.
    static func metricsApplication(
        _ metrics: ServeMetrics, token: [UInt8]?, at address: Address, logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void
    ) -> some ApplicationProtocol {
        let router = Router()
        router.get("healthz") { _, _ in json(.ok, #"{"status":"ok"}"#) }
        addMetrics(to: router, metrics, token: token)
        return application(router, at: address, logger: logger, onRunning: onRunning)
    }

    static func application(
        _ router: Router<BasicRequestContext>, at address: Address, logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void
    ) -> some ApplicationProtocol {
        Application(
            router: router, configuration: .init(address: .hostname(address.host, port: address.port), serverName: "briefer"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? address.port) }, logger: logger)
    }

    static func addMetrics(to router: Router<BasicRequestContext>, _ metrics: ServeMetrics, token: [UInt8]?) {
        router.get("metrics") { request, _ -> Response in
            if let token {
                let given = request.headers[.authorization].flatMap { $0.hasPrefix("Bearer ") ? Array($0.dropFirst(7).utf8) : nil } ?? []
                guard HMAC.constantTimeEqual(given, token) else {
                    return error(.unauthorized, .unauthorized, "/metrics needs Authorization: Bearer <the metrics token>")
                }
            }
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: metrics.text())))
        }
    }

    /// `POST /v1/<endpoint>`: a known endpoint, a known write key, a body within Segment's limits, then stored.
    static func trackingResponse(
        _ request: Request, endpoint name: String, intake: LiveIntake, settings: Settings, logger: Logger
    ) async -> Response {
        let started = ContinuousClock.now
        guard let endpoint = LiveIntake.Endpoint(rawValue: name) else {
            return error(
                .notFound, .invalidRequest,
                "no such endpoint; Segment's are /v1/batch, /v1/track, /v1/identify, /v1/group, /v1/page, /v1/screen, /v1/alias")
        }
        guard settings.writeKeys.source(authorization: request.headers[.authorization]) != nil else {
            return error(.unauthorized, .unauthorized, "no write key, or one this service does not know (send it as the Basic-auth user)")
        }
        let limit = endpoint == .batch ? LiveIntake.maxBatchBytes : LiveIntake.maxCallBytes
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: limit + 1) } catch {
            return Self.error(.badRequest, .requestTooLarge, "the request is larger than /v1/\(name) takes (\(limit) bytes)")
        }
        return await respond(logger: logger, route: name, settings: settings, started: started) {
            try await intake.accept(endpoint, body: Array(buffer: body))
        }
    }

    /// `POST /webhooks/segment`: Segment signs each webhook, X-Signature the hex HMAC-SHA1 of the raw body under the shared
    /// secret; signed, it is stored.
    static func webhookResponse(
        _ request: Request, secret: [UInt8], intake: LiveIntake, settings: Settings, logger: Logger
    ) async -> Response {
        let started = ContinuousClock.now
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: LiveIntake.maxBatchBytes + 1) } catch {
            return Self.error(
                .badRequest, .requestTooLarge, "the request is larger than a webhook takes (\(LiveIntake.maxBatchBytes) bytes)")
        }
        let bytes = Array(buffer: body)
        let expected = Array(HMAC.hex(HMAC.code(.sha1, key: secret, message: bytes)).utf8)
        guard let signature = request.headers.first(where: { $0.name.canonicalName == "x-signature" })?.value,
            HMAC.constantTimeEqual(expected, Array(signature.trimmingCharacters(in: .whitespaces).lowercased().utf8))
        else {
            return Self.error(.unauthorized, .unauthorized, "no X-Signature, or not the body's HMAC-SHA1 under the shared secret")
        }
        return await respond(logger: logger, route: "webhook", settings: settings, started: started) {
            try await intake.acceptWebhook(body: bytes)
        }
    }

    /// Stores a request's calls (parsed here, committed on the intake's own thread), and says how it went.
    static func respond(
        logger: Logger, route: String, settings: Settings, started: ContinuousClock.Instant,
        _ accept: @escaping @Sendable () async throws -> LiveIntake.Outcome
    ) async -> Response {
        do {
            let outcome = try await accept()
            if outcome.highIntent { settings.trigger?.pull() }
            settings.metrics?.intake(route: route, outcome: outcome, took: ContinuousClock.now - started)
            return json(
                .ok,
                #"{"success":true,"stored":\#(outcome.stored),"duplicates":\#(outcome.duplicates),"quarantined":\#(outcome.quarantined),"expired":\#(outcome.expired)}"#
            )
        } catch let refusal as LiveIntake.Refusal {
            return error(.badRequest, refusal.code, refusal.message)
        } catch {
            logger.error("intake failed", metadata: ["endpoint": "\(route)", "error": "\(error)"])
            return Self.error(
                .internalServerError, BrieferErrorCode(rawValue: "internal_error"), "the events could not be stored; send them again")
        }
    }

    static func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func error(_ status: HTTPResponse.Status, _ code: BrieferErrorCode, _ message: String) -> Response {
        json(status, JSONValue.object([("code", .string(code.rawValue)), ("message", .string(message))]).compactText)
    }
}
