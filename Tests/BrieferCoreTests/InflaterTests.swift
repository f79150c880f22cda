import BrieferTesting
import Testing

@testable import BrieferCore

// Gzip inputs (SPEC §2), decompressed in pieces in constant memory: whole, in any piece sizes, several members
// one after another, and a damaged stream reported after what came before it.
struct InflaterTests {
    static let text: [UInt8] = {
        var out: [UInt8] = []
        var seed: UInt64 = 42
        for i in 0..<20_000 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            out += Array(#"{"type":"track","userId":"u\#(i % 97)","event":"e\#(seed >> 58)","n":\#(seed >> 40)}"#.utf8) + [0x0A]
        }
        return out
    }()

    static func inflate(_ compressed: [UInt8], pieces: Int) throws -> [UInt8] {
        let inflater = Inflater()
        var out: [UInt8] = []
        let size = max(1, compressed.count / pieces)
        var start = 0
        while start < compressed.count {
            let end = min(compressed.count, start + size)
            try compressed[start..<end].withUnsafeBufferPointer { try inflater.feed($0) { out += $0 } }
            start = end
        }
        try inflater.finish { out += $0 }
        return out
    }

    @Test(arguments: [1, 7, 1000, 300_000]) func aStreamFedInAnyPiecesComesOutWhole(_ pieces: Int) throws {
        let compressed = Gzip.compress(Self.text)
        #expect(compressed.count < Self.text.count / 2 && Inflater.isGzip(compressed))
        #expect(try Self.inflate(compressed, pieces: pieces) == Self.text)
    }

    @Test func concatenatedMembersAreOneStreamAndZeroPaddingIsSkipped() throws {
        let a = Array("first\n".utf8), b = Array("second\nthird\n".utf8)
        #expect(try Self.inflate(Gzip.compress(a) + Gzip.compress(b), pieces: 3) == a + b)
        #expect(try Self.inflate(Gzip.compress(a) + [0, 0, 0, 0], pieces: 1) == a)
    }

    @Test func aTruncatedStreamSaysSoAfterWhatItHad() throws {
        let compressed = Gzip.compress(Self.text)
        let inflater = Inflater()
        var out: [UInt8] = []
        try compressed[..<(compressed.count / 2)].withUnsafeBufferPointer { try inflater.feed($0) { out += $0 } }
        let failure = try #require(throws: Inflater.Failure.self) { try inflater.finish { out += $0 } }
        #expect(failure.kind == .truncated)
        #expect(!out.isEmpty && out.count < Self.text.count && Array(Self.text.prefix(out.count)) == out)
    }

    @Test func aCorruptStreamSaysSo() throws {
        var compressed = Gzip.compress(Self.text)
        for i in 2000..<2100 { compressed[i] ^= 0x5A }
        let failure = try #require(throws: Inflater.Failure.self) { _ = try Self.inflate(compressed, pieces: 5) }
        #expect(failure.kind == .corrupt)
        // A failed inflater stays failed.
        let inflater = Inflater()
        _ = try? compressed.withUnsafeBufferPointer { try inflater.feed($0) { _ in } }
        #expect(throws: Inflater.Failure.self) { try inflater.finish { _ in } }
    }

    @Test func nothingFedIsNothingOut() throws {
        #expect(try Self.inflate([], pieces: 1).isEmpty)
    }
}
