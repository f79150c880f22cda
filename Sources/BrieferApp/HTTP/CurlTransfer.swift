import CCurl
import Foundation

/// One request on its way through curl: its easy handle and what the handle's callbacks collect.
///
/// Created, driven and released on the client's worker thread only.
final class CurlTransfer {
    let job: CurlEngine.Job
    let handle: UnsafeMutableRawPointer
    private var requestHeaders: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var body = Data()
    private var headers: [HTTPHeader] = []

    /// Nil when curl cannot make an easy handle (out of memory).
    init?(job: CurlEngine.Job) {
        guard let handle = curl_easy_init() else { return nil }
        self.job = job
        self.handle = handle
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        curl_easy_cleanup(handle)
        curl_slist_free_all(requestHeaders)
        errorBuffer.deallocate()
    }

    /// Checks the request and sets every option; throws `.invalidRequest` for a request that cannot be sent.
    func configure() throws(HTTPError) {
        let request = job.request
        try Self.validate(request)
        let context = Unmanaged.passUnretained(self).toOpaque()
        try set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
        try set(CURLOPT_URL, string: request.url)
        try set(CURLOPT_PROTOCOLS_STR, string: "http,https")
        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_VERBOSE, 0)
        try set(CURLOPT_FOLLOWLOCATION, 0)
        try set(CURLOPT_SSL_VERIFYPEER, 1)
        try set(CURLOPT_SSL_VERIFYHOST, 2)
        try set(CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(request.connectTimeout))
        try set(CURLOPT_TIMEOUT_MS, Self.milliseconds(request.timeout))
        try check(briefer_curl_setopt_write_function(handle, CURLOPT_WRITEFUNCTION, Self.receiveBody))
        try set(CURLOPT_WRITEDATA, pointer: context)
        try check(briefer_curl_setopt_write_function(handle, CURLOPT_HEADERFUNCTION, Self.receiveHeader))
        try set(CURLOPT_HEADERDATA, pointer: context)
        try setMethod(request.method, body: request.body)
        // A POST is never sent on a reused connection: when such a connection turns out closed before any
        // answer, libcurl would send the request again by itself, unseen by the retry policy and the
        // call accounting (a paid model call made twice).
        if request.method != "GET" && request.method != "HEAD" { try set(CURLOPT_FORBID_REUSE, 1) }
        // "Expect:" with no value stops curl from sending `Expect: 100-continue` and waiting for the answer.
        for line in ["Expect:"] + request.headers.map(Self.headerLine) {
            guard let list = curl_slist_append(requestHeaders, line) else {
                throw HTTPError(.transport, "could not build the request headers (out of memory)")
            }
            requestHeaders = list
        }
        try check(briefer_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, requestHeaders))
    }

    /// The outcome once curl reports the transfer done with `code`.
    func result(_ code: CURLcode) -> Result<HTTPResponse, HTTPError> {
        guard code == CURLE_OK else { return .failure(error(code)) }
        var status = 0
        var elapsed = 0.0
        _ = briefer_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        _ = briefer_curl_getinfo_double(handle, CURLINFO_TOTAL_TIME, &elapsed)
        return .success(HTTPResponse(status: status, headers: headers, body: body, elapsed: elapsed))
    }

    /// The error for a failed `code`: curl's message from the error buffer (or its generic text) and the code.
    func error(_ code: CURLcode) -> HTTPError {
        let detail = errorBuffer.pointee == 0 ? String(cString: curl_easy_strerror(code)) : String(cString: errorBuffer)
        return HTTPError(
            Self.kind(of: code), "\(detail) (curl error \(code.rawValue))",
            neverConnected: Self.requestNeverLeft(code))
    }

    /// Codes after which the request cannot have reached the server: nothing to connect to, or a TLS handshake (or a URL)
    /// that failed before any byte of the request was sent.
    static func requestNeverLeft(_ code: CURLcode) -> Bool {
        [
            CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT, CURLE_SSL_CONNECT_ERROR,
            CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR,
            CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ENGINE_NOTFOUND,
            CURLE_SSL_ENGINE_SETFAILED,
        ].contains(code)
    }

    // MARK: Options

    private func setMethod(_ method: String, body: Data?) throws(HTTPError) {
        if body != nil || method == "POST" {
            let payload = body ?? Data()
            try check(briefer_curl_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(payload.count)))
            // COPYPOSTFIELDS copies the bytes; an empty body still needs a non-null pointer.
            let code = payload.withUnsafeBytes { bytes in
                withUnsafeBytes(of: UInt8(0)) { empty in
                    briefer_curl_setopt_pointer(
                        handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress ?? empty.baseAddress!))
                }
            }
            try check(code)
            if method != "POST" { try set(CURLOPT_CUSTOMREQUEST, string: method) }
        } else if method == "HEAD" {
            try set(CURLOPT_NOBODY, 1)
        } else if method != "GET" {
            try set(CURLOPT_CUSTOMREQUEST, string: method)
        }
    }

    private func set(_ option: CURLoption, _ value: Int) throws(HTTPError) {
        try check(briefer_curl_setopt_long(handle, option, value))
    }

    /// curl copies string options, so the temporary C string only has to last for the call.
    private func set(_ option: CURLoption, string value: String) throws(HTTPError) {
        try check(briefer_curl_setopt_string(handle, option, value))
    }

    private func set(_ option: CURLoption, pointer value: UnsafeMutableRawPointer) throws(HTTPError) {
        try check(briefer_curl_setopt_pointer(handle, option, value))
    }

    private func check(_ code: CURLcode) throws(HTTPError) {
        guard code == CURLE_OK else { throw error(code) }
    }

    /// `Name: value`, or `Name;` for an empty value (curl's way to send a header with nothing after the colon).
    private static func headerLine(_ header: HTTPHeader) -> String {
        header.value.isEmpty ? "\(header.name);" : "\(header.name): \(header.value)"
    }

    private static func milliseconds(_ seconds: Double) -> Int {
        max(1, Int((min(seconds, 1_000_000) * 1000).rounded(.up)))
    }

    /// Refuses what curl would send wrongly or not at all: a method or header name that is not a token,
    /// a header value or URL with control characters (a line break would inject headers), a timeout that is not positive.
    private static func validate(_ request: HTTPRequest) throws(HTTPError) {
        guard isToken(request.method) else { throw HTTPError(.invalidRequest, "the method is not a valid HTTP token") }
        guard !request.url.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) else {
            throw HTTPError(.invalidRequest, "the URL contains spaces or control characters")
        }
        for (index, header) in request.headers.enumerated() {
            guard isToken(header.name) else { throw HTTPError(.invalidRequest, "header #\(index + 1) has an invalid name") }
            guard !header.value.unicodeScalars.contains(where: { ($0.value < 0x20 && $0 != "\t") || $0.value == 0x7F }) else {
                throw HTTPError(.invalidRequest, "header #\(index + 1) has control characters in its value")
            }
        }
        guard [request.connectTimeout, request.timeout].allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw HTTPError(.invalidRequest, "timeouts must be positive numbers of seconds")
        }
    }

    private static func isToken(_ text: String) -> Bool {
        !text.isEmpty
            && text.unicodeScalars.allSatisfy { scalar in
                scalar.isASCII
                    && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "!#$%&'*+-.^_`|~".unicodeScalars.contains(scalar))
            }
    }

    // MARK: Result codes

    /// TLS failures are `.transport`, not `.connection`: a certificate that does not verify or a server
    /// that does not speak TLS is a setup problem that sending again will not fix.
    private static func kind(of code: CURLcode) -> HTTPError.Kind {
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT, CURLE_SEND_ERROR,
            CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM:
            .connection
        case CURLE_OPERATION_TIMEDOUT:
            .timeout
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            .invalidRequest
        default:
            .transport
        }
    }

    // MARK: Callbacks (on the worker thread, inside curl_multi_perform)

    private static let receiveBody: briefer_curl_write_callback = { data, size, count, context in
        let transfer = Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue()
        let length = size * count
        if let data, length > 0 {
            transfer.body.append(UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: length)
        }
        return length
    }

    /// Called once per header line, status lines included; a new status line (after a `100 Continue`,
    /// say) starts the header list over, so only the final response's headers remain.
    private static let receiveHeader: briefer_curl_write_callback = { data, size, count, context in
        let transfer = Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue()
        let length = size * count
        guard let data, length > 0 else { return length }
        let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
        transfer.takeHeaderLine(line)
        return length
    }

    private func takeHeaderLine(_ raw: String) {
        let line = raw.trimmingCharacters(in: CharacterSet(charactersIn: "\r\n"))
        if line.hasPrefix("HTTP/") {
            headers.removeAll()
        } else if let first = line.first, first == " " || first == "\t" {
            // An obsolete folded continuation of the previous header's value.
            guard !headers.isEmpty else { return }
            headers[headers.count - 1].value += " " + line.trimmingCharacters(in: .whitespaces)
        } else if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers.append(HTTPHeader(name, value))
        }
    }
}
