import BrieferCore
import Foundation

/// Reads an input line by line in fixed-size chunks, so memory stays flat whatever its size: a file, or standard
/// input for `-`; gzip-compressed (by its first bytes, whatever its name) or not.
final class LineReader {
    typealias Line = LineSplitter.Line

    let path: String
    let maxLineBytes: Int
    static let chunkSize = 1 << 20
    static let keptOfOversized = LineSplitter.keptOfOversized
    private let file: UnsafeMutablePointer<FILE>
    private let ownsFile: Bool
    /// Bytes read ahead to tell what the input is.
    private var readAhead: [UInt8]
    /// Whether the input is gzip-compressed.
    let compressed: Bool

    init(path: String, maxLineBytes: Int) throws {
        self.path = path
        self.maxLineBytes = maxLineBytes
        let handle: UnsafeMutablePointer<FILE>
        if path == "-" {
            guard let input = fdopen(STDIN_FILENO, "rb") else {
                throw IngestError.cannotOpen("standard input", String(cString: strerror(errno)))
            }
            handle = input
        } else {
            guard let opened = fopen(path, "rb") else { throw IngestError.cannotOpen(path, String(cString: strerror(errno))) }
            handle = opened
        }
        file = handle
        ownsFile = path != "-"
        var head = [UInt8](repeating: 0, count: Self.chunkSize)
        let n = head.withUnsafeMutableBytes { fread($0.baseAddress, 1, Self.chunkSize, handle) }
        readAhead = Array(head[..<n])
        compressed = Inflater.isGzip(readAhead)
    }

    deinit { if ownsFile { fclose(file) } }

    /// The first bytes of the content (decompressed), to tell a CSV file from JSON lines.
    var head: [UInt8] {
        guard compressed else { return Array(readAhead.prefix(64)) }
        struct Enough: Error {}
        var out: [UInt8] = []
        let inflater = Inflater()
        try? readAhead.withUnsafeBufferPointer { chunk in
            try inflater.feed(chunk) { piece in
                out += piece.prefix(64 - out.count)
                if out.count >= 64 { throw Enough() }
            }
        }
        return out
    }

    /// Calls `body` for each line; `progress` receives the input's bytes read so far (compressed, if it is).
    /// A corrupt or truncated compressed stream ends the input with ``IngestError/badCompression(_:_:lines:)``, after the
    /// lines before the damage were handed on.
    func forEachLine(progress: (Int) -> Void, _ body: (Line) throws -> Void) throws {
        var splitter = LineSplitter(maxLineBytes: maxLineBytes)
        let inflater = compressed ? Inflater() : nil
        var bytesRead = 0
        func take(_ chunk: UnsafeBufferPointer<UInt8>) throws {
            do {
                if let inflater { try inflater.feed(chunk) { try splitter.feed($0, body) } } else { try splitter.feed(chunk, body) }
            } catch let failure as Inflater.Failure {
                throw IngestError.badCompression(path, failure.description, lines: splitter.lineNumber)
            }
        }
        var chunk = readAhead
        readAhead = []
        while !chunk.isEmpty {
            bytesRead += chunk.count
            try chunk.withUnsafeBufferPointer { try take($0) }
            progress(bytesRead)
            chunk = [UInt8](repeating: 0, count: Self.chunkSize)
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, Self.chunkSize, file) }
            chunk.removeLast(Self.chunkSize - n)
        }
        if ferror(file) != 0 { throw IngestError.cannotOpen(path, "read error") }
        do {
            try inflater?.finish { try splitter.feed($0, body) }
        } catch let failure as Inflater.Failure {
            throw IngestError.badCompression(path, failure.description, lines: splitter.lineNumber)
        }
        try splitter.finish(body)
    }
}

/// Why an ingest could not go on (a bad line is never one of these: it goes to the quarantine).
public enum IngestError: BrieferError {
    case cannotOpen(String, String)
    /// A compressed input is corrupt or ends early: what came before it was read (`lines` lines).
    case badCompression(String, String, lines: Int)
    case unknownCSV(String, [String])
    case missingColumns(String, CSVKind, [String])
    case emptyFile(String)

    public var code: BrieferErrorCode {
        switch self {
        case .cannotOpen: return .unreadableInput
        case .badCompression: return .badCompression
        case .unknownCSV: return .unknownCSV
        case .missingColumns: return .missingColumns
        case .emptyFile: return .emptyInput
        }
    }

    public var message: String {
        switch self {
        case let .cannotOpen(path, why): return "cannot read \(path): \(why)"
        case let .badCompression(path, why, lines):
            return "\(path): \(why), after \(lines) line(s); those were read, the rest of the file was not"
        case let .unknownCSV(path, header):
            return
                "cannot tell what \(path) holds from its header (\(header.joined(separator: ","))): expected the columns of companies (\(CSVKind.companies.requiredColumns.joined(separator: ","))), users (\(CSVKind.users.requiredColumns.joined(separator: ","))) or subscriptions (\(CSVKind.subscriptions.requiredColumns.joined(separator: ","))); or pass --kind"
        case let .missingColumns(path, kind, missing):
            return "\(path) is read as \(kind.rawValue) but lacks the columns \(missing.joined(separator: ", "))"
        case let .emptyFile(path): return "\(path) has no header line"
        }
    }
}
