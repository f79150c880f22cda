import BrieferCore
import Foundation

/// Reads a file line by line in fixed-size chunks, so memory stays flat whatever the file's size.
/// A line longer than `maxLineBytes` is reported as oversized with only its first bytes kept.
struct LineReader {
    struct Line {
        var number: Int
        var bytes: UnsafeBufferPointer<UInt8>
        /// The whole line's length, when it was cut because it was too long.
        var oversizedLength: Int?
    }

    let path: String
    let maxLineBytes: Int
    static let chunkSize = 1 << 20
    static let keptOfOversized = 65_536

    /// Calls `body` for each line; `progress` receives bytes read so far.
    func forEachLine(progress: (Int) -> Void, _ body: (Line) throws -> Void) throws {
        guard let file = fopen(path, "rb") else {
            throw IngestError.cannotOpen(path, String(cString: strerror(errno)))
        }
        defer { fclose(file) }
        var chunk = [UInt8](repeating: 0, count: LineReader.chunkSize)
        var pending: [UInt8] = []
        var pendingLength = 0  // the current line's true length, past what is kept when oversized
        var lineNumber = 0
        var bytesRead = 0
        func emit(_ bytes: UnsafeBufferPointer<UInt8>, length: Int) throws {
            lineNumber += 1
            var slice = bytes
            if let last = slice.last, last == UInt8(ascii: "\r") { slice = UnsafeBufferPointer(rebasing: slice.dropLast()) }
            // A UTF-8 byte-order mark (as Excel writes) is not part of the first line.
            if lineNumber == 1, slice.count >= 3, slice[0] == 0xEF, slice[1] == 0xBB, slice[2] == 0xBF {
                slice = UnsafeBufferPointer(rebasing: slice.dropFirst(3))
            }
            try body(Line(number: lineNumber, bytes: slice, oversizedLength: length > maxLineBytes ? length : nil))
        }
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, LineReader.chunkSize, file) }
            if n == 0 { break }
            bytesRead += n
            try chunk.withUnsafeBufferPointer { buffer in
                var start = 0
                while start < n {
                    guard let newline = (start..<n).first(where: { buffer[$0] == UInt8(ascii: "\n") }) else {
                        let rest = UnsafeBufferPointer(rebasing: buffer[start..<n])
                        if pending.count < maxLineBytes + 1 { pending.append(contentsOf: rest.prefix(maxLineBytes + 1 - pending.count)) }
                        pendingLength += rest.count
                        break
                    }
                    let piece = UnsafeBufferPointer(rebasing: buffer[start..<newline])
                    if pendingLength == 0 {
                        if piece.count > maxLineBytes {
                            try emit(UnsafeBufferPointer(rebasing: piece.prefix(LineReader.keptOfOversized)), length: piece.count)
                        } else {
                            try emit(piece, length: piece.count)
                        }
                    } else {
                        if pending.count < maxLineBytes + 1 { pending.append(contentsOf: piece.prefix(maxLineBytes + 1 - pending.count)) }
                        let length = pendingLength + piece.count
                        try pending.withUnsafeBufferPointer { p in
                            try emit(
                                length > maxLineBytes ? UnsafeBufferPointer(rebasing: p.prefix(LineReader.keptOfOversized)) : p,
                                length: length)
                        }
                        pending.removeAll(keepingCapacity: true)
                        pendingLength = 0
                    }
                    start = newline + 1
                }
            }
            progress(bytesRead)
        }
        if pendingLength > 0 {
            try pending.withUnsafeBufferPointer { p in
                try emit(
                    pendingLength > maxLineBytes ? UnsafeBufferPointer(rebasing: p.prefix(LineReader.keptOfOversized)) : p,
                    length: pendingLength)
            }
        }
        if ferror(file) != 0 { throw IngestError.cannotOpen(path, "read error") }
    }
}

/// Why an ingest could not go on (a bad line is never one of these: it goes to the quarantine).
public enum IngestError: BrieferError {
    case cannotOpen(String, String)
    case unknownCSV(String, [String])
    case missingColumns(String, CSVKind, [String])
    case emptyFile(String)

    public var code: BrieferErrorCode {
        switch self {
        case .cannotOpen: return .unreadableInput
        case .unknownCSV: return .unknownCSV
        case .missingColumns: return .missingColumns
        case .emptyFile: return .emptyInput
        }
    }

    public var message: String {
        switch self {
        case let .cannotOpen(path, why): return "cannot read \(path): \(why)"
        case let .unknownCSV(path, header):
            return
                "cannot tell what \(path) holds from its header (\(header.joined(separator: ","))): expected the columns of companies (\(CSVKind.companies.requiredColumns.joined(separator: ","))), users (\(CSVKind.users.requiredColumns.joined(separator: ","))) or subscriptions (\(CSVKind.subscriptions.requiredColumns.joined(separator: ","))); or pass --kind"
        case let .missingColumns(path, kind, missing):
            return "\(path) is read as \(kind.rawValue) but lacks the columns \(missing.joined(separator: ", "))"
        case let .emptyFile(path): return "\(path) has no header line"
        }
    }
}
