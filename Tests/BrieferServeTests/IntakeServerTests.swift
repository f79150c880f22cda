import BrieferApp
import BrieferCore
import BrieferServe
import BrieferStore
import BrieferTesting
import Foundation
import Logging
import Synchronization
import Testing

/// `briefer serve` over loopback, with Briefer's own HTTP client (libcurl): Segment's HTTP Tracking API contract — write
/// keys, limits, errors — and that what is acknowledged is stored, once.
@Suite(.serialized) struct IntakeServerTests {
    static let key = "wk_live_123"
    static let secret = "whsec-shared"

    /// A running service on a free port of 127.0.0.1, over a durable store in a temporary directory.
    final class Service: Sendable {
        let store: BrieferStore
        let intake: LiveIntake
        let metrics = ServeMetrics()
        let task: Task<Void, any Error>
        let port: Int
        let client = HTTPClient(maxConcurrent: 8)

        init() async throws {
            let t = try TemporaryStore()
            store = try BrieferStore(path: t.directory.appendingPathComponent("serve.sqlite").path, durable: true)
            intake = try LiveIntake(store: store, configuration: BrieferConfiguration())
            let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
            let (intake, keys, metrics) = (intake, WriteKeys("web=\(IntakeServerTests.key)"), metrics)
            task = Task {
                try await IntakeServer.run(
                    intake: intake, settings: .init(writeKeys: keys, webhookSecret: Array(IntakeServerTests.secret.utf8), metrics: metrics),
                    at: .init(host: "127.0.0.1", port: 0), logger: .quiet, signals: false, onRunning: { continuation.yield($0) })
            }
            var iterator = ports.makeAsyncIterator()
            port = await iterator.next() ?? 0
        }

        deinit { task.cancel() }

        func post(_ path: String, _ body: String, key: String? = IntakeServerTests.key, signature: String? = nil) async throws -> (
            status: Int, body: String
        ) {
            var headers = [HTTPHeader("Content-Type", "application/json")]
            if let key { headers.append(HTTPHeader("Authorization", "Basic " + Data((key + ":").utf8).base64EncodedString())) }
            if let signature { headers.append(HTTPHeader("X-Signature", signature)) }
            let response = try await client.send(
                HTTPRequest(method: "POST", url: "http://127.0.0.1:\(port)\(path)", headers: headers, body: Data(body.utf8)))
            return (response.status, String(decoding: response.body, as: UTF8.self))
        }

        func get(_ path: String) async throws -> Int { try await fetch(path).status }

        func fetch(_ path: String) async throws -> (status: Int, body: String) {
            let response = try await client.send(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(port)\(path)", headers: [], body: nil))
            return (response.status, String(decoding: response.body, as: UTF8.self))
        }

        func count(_ sql: String) throws -> Int { Int(try store.eventsScalar(sql) ?? "") ?? -1 }
    }

    static func track(_ id: String, user: String = "u1", event: String = "project_created") -> String {
        #"{"type":"track","userId":"\#(user)","event":"\#(event)","messageId":"\#(id)","timestamp":"2026-12-01T10:00:00Z"}"#
    }

    @Test func theTrackingAPIContract() async throws {
        let s = try await Service()
        let (health, ready) = (try await s.get("/healthz"), try await s.get("/readyz"))
        #expect(health == 200 && ready == 200)
        // No key, or an unknown one: 401, nothing stored.
        for key in [nil, "wk_other", ""] as [String?] {
            let r = try await s.post("/v1/track", Self.track("a1"), key: key)
            #expect(r.status == 401 && r.body.contains(#""code":"unauthorized""#), "\(String(describing: key))")
        }
        #expect(try s.count("SELECT count(*) FROM events") == 0)
        // A call, and the same call again (a client retrying): stored once.
        let first = try await s.post("/v1/track", #"{"userId":"u1","event":"project_created","messageId":"m1"}"#)
        let again = try await s.post("/v1/track", #"{"userId":"u1","event":"project_created","messageId":"m1"}"#)
        #expect(first.status == 200 && first.body.contains(#""stored":1"#) && again.body.contains(#""duplicates":1"#))
        #expect(try s.count("SELECT count(*) FROM events WHERE kind = 'track'") == 1)
        // Every endpoint: the type is the endpoint's.
        for (endpoint, body) in [
            ("identify", #"{"userId":"u1","traits":{"email":"a@acme.com"},"messageId":"i1"}"#),
            ("group", #"{"userId":"u1","groupId":"acme.com","traits":{"name":"Acme"},"messageId":"g1"}"#),
            ("page", #"{"anonymousId":"a9","properties":{"path":"/pricing"},"messageId":"p1"}"#),
            ("screen", #"{"userId":"u1","name":"Home","messageId":"s1"}"#),
            ("alias", #"{"previousId":"u0","userId":"u1","messageId":"al1"}"#),
        ] {
            let r = try await s.post("/v1/\(endpoint)", body)
            #expect(r.status == 200 && r.body.contains(#""stored":1"#), "\(endpoint): \(r.body)")
        }
        #expect(try s.count("SELECT count(*) FROM events e JOIN terms t ON t.id = e.name_id WHERE t.text = 'pricing_page_viewed'") == 1)
        // A batch with one bad call: the good ones stored, the bad one quarantined with its reason.
        let batch = try await s.post(
            "/v1/batch",
            #"{"batch":[\#(Self.track("b1")),{"type":"track","event":"x","messageId":"b2"},\#(Self.track("b3"))],"context":{"groupId":"acme.com"}}"#
        )
        #expect(batch.status == 200 && batch.body.contains(#""stored":2"#) && batch.body.contains(#""quarantined":1"#))
        #expect(try s.count("SELECT count(*) FROM quarantine WHERE file = 'serve:/v1/batch' AND reason = 'missing_user_id'") == 1)
        #expect(try s.count("SELECT count(*) FROM events WHERE group_hint = 'acme.com' AND kind = 'track'") == 2)
        // Refused whole, nothing stored: not JSON, not a batch, too large (a call over 32 KB, a batch over 500 KB).
        let before = try s.count("SELECT count(*) FROM events")
        let big = String(repeating: "x", count: 33 * 1024)
        let calls = (0..<300).map { Self.track("big\($0)", event: String(repeating: "e", count: 1800)) }.joined(separator: ",")
        for (path, body, code) in [
            ("/v1/track", "{not json", "invalid_request"), ("/v1/batch", #"{"calls":[]}"#, "invalid_request"),
            ("/v1/batch", #"{"batch":{}}"#, "invalid_request"),
            ("/v1/track", #"{"userId":"u1","event":"x","properties":{"a":"\#(big)"}}"#, "request_too_large"),
            (
                "/v1/batch", #"{"batch":[\#(Self.track("ok")),{"type":"track","userId":"u1","event":"x","properties":{"a":"\#(big)"}}]}"#,
                "request_too_large"
            ),
            ("/v1/batch", #"{"batch":[\#(calls)]}"#, "request_too_large"),
        ] {
            let r = try await s.post(path, body)
            #expect(r.status == 400 && r.body.contains(#""code":"\#(code)""#), "\(path) \(body.prefix(40)): \(r.status) \(r.body)")
        }
        #expect(try s.count("SELECT count(*) FROM events") == before)
        let unknown = try await s.post("/v1/nothing", "{}")
        #expect(unknown.status == 404)
        // What it did, in Prometheus text.
        let metrics = try await s.fetch("/metrics")
        #expect(metrics.status == 200)
        for line in [
            #"briefer_events_stored_total{route="batch"} 2"#, #"briefer_events_quarantined_total{reason="missing_user_id"} 1"#,
            #"briefer_http_requests_total{route="track",status="401"} 3"#, #"briefer_http_requests_total{route="unknown",status="404"} 1"#,
            #"briefer_events_duplicate_total{route="track"} 1"#, "briefer_ack_latency_seconds_count",
        ] {
            #expect(metrics.body.contains(line), "\(line)")
        }
    }

    /// About 20,000 events from 8 concurrent clients, in batches of 100: every one acknowledged is stored, exactly once;
    /// sent again, nothing more is stored.
    @Test func whatIsAcknowledgedIsStoredOnce() async throws {
        let s = try await Service()
        func send(_ round: Int) async throws -> (acknowledged: Int, stored: Int) {
            try await withThrowingTaskGroup(of: (Int, Int).self) { group in
                for client in 0..<8 {
                    group.addTask {
                        var (acknowledged, stored) = (0, 0)
                        for b in 0..<25 {
                            let calls = (0..<100).map { Self.track("c\(client)-\(b)-\($0)", user: "u\(client)-\($0 % 7)") }
                            let r = try await s.post("/v1/batch", #"{"batch":[\#(calls.joined(separator: ","))]}"#)
                            guard r.status == 200 else { continue }
                            acknowledged += 100
                            stored += Int(r.body.firstMatch(of: /"stored":(\d+)/)!.1)!
                        }
                        return (acknowledged, stored)
                    }
                }
                var total = (0, 0)
                for try await (a, st) in group { total = (total.0 + a, total.1 + st) }
                return total
            }
        }
        let first = try await send(0)
        #expect(first.acknowledged == 20_000 && first.stored == 20_000)
        #expect(try s.count("SELECT count(*) FROM events") == 20_000)
        let again = try await send(1)
        #expect(again.acknowledged == 20_000 && again.stored == 0)
        #expect(try s.count("SELECT count(*) FROM events") == 20_000)
        try s.intake.finish()
        #expect(try s.count("SELECT inserted FROM ingests WHERE files LIKE '%serve%'") == 20_000)
    }

    /// Segment's Webhooks destination: signed with HMAC-SHA1 of the body under the shared secret; a missing or wrong
    /// signature is 401 and stores nothing.
    @Test func signedWebhooks() async throws {
        let s = try await Service()
        func sign(_ body: String, _ secret: String = IntakeServerTests.secret) -> String {
            HMAC.hex(HMAC.code(.sha1, key: Array(secret.utf8), message: Array(body.utf8)))
        }
        let one = Self.track("w1")
        let many = "[\(Self.track("w2")),\(Self.track("w3", user: "u2")),{\"type\":\"track\",\"event\":\"x\"}]"
        for (body, signature) in [(one, nil), (one, sign(one, "another")), (one, sign(many)), (one, String(sign(one).dropLast()))] {
            let r = try await s.post("/webhooks/segment", body, key: nil, signature: signature)
            #expect(r.status == 401 && r.body.contains(#""code":"unauthorized""#))
        }
        #expect(try s.count("SELECT count(*) FROM events") == 0)
        let first = try await s.post("/webhooks/segment", one, key: nil, signature: sign(one))
        let second = try await s.post("/webhooks/segment", many, key: nil, signature: sign(many).uppercased())
        #expect(first.status == 200 && first.body.contains(#""stored":1"#))
        #expect(second.status == 200 && second.body.contains(#""stored":2"#) && second.body.contains(#""quarantined":1"#))
        #expect(try s.count("SELECT count(*) FROM events") == 3)
        #expect(try s.count("SELECT count(*) FROM quarantine WHERE file = 'serve:webhook'") == 1)
    }

    /// The command: without a write key it does not start; with one it serves, and on SIGTERM it finishes and exits 0
    /// with what it acknowledged stored.
    @Test func theCommandStopsCleanlyOnSIGTERM() async throws {
        let t = try TemporaryStore()
        let db = t.directory.appendingPathComponent("cmd.sqlite").path
        let refused = try BrieferBinary.run(["serve", "--db", db, "--listen", "127.0.0.1:0"], environment: ["BRIEFER_WRITE_KEYS": nil])
        #expect(refused.status == 1 && refused.output.contains("error [missing_secret]"))

        // The first line says where it listens.
        let (process, port) = try BrieferBinary.startServe(["--db", db], environment: ["BRIEFER_WRITE_KEYS": "web=\(Self.key)"])
        let client = HTTPClient()
        let body = "{\"batch\":[" + (0..<50).map { Self.track("sig\($0)") }.joined(separator: ",") + "]}"
        let response = try await client.send(
            HTTPRequest(
                method: "POST", url: "http://127.0.0.1:\(port)/v1/batch",
                headers: [HTTPHeader("Authorization", "Basic " + Data((Self.key + ":").utf8).base64EncodedString())], body: Data(body.utf8))
        )
        #expect(response.status == 200)
        process.terminate()  // SIGTERM
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
        let store = try BrieferStore(path: db)
        #expect(try store.eventsScalar("SELECT count(*) FROM events") == "50")
        #expect(try store.scalar("SELECT inserted FROM ingests WHERE finished_at IS NOT NULL") == "50")
    }

    /// A request storing a high-intent event starts a pipeline cycle soon, not at the interval (an hour here); other
    /// events do not; a burst of triggers makes one more cycle, not one each.
    @Test func aHighIntentEventStartsACycleSoon() async throws {
        let t = try TemporaryStore()
        let server = try FakeOpenAIServer(apiKey: "sk-serve", queue: [], otherwise: .grounded)
        defer { server.stop() }
        var configuration = try ConfigurationLoader.load(path: FixturePaths.config.path)
        configuration.serve.cycleIntervalSeconds = 3600
        configuration.serve.triggerDelaySeconds = 0
        let session = BrieferSession(
            configuration: configuration, configurationFile: FixturePaths.config.path, store: t.store, baseUrl: server.baseURL,
            apiKeyFile: try t.file("key", "sk-serve"), logger: .quiet)
        _ = try session.ingest(files: FixturePaths.workspaceFiles)
        let intake = try LiveIntake(store: try BrieferStore(path: t.store.path, durable: true), configuration: configuration)
        let trigger = CycleTrigger(delay: .zero)
        let asOf = try FixturePaths.manifestAsOf()
        let loop = try session.cycles(
            Pipeline.Options(inputs: [], asOf: asOf, push: false, outDir: t.directory.appendingPathComponent("crm").path), trigger: trigger)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let task = Task {
            try await IntakeServer.run(
                intake: intake, settings: .init(writeKeys: WriteKeys(Self.key), trigger: trigger), at: .init(host: "127.0.0.1", port: 0),
                logger: .quiet, signals: false, onRunning: { continuation.yield($0) }, alongside: { await loop.run(report: { _ in }) })
        }
        defer { task.cancel() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        let client = HTTPClient()
        func post(_ body: String) async throws -> Int {
            try await client.send(
                HTTPRequest(
                    method: "POST", url: "http://127.0.0.1:\(port)/v1/batch",
                    headers: [HTTPHeader("Authorization", "Basic " + Data((Self.key + ":").utf8).base64EncodedString())],
                    body: Data(body.utf8))
            ).status
        }
        func runs() throws -> Int {
            Int(try t.store.scalar("SELECT count(*) FROM pipeline_runs WHERE finished_ms IS NOT NULL") ?? "") ?? -1
        }
        func waitFor(_ count: Int, seconds: Double) async throws -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if try runs() >= count { return true }
                try await Task.sleep(for: .milliseconds(100))
            }
            return try runs() >= count
        }
        #expect(try await waitFor(1, seconds: 60))  // the first cycle, at start
        let time = Timestamp(milliseconds: asOf.milliseconds - 3_600_000).iso8601
        func call(_ id: String, _ event: String) -> String {
            #"{"type":"track","userId":"u_serve","event":"\#(event)","messageId":"\#(id)","timestamp":"\#(time)"}"#
        }
        #expect(try await post(#"{"batch":[\#(call("n1", "report_viewed"))]}"#) == 200)
        #expect(try await !waitFor(2, seconds: 2))  // not a high-intent event: no cycle
        #expect(try await post(#"{"batch":[\#(call("h1", "pricing_page_viewed"))]}"#) == 200)
        #expect(try await waitFor(2, seconds: 60))
        // A burst of five triggers while nothing runs: one more cycle (or two, if the burst straddles a cycle's start).
        for n in 0..<5 { #expect(try await post(#"{"batch":[\#(call("b\(n)", "plan_limit_reached"))]}"#) == 200) }
        #expect(try await waitFor(3, seconds: 60))
        try await Task.sleep(for: .seconds(3))
        let total = try runs()
        #expect((3...4).contains(total), "\(total) cycles")
    }

    /// /metrics on an address of its own, behind a token: without the token, 401; with it, the counts.
    @Test func metricsOnTheirOwnAddressBehindAToken() async throws {
        let t = try TemporaryStore()
        let intake = try LiveIntake(store: try BrieferStore(path: t.store.path, durable: true), configuration: BrieferConfiguration())
        let (ports, continuation) = AsyncStream.makeStream(of: (String, Int).self)
        let task = Task {
            try await IntakeServer.run(
                intake: intake,
                settings: .init(
                    writeKeys: WriteKeys(Self.key), metrics: ServeMetrics(), metricsToken: Array("tok-1".utf8),
                    metricsAddress: .init(host: "127.0.0.1", port: 0)),
                at: .init(host: "127.0.0.1", port: 0), logger: .quiet, signals: false, onRunning: { continuation.yield(("intake", $0)) },
                onMetricsRunning: { continuation.yield(("metrics", $0)) })
        }
        defer { task.cancel() }
        var bound: [String: Int] = [:]
        for await (name, port) in ports {
            bound[name] = port
            if bound.count == 2 { break }
        }
        let client = HTTPClient()
        func get(_ port: Int, _ path: String, _ headers: [HTTPHeader] = []) async throws -> (status: Int, body: String) {
            let r = try await client.send(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(port)\(path)", headers: headers, body: nil))
            return (r.status, String(decoding: r.body, as: UTF8.self))
        }
        let (intakePort, metricsPort) = (try #require(bound["intake"]), try #require(bound["metrics"]))
        let (beside, bare, wrong) = (
            try await get(intakePort, "/metrics"), try await get(metricsPort, "/metrics"),
            try await get(metricsPort, "/metrics", [HTTPHeader("Authorization", "Bearer tok-2")])
        )
        #expect(beside.status == 404 && bare.status == 401 && wrong.status == 401)
        let refused = try await client.send(
            HTTPRequest(method: "POST", url: "http://127.0.0.1:\(intakePort)/v1/track", headers: [], body: Data(Self.track("m").utf8)))
        #expect(refused.status == 401)
        let right = try await get(metricsPort, "/metrics", [HTTPHeader("Authorization", "Bearer tok-1")])
        #expect(right.status == 200 && right.body.contains(#"briefer_http_requests_total{route="track",status="401"} 1"#), "\(right.body)")
    }
}
