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
        let size = entryBytes
        func key(_ p: UnsafeRawBufferPointer, _ i: Int) -> (UInt32, UInt32, UInt32, UInt32) {
            (
                p.loadUnaligned(fromByteOffset: i, as: UInt32.self).littleEndian,
                p.loadUnaligned(fromByteOffset: i + 4, as: UInt32.self).littleEndian,
                p.loadUnaligned(fromByteOffset: i + 8, as: UInt32.self).littleEndian,
                p.loadUnaligned(fromByteOffset: i + 12, as: UInt32.self).littleEndian
            )
        }
        var out = [UInt8]()
        out.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count || j < b.count {
            let takeA = j >= b.count || (i < a.count && key(a, i) <= key(b, j))
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
