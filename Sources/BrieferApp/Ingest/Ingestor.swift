import BrieferCore
import BrieferStore
import Foundation
import Logging

/// `briefer ingest`: streams event JSONL and CSV files into the store in batched transactions,
/// quarantining each bad line with its reason and going on.
public struct Ingestor {
    public var store: BrieferStore
    public var configuration: BrieferConfiguration
    public var logger: Logger
    /// Forced CSV kind (`--kind`); nil to detect by header.
    public var csvKind: CSVKind?
    /// The source of every event line (`--format`), or `.auto` to tell per line.
    public var format: EventFormat = .auto
    /// Events per transaction.
    public var batchSize = 50_000
    /// The ingest's wall-clock time, for the future-timestamp rule. Tests pin it.
    public var now: Timestamp = .now
    public var progress: Progress?

    public init(store: BrieferStore, configuration: BrieferConfiguration, logger: Logger, csvKind: CSVKind? = nil) {
        self.store = store; self.configuration = configuration; self.logger = logger; self.csvKind = csvKind
    }

    public func ingest(files: [String]) throws -> IngestSummary {
        let paths = try Self.inputs(files)
        let writer = try IngestWriter(store: store, configuration: configuration, files: paths)
        // People `briefer forget` removed stay out, whatever file brings them back.
        let forgotten = try store.forgottenPeople()
        var summary = IngestSummary()
        let maxLineBytes = configuration.hygiene.maxLineBytes
        // Each file opened when its turn comes (a directory may hold thousands); a zip archive is its files, the archive
        // open while they are read.
        for path in paths {
            if path != "-" && ZipEntryLines.isZip(path) {
                for entry in ZipEntryLines.entries(of: path, maxLineBytes: maxLineBytes) {
                    summary.files.append(try ingest(entry, writer: writer, forgotten: forgotten))
                }
            } else {
                summary.files.append(
                    try ingest(try LineReader(path: path, maxLineBytes: maxLineBytes), writer: writer, forgotten: forgotten))
            }
        }
        try writer.finish(read: summary.read, inserted: summary.inserted, duplicates: summary.duplicates, quarantined: summary.quarantined)
        logger.debug("ingest write phases", metadata: writer.phaseSeconds.mapValues { .string(String(format: "%.2fs", $0)) })
        return summary
    }

    /// One input read to its end (or to the damage that ends it), as events or as a CSV file.
    private func ingest(_ reader: any LineSource, writer: IngestWriter, forgotten: ForgottenPeople) throws -> IngestSummary.File {
        let path = reader.path
        let file =
            try !(reader is UnreadableArchive) && isCSV(path, head: reader.head)
            ? ingestCSV(path, reader: reader, writer: writer, forgotten: forgotten)
            : ingestEvents(path, reader: reader, writer: writer, forgotten: forgotten)
        if let error = file.error { logger.error("file not read to its end", metadata: ["file": "\(path)", "error": "\(error)"]) }
        logger.info(
            "ingested",
            metadata: [
                "file": "\(path)", "read": "\(file.read)", "inserted": "\(file.inserted)",
                "duplicates": "\(file.duplicates)", "quarantined": "\(file.quarantined)",
            ])
        return file
    }

    /// The files to read, in order: each file named; each directory's files in name order, recursively (hidden
    /// ones left out); `-` for standard input, once.
    static func inputs(_ names: [String]) throws -> [String] {
        var paths: [String] = []
        for name in names {
            if name == "-" {
                guard !paths.contains("-") else { throw IngestError.cannotOpen("-", "standard input can be read once") }
                paths.append("-")
                continue
            }
            let path = URL(fileURLWithPath: name).standardizedFileURL.path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw IngestError.cannotOpen(path, "no such file")
            }
            guard isDirectory.boolValue else {
                paths.append(path)
                continue
            }
            let found = (FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? [])
                .filter { relative in !relative.split(separator: "/").contains { $0.hasPrefix(".") } }
                .map { path + "/" + $0 }
                .filter {
                    var d: ObjCBool = false; return FileManager.default.fileExists(atPath: $0, isDirectory: &d) && !d.boolValue
                }
                .sorted()
            guard !found.isEmpty else { throw IngestError.cannotOpen(path, "the directory holds no files") }
            paths += found
        }
        return paths
    }

    /// CSV by name (`.csv`, `.csv.gz`), events by name (`.jsonl`, `.ndjson`, `.json`, and gzipped), else by content:
    /// JSON lines start with `{`. `--kind` applies to the CSV files only.
    private func isCSV(_ path: String, head: [UInt8]) -> Bool {
        let lower = path.lowercased().replacingOccurrences(of: ".gz", with: "", options: [.anchored, .backwards])
            .replacingOccurrences(of: ".gzip", with: "", options: [.anchored, .backwards])
        if lower.hasSuffix(".csv") { return true }
        if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") || lower.hasSuffix(".json") { return false }
        // Otherwise look at the first byte: JSON lines start with '{'.
        return head.drop { [0x20, 0x0A, 0x0D, 0x09, 0xEF, 0xBB, 0xBF].contains($0) }.first != UInt8(ascii: "{")
    }

    private func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    private func ingestEvents(_ path: String, reader: any LineSource, writer: IngestWriter, forgotten: ForgottenPeople) throws
        -> IngestSummary.File
    {
        let parser = EventLineParser(
            now: now, futureToleranceSeconds: configuration.hygiene.futureToleranceSeconds, sources: configuration.sources, format: format)
        let total = fileSize(path)
        // Three stages, each on its own thread: this one reads lines and parses them a chunk at a time (on every core);
        // the sorting stage sorts the parsed calls into batches, in file order, and prepares each; the writing stage writes
        // them.
        let pipeline = WritePipeline<BatchOutcome>()
        let sorting = WritePipeline<Void>(label: "briefer.ingest.sorter")
        let sorter = EventSorting(
            path: path, writer: writer, pipeline: pipeline, batchSize: batchSize, maxLineBytes: configuration.hygiene.maxLineBytes,
            sorter: CallSorter(forgotten: forgotten, extraction: ActivityExtraction(configuration)))
        let shared = UncheckedSendable(sorter)
        var parseNanoseconds: UInt64 = 0
        var chunk = LineChunk()
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount - 1, 8))  // the sorting and writing stages need a core
        func parseChunk() throws {
            guard !chunk.lines.isEmpty else { return }
            let started = DispatchTime.now().uptimeNanoseconds
            let parsed = ParsedChunk(chunk, chunk.parse(with: parser, workers: workers))
            parseNanoseconds += DispatchTime.now().uptimeNanoseconds - started
            try sorting.submit { try shared.value.sort(parsed) }
            chunk = LineChunk()
        }
        let error = try Self.readingToTheDamage {
            try reader.forEachLine(progress: { progress?.update(label: path, done: $0, total: total) }) { line in
                if line.bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
                chunk.append(line)
                if chunk.lines.count >= LineChunk.lines || chunk.byteCount >= LineChunk.bytes { try parseChunk() }
            }
        }
        try parseChunk()
        try sorting.submit { try shared.value.flush() }
        _ = try sorting.finish()
        var file = sorter.file
        file.error = error
        func seconds(_ n: UInt64) -> Logger.MetadataValue { "\(String(format: "%.2fs", Double(n) / 1e9))" }
        logger.debug(
            "read",
            metadata: [
                "file": "\(path)", "parse": seconds(parseNanoseconds), "sort": seconds(sorter.sortNanoseconds),
                "prepare": seconds(sorter.prepareNanoseconds), "waiting for the writer": seconds(sorter.waitNanoseconds),
            ])
        for outcome in try pipeline.finish() {
            file.inserted += outcome.inserted
            file.duplicates += outcome.duplicates
            file.alreadyQuarantined += outcome.quarantineDuplicates
            file.linkConflicts += outcome.linkConflicts
            file.expired += outcome.expired
        }
        progress?.finish()
        return file
    }

    private func ingestCSV(_ path: String, reader: any LineSource, writer: IngestWriter, forgotten: ForgottenPeople) throws
        -> IngestSummary.File
    {
        var parser: CSVRowParser?
        var file = IngestSummary.File(path: path, kind: csvKind?.rawValue ?? "csv")
        var rows: [CSVRow] = []
        var sorter = CallSorter(forgotten: forgotten, extraction: ActivityExtraction(configuration))
        var record = ""
        var recordLine = 0
        let total = fileSize(path)
        func quarantineRecord(_ rejection: Rejection) {
            sorter.reject(rejection, path: path, line: recordLine, raw: Array(record.utf8.prefix(LineReader.keptOfOversized)), file: &file)
        }
        func flush() throws {
            guard !rows.isEmpty || !sorter.rejected.isEmpty else { return }
            let outcome = try writer.write(rows: rows, quarantine: sorter.drain().rejected)
            CrashPoint.hit("ingest-after-batch")
            file.inserted += outcome.inserted
            file.duplicates += outcome.duplicates
            file.alreadyQuarantined += outcome.quarantineDuplicates
            rows.removeAll(keepingCapacity: true)
        }
        file.error = try Self.readingToTheDamage {
            try reader.forEachLine(progress: { progress?.update(label: path, done: $0, total: total) }) { line in
                if let length = line.oversizedLength {
                    file.read += 1
                    sorter.reject(
                        Rejection(.oversizedLine, "\(length) bytes, the limit is \(configuration.hygiene.maxLineBytes)"), path: path,
                        line: line.number, raw: Array(line.bytes), file: &file)
                    return
                }
                guard let text = String(validating: line.bytes, as: UTF8.self) else {
                    file.read += 1
                    sorter.reject(
                        Rejection(.invalidUTF8, "the row is not valid UTF-8"), path: path, line: line.number, raw: Array(line.bytes),
                        file: &file)
                    return
                }
                if record.isEmpty { recordLine = line.number; record = text } else { record += "\n" + text }
                if CSVRowParser.isIncomplete(record[...]) {  // a quoted field goes on to the next line
                    guard record.utf8.count > configuration.hygiene.maxLineBytes else { return }
                    file.read += 1
                    let detail = "a quoted field opened on line \(recordLine) runs past \(configuration.hygiene.maxLineBytes) bytes"
                    quarantineRecord(Rejection(.unterminatedQuote, detail))
                    record = ""
                    return
                }
                defer { record = "" }
                let fields = CSVRowParser.fields(of: record[...])
                guard let p = parser else {
                    let header = fields.map { $0.trimmedWhitespace.lowercased() }
                    guard let kind = csvKind ?? CSVKind.detect(header: header) else { throw IngestError.unknownCSV(path, header) }
                    let missing = kind.requiredColumns.filter { !header.contains($0) }
                    guard missing.isEmpty else { throw IngestError.missingColumns(path, kind, missing) }
                    parser = CSVRowParser(kind: kind, header: header)
                    file.kind = kind.rawValue
                    return
                }
                if fields.count == 1 && fields[0].trimmedWhitespace.isEmpty { return }
                file.read += 1
                switch p.row(fields) {
                case let .success(row) where forgotten.covers(row): file.forgotten += 1
                case let .success(row): rows.append(row)
                case let .failure(rejection): quarantineRecord(rejection)
                }
                if rows.count >= batchSize || sorter.rejected.count >= 1000 { try flush() }
            }
        }
        if parser == nil {
            // A compressed file damaged before its header line is said in its summary like any other damage.
            guard file.error != nil else { throw IngestError.emptyFile(path) }
            return file
        }
        if !record.isEmpty {
            file.read += 1
            quarantineRecord(Rejection(.unterminatedQuote, "a quoted field opened on line \(recordLine) is never closed"))
        }
        try flush()
        progress?.finish()
        return file
    }
}

extension Ingestor {
    /// Runs `read`; a compressed stream found corrupt or truncated ends the file there, said in its summary (what
    /// came before is kept, and the ingest goes on with the next file).
    /// - Returns: what ended the file early, if something did.
    static func readingToTheDamage(_ read: () throws -> Void) throws -> String? {
        do { try read() } catch let damage as IngestError {
            guard case .badCompression = damage else { throw damage }
            return damage.message
        }
        return nil
    }
}

/// Ingest's sorting stage for one file of events: parsed lines become batches, in file order, each prepared and handed to
/// the writing stage. Only that stage's thread touches it until it has finished.
final class EventSorting {
    let path: String
    let writer: IngestWriter
    let pipeline: WritePipeline<BatchOutcome>
    let batchSize: Int
    let maxLineBytes: Int
    var sorter: CallSorter
    var file: IngestSummary.File
    var (sortNanoseconds, prepareNanoseconds, waitNanoseconds): (UInt64, UInt64, UInt64) = (0, 0, 0)

    init(path: String, writer: IngestWriter, pipeline: WritePipeline<BatchOutcome>, batchSize: Int, maxLineBytes: Int, sorter: CallSorter) {
        (self.path, self.writer, self.pipeline, self.batchSize, self.maxLineBytes, self.sorter) = (
            path, writer, pipeline, batchSize, maxLineBytes, sorter
        )
        file = IngestSummary.File(path: path, kind: "events")
        self.sorter.events.reserveCapacity(batchSize)
    }

    /// Sorts a chunk's parsed lines, handing on each batch as it fills.
    func sort(_ parsed: ParsedChunk) throws {
        let started = DispatchTime.now().uptimeNanoseconds
        defer { sortNanoseconds += DispatchTime.now().uptimeNanoseconds - started }
        // Taken from the box, so that each line's calls are this stage's alone: moved, never copied.
        let chunk = parsed.chunk
        var results: [[Result<IncomingEvent, Rejection>]] = []
        swap(&results, &parsed.results)
        for (i, line) in chunk.lines.enumerated() {
            let bytes = chunk.bytes(of: i)
            file.read += 1
            if let length = line.oversizedLength {
                sorter.reject(
                    Rejection(.oversizedLine, "\(length) bytes, the limit is \(maxLineBytes)"), path: path, line: line.number,
                    raw: Array(bytes), file: &file)
            } else {
                // A batch envelope is one line of several calls: each counts as read.
                let envelope = bytes.withUnsafeBufferPointer { EventLineParser.mayBeBatch($0) }
                var calls: [Result<IncomingEvent, Rejection>] = []
                swap(&calls, &results[i])  // moved, not copied
                if calls.count > 1, envelope { file.read += calls.count - 1 }
                sorter.take(calls, path: path, line: line.number, raw: Array(bytes), envelope: envelope, file: &file)
            }
            // Rejected lines are held too: bounded by count and bytes, so memory stays flat.
            if sorter.events.count >= batchSize || sorter.rejected.count >= batchSize || sorter.rejectedBytes >= 16 << 20 {
                try flush()
            }
        }
    }

    /// Prepares what is sorted so far as a batch and hands it to the writing stage.
    func flush() throws {
        guard !sorter.events.isEmpty || !sorter.rejected.isEmpty else { return }
        let (events, rejected) = sorter.drain()
        var started = DispatchTime.now().uptimeNanoseconds
        let batch = writer.prepare(events: events, quarantine: rejected)
        prepareNanoseconds += DispatchTime.now().uptimeNanoseconds - started
        started = DispatchTime.now().uptimeNanoseconds
        defer { waitNanoseconds += DispatchTime.now().uptimeNanoseconds - started }
        let writer = UncheckedSendable(writer)
        try pipeline.submit {
            let outcome = try writer.value.write(batch)
            CrashPoint.hit("ingest-after-batch")
            return outcome
        }
        sorter.events.reserveCapacity(batchSize)
    }
}

/// A chunk's lines and their parsed calls, handed from the reading stage to the sorting stage.
final class ParsedChunk: @unchecked Sendable {
    let chunk: LineChunk
    var results: [[Result<IncomingEvent, Rejection>]]
    init(_ chunk: LineChunk, _ results: [[Result<IncomingEvent, Rejection>]]) { (self.chunk, self.results) = (chunk, results) }
}

/// Lines copied out of the reader's buffer, to be parsed on several threads at once.
struct LineChunk {
    static let lines = 8_192
    static let bytes = 8 << 20
    private(set) var lines: [(number: Int, oversizedLength: Int?, start: Int, count: Int)] = []
    private var buffer: [UInt8] = []
    var byteCount: Int { buffer.count }

    mutating func append(_ line: LineSplitter.Line) {
        lines.append((line.number, line.oversizedLength, buffer.count, line.bytes.count))
        buffer.append(contentsOf: line.bytes)
    }

    mutating func removeAll() {
        lines.removeAll(keepingCapacity: true)
        buffer.removeAll(keepingCapacity: true)
    }

    func bytes(of index: Int) -> ArraySlice<UInt8> {
        let line = lines[index]
        return buffer[line.start..<(line.start + line.count)]
    }

    /// Every line's calls (an oversized line's are not read: none), parsed by `workers` threads, in line order.
    func parse(with parser: EventLineParser, workers: Int) -> [[Result<IncomingEvent, Rejection>]] {
        var results = [[Result<IncomingEvent, Rejection>]](repeating: [], count: lines.count)
        let lines = self.lines
        buffer.withUnsafeBufferPointer { all in
            results.withUnsafeMutableBufferPointer { out in
                let (input, output) = (UncheckedSendable(all), UncheckedSendable(out))
                let share = (lines.count + workers - 1) / max(workers, 1)
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    for i in (worker * share)..<min(lines.count, (worker + 1) * share) where lines[i].oversizedLength == nil {
                        let line = lines[i]
                        output.value[i] = parser.parseLine(
                            UnsafeBufferPointer(rebasing: input.value[line.start..<(line.start + line.count)]))
                    }
                }
            }
        }
        return results
    }
}

/// Hands a value to the pipeline's writer thread. Used for the `IngestWriter`, which only that
/// thread touches while a file is being ingested.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
