import BrieferCore
import Foundation

/// Files that must be on disk, not only in the page cache, before the database says they were written.
enum DurableFile {
    /// Writes `data` to `path` and flushes it to the device.
    static func write(_ data: Data, to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw CRMSyncError("cannot create \(path)", code: .cannotWrite)
        }
        defer { try? handle.close() }
        try handle.write(contentsOf: data)
        try handle.synchronize()
    }

    /// Flushes a directory's entries (a rename or a new file in it) to the device.
    static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }
}
