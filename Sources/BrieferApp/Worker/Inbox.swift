import Foundation

/// A folder files are dropped into for ingest (`briefer worker --inbox`, `briefer run --inputs`).
public struct Inbox: Sendable {
    public let directory: String
    /// How long a file's size and modification time must stay the same before it is taken.
    public var settleTime: Duration

    public init(directory: String, settleTime: Duration = .seconds(2)) {
        self.directory = directory; self.settleTime = settleTime
    }

    /// A folder that cannot be read.
    public struct Unreadable: Error, CustomStringConvertible {
        public let directory: String
        public let reason: String
        public var description: String { "cannot read the folder \(directory): \(reason)" }
    }

    /// The files of a folder that can be ingested: events (.jsonl, .ndjson) and tables (.csv), not hidden and
    /// not still being written (`.partial`, `.tmp`), in name order, tables first (so users and companies are
    /// known when their events arrive).
    public static func ingestibleFiles(in directory: String) throws(Unreadable) -> [String] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            throw Unreadable(directory: directory, reason: error.localizedDescription)
        }
        let usable = names.filter { name in
            !name.hasPrefix(".") && [".jsonl", ".ndjson", ".csv"].contains { name.lowercased().hasSuffix($0) }
        }
        var isDirectory: ObjCBool = false
        return usable.filter {
            FileManager.default.fileExists(atPath: directory + "/" + $0, isDirectory: &isDirectory) && !isDirectory.boolValue
        }
        .sorted { a, b in
            let (ta, tb) = (a.lowercased().hasSuffix(".csv"), b.lowercased().hasSuffix(".csv"))
            return ta != tb ? ta : a < b
        }
        .map { directory + "/" + $0 }
    }

    /// The ingestible files whose size and modification time did not change over ``settleTime`` (a writer
    /// still appending is left for the next cycle).
    public func settledFiles() async throws -> [String] {
        let files = try Self.ingestibleFiles(in: directory)
        func stamp(_ path: String) -> String? {
            guard let a = try? FileManager.default.attributesOfItem(atPath: path) else { return nil }
            return "\(a[.size] ?? "")|\((a[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)"
        }
        let before = files.map(stamp)
        guard !files.isEmpty else { return [] }
        try await Task.sleep(for: settleTime)
        return zip(files, before).filter { stamp($0.0) == $0.1 && $0.1 != nil }.map(\.0)
    }

    /// Moves ingested files to the inbox's `processed/` folder (a name taken there gets a numbered prefix).
    public func moveProcessed(_ files: [String]) throws {
        guard !files.isEmpty else { return }
        let processed = directory + "/processed"
        try FileManager.default.createDirectory(atPath: processed, withIntermediateDirectories: true)
        for file in files where FileManager.default.fileExists(atPath: file) {
            let name = URL(fileURLWithPath: file).lastPathComponent
            var target = processed + "/" + name
            var n = 1
            while FileManager.default.fileExists(atPath: target) { n += 1; target = processed + "/\(n)-" + name }
            try FileManager.default.moveItem(atPath: file, toPath: target)
        }
    }
}
