import BrieferApp
import BrieferCore
import BrieferStore
import BrieferTesting
import Foundation
import GRDB
import Synchronization
import Testing

/// `make bench`'s checks of `briefer serve` (issue 16), run as the release binary in its own process: every acknowledged
/// event stored exactly once through two SIGKILLs and restarts; a high-intent event through serve to the fake HubSpot;
/// bad keys and signatures storing nothing. (The acknowledgement latency while cycles run is measured by
/// Tests/bench/serve_bench.py, whose clients are not in this debug-built process.) Runs only when BRIEFER_SERVE_BENCH
/// names the binary: the figures are printed, and the targets asserted.
@Suite(.serialized, .enabled(if: ServeBench.binary != nil, "make bench runs it: BRIEFER_SERVE_BENCH=<release binary>"))
struct ServeBenchTests {
    @Test func everyAcknowledgedEventStoredOnceThroughTwoKills() async throws {
        let dir = try ServeBench.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = dir + "/kill.sqlite"
        let secret = try ServeBench.file(dir, "secret", "whsec-bench")
        let serve = try ServeBench.Service(db: db, arguments: ["--no-cycles", "--webhook-secret-file", secret])
        defer { serve.stop() }
        let target = 240_000
        let load = ServeBench.Load(port: serve.port, clients: 8, perBatch: 100, prefix: "k")
        let attacks = Task { try await ServeBench.refusedRequests(port: serve.port, until: { load.events >= target }) }
        let kills = Task {
            for fraction in [1.0 / 3, 2.0 / 3] {
                while Double(load.events) < Double(target) * fraction { try await Task.sleep(for: .milliseconds(20)) }
                try serve.killAndRestart()
                print("serve bench: SIGKILL after \(load.events) acknowledged events; restarted")
            }
        }
        try await load.run(events: target, timestamp: "2026-09-29T12:00:00Z")
        try await kills.value
        let refused = try await attacks.value
        serve.terminate()
        let store = try BrieferStore(path: db)
        let stored = try store.rawEvents().compactMap { event in
            event.properties.flatMap { try? JSONParser.parse($0) }?["seq"].map(\.canonicalText)
        }
        let acknowledged = load.acknowledgedIds
        let figures = ServeBench.Figures(load.acknowledged, seconds: Double(load.endedMs - load.startedMs) / 1000)
        print(
            "serve bench: \(load.events) events acknowledged by \(load.acknowledged.count) requests from 8 clients through 2 SIGKILLs "
                + "(\(load.retries) retries; \(load.replayed) batch(es) committed before a kill cut their answer, stored once); stored \(stored.count), distinct \(Set(stored).count); \(figures)"
        )
        let intruders = try store.eventsScalar("SELECT count(*) FROM events WHERE json_extract(properties, '$.bad') IS NOT NULL")
        print(
            "serve bench: \(refused.requests) requests with a bad write key or signature: \(refused.unauthorized) answered 401, "
                + "\(intruders ?? "?") of their events stored")
        #expect(stored.count == Set(stored).count)
        #expect(Set(stored) == acknowledged && acknowledged.count == load.events && load.events >= target)
        #expect(refused.requests > 0 && refused.unauthorized == refused.requests)
        #expect(intruders == "0")
        #expect(try store.scalar("SELECT count(*) FROM quarantine") == "0")
    }

    @Test func aHighIntentEventReachesHubSpotThroughServe() async throws {
        let dir = try ServeBench.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = dir + "/intent.sqlite"
        let companies = FixturePaths.workspace.appendingPathComponent("companies.csv").path
        #expect(try BrieferBinary.run(["ingest", "--db", db, companies], executable: ServeBench.binary!).status == 0)
        let model = try FakeOpenAIServer(apiKey: "sk-bench", queue: [], otherwise: .grounded)
        defer { model.stop() }
        let hubspot = try FakeHubSpotServer(token: "pat-bench")
        hubspot.portalId = 4242
        defer { hubspot.stop() }
        // The defaults: a cycle every 5 minutes, and 5 s after a request stores a high-intent event.
        let serve = try ServeBench.Service(
            db: db, arguments: ["--push", "--base-url", model.baseURL],
            environment: ["OPENAI_API_KEY": "sk-bench", "HUBSPOT_ACCESS_TOKEN": "pat-bench", "HUBSPOT_BASE_URL": hubspot.baseURL])
        defer { serve.stop() }
        try await Task.sleep(for: .seconds(3))  // the cycle at start (nothing to sync) is over
        // A user of acme.com (1,200 employees, SaaS) who activated over the last five days, then views the pricing page now.
        let now = Timestamp.now
        let email = "dana.hot@acme.com"
        var calls = [
            #"{"type":"identify","messageId":"hot-id","userId":"u_hot","traits":{"email":"\#(email)","createdAt":"\#(now.adding(days: -5).iso8601)"},"timestamp":"\#(now.adding(days: -5).iso8601)"}"#
        ]
        let activity = [
            "project_created", "team_invite_sent", "integration_connected", "core_feature_used", "core_feature_used", "core_feature_used",
        ]
        for (i, event) in activity.enumerated() {
            for day in 0..<5 {
                calls.append(
                    #"{"type":"track","messageId":"hot-\#(i)-\#(day)","userId":"u_hot","event":"\#(event)","properties":{"feature":"f\#(i)"},"timestamp":"\#(now.adding(days: Int64(-5 + day)).adding(hours: 1).iso8601)"}"#
                )
            }
        }
        let client = HTTPClient()
        let key = "Basic " + Data((ServeBench.key + ":").utf8).base64EncodedString()
        func post(_ calls: [String]) async throws -> Int {
            try await client.send(
                HTTPRequest(
                    method: "POST", url: "http://127.0.0.1:\(serve.port)/v1/batch", headers: [HTTPHeader("Authorization", key)],
                    body: Data(("{\"batch\":[" + calls.joined(separator: ",") + "]}").utf8))
            ).status
        }
        #expect(try await post(calls) == 200)  // no high-intent event: no cycle
        try await Task.sleep(for: .seconds(8))
        #expect(hubspot.requests(to: FakeHubSpotServer.upsertPath).isEmpty)
        let intent = #"{"type":"page","messageId":"hot-pricing","userId":"u_hot","name":"Pricing","properties":{"path":"/pricing"}}"#
        #expect(try await post([intent]) == 200)
        let acknowledged = Date()
        var reached: Date?
        while reached == nil, Date().timeIntervalSince(acknowledged) < 90 {
            reached = hubspot.requests(to: FakeHubSpotServer.upsertPath).first { $0.bodyText.contains(email) }?.http.receivedAt
            try await Task.sleep(for: .milliseconds(100))
        }
        let seconds = try #require(reached).timeIntervalSince(acknowledged)
        print(
            "serve bench: a high-intent event reached the fake HubSpot \(String(format: "%.1f", seconds)) s after serve acknowledged it (target ≤ 60 s)"
        )
        #expect(seconds <= 60)
        let upsert = try #require(hubspot.requests(to: FakeHubSpotServer.upsertPath).first { $0.bodyText.contains(email) })
        #expect(upsert.bodyText.contains("\"hot\""))
    }
}

/// The bench's parts: the service as a process, a load of concurrent clients that retry until acknowledged, figures.
enum ServeBench {
    static let binary = ProcessInfo.processInfo.environment["BRIEFER_SERVE_BENCH"]
    static let key = "wk_bench"

    static func directory() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("briefer-serve-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    static func file(_ directory: String, _ name: String, _ content: String) throws -> String {
        let path = directory + "/" + name
        try content.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// `briefer serve` on a port of 127.0.0.1 (the first start picks it; restarts keep it).
    final class Service: @unchecked Sendable {
        let arguments: [String]
        let environment: [String: String]
        private(set) var port = 0
        private var process: Process?

        init(db: String, arguments: [String], environment: [String: String] = [:]) throws {
            self.arguments = ["--db", db] + arguments
            self.environment = environment.merging(["BRIEFER_WRITE_KEYS": "bench=\(ServeBench.key)"]) { given, _ in given }
            try start()
        }

        private func start() throws {
            (process, port) = try BrieferBinary.startServe(arguments, port: port, environment: environment, executable: ServeBench.binary!)
        }

        func killAndRestart() throws {
            guard let process else { return }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            try start()
        }

        /// SIGTERM, and wait for the exit.
        func terminate() {
            guard let process, process.isRunning else { return }
            process.terminate()
            process.waitUntilExit()
        }

        func stop() {
            if let process, process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
    }

    /// One acknowledged request: when it was first sent and when the 200 came, in ms since 1970.
    struct Acknowledgement: Sendable {
        var startMs: Int64
        var endMs: Int64
        var events: Int
    }

    /// Clients each sending batches of new events one after another; a batch not answered 200 is sent again, the same
    /// messageIds, until it is (as Segment's libraries retry).
    final class Load: Sendable {
        let port: Int
        let clients: Int
        let perBatch: Int
        /// Starts every messageId: loads on one database do not repeat one another's.
        let prefix: String
        private struct State {
            var acknowledged: [Acknowledgement] = []
            var sent: [Int] = []
            var retries = 0
            /// Retries answered with every call a duplicate: the first try was committed, its answer lost (a kill).
            var replayed = 0
            var started: Int64 = 0
            var ended: Int64 = 0
        }
        private let state = Mutex(State())

        init(port: Int, clients: Int, perBatch: Int, prefix: String) {
            (self.port, self.clients, self.perBatch, self.prefix) = (port, clients, perBatch, prefix)
        }

        var events: Int { state.withLock { $0.acknowledged.reduce(0) { $0 + $1.events } } }
        var acknowledged: [Acknowledgement] { state.withLock { $0.acknowledged } }
        var retries: Int { state.withLock { $0.retries } }
        var replayed: Int { state.withLock { $0.replayed } }
        var startedMs: Int64 { state.withLock { $0.started } }
        var endedMs: Int64 { state.withLock { $0.ended } }
        /// The ids of every event acknowledged: each client's batches up to its last acknowledged one.
        var acknowledgedIds: Set<String> {
            state.withLock { s in
                var ids = Set<String>()
                for (client, batches) in s.sent.enumerated() {
                    for batch in 0..<batches { for i in 0..<perBatch { ids.insert("\(prefix)\(client)-b\(batch)-\(i)") } }
                }
                return ids
            }
        }

        static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

        /// Sends until `events` are acknowledged, each client its batches one after another.
        func run(events: Int, timestamp: String) async throws {
            state.withLock {
                $0.started = Self.nowMs()
                $0.sent = Array(repeating: 0, count: clients)
            }
            let key = "Basic " + Data((ServeBench.key + ":").utf8).base64EncodedString()
            let url = "http://127.0.0.1:\(port)/v1/batch"
            try await withThrowingTaskGroup(of: Void.self) { group in
                for client in 0..<clients {
                    group.addTask {
                        let http = HTTPClient(maxConcurrent: 1)
                        var batch = 0
                        while self.events < events {
                            let calls = (0..<self.perBatch).map { i in
                                let id = "\(self.prefix)\(client)-b\(batch)-\(i)"
                                return
                                    #"{"type":"track","messageId":"\#(id)","userId":"load-\#(client)-\#(i % 50)","event":"\#(["report_viewed", "core_feature_used", "dashboard_opened"][i % 3])","properties":{"seq":"\#(id)"},"timestamp":"\#(timestamp)"}"#
                            }
                            let body = Data(("{\"batch\":[" + calls.joined(separator: ",") + "]}").utf8)
                            let first = Self.nowMs()
                            var attempt = 0
                            while true {
                                let response = try? await http.send(
                                    HTTPRequest(method: "POST", url: url, headers: [HTTPHeader("Authorization", key)], body: body))
                                if response?.status == 200 {
                                    let text = String(decoding: response!.body, as: UTF8.self)
                                    if attempt > 0 && text.contains("\"duplicates\":\(self.perBatch)") {
                                        self.state.withLock { $0.replayed += 1 }
                                    }
                                    break
                                }
                                attempt += 1
                                self.state.withLock { $0.retries += 1 }
                                try await Task.sleep(for: .milliseconds(50))
                            }
                            let done = Self.nowMs()
                            batch += 1
                            self.state.withLock {
                                $0.acknowledged.append(Acknowledgement(startMs: first, endMs: done, events: self.perBatch))
                                $0.sent[client] = batch
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            state.withLock { $0.ended = Self.nowMs() }
        }
    }

    /// Requests that must store nothing, sent until `done`: batches under an unknown write key, and webhook calls
    /// signed with another secret.
    static func refusedRequests(port: Int, until done: @escaping @Sendable () -> Bool) async throws -> (
        requests: Int, unauthorized: Int
    ) {
        let http = HTTPClient(maxConcurrent: 1)
        var (requests, unauthorized) = (0, 0)
        var n = 0
        while !done() {
            n += 1
            let call = #"{"type":"track","messageId":"bad-\#(n)","userId":"intruder","event":"upgrade_clicked","properties":{"bad":\#(n)}}"#
            let attempts = [
                HTTPRequest(
                    method: "POST", url: "http://127.0.0.1:\(port)/v1/batch",
                    headers: [HTTPHeader("Authorization", "Basic " + Data("wk_wrong:".utf8).base64EncodedString())],
                    body: Data("{\"batch\":[\(call)]}".utf8)),
                HTTPRequest(
                    method: "POST", url: "http://127.0.0.1:\(port)/webhooks/segment",
                    headers: [
                        HTTPHeader("X-Signature", HMAC.hex(HMAC.code(.sha1, key: Array("not-the-secret".utf8), message: Array(call.utf8))))
                    ],
                    body: Data(call.utf8)),
            ]
            for request in attempts {
                guard let status = try? await http.send(request).status else { continue }  // restarting
                requests += 1
                if status == 401 { unauthorized += 1 }
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        return (requests, unauthorized)
    }

    /// Throughput and acknowledgement latency of a set of requests.
    struct Figures: CustomStringConvertible {
        var events: Int
        var requests: Int
        var eventsPerSecond: Double
        var p50Ms: Int64
        var p99Ms: Int64
        var maxMs: Int64

        init(_ acknowledged: [Acknowledgement], seconds: Double) {
            let latencies = acknowledged.map { $0.endMs - $0.startMs }.sorted()
            events = acknowledged.reduce(0) { $0 + $1.events }
            requests = acknowledged.count
            eventsPerSecond = seconds > 0 ? Double(events) / seconds : 0
            func percentile(_ p: Double) -> Int64 {
                latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]
            }
            (p50Ms, p99Ms, maxMs) = (percentile(0.5), percentile(0.99), latencies.last ?? 0)
        }

        var description: String {
            "\(events) events in \(requests) requests, \(Int(eventsPerSecond)) events/s, acknowledgement p50 \(p50Ms) ms, p99 \(p99Ms) ms, max \(maxMs) ms"
        }
    }
}
