import Foundation
import ZIPFoundation

/// Writes zip archives for tests (Amplitude's export is a zip of gzipped JSON files).
public enum ZipFile {
    public static func write(_ entries: [(path: String, bytes: [UInt8])], to url: URL, stored: Bool = false) throws {
        try? FileManager.default.removeItem(at: url)
        let archive = try Archive(url: url, accessMode: .create)
        for entry in entries {
            let data = Data(entry.bytes)
            try archive.addEntry(
                with: entry.path, type: .file, uncompressedSize: Int64(data.count), modificationDate: Date(timeIntervalSince1970: 0),
                compressionMethod: stored ? .none : .deflate
            ) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
    }
}
