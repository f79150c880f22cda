/// MurmurHash3 x64 128-bit: a stable, fast, well-distributed hash for dedup keys and
/// configuration fingerprints. Not cryptographic; stable across runs, machines and releases.
public enum StableHash {
    public static func hash128<C: Collection>(_ bytes: C, seed: UInt64 = 0) -> (UInt64, UInt64) where C.Element == UInt8 {
        if let result = bytes.withContiguousStorageIfAvailable({ hash128(UnsafeRawBufferPointer($0), seed: seed) }) { return result }
        return Array(bytes).withUnsafeBytes { hash128($0, seed: seed) }
    }

    public static func hash128(_ data: UnsafeRawBufferPointer, seed: UInt64 = 0) -> (UInt64, UInt64) {
        let c1: UInt64 = 0x87c3_7b91_1142_53d5, c2: UInt64 = 0x4cf5_ad43_2745_937f
        var h1 = seed, h2 = seed
        let length = data.count
        let blocks = length / 16
        for i in 0..<blocks {
            var k1 = UInt64(littleEndian: data.loadUnaligned(fromByteOffset: i * 16, as: UInt64.self))
            var k2 = UInt64(littleEndian: data.loadUnaligned(fromByteOffset: i * 16 + 8, as: UInt64.self))
            k1 &*= c1; k1 = rotl(k1, 31); k1 &*= c2; h1 ^= k1
            h1 = rotl(h1, 27); h1 &+= h2; h1 = h1 &* 5 &+ 0x52dc_e729
            k2 &*= c2; k2 = rotl(k2, 33); k2 &*= c1; h2 ^= k2
            h2 = rotl(h2, 31); h2 &+= h1; h2 = h2 &* 5 &+ 0x3849_5ab5
        }
        let tail = blocks * 16
        let rest = length - tail
        if rest > 0 {
            var k1: UInt64 = 0, k2: UInt64 = 0
            for i in 0..<rest {
                let byte = UInt64(data[tail + i])
                if i < 8 { k1 |= byte << (8 * UInt64(i)) } else { k2 |= byte << (8 * UInt64(i - 8)) }
            }
            if rest > 8 { k2 &*= c2; k2 = rotl(k2, 33); k2 &*= c1; h2 ^= k2 }
            k1 &*= c1; k1 = rotl(k1, 31); k1 &*= c2; h1 ^= k1
        }
        h1 ^= UInt64(length); h2 ^= UInt64(length)
        h1 &+= h2; h2 &+= h1
        h1 = fmix(h1); h2 = fmix(h2)
        h1 &+= h2; h2 &+= h1
        return (h1, h2)
    }

    /// 32 lowercase hex digits.
    public static func hex<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let (a, b) = hash128(bytes)
        return hex64(a) + hex64(b)
    }

    public static func hex(_ text: String) -> String { hex(Array(text.utf8)) }

    /// The 16 bytes of the hash, big-endian, as stored in dedup keys.
    public static func digest<C: Collection>(_ bytes: C) -> [UInt8] where C.Element == UInt8 {
        let (a, b) = hash128(bytes)
        var out = [UInt8](repeating: 0, count: 16)
        for i in 0..<8 {
            out[i] = UInt8(truncatingIfNeeded: a >> (56 - 8 * UInt64(i)))
            out[8 + i] = UInt8(truncatingIfNeeded: b >> (56 - 8 * UInt64(i)))
        }
        return out
    }

    static func hex64(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }

    @inline(__always) static func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }

    @inline(__always) static func fmix(_ k0: UInt64) -> UInt64 {
        var k = k0
        k ^= k >> 33; k &*= 0xff51_afd7_ed55_8ccd
        k ^= k >> 33; k &*= 0xc4ce_b9fe_1a85_ec53
        k ^= k >> 33
        return k
    }
}
