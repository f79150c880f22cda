import CBrieferZlib

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
/// bits do not compress), then the rest of every event, deflated (zlib level 1: fast, and the JSON text shrinks about
/// sixfold).
///
/// Layout (version 1): `01`, varint count, count × (head, tail) as little-endian Int64s, varint length of the rest,
/// varint length of the rest deflated, the rest deflated. Deflated, per event: kind (1 byte), varint user row id + 1 (0: none), varint name id,
/// zig-zag varint of the time minus the previous event's, then anonymous id, group hint, properties, traits and source,
/// each as varint (byte length + 1) then the UTF-8 bytes (0: none).
public enum EventBlock {
    public static let version: UInt8 = 1

    /// Why stored bytes are not a block (a damaged database, or one written by a later version).
    public struct Damaged: Error, Sendable, CustomStringConvertible {
        public var detail: String
        public var description: String { "a stored event block cannot be read: \(detail)" }
    }

    static let kinds: [IncomingEvent.Kind] = [.track, .page, .screen, .identify, .group, .alias]

    /// Packs events (in the order given: the order they are read back in).
    public static func encode(_ events: [RawEvent]) -> [UInt8] {
        var out: [UInt8] = [version]
        out.reserveCapacity(16 + events.count * 32)
        Varint.append(UInt64(events.count), to: &out)
        for event in events {
            Varint.appendFixed(UInt64(bitPattern: event.head), to: &out)
            Varint.appendFixed(UInt64(bitPattern: event.tail), to: &out)
        }
        var rest: [UInt8] = []
        rest.reserveCapacity(events.count * 48)
        var previous: Int64 = 0
        for event in events {
            rest.append(UInt8(kinds.firstIndex(of: event.kind)!))
            Varint.append(event.user.map { UInt64(bitPattern: $0) &+ 1 } ?? 0, to: &rest)
            Varint.append(UInt64(event.name), to: &rest)
            Varint.append(Varint.zigZag(event.milliseconds &- previous), to: &rest)
            previous = event.milliseconds
            for text in [event.anonymousId, event.groupHint, event.properties, event.traits, event.source] {
                appendText(text, to: &rest)
            }
        }
        let packed = deflate(rest)
        Varint.append(UInt64(rest.count), to: &out)
        Varint.append(UInt64(packed.count), to: &out)
        out += packed
        return out
    }

    /// The number of events in a block, read from its head alone.
    public static func count(_ bytes: UnsafeRawBufferPointer) throws -> Int {
        var reader = ByteReader(bytes)
        guard try reader.byte() == version else { throw Damaged(detail: "unknown format \(bytes.first ?? 0)") }
        return Int(try reader.varint())
    }

    /// Every event's dedup key, without inflating the rest.
    public static func keys(_ bytes: UnsafeRawBufferPointer) throws -> [(head: Int64, tail: Int64)] {
        var reader = ByteReader(bytes)
        guard try reader.byte() == version else { throw Damaged(detail: "unknown format \(bytes.first ?? 0)") }
        let count = try reader.count(of: 16)
        var keys: [(head: Int64, tail: Int64)] = []
        keys.reserveCapacity(count)
        for _ in 0..<count { keys.append((Int64(bitPattern: try reader.fixed()), Int64(bitPattern: try reader.fixed()))) }
        return keys
    }

    /// Unpacks a block.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws -> [RawEvent] {
        var reader = ByteReader(bytes)
        guard try reader.byte() == version else { throw Damaged(detail: "unknown format \(bytes.first ?? 0)") }
        let count = try reader.count(of: 16)
        var keys: [(Int64, Int64)] = []
        keys.reserveCapacity(count)
        for _ in 0..<count { keys.append((Int64(bitPattern: try reader.fixed()), Int64(bitPattern: try reader.fixed()))) }
        let restLength = try reader.varint()
        // A deflated byte stands for at most 1032 bytes (zlib's limit): a larger claim is damage, not an allocation to make.
        let packedLength = try reader.count(of: 1)
        guard restLength <= UInt64(packedLength) * 1032 else { throw Damaged(detail: "a length past what it could hold") }
        let rest = try inflate(try reader.bytes(packedLength), length: Int(restLength))
        guard reader.atEnd else { throw Damaged(detail: "bytes after the events") }
        return try rest.withUnsafeBytes { raw in
            var r = ByteReader(raw)
            var events: [RawEvent] = []
            events.reserveCapacity(count)
            var previous: Int64 = 0
            for (head, tail) in keys {
                let kindIndex = Int(try r.byte())
                guard kindIndex < kinds.count else { throw Damaged(detail: "unknown kind \(kindIndex)") }
                let user = try r.varint()
                let name = try r.varint()
                guard name <= UInt64(UInt32.max) else { throw Damaged(detail: "a term id out of range") }
                previous = previous &+ Varint.unZigZag(try r.varint())
                events.append(
                    RawEvent(
                        head: head, tail: tail, kind: kinds[kindIndex], user: user == 0 ? nil : Int64(bitPattern: user &- 1),
                        anonymousId: try r.text(), name: UInt32(name), milliseconds: previous, groupHint: try r.text(),
                        properties: try r.text(), traits: try r.text(), source: try r.text()))
            }
            guard r.atEnd else { throw Damaged(detail: "bytes after the last event") }
            return events
        }
    }

    public static func decode(_ bytes: [UInt8]) throws -> [RawEvent] { try bytes.withUnsafeBytes { try decode($0) } }

    private static func appendText(_ text: String?, to out: inout [UInt8]) {
        guard var text else { return out.append(0) }
        text.withUTF8 { utf8 in
            Varint.append(UInt64(utf8.count) + 1, to: &out)
            out.append(contentsOf: utf8)
        }
    }

    static func deflate(_ input: [UInt8]) -> [UInt8] {
        var length = compressBound(uLong(input.count))
        var output = [UInt8](repeating: 0, count: Int(length))
        let status = output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { compress2(out.baseAddress, &length, $0.baseAddress, uLong($0.count), 1) }
        }
        precondition(status == Z_OK, "zlib could not compress (out of memory)")
        output.removeLast(output.count - Int(length))
        return output
    }

    static func inflate(_ input: UnsafeRawBufferPointer, length: Int) throws -> [UInt8] {
        guard length > 0 else { return [] }
        var output = [UInt8](repeating: 0, count: length)
        var produced = uLong(length)
        let status = output.withUnsafeMutableBufferPointer { out in
            uncompress(out.baseAddress, &produced, input.bindMemory(to: UInt8.self).baseAddress, uLong(input.count))
        }
        guard status == Z_OK, produced == uLong(length) else {
            throw Damaged(detail: "its deflated part does not inflate (zlib \(status))")
        }
        return output
    }
}

/// Unsigned LEB128 varints, zig-zag for signed values, and fixed little-endian 64-bit words.
public enum Varint {
    public static func append(_ value: UInt64, to out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

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
