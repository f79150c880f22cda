import CBrieferZlib

/// Decompresses a gzip (or zlib, or raw deflate) stream fed in pieces, in constant memory: each piece's output is handed on
/// as it comes. Concatenated gzip members (as `cat a.gz b.gz` makes, and some exporters write) are one stream.
public final class Inflater {
    /// Why a stream could not be decompressed.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public enum Kind: String, Sendable { case corrupt, truncated }
        public var kind: Kind
        public var detail: String
        public var description: String {
            kind == .truncated ? "the compressed stream ends early (\(detail))" : "the compressed stream is corrupt (\(detail))"
        }
    }

    private var stream = z_stream()
    private var output = [UInt8](repeating: 0, count: 1 << 16)
    /// Between members (or before the first): nothing is owed.
    private var atMemberEnd = true
    private var sawInput = false
    private var failed: Failure?

    /// - Parameter raw: a raw deflate stream (a zip archive's deflated file), not a gzip or zlib one.
    public init(raw: Bool = false) {
        let status = raw ? briefer_inflate_init_raw(&stream) : briefer_inflate_init(&stream)
        precondition(status == Z_OK, "zlib could not start (out of memory)")
    }

    deinit { inflateEnd(&stream) }

    /// Decompresses `input`, calling `body` with each piece of output.
    public func feed(_ input: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        if let failed { throw failed }
        guard let base = input.baseAddress, !input.isEmpty else { return }
        stream.next_in = UnsafeMutablePointer(mutating: base)
        stream.avail_in = UInt32(input.count)
        while stream.avail_in > 0 {
            // Bytes after a member's end: another member starts (trailing zero padding is allowed and skipped).
            if atMemberEnd && sawInput {
                if stream.next_in.pointee == 0 {
                    stream.next_in += 1
                    stream.avail_in -= 1
                    continue
                }
                inflateReset(&stream)
            }
            atMemberEnd = false
            sawInput = true
            let status = try output.withUnsafeMutableBufferPointer { out -> Int32 in
                stream.next_out = out.baseAddress
                stream.avail_out = UInt32(out.count)
                let status = inflate(&stream, Z_NO_FLUSH)
                let produced = out.count - Int(stream.avail_out)
                if produced > 0 { try body(UnsafeBufferPointer(rebasing: out[..<produced])) }
                return status
            }
            switch status {
            case Z_OK, Z_BUF_ERROR:
                continue
            case Z_STREAM_END:
                atMemberEnd = true
            default:
                let message = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                failed = Failure(kind: .corrupt, detail: message)
                throw failed!
            }
        }
        // Output still held inside zlib (input consumed, window full) is drained by the next call or finish().
        try drain(body)
    }

    /// Hands on any output zlib still holds; throws when the stream stopped in the middle of a member.
    public func finish(_ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        if let failed { throw failed }
        try drain(body)
        guard atMemberEnd || !sawInput else {
            failed = Failure(kind: .truncated, detail: "\(stream.total_in) compressed bytes read")
            throw failed!
        }
    }

    private func drain(_ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        guard !atMemberEnd else { return }
        while true {
            let (status, produced) = try output.withUnsafeMutableBufferPointer { out -> (Int32, Int) in
                stream.next_out = out.baseAddress
                stream.avail_out = UInt32(out.count)
                let status = inflate(&stream, Z_NO_FLUSH)
                let produced = out.count - Int(stream.avail_out)
                if produced > 0 { try body(UnsafeBufferPointer(rebasing: out[..<produced])) }
                return (status, produced)
            }
            if status == Z_STREAM_END { atMemberEnd = true; return }
            if status != Z_OK && status != Z_BUF_ERROR {
                let message = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                failed = Failure(kind: .corrupt, detail: message)
                throw failed!
            }
            if produced == 0 { return }
        }
    }

    /// Whether `bytes` start like a gzip stream (magic 1f 8b).
    public static func isGzip(_ bytes: some Collection<UInt8>) -> Bool {
        var i = bytes.makeIterator()
        return i.next() == 0x1F && i.next() == 0x8B
    }
}
