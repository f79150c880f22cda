import Foundation

/// One HTTP header field.
public struct HTTPHeader: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// A request for `HTTPClient.send(_:)`.
public struct HTTPRequest: Sendable {
    /// The method, e.g. "GET" or "POST".
    public var method: String
    /// An `http` or `https` URL; other schemes are refused.
    public var url: String
    /// Sent as given, after the client's own (an empty `Expect:` that turns off `100-continue`).
    public var headers: [HTTPHeader]
    /// The request body; nil sends none (a POST without a body sends an empty one).
    public var body: Data?
    /// Seconds allowed for connecting, TLS handshake included.
    public var connectTimeout: Double
    /// Seconds allowed for the whole transfer, from the moment it leaves the client's queue.
    public var timeout: Double

    public init(
        method: String = "POST", url: String, headers: [HTTPHeader] = [], body: Data? = nil,
        connectTimeout: Double = 5, timeout: Double = 60
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.connectTimeout = connectTimeout
        self.timeout = timeout
    }
}

/// A complete response, whatever its status: a 4xx or 5xx is a response, not an error.
public struct HTTPResponse: Sendable {
    public var status: Int
    /// The final response's headers (not those of a `100 Continue`), names lowercased, in received order.
    public var headers: [HTTPHeader]
    public var body: Data
    /// Seconds the transfer took, from leaving the client's queue to the last byte.
    public var elapsed: Double

    public init(status: Int, headers: [HTTPHeader], body: Data, elapsed: Double) {
        self.status = status
        self.headers = headers
        self.body = body
        self.elapsed = elapsed
    }

    /// The value of the last header of that name (compared case-insensitively), if any.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.last { $0.name == wanted }?.value
    }
}

/// Why a request got no complete response.
///
/// The message is curl's own error text and code, or the client's for a request it refused; it
/// never holds the request's headers or body, which may carry secrets.
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// Could not resolve, connect, send or receive, or the server closed the connection before
        /// the complete response (no reply at all, or a body shorter than its `Content-Length`).
        case connection
        /// The connect timeout or the whole-request timeout passed.
        case timeout
        /// The request cannot be sent as given: a malformed URL, a scheme other than http and https,
        /// a method or header with characters that do not belong, a timeout that is not positive.
        case invalidRequest
        /// Anything else, TLS failures included (a certificate that does not verify, a handshake
        /// with a server that does not speak TLS): trying again will not help.
        case transport
        /// The calling task was cancelled, or the client shut down, before the response arrived.
        case cancelled
    }

    public var kind: Kind
    public var message: String
    /// A failure where the request cannot have reached the server — nothing listens there, the host name does not
    /// resolve, or the URL or the TLS handshake failed before any byte of it was sent — as opposed to one that broke while
    /// talking (after which it may have arrived).
    public var neverConnected: Bool

    public init(_ kind: Kind, _ message: String, neverConnected: Bool = false) {
        self.kind = kind
        self.message = message
        self.neverConnected = neverConnected
    }

    /// Whether the same request may succeed if sent again: true for connection failures and timeouts.
    public var isRetryable: Bool {
        kind == .connection || kind == .timeout
    }

    public var description: String {
        "HTTP \(kind.rawValue) error: \(message)"
    }
}

/// A key or token sent over plain `http` to another machine can be read by anyone on the way: refused
/// unless the host is this machine (a local model server, a test fake) or `BRIEFER_ALLOW_CLEARTEXT=1`
/// says the network to it is trusted.
public enum CleartextPolicy {
    public static let allowVariable = "BRIEFER_ALLOW_CLEARTEXT"

    /// Why sending `secretName` to `url` is refused; nil when it is not.
    public static func refusal(url: String, secretName: String, environment: [String: String]) -> String? {
        guard url.lowercased().hasPrefix("http://"), environment[allowVariable] != "1" else { return nil }
        let host = URLComponents(string: url)?.host?.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]")) ?? ""
        if host == "localhost" || host == "::1" || host.hasPrefix("127.") { return nil }
        return "\(secretName) would be sent in the clear to \(url) (plain http to another machine): use https, "
            + "or set \(allowVariable)=1 if the network to that host is trusted"
    }
}
