import BrieferCore
import Foundation

/// An input read line by line: a file (or standard input), or an entry of a zip archive.
protocol LineSource: AnyObject {
    /// How the input is named in summaries and the quarantine.
    var path: String { get }
    /// The first bytes of the content (decompressed), to tell a CSV file from JSON lines.
    var head: [UInt8] { get }
    /// Calls `body` for each line; `progress` receives bytes read so far. A damaged compressed stream ends the input
    /// with ``IngestError/badCompression(_:_:lines:)`` after the lines before the damage.
    func forEachLine(progress: (Int) -> Void, _ body: (LineSplitter.Line) throws -> Void) throws
}

/// Feeds chunks of an input, gzip-compressed or not, to a line splitter.
struct LineFeed {
    let path: String
    var splitter: LineSplitter
    let inflater: Inflater?

    init(path: String, maxLineBytes: Int, compressed: Bool) {
        self.path = path
        splitter = LineSplitter(maxLineBytes: maxLineBytes)
        inflater = compressed ? Inflater() : nil
    }

    mutating func take(_ chunk: UnsafeBufferPointer<UInt8>, _ body: (LineSplitter.Line) throws -> Void) throws {
        do {
            if let inflater { try inflater.feed(chunk) { try splitter.feed($0, body) } } else { try splitter.feed(chunk, body) }
        } catch let failure as Inflater.Failure {
            throw IngestError.badCompression(path, failure.description, lines: splitter.lineNumber)
        }
    }

    mutating func finish(_ body: (LineSplitter.Line) throws -> Void) throws {
        do {
            try inflater?.finish { try splitter.feed($0, body) }
        } catch let failure as Inflater.Failure {
            throw IngestError.badCompression(path, failure.description, lines: splitter.lineNumber)
        }
        try splitter.finish(body)
    }

    /// The first bytes `chunk` decompresses to.
    static func head(of chunk: [UInt8], compressed: Bool) -> [UInt8] {
        guard compressed else { return Array(chunk.prefix(64)) }
        struct Enough: Error {}
        var out: [UInt8] = []
        let inflater = Inflater()
        try? chunk.withUnsafeBufferPointer { chunk in
            try inflater.feed(chunk) { piece in
                out += piece.prefix(64 - out.count)
                if out.count >= 64 { throw Enough() }
            }
        }
        return out
    }
}

/// Reads an input line by line in fixed-size chunks, so memory stays flat whatever its size: a file, or standard
/// input for `-`; gzip-compressed (by its first bytes, whatever its name) or not.
final class LineReader: LineSource {
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

    var head: [UInt8] { LineFeed.head(of: readAhead, compressed: compressed) }

    /// Calls `body` for each line; `progress` receives the input's bytes read so far (compressed, if it is).
    /// A corrupt or truncated compressed stream ends the input with ``IngestError/badCompression(_:_:lines:)``, after the
    /// lines before the damage were handed on.
    func forEachLine(progress: (Int) -> Void, _ body: (Line) throws -> Void) throws {
        var feed = LineFeed(path: path, maxLineBytes: maxLineBytes, compressed: compressed)
        var bytesRead = 0
        var chunk = readAhead
        readAhead = []
        while !chunk.isEmpty {
            bytesRead += chunk.count
            try chunk.withUnsafeBufferPointer { try feed.take($0, body) }
            progress(bytesRead)
            chunk = [UInt8](repeating: 0, count: Self.chunkSize)
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, Self.chunkSize, file) }
            chunk.removeLast(Self.chunkSize - n)
        }
        if ferror(file) != 0 { throw IngestError.cannotOpen(path, "read error") }
        try feed.finish(body)
    }
}

/// One file of a zip archive (Amplitude's export is a zip of gzipped JSON files), streamed from the archive.
final class ZipEntryLines: LineSource {
    let path: String
    let archive: ZipArchive
    let entry: ZipArchive.Entry
    let maxLineBytes: Int

    init(archive: ZipArchive, entry: ZipArchive.Entry, archivePath: String, maxLineBytes: Int) {
        self.archive = archive; self.entry = entry; self.maxLineBytes = maxLineBytes
        path = archivePath + "/" + entry.path
    }

    var head: [UInt8] {
        struct Enough: Error {}
        var first: [UInt8] = []
        try? archive.forEachChunk(of: entry, chunkSize: 1 << 12) { piece in
            first += piece
            if first.count >= 1 << 12 { throw Enough() }
        }
        return LineFeed.head(of: first, compressed: Inflater.isGzip(first))
    }

    func forEachLine(progress: (Int) -> Void, _ body: (LineSplitter.Line) throws -> Void) throws {
        var feed: LineFeed?
        var bytesRead = 0
        do {
            try archive.forEachChunk(of: entry, chunkSize: LineReader.chunkSize) { piece in
                if feed == nil { feed = LineFeed(path: path, maxLineBytes: maxLineBytes, compressed: Inflater.isGzip(piece)) }
                bytesRead += piece.count
                try feed!.take(piece, body)
                progress(bytesRead)
            }
        } catch let damage as ZipArchive.Damage {
            throw IngestError.badCompression(path, damage.description, lines: feed?.splitter.lineNumber ?? 0)
        }
        try feed?.finish(body)
    }

    /// The files of a zip archive, in name order (hidden ones and directories left out).
    /// An archive whose directory cannot be read is one input that ends at once, damaged: the ingest goes on.
    static func entries(of path: String, maxLineBytes: Int) -> [any LineSource] {
        do {
            let file = try ArchiveFile(path: path)
            let archive = try ZipArchive(size: file.size, read: file.read)
            return archive.entries.filter { !$0.isDirectory && !($0.path as NSString).lastPathComponent.hasPrefix(".") }
                .sorted { $0.path < $1.path }
                .map { ZipEntryLines(archive: archive, entry: $0, archivePath: path, maxLineBytes: maxLineBytes) }
        } catch {
            return [UnreadableArchive(path: path, why: "\(error)")]
        }
    }

    /// Whether a file starts as a zip archive does.
    static func isZip(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        return ZipArchive.isZip(handle.readData(ofLength: 4))
    }
}

/// An archive's file, read at offsets; closed when the last of its entries is done with it.
final class ArchiveFile: @unchecked Sendable {
    let handle: FileHandle
    let size: UInt64

    init(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw IngestError.cannotOpen(path, "cannot open the archive") }
        self.handle = handle
        size = try handle.seekToEnd()
    }

    deinit { try? handle.close() }

    func read(_ offset: UInt64, _ count: Int) throws -> [UInt8] {
        try handle.seek(toOffset: offset)
        return Array(try handle.read(upToCount: count) ?? Data())
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

/// A zip archive whose directory cannot be read (cut short, not a zip after all): said as damaged, the ingest goes on.
final class UnreadableArchive: LineSource {
    let path: String
    let why: String
    init(path: String, why: String) { self.path = path; self.why = why }
    var head: [UInt8] { [] }
    func forEachLine(progress: (Int) -> Void, _ body: (LineSplitter.Line) throws -> Void) throws {
        throw IngestError.badCompression(path, "the zip archive cannot be read (\(why))", lines: 0)
    }
}
