/// Splits a byte stream fed in pieces into lines, in constant memory. A line longer than `maxLineBytes` is
/// reported as oversized with only its first ``keptOfOversized`` bytes; a `\r` before the newline and a UTF-8
/// byte-order mark before the first line (as Excel writes) are not part of a line.
public struct LineSplitter {
    public struct Line {
        public var number: Int
        public var bytes: UnsafeBufferPointer<UInt8>
        /// The whole line's length, when it was cut because it was too long.
        public var oversizedLength: Int?
    }

    public static let keptOfOversized = 65_536
    public let maxLineBytes: Int
    /// Lines handed on so far.
    public private(set) var lineNumber = 0
    private var pending: [UInt8] = []
    /// The current line's true length, past what is kept when oversized.
    private var pendingLength = 0

    public init(maxLineBytes: Int) { self.maxLineBytes = maxLineBytes }

    /// Hands on every line `chunk` completes.
    public mutating func feed(_ chunk: UnsafeBufferPointer<UInt8>, _ body: (Line) throws -> Void) rethrows {
        var start = 0
        let n = chunk.count
        while start < n {
            guard let newline = (start..<n).first(where: { chunk[$0] == UInt8(ascii: "\n") }) else {
                let rest = UnsafeBufferPointer(rebasing: chunk[start..<n])
                if pending.count < maxLineBytes + 1 { pending.append(contentsOf: rest.prefix(maxLineBytes + 1 - pending.count)) }
                pendingLength += rest.count
                return
            }
            let piece = UnsafeBufferPointer(rebasing: chunk[start..<newline])
            if pendingLength == 0 {
                try emit(
                    piece.count > maxLineBytes ? UnsafeBufferPointer(rebasing: piece.prefix(Self.keptOfOversized)) : piece, piece.count,
                    body)
            } else {
                if pending.count < maxLineBytes + 1 { pending.append(contentsOf: piece.prefix(maxLineBytes + 1 - pending.count)) }
                try emitPending(length: pendingLength + piece.count, body)
            }
            start = newline + 1
        }
    }

    /// Hands on the last line when the stream does not end with a newline.
    public mutating func finish(_ body: (Line) throws -> Void) rethrows {
        if pendingLength > 0 { try emitPending(length: pendingLength, body) }
    }

    private mutating func emitPending(length: Int, _ body: (Line) throws -> Void) rethrows {
        let kept = pending
        pending.removeAll(keepingCapacity: true)
        pendingLength = 0
        try kept.withUnsafeBufferPointer { p in
            try emit(length > maxLineBytes ? UnsafeBufferPointer(rebasing: p.prefix(Self.keptOfOversized)) : p, length, body)
        }
    }

    private mutating func emit(_ bytes: UnsafeBufferPointer<UInt8>, _ length: Int, _ body: (Line) throws -> Void) rethrows {
        lineNumber += 1
        var slice = bytes
        if let last = slice.last, last == UInt8(ascii: "\r") { slice = UnsafeBufferPointer(rebasing: slice.dropLast()) }
        if lineNumber == 1, slice.count >= 3, slice[0] == 0xEF, slice[1] == 0xBB, slice[2] == 0xBF {
            slice = UnsafeBufferPointer(rebasing: slice.dropFirst(3))
        }
        try body(Line(number: lineNumber, bytes: slice, oversizedLength: length > maxLineBytes ? length : nil))
    }
}
