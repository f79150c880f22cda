import CLZ4

/// One stored activity event (a track, page or screen call): what the raw event log keeps of it, which is what explain,
/// backtests, a rebuild of the aggregates, forget, retention and `briefer sql inputs` read back.
public struct RawEvent: Sendable, Equatable {
    /// The 128-bit dedup key (``IncomingEvent/dedupHead`` and ``IncomingEvent/dedupTail``).
    public var head: Int64
    public var tail: Int64
    public var kind: IncomingEvent.Kind
    /// The user's row id; nil for an anonymous visitor's event.
    public var user: Int64?
    public var anonymousId: String?
    /// The event name's term id (a page or screen call's as the page rules named it at ingest).
    public var name: UInt32
    public var milliseconds: Int64
    public var groupHint: String?
    /// The properties as written in the line; nil once retention trimmed them.
    public var properties: String?
    /// A page or screen call's canonical fields (what names it when the page rules change); nil for a track call.
    public var traits: String?
    /// The vendor export the event came from; nil for Segment's calls and seed 004's events.
    public var source: String?

    public init(
        head: Int64, tail: Int64, kind: IncomingEvent.Kind, user: Int64?, anonymousId: String?, name: UInt32, milliseconds: Int64,
        groupHint: String?, properties: String?, traits: String?, source: String?
    ) {
        self.head = head; self.tail = tail; self.kind = kind; self.user = user; self.anonymousId = anonymousId; self.name = name
        self.milliseconds = milliseconds; self.groupHint = groupHint; self.properties = properties; self.traits = traits
        self.source = source
    }
}

/// The raw event log's unit: a batch's activity events packed into one value. The dedup keys come first, as they are (random
/// bits do not compress), then the rest of every event, compressed with LZ4 (several hundred MB/s on one core: ingest
/// keeps up; the JSON text shrinks about fourfold).
///
/// Layout (version 2): `02`, varint count, count × (head, tail) as little-endian Int64s, varint length of the rest,
/// varint length of the rest compressed, the rest compressed (version 1, written by no release, deflated it and is not
/// read). The rest,
/// per event: kind (1 byte), varint user row id + 1 (0: none), varint name id, zig-zag varint of the time minus the
/// previous event's, then anonymous id, group hint, properties, traits and source, each as varint (byte length + 1) then
/// the UTF-8 bytes (0: none).
public enum EventBlock {
    public static let version: UInt8 = 2

    /// Why stored bytes are not a block (a damaged database, or one written by a later version).
    public struct Damaged: Error, Sendable, CustomStringConvertible {
        public var detail: String
        public var description: String { "a stored event block cannot be read: \(detail)" }
    }

    /// Packs events (in the order given: the order they are read back in).
    public static func encode(_ events: [RawEvent]) -> [UInt8] {
        let writer = Writer(capacity: events.count)
        for e in events {
            writer.append(
                head: e.head, tail: e.tail, kind: e.kind, user: e.user, anonymousId: e.anonymousId, name: e.name,
                milliseconds: e.milliseconds,
                groupHint: e.groupHint, properties: e.properties, traits: e.traits, source: e.source)
        }
        return writer.finish()
    }

    /// Packs events one at a time, from whatever holds their fields (no ``RawEvent`` made).
    public final class Writer {
        private let keys: ByteWriter
        private let rest: ByteWriter
        private var previous: Int64 = 0
        public private(set) var count = 0
        public private(set) var span: (first: Int64, last: Int64) = (.max, .min)

        public init(capacity: Int) {
            keys = ByteWriter(capacity: capacity * 16)
            rest = ByteWriter(capacity: capacity * 64 + 64)
        }

        public func append(
            head: Int64, tail: Int64, kind: IncomingEvent.Kind, user: Int64?, anonymousId: String?, name: UInt32, milliseconds: Int64,
            groupHint: String?, properties: String?, traits: String?, source: String?
        ) {
            keys.fixed(UInt64(bitPattern: head))
            keys.fixed(UInt64(bitPattern: tail))
            rest.byte(kind.code)
            rest.varint(user.map { UInt64(bitPattern: $0) &+ 1 } ?? 0)
            rest.varint(UInt64(name))
            rest.varint(Varint.zigZag(milliseconds &- previous))
            previous = milliseconds
            rest.text(anonymousId)
            rest.text(groupHint)
            rest.text(properties)
            rest.text(traits)
            rest.text(source)
            count += 1
            span = (min(span.first, milliseconds), max(span.last, milliseconds))
        }

        /// The block.
        public func finish() -> [UInt8] {
            let out = ByteWriter(capacity: 32 + keys.count + Int(LZ4_compressBound(Int32(rest.count))))
            out.byte(version)
            out.varint(UInt64(count))
            out.append(keys)
            out.varint(UInt64(rest.count))
            out.compressed(rest)
            return out.bytes
        }
    }

    /// Unpacks a block.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws -> [RawEvent] {
        var reader = ByteReader(bytes)
        let format = try reader.byte()
        guard format == version else { throw Damaged(detail: "unknown format \(format)") }
        let count = try reader.count(of: 16)
        var keys: [(Int64, Int64)] = []
        keys.reserveCapacity(count)
        for _ in 0..<count { keys.append((Int64(bitPattern: try reader.fixed()), Int64(bitPattern: try reader.fixed()))) }
        let restLength = try reader.varint()
        // A compressed byte stands for at most 255 bytes (LZ4's limit): a larger claim is damage, not an allocation to make.
        let packedLength = try reader.count(of: 1)
        guard restLength <= UInt64(packedLength) * 260 + 64 else { throw Damaged(detail: "a length past what it could hold") }
        let packed = try reader.bytes(packedLength)
        let rest = try decompress(packed, length: Int(restLength))
        guard reader.atEnd else { throw Damaged(detail: "bytes after the events") }
        return try rest.withUnsafeBytes { raw in
            var r = ByteReader(raw)
            var events: [RawEvent] = []
            events.reserveCapacity(count)
            var previous: Int64 = 0
            for (head, tail) in keys {
                let kindIndex = Int(try r.byte())
                guard kindIndex < IncomingEvent.Kind.byCode.count else { throw Damaged(detail: "unknown kind \(kindIndex)") }
                let user = try r.varint()
                let name = try r.varint()
                guard name <= UInt64(UInt32.max) else { throw Damaged(detail: "a term id out of range") }
                previous = previous &+ Varint.unZigZag(try r.varint())
                events.append(
                    RawEvent(
                        head: head, tail: tail, kind: IncomingEvent.Kind.byCode[kindIndex],
                        user: user == 0 ? nil : Int64(bitPattern: user &- 1),
                        anonymousId: try r.text(), name: UInt32(name), milliseconds: previous, groupHint: try r.text(),
                        properties: try r.text(), traits: try r.text(), source: try r.text()))
            }
            guard r.atEnd else { throw Damaged(detail: "bytes after the last event") }
            return events
        }
    }

    public static func decode(_ bytes: [UInt8]) throws -> [RawEvent] { try bytes.withUnsafeBytes { try decode($0) } }

    static func decompress(_ input: UnsafeRawBufferPointer, length: Int) throws -> [UInt8] {
        guard length > 0 else { return [] }
        var output = [UInt8](repeating: 0, count: length)
        let produced = output.withUnsafeMutableBytes { out in
            LZ4_decompress_safe(
                input.baseAddress?.assumingMemoryBound(to: CChar.self), out.baseAddress?.assumingMemoryBound(to: CChar.self),
                Int32(input.count), Int32(length))
        }
        guard produced == length else { throw Damaged(detail: "its compressed part does not decompress (LZ4 \(produced))") }
        return output
    }

}

extension IncomingEvent.Kind {
    /// The kind's byte in a block.
    var code: UInt8 {
        switch self {
        case .track: 0
        case .page: 1
        case .screen: 2
        case .identify: 3
        case .group: 4
        case .alias: 5
        }
    }
    static let byCode: [IncomingEvent.Kind] = [.track, .page, .screen, .identify, .group, .alias]
}

/// A growing byte buffer written without a bounds check per byte (the block encoder's).
final class ByteWriter {
    private var storage: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        storage = .allocate(capacity: self.capacity)
    }

    deinit { storage.deallocate() }

    var bytes: [UInt8] { Array(UnsafeBufferPointer(start: storage, count: count)) }

    private func reserve(_ n: Int) {
        guard count + n > capacity else { return }
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: max(capacity * 2, count + n))
        grown.update(from: storage, count: count)
        storage.deallocate()
        storage = grown
        capacity = max(capacity * 2, count + n)
    }

    func byte(_ b: UInt8) {
        reserve(1)
        storage[count] = b
        count += 1
    }

    func varint(_ value: UInt64) {
        reserve(10)
        var v = value
        while v >= 0x80 {
            storage[count] = UInt8(truncatingIfNeeded: v) | 0x80
            count += 1
            v >>= 7
        }
        storage[count] = UInt8(v)
        count += 1
    }

    func fixed(_ value: UInt64) {
        reserve(8)
        UnsafeMutableRawPointer(storage + count).storeBytes(of: value.littleEndian, as: UInt64.self)
        count += 8
    }

    /// Varint (length + 1) then the UTF-8 bytes; 0 for none.
    func text(_ text: String?) {
        guard let text else { return byte(0) }
        let written = text.utf8.withContiguousStorageIfAvailable { utf8 in
            varint(UInt64(utf8.count) + 1)
            reserve(utf8.count)
            if let base = utf8.baseAddress { (storage + count).update(from: base, count: utf8.count) }
            count += utf8.count
        }
        if written == nil {
            var contiguous = text
            contiguous.makeContiguousUTF8()
            self.text(contiguous)
        }
    }

    func append(_ other: ByteWriter) {
        reserve(other.count)
        (storage + count).update(from: other.storage, count: other.count)
        count += other.count
    }

    /// `source`'s bytes compressed (LZ4), after a varint of their compressed length.
    func compressed(_ source: ByteWriter) {
        let bound = Int(LZ4_compressBound(Int32(source.count)))
        let scratch = UnsafeMutablePointer<CChar>.allocate(capacity: max(bound, 1))
        defer { scratch.deallocate() }
        let length = source.storage.withMemoryRebound(to: CChar.self, capacity: max(source.count, 1)) {
            LZ4_compress_default($0, scratch, Int32(source.count), Int32(bound))
        }
        precondition(length > 0 || source.count == 0, "LZ4 could not compress")
        varint(UInt64(length))
        reserve(Int(length))
        scratch.withMemoryRebound(to: UInt8.self, capacity: max(bound, 1)) { (storage + count).update(from: $0, count: Int(length)) }
        count += Int(length)
    }
}

/// Zig-zag for signed values, and fixed little-endian 64-bit words (``ByteWriter`` writes the varints).
public enum Varint {
    public static func appendFixed(_ value: UInt64, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    public static func zigZag(_ value: Int64) -> UInt64 { UInt64(bitPattern: (value << 1) ^ (value >> 63)) }
    public static func unZigZag(_ value: UInt64) -> Int64 { Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1) }
}

/// Reads what ``Varint`` and ``EventBlock`` write, refusing to read past the end.
public struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    public private(set) var offset = 0

    public init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    public var atEnd: Bool { offset == bytes.count }

    public mutating func byte() throws -> UInt8 {
        guard offset < bytes.count else { throw EventBlock.Damaged(detail: "it ends early") }
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func varint() throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            guard shift < 64 else { throw EventBlock.Damaged(detail: "a number runs too long") }
            value |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return value }
            shift += 7
        }
    }

    public mutating func fixed() throws -> UInt64 {
        guard bytes.count - offset >= 8 else { throw EventBlock.Damaged(detail: "it ends early") }
        defer { offset += 8 }
        return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// A count of items of `size` bytes each, refused when they could not fit in what is left.
    public mutating func count(of size: Int) throws -> Int {
        let n = try varint()
        guard n <= UInt64(bytes.count - offset) / UInt64(size) else { throw EventBlock.Damaged(detail: "a count past its end") }
        return Int(n)
    }

    public mutating func bytes(_ n: Int) throws -> UnsafeRawBufferPointer {
        guard bytes.count - offset >= n else { throw EventBlock.Damaged(detail: "it ends early") }
        defer { offset += n }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + n)])
    }

    public mutating func text() throws -> String? {
        let n = try varint()
        guard n > 0 else { return nil }
        guard n - 1 <= UInt64(bytes.count - offset) else { throw EventBlock.Damaged(detail: "a text past its end") }
        let utf8 = try bytes(Int(n - 1))
        return String(decoding: utf8, as: UTF8.self)
    }
}
