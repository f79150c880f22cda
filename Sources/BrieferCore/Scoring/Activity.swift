/// One event as scoring sees it: its time and interned ids (0 = none). The store keeps a user's
/// events of one UTC day packed together (``ActivityDay``), which is all that scoring reads.
public struct ActivityEntry: Sendable, Hashable, Comparable {
    public var milliseconds: Int64
    /// The event name's term id.
    public var name: UInt32
    /// The feature's term id when features are a property (`weighted.engagement.feature_property`), else 0.
    public var feature: UInt32
    /// The signal detail's term id (e.g. the `limit` of `plan_limit_reached`), else 0.
    public var detail: UInt32

    public init(milliseconds: Int64, name: UInt32, feature: UInt32 = 0, detail: UInt32 = 0) {
        self.milliseconds = milliseconds; self.name = name; self.feature = feature; self.detail = detail
    }

    public static func < (a: ActivityEntry, b: ActivityEntry) -> Bool {
        (a.milliseconds, a.name, a.feature, a.detail) < (b.milliseconds, b.name, b.feature, b.detail)
    }
}

/// A user's events of one UTC day, in time order.
public struct ActivityDay: Sendable, Equatable {
    public var day: Int64
    public var entries: [ActivityEntry]

    public init(day: Int64, entries: [ActivityEntry]) { self.day = day; self.entries = entries }

    static let entryBytes = 16

    /// Packs the entries: per entry, milliseconds into the day, name, feature, detail (UInt32 LE each).
    public func encoded() -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(entries.count * ActivityDay.entryBytes)
        let dayStart = day * Timestamp.millisecondsPerDay
        for e in entries {
            for v in [UInt32(e.milliseconds - dayStart), e.name, e.feature, e.detail] {
                out.append(UInt8(truncatingIfNeeded: v)); out.append(UInt8(truncatingIfNeeded: v >> 8))
                out.append(UInt8(truncatingIfNeeded: v >> 16)); out.append(UInt8(truncatingIfNeeded: v >> 24))
            }
        }
        return out
    }

    public init?(day: Int64, encoded bytes: UnsafeRawBufferPointer) {
        guard bytes.count % ActivityDay.entryBytes == 0 else { return nil }
        let dayStart = day * Timestamp.millisecondsPerDay
        var entries: [ActivityEntry] = []
        entries.reserveCapacity(bytes.count / ActivityDay.entryBytes)
        var offset = 0
        while offset < bytes.count {
            let ms = bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian
            let name = bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self).littleEndian
            let feature = bytes.loadUnaligned(fromByteOffset: offset + 8, as: UInt32.self).littleEndian
            let detail = bytes.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self).littleEndian
            entries.append(ActivityEntry(milliseconds: dayStart + Int64(ms), name: name, feature: feature, detail: detail))
            offset += ActivityDay.entryBytes
        }
        self.init(day: day, entries: entries)
    }

    /// Merges two packed entry lists of the same day, keeping time order (the store's
    /// `merge_activity` SQL function).
    public static func mergeEncoded(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> [UInt8] {
        mergePacked(a, b, words: entryBytes / 4)
    }

    /// Merges two sorted lists of fixed-size items, each `words` little-endian UInt32s compared in order.
    static func mergePacked(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer, words: Int) -> [UInt8] {
        let size = words * 4
        func lessOrEqual(_ p: UnsafeRawBufferPointer, _ i: Int, _ q: UnsafeRawBufferPointer, _ j: Int) -> Bool {
            for w in 0..<words {
                let x = p.loadUnaligned(fromByteOffset: i + w * 4, as: UInt32.self).littleEndian
                let y = q.loadUnaligned(fromByteOffset: j + w * 4, as: UInt32.self).littleEndian
                if x != y { return x < y }
            }
            return true
        }
        var out = [UInt8]()
        out.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count || j < b.count {
            let takeA = j >= b.count || (i < a.count && lessOrEqual(a, i, b, j))
            if takeA { out.append(contentsOf: a[i..<(i + size)]); i += size } else { out.append(contentsOf: b[j..<(j + size)]); j += size }
        }
        return out
    }

    /// Merges more entries of the same day, keeping time order.
    public mutating func merge(_ more: [ActivityEntry]) {
        entries.append(contentsOf: more)
        entries.sort()
    }
}

/// A user's group hints of one UTC day, from the activity events that carry one (not a vendor's system events): each
/// event's time and hint, in order. Scoring as of a time before a user's latest hint reads them to find the hint as it
/// stood then, without the raw events.
public enum HintDay {
    static let itemBytes = 8

    /// Packs (time, hint term id) pairs: milliseconds into the day and the id, UInt32 LE each, sorted.
    public static func encode(day: Int64, _ hints: [(milliseconds: Int64, hint: UInt32)]) -> [UInt8] {
        let dayStart = day * Timestamp.millisecondsPerDay
        var out = [UInt8]()
        out.reserveCapacity(hints.count * itemBytes)
        for (ms, hint) in hints.map({ (UInt32($0.milliseconds - dayStart), $0.hint) }).sorted(by: { ($0.0, $0.1) < ($1.0, $1.1) }) {
            for v in [ms, hint] { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        }
        return out
    }

    public static func decode(day: Int64, _ bytes: UnsafeRawBufferPointer) -> [(milliseconds: Int64, hint: UInt32)] {
        let dayStart = day * Timestamp.millisecondsPerDay
        return stride(from: 0, to: bytes.count - bytes.count % itemBytes, by: itemBytes).map { offset in
            (
                dayStart + Int64(bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian),
                bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self).littleEndian
            )
        }
    }

    /// Merges two packed lists of one day (the store's `merge_hints` SQL function).
    public static func mergeEncoded(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> [UInt8] {
        ActivityDay.mergePacked(a, b, words: itemBytes / 4)
    }
}

/// Term ids: event names, feature values and signal details share one dictionary.
public struct Vocabulary: Sendable {
    public var ids: [String: UInt32]
    public init(ids: [String: UInt32]) { self.ids = ids }
    public func id(_ term: String) -> UInt32? { ids[term] }

    public var texts: [UInt32: String] {
        var out: [UInt32: String] = [:]
        for (text, id) in ids { out[id] = text }
        return out
    }
}
