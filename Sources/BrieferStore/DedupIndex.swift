import BrieferCore
import Foundation
import GRDB
import GRDBSQLite

/// A stored event's 128-bit dedup key, ordered as the index keeps it.
struct DedupKey: Hashable, Comparable {
    var head: Int64
    var tail: Int64

    static func < (a: DedupKey, b: DedupKey) -> Bool { a.head != b.head ? a.head < b.head : a.tail < b.tail }
}

/// The dedup keys of every stored event, as a log-structured set in the database: each batch's new keys are written as one
/// sorted run (a blob, appended: no random page writes, whatever the key order), and runs of about the same size are merged
/// four at a time, so a store of N keys holds a few runs per size tier, log4(N) tiers. A unique B-tree index instead
/// rewrites most of its pages on every batch of random keys.
///
/// Lookups go through a Bloom filter of every stored key, built in memory when the index is opened (about 1.5 bytes per
/// key): a key it has never seen is new without touching the disk. The few that might be stored are looked for in each run
/// through the run's fence (every 256th key, stored with it), one 4 KiB piece of the run read per piece holding a candidate.
///
/// Used inside the write transactions of one connection. Another process's runs are taken in at the start of each
/// (``refresh(_:)``), so two writers never both store one key.
final class DedupIndex {
    /// The table (schema v16). AUTOINCREMENT: a run's id is never another's, even after the last run is merged away.
    static let schema = """
        CREATE TABLE dedup_runs(id INTEGER PRIMARY KEY AUTOINCREMENT, keys INTEGER NOT NULL, fence BLOB NOT NULL, data BLOB NOT NULL)
        """
    static let keyBytes = 16
    static let fenceStride = 256
    static let mergeFanIn = 4

    private var filter: BloomFilter
    /// Runs whose keys are in the filter, and their fences.
    private var fences: [Int64: [DedupKey]] = [:]
    private var count = 0

    init(_ db: Database) throws {
        let stored = try Int.fetchOne(db, sql: "SELECT coalesce(sum(keys), 0) FROM dedup_runs") ?? 0
        filter = BloomFilter(capacity: Self.capacity(for: stored))
        try refresh(db)
    }

    private static func capacity(for keys: Int) -> Int { max(1 << 20, keys + keys / 2) }

    /// Takes in runs written since the last look (by another process, or merges), and forgets runs gone.
    func refresh(_ db: Database) throws {
        let runs = try Row.fetchAll(db, sql: "SELECT id, keys FROM dedup_runs")
        let ids = Set(runs.map { $0["id"] as Int64 })
        for id in fences.keys where !ids.contains(id) { fences[id] = nil }
        for row in runs where fences[row["id"]] == nil {
            let id: Int64 = row["id"]
            fences[id] = try Self.fence(db, run: id)
            try Self.forEachKey(db, run: id) { filter.insert($0) }
            count += row["keys"] as Int
        }
        if count > filter.capacity { try rebuildFilter(db) }
    }

    /// A filter sized for what the store holds now, from every run's keys.
    private func rebuildFilter(_ db: Database) throws {
        count = try Int.fetchOne(db, sql: "SELECT coalesce(sum(keys), 0) FROM dedup_runs") ?? 0
        filter = BloomFilter(capacity: Self.capacity(for: count))
        for id in fences.keys { try Self.forEachKey(db, run: id) { filter.insert($0) } }
    }

    /// Which of `keys` are not stored yet; those are stored (in this transaction). Of keys repeated in `keys`, the first
    /// is the new one.
    /// - Returns: per key, whether it is new.
    func insert(_ keys: [DedupKey], _ db: Database) throws -> [Bool] {
        var isNew = [Bool](repeating: true, count: keys.count)
        var seen = Set<DedupKey>(minimumCapacity: keys.count)
        var candidates: [Int] = []
        for (i, key) in keys.enumerated() {
            if !seen.insert(key).inserted {
                isNew[i] = false
            } else if filter.mayContain(key) {
                candidates.append(i)
            }
        }
        if !candidates.isEmpty {
            let stored = try find(candidates.map { keys[$0] }, db)
            for i in candidates where stored.contains(keys[i]) { isNew[i] = false }
        }
        var fresh = keys.indices.filter { isNew[$0] }.map { keys[$0] }
        guard !fresh.isEmpty else { return isNew }
        fresh.sort()
        try write(run: fresh, db)
        for key in fresh { filter.insert(key) }
        count += fresh.count
        try compact(db)
        if count > filter.capacity { try rebuildFilter(db) }
        return isNew
    }

    /// Which of `keys` are stored.
    func find(_ keys: [DedupKey], _ db: Database) throws -> Set<DedupKey> {
        var found = Set<DedupKey>()
        var left = keys.sorted()
        for (run, fence) in fences.sorted(by: { $0.key > $1.key }) where !left.isEmpty {
            try Self.lookUp(left, in: run, fence: fence, db) { found.insert($0) }
            left.removeAll { found.contains($0) }
        }
        return found
    }

    /// Removes stored keys (events removed by forget or retention). Runs holding none of them are not rewritten.
    func remove(_ keys: Set<DedupKey>, _ db: Database) throws {
        guard !keys.isEmpty else { return }
        let sorted = keys.sorted()
        for (run, fence) in fences {
            var holds = false
            try Self.lookUp(sorted, in: run, fence: fence, db) { _ in holds = true }
            guard holds else { continue }
            var kept: [DedupKey] = []
            try Self.forEachKey(db, run: run) { if !keys.contains($0) { kept.append($0) } }
            try db.execute(sql: "DELETE FROM dedup_runs WHERE id = ?", arguments: [run])
            fences[run] = nil
            if !kept.isEmpty { try write(run: kept, db) }
        }
        // The filter keeps the removed keys' bits: they only make lookups a little likelier.
        count = try Int.fetchOne(db, sql: "SELECT coalesce(sum(keys), 0) FROM dedup_runs") ?? 0
    }

    // MARK: Runs

    /// Writes sorted keys as a new run.
    private func write(run keys: [DedupKey], _ db: Database) throws {
        var data: [UInt8] = []
        data.reserveCapacity(keys.count * Self.keyBytes)
        var fenceBytes: [UInt8] = []
        var fence: [DedupKey] = []
        for (i, key) in keys.enumerated() {
            Self.append(key, to: &data)
            if i % Self.fenceStride == 0 {
                Self.append(key, to: &fenceBytes)
                fence.append(key)
            }
        }
        try db.execute(
            sql: "INSERT INTO dedup_runs(keys, fence, data) VALUES(?, ?, ?)", arguments: [keys.count, Data(fenceBytes), Data(data)])
        fences[db.lastInsertedRowID] = fence
    }

    /// Size-tiered merging: while four runs share a tier (their size's power of four), they become one.
    private func compact(_ db: Database) throws {
        while true {
            let runs = try Row.fetchAll(db, sql: "SELECT id, keys FROM dedup_runs ORDER BY id").map {
                (id: $0["id"] as Int64, keys: $0["keys"] as Int)
            }
            var tiers: [Int: [Int64]] = [:]
            for run in runs { tiers[Self.tier(run.keys), default: []].append(run.id) }
            guard let (_, ids) = tiers.filter({ $0.value.count >= Self.mergeFanIn }).min(by: { $0.key < $1.key }) else { return }
            try merge(ids, db)
        }
    }

    private static func tier(_ keys: Int) -> Int {
        var tier = 0
        var size = max(keys, 1) / 4096
        while size > 0 {
            size /= 4
            tier += 1
        }
        return tier
    }

    /// Merges runs into one, streaming: a piece of each run in memory at a time.
    private func merge(_ ids: [Int64], _ db: Database) throws {
        let total = try ids.reduce(0) { $0 + (try Int.fetchOne(db, sql: "SELECT keys FROM dedup_runs WHERE id = ?", arguments: [$1]) ?? 0) }
        try db.execute(
            sql: "INSERT INTO dedup_runs(keys, fence, data) VALUES(?, x'', zeroblob(?))", arguments: [total, total * Self.keyBytes])
        let merged = db.lastInsertedRowID
        let readers = try ids.map { try RunReader(db, run: $0) }
        defer { for reader in readers { reader.close() } }
        let output = try BlobHandle(db, table: "dedup_runs", column: "data", row: merged, writable: true)
        defer { output.close() }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 16)
        var written = 0
        var fence: [DedupKey] = []
        var fenceBytes: [UInt8] = []
        var heads = try readers.indices.map { try readers[$0].next() }
        var index = 0
        while true {
            var best: Int?
            for i in heads.indices { if let k = heads[i], best.map({ k < heads[$0]! }) ?? true { best = i } }
            guard let b = best, let key = heads[b] else { break }
            if index % Self.fenceStride == 0 {
                fence.append(key)
                Self.append(key, to: &fenceBytes)
            }
            Self.append(key, to: &buffer)
            index += 1
            if buffer.count >= 1 << 16 {
                try output.write(buffer, at: written)
                written += buffer.count
                buffer.removeAll(keepingCapacity: true)
            }
            heads[b] = try readers[b].next()
        }
        try output.write(buffer, at: written)
        try db.execute(sql: "UPDATE dedup_runs SET fence = ? WHERE id = ?", arguments: [Data(fenceBytes), merged])
        try db.execute(sql: "DELETE FROM dedup_runs WHERE id IN (\(ids.map(String.init).joined(separator: ",")))")
        for id in ids { fences[id] = nil }
        fences[merged] = fence
    }

    /// Calls `found` with each of `sorted` keys the run holds, reading only the pieces that could hold them.
    private static func lookUp(_ sorted: [DedupKey], in run: Int64, fence: [DedupKey], _ db: Database, found: (DedupKey) -> Void) throws {
        guard let first = fence.first, let last = sorted.last, !(last < first) else { return }
        let blob = try BlobHandle(db, table: "dedup_runs", column: "data", row: run, writable: false)
        defer { blob.close() }
        let pieceBytes = fenceStride * keyBytes
        var piece: [UInt8] = []
        var loaded = -1
        for key in sorted {
            // The last fence key at or before `key` starts the only piece that could hold it.
            var lo = 0, hi = fence.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if key < fence[mid] { hi = mid } else { lo = mid + 1 }
            }
            guard lo > 0 else { continue }
            let p = lo - 1
            if p != loaded {
                piece = try blob.read(at: p * pieceBytes, count: min(pieceBytes, blob.size - p * pieceBytes))
                loaded = p
            }
            if Self.contains(piece, key) { found(key) }
        }
    }

    private static func contains(_ piece: [UInt8], _ key: DedupKey) -> Bool {
        piece.withUnsafeBytes { raw in
            var lo = 0, hi = raw.count / keyBytes
            while lo < hi {
                let mid = (lo + hi) / 2
                let k = Self.key(raw, mid * keyBytes)
                if k == key { return true }
                if k < key { lo = mid + 1 } else { hi = mid }
            }
            return false
        }
    }

    static func fence(_ db: Database, run: Int64) throws -> [DedupKey] {
        guard let data = try Data.fetchOne(db, sql: "SELECT fence FROM dedup_runs WHERE id = ?", arguments: [run]) else { return [] }
        return data.withUnsafeBytes { raw in (0..<(raw.count / keyBytes)).map { key(raw, $0 * keyBytes) } }
    }

    static func forEachKey(_ db: Database, run: Int64, _ body: (DedupKey) throws -> Void) throws {
        let reader = try RunReader(db, run: run)
        defer { reader.close() }
        while let key = try reader.next() { try body(key) }
    }

    static func append(_ key: DedupKey, to out: inout [UInt8]) {
        Varint.appendFixed(UInt64(bitPattern: key.head), to: &out)
        Varint.appendFixed(UInt64(bitPattern: key.tail), to: &out)
    }

    static func key(_ raw: UnsafeRawBufferPointer, _ offset: Int) -> DedupKey {
        DedupKey(
            head: Int64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int64.self)),
            tail: Int64(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 8, as: Int64.self)))
    }
}

/// Reads a run's keys in order, 64 KiB at a time.
private final class RunReader {
    private let blob: BlobHandle
    private var buffer: [UInt8] = []
    private var position = 0
    private var offset = 0

    init(_ db: Database, run: Int64) throws { blob = try BlobHandle(db, table: "dedup_runs", column: "data", row: run, writable: false) }

    func next() throws -> DedupKey? {
        if position == buffer.count {
            guard offset < blob.size else { return nil }
            buffer = try blob.read(at: offset, count: min(1 << 16, blob.size - offset))
            offset += buffer.count
            position = 0
        }
        defer { position += DedupIndex.keyBytes }
        return buffer.withUnsafeBytes { DedupIndex.key($0, position) }
    }

    func close() { blob.close() }
}

/// SQLite's incremental blob I/O: pieces of a large value read or written without loading all of it.
final class BlobHandle {
    private var handle: OpaquePointer?
    private let db: Database
    let size: Int

    init(_ db: Database, table: String, column: String, row: Int64, writable: Bool) throws {
        self.db = db
        let code = sqlite3_blob_open(db.sqliteConnection, "main", table, column, row, writable ? 1 : 0, &handle)
        guard code == SQLITE_OK, let handle else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
        }
        size = Int(sqlite3_blob_bytes(handle))
    }

    func read(at offset: Int, count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        guard count > 0 else { return out }
        let code = out.withUnsafeMutableBytes { sqlite3_blob_read(handle, $0.baseAddress, Int32(count), Int32(offset)) }
        try check(code)
        return out
    }

    func write(_ bytes: [UInt8], at offset: Int) throws {
        guard !bytes.isEmpty else { return }
        let code = bytes.withUnsafeBytes { sqlite3_blob_write(handle, $0.baseAddress, Int32($0.count), Int32(offset)) }
        try check(code)
    }

    private func check(_ code: Int32) throws {
        guard code == SQLITE_OK else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
        }
    }

    func close() {
        if let handle { sqlite3_blob_close(handle) }
        handle = nil
    }
}

/// A blocked Bloom filter over dedup keys (already uniformly random bits): each key sets 6 bits in one 64-byte block, so a
/// lookup touches one cache line. 12 bits per key of capacity: under 1 % false positives when full.
struct BloomFilter {
    private var words: [UInt64]
    private let blocks: UInt64
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        blocks = UInt64(max(1, (capacity * 12 + 511) / 512))
        words = [UInt64](repeating: 0, count: Int(blocks) * 8)
    }

    private func block(_ key: DedupKey) -> Int { Int(UInt64(bitPattern: key.head).multipliedFullWidth(by: blocks).high) * 8 }

    mutating func insert(_ key: DedupKey) {
        let base = block(key)
        var t = UInt64(bitPattern: key.tail)
        for _ in 0..<6 {
            let bit = Int(t & 511)
            words[base + bit >> 6] |= 1 << UInt64(bit & 63)
            t >>= 9
        }
    }

    func mayContain(_ key: DedupKey) -> Bool {
        let base = block(key)
        var t = UInt64(bitPattern: key.tail)
        for _ in 0..<6 {
            let bit = Int(t & 511)
            if words[base + bit >> 6] & (1 << UInt64(bit & 63)) == 0 { return false }
            t >>= 9
        }
        return true
    }
}
