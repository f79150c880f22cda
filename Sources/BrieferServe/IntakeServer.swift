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
        intake: LiveIntake, writeKeys: WriteKeys, host: String, port: Int, logger: Logger, signals: Bool = true,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        let app = application(intake: intake, writeKeys: writeKeys, host: host, port: port, logger: logger, onRunning: onRunning)
        if signals { try await app.runService() } else { try await app.runService(gracefulShutdownSignals: []) }
    }

    /// The service, bound to `host:port` (port 0: any free port, told to `onRunning`).
    public static func application(
        intake: LiveIntake, writeKeys: WriteKeys, host: String, port: Int, logger: Logger,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
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
            do {
                let outcome = try await StoreExecutor.run { try intake.accept(endpoint, body: Array(buffer: body)) }
                return json(
                    .ok,
                    #"{"success":true,"stored":\#(outcome.stored),"duplicates":\#(outcome.duplicates),"quarantined":\#(outcome.quarantined)}"#
                )
            } catch let refusal as LiveIntake.Refusal {
                return Self.error(.badRequest, refusal.code, refusal.message)
            } catch {
                logger.error("intake failed", metadata: ["endpoint": "\(name)", "error": "\(error)"])
                return Self.error(
                    .internalServerError, BrieferErrorCode(rawValue: "internal_error"), "the events could not be stored; send them again")
            }
        }
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "briefer"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) }, logger: logger)
    }

    static func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func error(_ status: HTTPResponse.Status, _ code: BrieferErrorCode, _ message: String) -> Response {
        json(status, JSONValue.object([("code", .string(code.rawValue)), ("message", .string(message))]).compactText)
    }
}
