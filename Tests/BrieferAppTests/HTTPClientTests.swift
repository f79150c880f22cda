import BrieferApp
import BrieferTesting
import Foundation
import Synchronization
import Testing

/// The libcurl client against the in-process fake server.
struct HTTPClientTests {
    /// The error a request ends with; nil when it got a response.
    func failure(of request: HTTPRequest, on client: HTTPClient = HTTPClient()) async -> HTTPError? {
        do {
            _ = try await client.send(request)
            return nil
        } catch {
            return error
        }
    }

    @Test func postCarriesMethodPathHeadersAndExactBody() async throws {
        let server = try FakeHTTPServer { _ in
            .respond(
                status: 201,
                headers: [HTTPHeader("X-Request-Id", "abc"), HTTPHeader("Set-Cookie", "a=1"), HTTPHeader("set-cookie", "b=2")],
                body: Data("{\"ok\":true}".utf8))
        }
        defer { server.stop() }
        let body = Data((0...255).map { UInt8($0) } + Array("{\"q\":\"héllo\"}\r\n\r\n".utf8))
        let request = HTTPRequest(
            url: server.baseURL + "/v1/messages?beta=1",
            headers: [
                HTTPHeader("Authorization", "Bearer sk-secret"), HTTPHeader("Content-Type", "application/json"),
            ], body: body)
        let response = try await HTTPClient().send(request)

        let seen = try #require(server.requests.first)
        #expect(server.requests.count == 1)
        #expect(seen.method == "POST")
        #expect(seen.path == "/v1/messages?beta=1")
        #expect(seen.header("authorization") == "Bearer sk-secret")
        #expect(seen.header("Content-Type") == "application/json")
        #expect(seen.header("content-length") == String(body.count))
        #expect(seen.header("expect") == nil)
        #expect(seen.body == body)

        #expect(response.status == 201)
        #expect(response.header("X-REQUEST-ID") == "abc")
        #expect(response.header("Set-Cookie") == "b=2")
        #expect(response.headers.allSatisfy { $0.name == $0.name.lowercased() })
        #expect(response.headers.filter { $0.name == "set-cookie" }.map(\.value) == ["a=1", "b=2"])
        #expect(response.body == Data("{\"ok\":true}".utf8))
        #expect(response.elapsed >= 0)
    }

    @Test func otherMethodsAndAnEmptyPost() async throws {
        let server = try FakeHTTPServer { request in .respond(status: 200, body: request.body) }
        defer { server.stop() }
        let client = HTTPClient()
        let get = try await client.send(HTTPRequest(method: "GET", url: server.baseURL + "/status"))
        let put = try await client.send(HTTPRequest(method: "PUT", url: server.baseURL + "/item", body: Data("new".utf8)))
        let post = try await client.send(HTTPRequest(url: server.baseURL + "/ping"))
        #expect(server.requests.map(\.method) == ["GET", "PUT", "POST"])
        #expect(server.requests[0].header("content-length") == nil)
        #expect(server.requests[2].header("content-length") == "0")
        #expect([get.body, put.body, post.body] == [Data(), Data("new".utf8), Data()])
    }

    @Test func aRateLimitIsAResponseWithItsHeaders() async throws {
        let server = try FakeHTTPServer { _ in
            .respond(
                status: 429, headers: [HTTPHeader("Retry-After", "7"), HTTPHeader("X-RateLimit-Remaining", "0")],
                body: Data("slow down".utf8))
        }
        defer { server.stop() }
        let response = try await HTTPClient().send(HTTPRequest(url: server.baseURL + "/v1"))
        #expect(response.status == 429)
        #expect(response.header("retry-after") == "7")
        #expect(response.header("x-ratelimit-remaining") == "0")
        #expect(response.body == Data("slow down".utf8))
    }

    @Test func aDroppedConnectionIsAConnectionError() async throws {
        let server = try FakeHTTPServer { _ in .drop() }
        defer { server.stop() }
        let error = try #require(await failure(of: HTTPRequest(url: server.baseURL + "/")))
        #expect(error.kind == .connection)
        #expect(error.isRetryable)
    }

    @Test func aTruncatedBodyIsAConnectionError() async throws {
        let server = try FakeHTTPServer { _ in
            .truncated(status: 200, headers: [], body: Data(repeating: 65, count: 1000), sendBytes: 10)
        }
        defer { server.stop() }
        let error = try #require(await failure(of: HTTPRequest(url: server.baseURL + "/")))
        #expect(error.kind == .connection)
    }

    @Test func aServerThatNeverAnswersTimesOut() async throws {
        let server = try FakeHTTPServer { _ in .hang }
        defer { server.stop() }
        let started = Date()
        let error = try #require(await failure(of: HTTPRequest(url: server.baseURL + "/", timeout: 0.5)))
        #expect(error.kind == .timeout)
        #expect(error.isRetryable)
        // Not a timing test (the machine is shared, and a loaded one once took 66 s to get the answer through): it ends,
        // long before the suite's limit, rather than hanging.
        #expect(Date().timeIntervalSince(started) < 300)
    }

    @Test func aClosedPortIsAConnectionError() async throws {
        let server = try FakeHTTPServer { _ in .respond(status: 200) }
        server.stop()
        let error = try #require(await failure(of: HTTPRequest(url: server.baseURL + "/")))
        #expect(error.kind == .connection)
    }

    @Test func requestsRunConcurrently() async throws {
        let tracker = InFlightTracker()
        let server = try FakeHTTPServer { _ in
            tracker.during { Thread.sleep(forTimeInterval: 0.3) }
            return .respond(status: 200)
        }
        defer { server.stop() }
        let client = HTTPClient(maxConcurrent: 8)
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<20 {
                group.addTask { try await client.send(HTTPRequest(url: server.baseURL + "/\(index)")).status }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 200, count: 20))
        #expect(server.requests.count == 20)
        #expect(tracker.maximum >= 2)
        #expect(tracker.maximum <= 8)
    }

    @Test func maxConcurrentBoundsRequestsInFlight() async throws {
        let tracker = InFlightTracker()
        let server = try FakeHTTPServer { _ in
            tracker.during { Thread.sleep(forTimeInterval: 0.1) }
            return .respond(status: 204)
        }
        defer { server.stop() }
        let client = HTTPClient(maxConcurrent: 2)
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask { try await client.send(HTTPRequest(url: server.baseURL + "/")).status }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 204, count: 8))
        #expect(server.requests.count == 8)
        #expect(tracker.maximum >= 1)
        #expect(tracker.maximum <= 2)
    }

    @Test func cancellingTheTaskAbortsTheTransfer() async throws {
        let server = try FakeHTTPServer { request in request.path == "/hang" ? .hang : .respond(status: 200) }
        defer { server.stop() }
        let client = HTTPClient()
        let task = Task { try await client.send(HTTPRequest(url: server.baseURL + "/hang", timeout: 60)) }
        // Generous: on a loaded machine (the suites run side by side) the request can take long to get going.
        let deadline = Date().addingTimeInterval(120)
        while server.requests.isEmpty && Date() < deadline { try await Task.sleep(for: .milliseconds(10)) }
        try #require(server.requests.count == 1)
        let cancelledAt = Date()
        task.cancel()
        let error = await #expect(throws: HTTPError.self) { try await task.value }
        #expect(error?.kind == .cancelled)
        #expect(Date().timeIntervalSince(cancelledAt) < 10)
        // The client goes on serving.
        #expect(try await client.send(HTTPRequest(url: server.baseURL + "/after")).status == 200)
    }

    @Test func errorsNeverCarryTheRequestsSecrets() async throws {
        let server = try FakeHTTPServer { request in request.path == "/hang" ? .hang : .drop() }
        defer { server.stop() }
        let secretHeaders = [HTTPHeader("Authorization", "Bearer sk-secret"), HTTPHeader("X-Api-Key", "sk-secret-key")]
        let body = Data("{\"token\":\"sk-secret-body\"}".utf8)
        let requests = [
            HTTPRequest(url: server.baseURL + "/drop", headers: secretHeaders, body: body),
            HTTPRequest(url: server.baseURL + "/hang", headers: secretHeaders, body: body, timeout: 0.3),
            HTTPRequest(
                url: server.baseURL + "/", headers: secretHeaders + [HTTPHeader("X-Evil", "sk-secret\r\nX-Injected: 1")], body: body),
            HTTPRequest(url: "https://127.0.0.1:\(server.port)/", headers: secretHeaders, body: body),
        ]
        for request in requests {
            let error = try #require(await failure(of: request))
            #expect(!error.description.contains("sk-secret"), "\(error)")
            #expect(!error.message.isEmpty)
        }
    }

    @Test func httpsIsTLSAndFailsAgainstAPlainServer() async throws {
        let server = try FakeHTTPServer { _ in .respond(status: 200) }
        defer { server.stop() }
        let error = try #require(await failure(of: HTTPRequest(url: "https://127.0.0.1:\(server.port)/", connectTimeout: 10)))
        #expect(error.kind == .transport)
        #expect(!error.isRetryable)
        #expect(server.requests.isEmpty)  // the handshake is not a request
    }

    @Test func malformedRequestsAreRefused() async throws {
        let bad = [
            HTTPRequest(url: "not a url"),
            HTTPRequest(url: "ftp://127.0.0.1/file"),
            HTTPRequest(url: "file:///etc/passwd"),
            HTTPRequest(method: "GET /x", url: "http://127.0.0.1/"),
            HTTPRequest(url: "http://127.0.0.1/", headers: [HTTPHeader("X-A", "1\r\nX-B: 2")]),
            HTTPRequest(url: "http://127.0.0.1/", headers: [HTTPHeader("Bad Name", "1")]),
            HTTPRequest(url: "http://127.0.0.1/", timeout: 0),
        ]
        let client = HTTPClient()
        for request in bad {
            let error = try #require(await failure(of: request, on: client))
            #expect(error.kind == .invalidRequest, "\(request.url): \(error)")
            #expect(!error.isRetryable)
        }
    }

    @Test func aShutDownClientRefusesRequests() async throws {
        let client = HTTPClient()
        client.shutdown()
        let error = try #require(await failure(of: HTTPRequest(url: "http://127.0.0.1:1/"), on: client))
        #expect(error.kind == .cancelled)
    }
}

/// Counts the handler calls running at once and remembers the most.
private final class InFlightTracker: Sendable {
    private let state = Mutex((current: 0, peak: 0))

    var maximum: Int { state.withLock { $0.peak } }

    func during(_ work: () -> Void) {
        state.withLock {
            $0.current += 1
            $0.peak = max($0.peak, $0.current)
        }
        work()
        state.withLock { $0.current -= 1 }
    }
}
