import BrieferApp
import Foundation
import Glibc
import Synchronization

/// A request as the fake server received it.
public struct RecordedRequest: Sendable {
    public var method: String
    /// The request target as sent, query included.
    public var path: String
    /// Names lowercased, in received order.
    public var headers: [HTTPHeader]
    /// The body as received (a chunked body already de-chunked).
    public var body: Data
    /// When the request was fully read.
    public var receivedAt: Date

    /// The value of the last header of that name (compared case-insensitively), if any.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.last { $0.name == wanted }?.value
    }
}

/// What the fake server does with a request.
public enum FakeReply: Sendable {
    /// Answers after `delay` seconds; the server writes `Content-Length` itself.
    case respond(status: Int, headers: [HTTPHeader] = [], body: Data = Data(), delay: Double = 0)
    /// Closes the connection after `delay` seconds without answering.
    case drop(delay: Double = 0)
    /// Announces the full body's `Content-Length`, sends only its first `sendBytes` bytes, then closes.
    case truncated(status: Int, headers: [HTTPHeader], body: Data, sendBytes: Int)
    /// Never answers; the connection stays open until the client closes it or the server stops.
    case hang
}

/// An HTTP/1.1 server on 127.0.0.1 for tests, over plain POSIX sockets.
///
/// One thread accepts, one thread serves each connection (keep-alive, `Connection: close`,
/// `Content-Length` and chunked request bodies, `Expect: 100-continue`). The handler runs on the
/// connection's thread, so it may block. Anything that does not start like an HTTP request line
/// (a TLS handshake, say) gets a 400 and the connection closed.
public final class FakeHTTPServer: Sendable {
    /// The port the system chose.
    public let port: Int
    private let core: FakeServerCore

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Every request received, in order.
    public var requests: [RecordedRequest] { core.recorded }

    /// Starts listening at once.
    public init(handler: @escaping @Sendable (RecordedRequest) -> FakeReply) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard listener >= 0 else { throw POSIXError.current }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(listener, address, length) == 0 && listen(listener, 64) == 0 && getsockname(listener, address, &length) == 0
            }
        }
        guard bound else {
            let error = POSIXError.current
            close(listener)
            throw error
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        core = FakeServerCore(listener: listener, handler: handler)
        core.start()
    }

    deinit {
        core.stop()
    }

    /// Closes the listener and every connection and waits (up to 5 s) for the server's threads to end.
    public func stop() {
        core.stop()
    }
}

extension POSIXError {
    fileprivate static var current: POSIXError { POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
}

/// The sockets, threads and records, shared by the server object and its threads.
///
/// Sockets are closed only under `state`'s lock, and `stop` shuts them down under it too, so it never
/// touches a descriptor number the process has since reused for something else.
private final class FakeServerCore: Sendable {
    private struct State {
        var connections: Set<Int32> = []
        var stopped = false
        var requests: [RecordedRequest] = []
    }
    private let listener: Int32
    private let handler: @Sendable (RecordedRequest) -> FakeReply
    private let threads = DispatchGroup()
    private let state = Mutex(State())

    init(listener: Int32, handler: @escaping @Sendable (RecordedRequest) -> FakeReply) {
        self.listener = listener
        self.handler = handler
    }

    var recorded: [RecordedRequest] { state.withLock { $0.requests } }

    func start() {
        spawn { [self] in acceptLoop() }
    }

    func stop() {
        let first = state.withLock { s in
            defer { s.stopped = true }
            guard !s.stopped else { return false }
            shutdown(listener, Int32(SHUT_RDWR))
            for connection in s.connections { shutdown(connection, Int32(SHUT_RDWR)) }
            return true
        }
        if first { _ = threads.wait(timeout: .now() + 5) }
    }

    private func spawn(_ body: @escaping @Sendable () -> Void) {
        threads.enter()
        Thread { [threads] in
            body()
            threads.leave()
        }.start()
    }

    private func acceptLoop() {
        while true {
            let connection = accept(listener, nil, nil)
            if connection >= 0 { _ = fcntl(connection, F_SETFD, FD_CLOEXEC) }
            let (accepted, done) = state.withLock { s in
                if s.stopped {
                    if connection >= 0 { close(connection) }
                    close(listener)
                    return (false, true)
                }
                if connection >= 0 { s.connections.insert(connection) }
                return (connection >= 0, false)
            }
            if done { return }
            if accepted {
                spawn { [self] in
                    serve(connection)
                    state.withLock { s in
                        s.connections.remove(connection)
                        close(connection)
                    }
                }
            }
        }
    }

    // MARK: One connection

    private func serve(_ socket: Int32) {
        var reader = SocketReader(socket: socket)
        while true {
            guard let head = reader.readHead() else { return }
            guard case let .complete(bytes) = head, let request = parseHead(bytes) else {
                send(socket, response(status: 400, headers: [], bodyLength: 0, close: true))
                lingeringClose(socket)
                return
            }
            var (recorded, keepAlive) = request
            if recorded.header("expect")?.lowercased() == "100-continue" {
                guard send(socket, Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)) else { return }
            }
            let body: [UInt8]?
            if recorded.header("transfer-encoding")?.lowercased().contains("chunked") == true {
                body = reader.readChunked()
            } else {
                guard let length = Int(recorded.header("content-length") ?? "0"), length >= 0 else { return }
                body = reader.read(count: length)
            }
            guard let body else { return }
            recorded.body = Data(body)
            recorded.receivedAt = Date()
            state.withLock { $0.requests.append(recorded) }
            switch handler(recorded) {
            case let .respond(status, headers, replyBody, delay):
                guard waitQuietly(socket, seconds: delay) else { return }
                let bytes = recorded.method == "HEAD" ? [] : Array(replyBody)
                guard send(socket, response(status: status, headers: headers, bodyLength: replyBody.count, close: !keepAlive) + bytes),
                    keepAlive
                else { return }
            case let .drop(delay):
                _ = waitQuietly(socket, seconds: delay)
                return
            case let .truncated(status, headers, replyBody, sendBytes):
                send(
                    socket,
                    response(status: status, headers: headers, bodyLength: replyBody.count, close: true) + replyBody.prefix(sendBytes))
                return
            case .hang:
                var scratch = [UInt8](repeating: 0, count: 4096)
                while recv(socket, &scratch, scratch.count, 0) > 0 {}
                return
            }
        }
    }

    /// The request without its body, and whether the connection stays open after it; nil when malformed.
    private func parseHead(_ head: [UInt8]) -> (RecordedRequest, keepAlive: Bool)? {
        let lines = String(decoding: head, as: UTF8.self).components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[2].hasPrefix("HTTP/1.") else { return nil }
        var headers: [HTTPHeader] = []
        for line in lines.dropFirst() where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { return nil }
            headers.append(HTTPHeader(line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        let request = RecordedRequest(method: String(parts[0]), path: String(parts[1]), headers: headers, body: Data(), receivedAt: Date())
        let connection = request.header("connection")?.lowercased()
        let keepAlive = parts[2] == "HTTP/1.1" ? connection != "close" : connection == "keep-alive"
        return (request, keepAlive)
    }

    private func response(status: Int, headers: [HTTPHeader], bodyLength: Int, close: Bool) -> [UInt8] {
        var text = "HTTP/1.1 \(status) \(Self.reasons[status] ?? "Status \(status)")\r\n"
        for header in headers where header.name.lowercased() != "content-length" {
            text += "\(header.name): \(header.value)\r\n"
        }
        text += "Content-Length: \(bodyLength)\r\n"
        if close { text += "Connection: close\r\n" }
        return Array((text + "\r\n").utf8)
    }

    /// Waits `seconds`; false when the connection became readable meanwhile (the client closed it or the server is stopping).
    private func waitQuietly(_ socket: Int32, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { return true }
            var entry = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            let ready = poll(&entry, 1, Int32((remaining * 1000).rounded(.up)))
            if ready > 0 || (ready < 0 && errno != EINTR) { return false }
        }
    }

    /// Ends the sending side and reads until the client closes (at most 1 s), so that unread bytes do not
    /// make the close a reset that could destroy the reply before the client reads it.
    private func lingeringClose(_ socket: Int32) {
        shutdown(socket, Int32(SHUT_WR))
        var scratch = [UInt8](repeating: 0, count: 4096)
        let deadline = Date().addingTimeInterval(1)
        while Date() < deadline {
            var entry = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 100) >= 0 || errno == EINTR else { return }
            if entry.revents != 0 && recv(socket, &scratch, scratch.count, 0) <= 0 { return }
        }
    }

    @discardableResult
    private func send(_ socket: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 && errno == EINTR { continue }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }

    private static let reasons: [Int: String] = [
        200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 301: "Moved Permanently", 302: "Found",
        304: "Not Modified", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
        408: "Request Timeout", 409: "Conflict", 413: "Content Too Large", 422: "Unprocessable Content",
        429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
        504: "Gateway Timeout", 529: "Site Overloaded",
    ]
}

/// Buffered reads from a connected socket; every method returns nil once the peer closed or the data is malformed.
private struct SocketReader {
    let socket: Int32
    private var buffer: [UInt8] = []
    private static let headLimit = 64 * 1024

    init(socket: Int32) {
        self.socket = socket
    }

    enum Head {
        /// The request line and headers, without the blank line that ends them.
        case complete([UInt8])
        /// Bytes that cannot begin a request line (a method of capital letters, then a space), or too many of them.
        case malformed
    }

    /// The next request's head; nil when the peer closed the connection first.
    mutating func readHead() -> Head? {
        while true {
            if let end = find([13, 10, 13, 10]) {
                defer { buffer.removeFirst(end + 4) }
                return .complete(Array(buffer[..<end]))
            }
            let method = buffer.prefix { $0 != 32 }
            guard method.allSatisfy({ (65...90).contains($0) }), method.count < 20, buffer.count < Self.headLimit else { return .malformed }
            guard fill() else { return nil }
        }
    }

    mutating func read(count: Int) -> [UInt8]? {
        while buffer.count < count {
            guard fill() else { return nil }
        }
        defer { buffer.removeFirst(count) }
        return Array(buffer[..<count])
    }

    /// A chunked body, de-chunked; trailers are read and dropped.
    mutating func readChunked() -> [UInt8]? {
        var body: [UInt8] = []
        while true {
            guard let line = readLine() else { return nil }
            let size = String(decoding: line.prefix { $0 != 59 }, as: UTF8.self).trimmingCharacters(in: .whitespaces)  // up to any ";ext"
            guard let count = Int(size, radix: 16), count >= 0 else { return nil }
            if count == 0 {
                while let trailer = readLine() {
                    if trailer.isEmpty { return body }
                }
                return nil
            }
            guard let chunk = read(count: count), let end = readLine(), end.isEmpty else { return nil }
            body += chunk
        }
    }

    private mutating func readLine() -> [UInt8]? {
        while true {
            if let end = find([13, 10]) {
                defer { buffer.removeFirst(end + 2) }
                return Array(buffer[..<end])
            }
            guard buffer.count < Self.headLimit, fill() else { return nil }
        }
    }

    private func find(_ pattern: [UInt8]) -> Int? {
        guard buffer.count >= pattern.count else { return nil }
        return (0...(buffer.count - pattern.count)).first { buffer[$0..<($0 + pattern.count)].elementsEqual(pattern) }
    }

    private mutating func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let received = recv(socket, &chunk, chunk.count, 0)
            if received < 0 && errno == EINTR { continue }
            guard received > 0 else { return false }
            buffer += chunk[..<received]
            return true
        }
    }
}
