// Coverage-guided fuzz targets over BrieferCore (SPEC §2): the JSON parser, the event line parser of every source,
// the CSV reader, the line splitter, the gzip inflater, the zip reader and the event blocks of the store. Built with `swiftc -sanitize=fuzzer,address` together
// with BrieferCore's sources (Tests/fuzz/run.sh); the target is BRIEFER_FUZZ_TARGET. A target fails by crashing:
// every input must end in a value or a typed rejection, never a trap, a hang or a leak.
import Foundation

let target = ProcessInfo.processInfo.environment["BRIEFER_FUZZ_TARGET"] ?? "json"
let parsers: [EventLineParser] = EventFormat.allCases.map {
    EventLineParser(now: Timestamp(milliseconds: 1_800_000_000_000), futureToleranceSeconds: 300, format: $0)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let input = UnsafeBufferPointer(start: start, count: count)
    switch target {
    case "json":
        if let value = try? JSONParser.parse(input) {
            // What parses must print and parse back to the same canonical text.
            let text = value.canonicalText
            guard let again = try? JSONParser.parse(text), again.canonicalText == text else {
                fatalError("canonical text does not parse back: \(text)")
            }
        }
    case "line":
        // The first byte picks the source the line is read as (auto detects per line).
        guard let first = input.first else { return 0 }
        let parser = parsers[Int(first) % parsers.count]
        for result in parser.parseLine(UnsafeBufferPointer(rebasing: input.dropFirst())) {
            if case let .success(event) = result { _ = (event.dedupHead, event.properties, IdentifyTraits(event.traits)) }
        }
    case "csv":
        let text = String(decoding: input, as: UTF8.self)
        let fields = CSVRowParser.fields(of: text[...])
        _ = CSVRowParser.isIncomplete(text[...])
        for kind in CSVKind.allCases {
            let parser = CSVRowParser(kind: kind, header: kind.requiredColumns)
            _ = parser.row(fields)
        }
    case "split":
        // Lines of any sizes, in pieces of any sizes: the bytes handed on are the input's, newlines aside.
        guard let first = input.first else { return 0 }
        var splitter = LineSplitter(maxLineBytes: 64 + Int(first))
        let piece = 1 + Int(first % 17)
        var total = 0
        var start = 1
        while start < input.count {
            let end = min(input.count, start + piece)
            splitter.feed(UnsafeBufferPointer(rebasing: input[start..<end])) { total += $0.oversizedLength ?? $0.bytes.count }
            start = end
        }
        splitter.finish { total += $0.oversizedLength ?? $0.bytes.count }
        if total > input.count { fatalError("the splitter handed on more bytes than it was given") }
    case "block":
        // Any bytes as a stored event block: refused with a typed error, or read as events that pack and read back the same.
        if let events = try? EventBlock.decode(Array(input)) {
            guard (try? EventBlock.decode(EventBlock.encode(events))) == events else { fatalError("a block does not read back as written") }
        }
    case "inflate":
        let inflater = Inflater()
        var out = 0
        do {
            try inflater.feed(input) { out += $0.count }
            try inflater.finish { out += $0.count }
        } catch {}
    case "zip":
        // Any bytes as an archive: its directory read, each file read within its own size (no trap, no hang, and no
        // more output than deflate can make of the input).
        let bytes = Array(input)
        guard
            let archive = try? ZipArchive(
                size: UInt64(bytes.count),
                read: { offset, count in
                    guard offset < UInt64(bytes.count) else { return [] }
                    return Array(bytes[Int(offset)..<min(bytes.count, Int(offset) + count)])
                })
        else { return 0 }
        for entry in archive.entries.prefix(64) {
            var out = 0
            try? archive.forEachChunk(of: entry, chunkSize: 1 + Int(entry.crc32 % 4096)) { out += $0.count }
            if out > 1032 * bytes.count + 64 { fatalError("a file gave more output than its archive could hold") }
        }
    default:
        fatalError("unknown BRIEFER_FUZZ_TARGET \(target): json, line, csv, split, inflate or zip")
    }
    return 0
}
