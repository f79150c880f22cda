import BrieferApp
import BrieferCore
import Foundation
import Hummingbird
import Logging
import NIOCore

/// `briefer serve`'s HTTP service: Segment's HTTP Tracking API in (`POST /v1/batch`, `/v1/track`, `/v1/identify`,
/// `/v1/group`, `/v1/page`, `/v1/screen`, `/v1/alias`, a write key as the Basic-auth user), `/healthz` and `/readyz`.
/// A request is answered 200 only once what it carries is committed to the disk; a bad call inside a good request is
/// quarantined with its reason, as a file's bad line is; a request refused whole (no write key, too large, not JSON)
/// stores nothing and is answered with a JSON error.
public enum IntakeServer {
    /// Runs the service until SIGTERM or SIGINT (with `signals`; else until the task is cancelled): then it stops
    /// accepting, finishes the requests in flight and returns.
    public static func run(
        intake: LiveIntake, writeKeys: WriteKeys, webhookSecret: [UInt8]? = nil, trigger: CycleTrigger? = nil, host: String, port: Int,
        logger: Logger, signals: Bool = true, onRunning: @escaping @Sendable (Int) async -> Void = { _ in },
        alongside: (@Sendable () async -> Void)? = nil
    ) async throws {
        let app = application(
            intake: intake, writeKeys: writeKeys, webhookSecret: webhookSecret, trigger: trigger, host: host, port: port, logger: logger,
            onRunning: onRunning)
        // `alongside` (the pipeline cycle) runs while the server does, and is cancelled once the server has stopped and
        // finished its requests.
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                if signals { try await app.runService() } else { try await app.runService(gracefulShutdownSignals: []) }
            }
            if let alongside { group.addTask { await alongside() } }
            try await group.next()
            group.cancelAll()
            while !group.isEmpty { _ = try? await group.next() }
        }
    }

    /// The service, bound to `host:port` (port 0: any free port, told to `onRunning`). With `webhookSecret`, Segment's
    /// Webhooks destination too: `POST /webhooks/segment`, signed.
    public static func application(
        intake: LiveIntake, writeKeys: WriteKeys, webhookSecret: [UInt8]? = nil, trigger: CycleTrigger? = nil, host: String, port: Int,
        logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router()
        router.get("healthz") { _, _ in json(.ok, #"{"status":"ok"}"#) }
        router.get("readyz") { _, _ in
            let ready = await StoreExecutor.run { intake.isReady() }
            return ready ? json(.ok, #"{"status":"ready"}"#) : json(.serviceUnavailable, #"{"status":"not ready"}"#)
        }
        router.post("v1/:endpoint") { request, context -> Response in
            guard let name = context.parameters.get("endpoint"), let endpoint = LiveIntake.Endpoint(rawValue: name) else {
                return error(
                    .notFound, .invalidRequest,
                    "no such endpoint; Segment's are /v1/batch, /v1/track, /v1/identify, /v1/group, /v1/page, /v1/screen, /v1/alias")
            }
            guard writeKeys.source(authorization: request.headers[.authorization]) != nil else {
                return error(
                    .unauthorized, .unauthorized, "no write key, or one this service does not know (send it as the Basic-auth user)")
            }
            let limit = endpoint == .batch ? LiveIntake.maxBatchBytes : LiveIntake.maxCallBytes
            let body: ByteBuffer
            do { body = try await request.body.collect(upTo: limit + 1) } catch {
                return Self.error(.badRequest, .requestTooLarge, "the request is larger than /v1/\(name) takes (\(limit) bytes)")
            }
            return await respond(logger: logger, name: name, trigger: trigger) { try intake.accept(endpoint, body: Array(buffer: body)) }
        }
        if let webhookSecret {
            // Segment signs each webhook: X-Signature is the hex HMAC-SHA1 of the raw body under the shared secret.
            router.post("webhooks/segment") { request, _ -> Response in
                let body: ByteBuffer
                do { body = try await request.body.collect(upTo: LiveIntake.maxBatchBytes + 1) } catch {
                    return Self.error(
                        .badRequest, .requestTooLarge, "the request is larger than a webhook takes (\(LiveIntake.maxBatchBytes) bytes)")
                }
                let bytes = Array(buffer: body)
                let expected = Array(HMAC.hex(HMAC.code(.sha1, key: webhookSecret, message: bytes)).utf8)
                guard let signature = request.headers.first(where: { $0.name.canonicalName == "x-signature" })?.value,
                    HMAC.constantTimeEqual(expected, Array(signature.trimmingCharacters(in: .whitespaces).lowercased().utf8))
                else {
                    return Self.error(.unauthorized, .unauthorized, "no X-Signature, or not the body's HMAC-SHA1 under the shared secret")
                }
                return await respond(logger: logger, name: "webhook", trigger: trigger) { try intake.acceptWebhook(body: bytes) }
            }
        }
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "briefer"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) }, logger: logger)
    }

    /// Stores a request's calls off the cooperative pool, and says how it went.
    static func respond(logger: Logger, name: String, trigger: CycleTrigger?, _ accept: @escaping @Sendable () throws -> LiveIntake.Outcome)
        async -> Response
    {
        do {
            let outcome = try await StoreExecutor.run { try accept() }
            if outcome.highIntent { trigger?.pull() }
            return json(
                .ok,
                #"{"success":true,"stored":\#(outcome.stored),"duplicates":\#(outcome.duplicates),"quarantined":\#(outcome.quarantined)}"#)
        } catch let refusal as LiveIntake.Refusal {
            return error(.badRequest, refusal.code, refusal.message)
        } catch {
            logger.error("intake failed", metadata: ["endpoint": "\(name)", "error": "\(error)"])
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
