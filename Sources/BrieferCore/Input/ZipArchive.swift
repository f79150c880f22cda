import CBrieferZlib

/// A zip archive read as PKWARE's APPNOTE (6.3.10) describes it — what reading exports needs, nothing more: the
/// central directory (Zip64 too), stored and deflated files. Each file's data is read within its own compressed size,
/// so a damaged file can neither run on into the next one nor past the end of the archive (nor spin there), and its
/// CRC-32 is compared. Reads go through `read`, so the archive may be a file or bytes in memory.
public struct ZipArchive {
    public struct Entry: Sendable, Equatable {
        public var path: String
        public var method: UInt16
        public var flags: UInt16
        public var crc32: UInt32
        public var compressedSize: UInt64
        public var uncompressedSize: UInt64
        public var localHeaderOffset: UInt64
        /// A directory's entry (its name ends with `/`): no data.
        public var isDirectory: Bool { path.hasSuffix("/") }
    }

    /// Why an archive or one of its files cannot be read.
    public struct Damage: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// Reads `count` bytes at `offset` (fewer only at the end).
    public typealias Read = (_ offset: UInt64, _ count: Int) throws -> [UInt8]

    public let size: UInt64
    /// The files and directories, in the central directory's order.
    public let entries: [Entry]
    private let read: Read

    /// Reads the archive's central directory.
    /// - Throws: ``Damage`` when it is not a zip archive or its directory is cut short or inconsistent.
    public init(size: UInt64, read: @escaping Read) throws {
        self.size = size
        self.read = read
        // The end of central directory record: 22 bytes plus a comment of up to 65,535, at the very end.
        let tailLength = Int(min(size, 22 + 65_535))
        let tail = try read(size - UInt64(tailLength), tailLength)
        guard tail.count == tailLength, tail.count >= 22,
            let end = stride(from: tail.count - 22, through: 0, by: -1).first(where: { Self.u32(tail, $0) == 0x0605_4B50 })
        else { throw Damage("not a zip archive (no end of central directory record)") }
        var count = UInt64(Self.u16(tail, end + 10))
        var directorySize = UInt64(Self.u32(tail, end + 12))
        var directoryOffset = UInt64(Self.u32(tail, end + 16))
        // Zip64: a locator just before the record points at the Zip64 end of central directory record. A count of
        // exactly 65,535 without one is a plain archive of that many files.
        let locator = end >= 20 && Self.u32(tail, end - 20) == 0x0706_4B50
        if directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF || (count == 0xFFFF && locator) {
            guard locator else { throw Damage("the Zip64 locator is missing") }
            let recordOffset = Self.u64(tail, end - 20 + 8)
            guard recordOffset <= size &- 56, size >= 56 else { throw Damage("the Zip64 record lies outside the archive") }
            let record = try read(recordOffset, 56)
            guard record.count == 56, Self.u32(record, 0) == 0x0606_4B50 else { throw Damage("the Zip64 record is damaged") }
            (count, directorySize, directoryOffset) = (Self.u64(record, 32), Self.u64(record, 40), Self.u64(record, 48))
        }
        guard directoryOffset <= size, directorySize <= size - directoryOffset, directorySize < 1 << 31 else {
            throw Damage("the central directory lies outside the archive (cut short?)")
        }
        let directory = try read(directoryOffset, Int(directorySize))
        guard directory.count == Int(directorySize) else { throw Damage("the central directory is cut short") }
        var entries: [Entry] = []
        var at = 0
        // The directory's records, to its end (the count is only 16 bits without Zip64: some writers wrap it).
        while at < directory.count {
            guard at + 46 <= directory.count, Self.u32(directory, at) == 0x0201_4B50 else {
                throw Damage("central directory entry \(entries.count + 1) of \(count) is damaged")
            }
            let (nameLength, extraLength, commentLength) = (
                Int(Self.u16(directory, at + 28)), Int(Self.u16(directory, at + 30)), Int(Self.u16(directory, at + 32))
            )
            let nameStart = at + 46
            guard nameStart + nameLength + extraLength + commentLength <= directory.count else {
                throw Damage("central directory entry \(entries.count + 1) runs past the directory")
            }
            var entry = Entry(
                path: String(decoding: directory[nameStart..<(nameStart + nameLength)], as: UTF8.self),
                method: Self.u16(directory, at + 10), flags: Self.u16(directory, at + 8), crc32: Self.u32(directory, at + 16),
                compressedSize: UInt64(Self.u32(directory, at + 20)), uncompressedSize: UInt64(Self.u32(directory, at + 24)),
                localHeaderOffset: UInt64(Self.u32(directory, at + 42)))
            // Zip64 extended information: the 64-bit values of the fields written as all ones, in this order.
            var extra = nameStart + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let (id, length) = (Self.u16(directory, extra), Int(Self.u16(directory, extra + 2)))
                guard extra + 4 + length <= extraEnd else { break }
                if id == 0x0001 {
                    var field = extra + 4
                    func next() -> UInt64? {
                        guard field + 8 <= extra + 4 + length else { return nil }
                        defer { field += 8 }
                        return Self.u64(directory, field)
                    }
                    if entry.uncompressedSize == 0xFFFF_FFFF { entry.uncompressedSize = next() ?? entry.uncompressedSize }
                    if entry.compressedSize == 0xFFFF_FFFF { entry.compressedSize = next() ?? entry.compressedSize }
                    if entry.localHeaderOffset == 0xFFFF_FFFF { entry.localHeaderOffset = next() ?? entry.localHeaderOffset }
                }
                extra += 4 + length
            }
            entries.append(entry)
            at = extraEnd + commentLength
        }
        self.entries = entries
    }

    /// Hands on `entry`'s content, decompressed, in pieces of up to `chunkSize` compressed bytes' worth.
    /// - Throws: ``Damage`` when the file's data is damaged, cut short, encrypted, or compressed by a method other than
    ///   stored or deflate; whatever `body` throws.
    public func forEachChunk(
        of entry: Entry, chunkSize: Int = 1 << 16, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws {
        guard entry.flags & 1 == 0 else { throw Damage("the file is encrypted") }
        guard entry.method == 0 || entry.method == 8 else {
            throw Damage("the file is compressed by method \(entry.method); only stored (0) and deflate (8) are read")
        }
        guard entry.localHeaderOffset <= size &- 30, size >= 30 else { throw Damage("the file's header lies outside the archive") }
        let header = try read(entry.localHeaderOffset, 30)
        guard header.count == 30, Self.u32(header, 0) == 0x0403_4B50 else { throw Damage("the file's local header is damaged") }
        let dataOffset = entry.localHeaderOffset + 30 + UInt64(Self.u16(header, 26)) + UInt64(Self.u16(header, 28))
        guard dataOffset <= size, entry.compressedSize <= size - dataOffset else {
            throw Damage("the file's data runs past the end of the archive (cut short?)")
        }
        var crc: UInt = 0
        func hand(_ piece: UnsafeBufferPointer<UInt8>) throws {
            crc = CBrieferZlib.crc32(crc, piece.baseAddress, UInt32(piece.count))
            try body(piece)
        }
        let inflater = entry.method == 8 ? Inflater(raw: true) : nil
        var offset: UInt64 = 0
        do {
            while offset < entry.compressedSize {
                let count = Int(min(UInt64(chunkSize), entry.compressedSize - offset))
                let chunk = try read(dataOffset + offset, count)
                guard chunk.count == count else { throw Damage("the file's data is cut short") }
                offset += UInt64(count)
                try chunk.withUnsafeBufferPointer { piece in
                    if let inflater { try inflater.feed(piece, hand) } else { try hand(piece) }
                }
            }
            try inflater?.finish(hand)
        } catch let failure as Inflater.Failure {
            throw Damage("\(failure)")
        }
        guard UInt32(truncatingIfNeeded: crc) == entry.crc32 else { throw Damage("the file's checksum does not match") }
    }

    /// Whether bytes start as a zip archive does (`PK\u{3}\u{4}`, or an empty archive's `PK\u{5}\u{6}`).
    public static func isZip(_ bytes: some Collection<UInt8>) -> Bool {
        let head = Array(bytes.prefix(4))
        return head == [0x50, 0x4B, 0x03, 0x04] || head == [0x50, 0x4B, 0x05, 0x06]
    }

    static func u16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    static func u32(_ b: [UInt8], _ i: Int) -> UInt32 { UInt32(u16(b, i)) | UInt32(u16(b, i + 2)) << 16 }
    static func u64(_ b: [UInt8], _ i: Int) -> UInt64 { UInt64(u32(b, i)) | UInt64(u32(b, i + 4)) << 32 }
}
