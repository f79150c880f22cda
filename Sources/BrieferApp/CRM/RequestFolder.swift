import BrieferCore
import Foundation

/// A numbered folder of request bodies and their manifest, as file mode writes them (SPEC §6): built under a `.partial`
/// name, each file written durably, the manifest last, then renamed whole — a reader never sees half a folder.
struct RequestFolder {
    let directory: String
    let folder: String
    private let partial: String
    private(set) var files: [String] = []
    private var requests: [[String: Any]] = []

    /// Starts `directory/name` (its `.partial` copy, replacing one a crash left).
    init(directory: String, name: String) throws {
        self.directory = directory
        folder = (directory as NSString).appendingPathComponent(name)
        partial = folder + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        do {
            try FileManager.default.createDirectory(atPath: partial, withIntermediateDirectories: true)
        } catch {
            throw CRMSyncError("cannot create \(partial): \(error.localizedDescription)", code: .cannotWrite)
        }
    }

    /// The name the next file of `kind` gets (`0003-kind.json`).
    func nextName(_ kind: String) -> String { Self.name(files.count + 1, kind) }

    static func name(_ number: Int, _ kind: String) -> String { String(format: "%04d-%@.json", number, kind) }

    /// Writes the next file and notes its manifest entry (`file` added to `entry`). Returns its name.
    @discardableResult
    mutating func emit(_ kind: String, body: JSONValue, entry: [String: Any]) throws -> String {
        let name = nextName(kind)
        try DurableFile.write(CRMRequestBody.data(body), to: (partial as NSString).appendingPathComponent(name))
        var entry = entry
        entry["file"] = name
        requests.append(entry)
        files.append(name)
        return name
    }

    /// Writes `manifest.json` (`manifest` plus the `requests` noted) and renames the folder into place, durably.
    mutating func finish(manifest: [String: Any]) throws {
        var manifest = manifest
        manifest["requests"] = requests
        try DurableFile.write(
            Data((JSONOutput.render(manifest) + "\n").utf8), to: (partial as NSString).appendingPathComponent("manifest.json"))
        DurableFile.syncDirectory(partial)
        files.append("manifest.json")
        let fm = FileManager.default
        if fm.fileExists(atPath: folder) {
            throw CRMSyncError(
                "\(folder) already exists (from another database?): not overwriting it; choose another --out", code: .alreadyExists)
        }
        do {
            try fm.moveItem(atPath: partial, toPath: folder)
        } catch {
            throw CRMSyncError("cannot rename \(partial) to \(folder): \(error.localizedDescription)", code: .cannotWrite)
        }
        // The rename on disk before anything is marked done: a power cut cannot leave it done and unwritten.
        DurableFile.syncDirectory(directory)
    }
}
