import BrieferTesting
import CBrieferZlib
import Foundation
import Testing

@testable import BrieferCore

/// BrieferCore's zip reader against archives another implementation (ZIPFoundation, in BrieferTesting) wrote, and
/// against archives made by hand where that one cannot be asked for something (Zip64, damage).
struct ZipArchiveTests {
    static func archive(_ bytes: [UInt8]) throws -> ZipArchive {
        try ZipArchive(size: UInt64(bytes.count)) { offset, count in
            guard offset < UInt64(bytes.count) else { return [] }
            return Array(bytes[Int(offset)..<min(bytes.count, Int(offset) + count)])
        }
    }

    static func content(_ archive: ZipArchive, _ entry: ZipArchive.Entry, chunk: Int = 1 << 16) throws -> [UInt8] {
        var out: [UInt8] = []
        try archive.forEachChunk(of: entry, chunkSize: chunk) { out += $0 }
        return out
    }

    static func written(_ entries: [(path: String, bytes: [UInt8])], stored: Bool = false) throws -> [UInt8] {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("zip-\(UUID().uuidString).zip")
        defer { try? FileManager.default.removeItem(at: url) }
        try ZipFile.write(entries, to: url, stored: stored)
        return Array(try Data(contentsOf: url))
    }

    @Test(arguments: [false, true]) func readsWhatAnotherImplementationWrote(stored: Bool) throws {
        let files = [
            ("b/events.json.gz", Gzip.compress(InflaterTests.text)), ("a.json", InflaterTests.text), ("empty.json", []),
        ]
        let archive = try Self.archive(try Self.written(files, stored: stored))
        #expect(archive.entries.map(\.path) == files.map(\.0))
        for (entry, file) in zip(archive.entries, files) {
            for chunk in [7, 1 << 16] { #expect(try Self.content(archive, entry, chunk: chunk) == file.1, "\(file.0)") }
        }
    }

    /// A deflated file whose stream claims more data than the archive holds (a stored block longer than the rest of
    /// the file): read to its own compressed size, and said cut short — not read on into the directory, nor spun on.
    @Test func aDamagedFileEndsAtItsOwnSize() throws {
        var bytes = try Self.written([("a.json", Array(repeating: UInt8(ascii: "x"), count: 5000)), ("b.json", Array("ok\n".utf8))])
        let archive = try Self.archive(bytes)
        let first = archive.entries[0]
        let data = Int(first.localHeaderOffset) + 30 + Int(ZipArchive.u16(bytes, 26)) + Int(ZipArchive.u16(bytes, 28))
        // A non-final stored block of 65,535 bytes.
        bytes.replaceSubrange(data..<(data + 5), with: [0x00, 0xFF, 0xFF, 0x00, 0x00])
        let damaged = try Self.archive(bytes)
        #expect(throws: ZipArchive.Damage.self) { try Self.content(damaged, damaged.entries[0]) }
        #expect(try Self.content(damaged, damaged.entries[1]) == Array("ok\n".utf8))
        // A flipped byte in a stored file: its checksum says so.
        var stored = try Self.written([("a.json", Array("hello\n".utf8))], stored: true)
        let at = 30 + "a.json".utf8.count + Int(ZipArchive.u16(stored, 28))
        stored[at] ^= 0x20
        let flipped = try Self.archive(stored)
        #expect(throws: ZipArchive.Damage("the file's checksum does not match")) { try Self.content(flipped, flipped.entries[0]) }
    }

    @Test func anArchiveCutShortOrNotAZipIsDamage() throws {
        let bytes = try Self.written([("a.json", InflaterTests.text)])
        for cut in [bytes.count - 10, bytes.count / 2, 3, 0] {
            #expect(throws: ZipArchive.Damage.self) { try Self.archive(Array(bytes[..<cut])) }
        }
        #expect(throws: ZipArchive.Damage.self) { try Self.archive(Array("{\"event\":\"x\"}\n".utf8)) }
    }

    /// A Zip64 archive (sizes and offsets in the extended information field, the directory found through the Zip64
    /// locator), made by hand: ZIPFoundation writes Zip64 only past 4 GiB.
    @Test func readsZip64() throws {
        let content = Array("{\"event\":\"x\"}\n".utf8)
        let name = Array("big.json".utf8)
        var crc: UInt = 0
        content.withUnsafeBufferPointer { crc = CBrieferZlib.crc32(0, $0.baseAddress, UInt32($0.count)) }
        func le(_ v: UInt64, _ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }
        let zip64Extra = le(1, 2) + le(24, 2) + le(UInt64(content.count), 8) + le(UInt64(content.count), 8) + le(0, 8)
        var out: [UInt8] = le(0x0403_4B50, 4) + le(45, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(UInt64(crc), 4)
        out += le(0xFFFF_FFFF, 4) + le(0xFFFF_FFFF, 4) + le(UInt64(name.count), 2) + le(20, 2) + name
        out += le(1, 2) + le(16, 2) + le(UInt64(content.count), 8) + le(UInt64(content.count), 8) + content
        let directoryOffset = out.count
        out += le(0x0201_4B50, 4) + le(45, 2) + le(45, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(UInt64(crc), 4)
        out += le(0xFFFF_FFFF, 4) + le(0xFFFF_FFFF, 4) + le(UInt64(name.count), 2) + le(UInt64(zip64Extra.count), 2) + le(0, 2)
        out += le(0, 2) + le(0, 2) + le(0, 4) + le(0xFFFF_FFFF, 4) + name + zip64Extra
        let directorySize = out.count - directoryOffset
        let recordOffset = out.count
        out += le(0x0606_4B50, 4) + le(44, 8) + le(45, 2) + le(45, 2) + le(0, 4) + le(0, 4) + le(1, 8) + le(1, 8)
        out += le(UInt64(directorySize), 8) + le(UInt64(directoryOffset), 8)
        out += le(0x0706_4B50, 4) + le(0, 4) + le(UInt64(recordOffset), 8) + le(1, 4)
        out += le(0x0605_4B50, 4) + le(0xFFFF, 2) + le(0xFFFF, 2) + le(0xFFFF, 2) + le(0xFFFF, 2) + le(0xFFFF_FFFF, 4)
        out += le(0xFFFF_FFFF, 4) + le(0, 2)
        let archive = try Self.archive(out)
        #expect(archive.entries.map(\.path) == ["big.json"] && archive.entries[0].compressedSize == UInt64(content.count))
        #expect(try Self.content(archive, archive.entries[0]) == content)
    }
}
