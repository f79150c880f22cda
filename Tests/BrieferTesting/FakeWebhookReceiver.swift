import BrieferApp
import BrieferCore
import Foundation
import Synchronization

/// An in-process receiver of notifications, built on ``FakeHTTPServer``: a Slack incoming webhook (answers `200 ok`; a
/// payload that is not JSON with `text` or `blocks` gets `400 invalid_payload`, as Slack's does) or a generic webhook that
/// checks Briefer's signature (HMAC-SHA256 over `<t>.<body>` under ``secret``, at most 5 minutes old: otherwise 401) and
/// keeps each event once by its id, as a receiver should.
///
/// Scripted faults answer the next requests in order: a status (with `Retry-After` for a 429), a drop before the request is
/// taken, or a drop after it is taken (it arrived; the sender cannot know).
public final class FakeWebhookReceiver: Sendable {
    public enum Kind: Sendable { case slack, signed }

    public enum Fault: Sendable {
        case status(Int, retryAfter: String? = nil)
        case drop
        case dropAfterReceiving
    }

    /// One request that arrived, and whether it was taken (a valid message).
    public struct Delivery: Sendable {
        public var request: RecordedRequest
        public var taken: Bool
        public var json: [String: Any]? { try? JSONSerialization.jsonObject(with: request.body) as? [String: Any] }
        public var eventId: String? { request.header(SignedWebhook.eventIdHeader.lowercased()) }
    }

    struct Values {
        var faults: [Fault] = []
        var deliveries: [Delivery] = []
        /// Signed events kept, by event id, in the order first received.
        var events: [String] = []
        var eventBodies: [String: Data] = [:]
    }

    final class Box: Sendable {
        let mutex = Mutex(Values())
        func withLock<T>(_ body: (inout Values) -> T) -> T { mutex.withLock { body(&$0) } }
    }

    public let kind: Kind
    public let secret: String
    private let values = Box()
    private let http: Mutex<FakeHTTPServer?> = Mutex(nil)

    /// The URL to send to.
    public var url: String { (http.withLock { $0 }?.baseURL ?? "") + (kind == .slack ? "/services/T000/B000/XXXX" : "/hooks/briefer") }

    public init(kind: Kind, secret: String = "whsec_test_secret") throws {
        self.kind = kind
        self.secret = secret
        let server = try FakeHTTPServer { [values, kind, secret] request in
            Self.handle(request, kind: kind, secret: secret, values: values)
        }
        http.withLock { $0 = server }
    }

    public func stop() { http.withLock { $0?.stop() } }

    public func enqueue(_ faults: Fault...) { values.withLock { $0.faults += faults } }

    /// Every request, faulted ones included.
    public var deliveries: [Delivery] { values.withLock { $0.deliveries } }
    /// Messages taken (Slack: every valid one, repeats included; signed: each event id once).
    public var taken: [Delivery] { deliveries.filter(\.taken) }
    /// Signed events kept, each id once, in the order first received.
    public var eventIds: [String] { values.withLock { $0.events } }
    /// A kept event's body.
    public func event(_ id: String) -> [String: Any]? {
        values.withLock { $0.eventBodies[id] }.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
    }

    private static func handle(_ request: RecordedRequest, kind: Kind, secret: String, values: Box) -> FakeReply {
        let fault = values.withLock { v in v.faults.isEmpty ? nil : v.faults.removeFirst() }
        if case let .status(code, retryAfter)? = fault {
            values.withLock { $0.deliveries.append(Delivery(request: request, taken: false)) }
            return .respond(status: code, headers: retryAfter.map { [HTTPHeader("Retry-After", $0)] } ?? [], body: Data("error".utf8))
        }
        if case .drop? = fault {
            values.withLock { $0.deliveries.append(Delivery(request: request, taken: false)) }
            return .drop()
        }
        let reply: FakeReply
        var taken = false
        switch kind {
        case .slack:
            let object = try? JSONSerialization.jsonObject(with: request.body) as? [String: Any]
            if request.method == "POST", let object, object["text"] is String || object["blocks"] is [Any] {
                taken = true
                reply = .respond(status: 200, headers: [HTTPHeader("Content-Type", "text/html")], body: Data("ok".utf8))
            } else {
                reply = .respond(status: 400, body: Data("invalid_payload".utf8))
            }
        case .signed:
            let header = request.header(SignedWebhook.signatureHeader.lowercased()) ?? ""
            let now = Int64(Date().timeIntervalSince1970)
            guard SignedWebhook.verify(header: header, body: Array(request.body), secret: secret, now: now),
                let id = request.header(SignedWebhook.eventIdHeader.lowercased()),
                let object = try? JSONSerialization.jsonObject(with: request.body) as? [String: Any], object["id"] as? String == id
            else {
                values.withLock { $0.deliveries.append(Delivery(request: request, taken: false)) }
                return .respond(status: 401, body: Data("bad signature".utf8))
            }
            taken = true
            values.withLock { v in
                if v.eventBodies[id] == nil {
                    v.events.append(id)
                    v.eventBodies[id] = request.body
                }
            }
            reply = .respond(status: 200, body: Data(#"{"received":true}"#.utf8))
        }
        values.withLock { $0.deliveries.append(Delivery(request: request, taken: taken)) }
        if case .dropAfterReceiving? = fault { return .drop() }
        return reply
    }
}
