import BrieferCore
import BrieferStore
import Foundation

extension BrieferSession {
    /// Writes the database's calls and files as the input tables of `briefer sql` into `folder`, one JSON Lines file per
    /// table (`events.jsonl`, …), each written to a temporary name and renamed when whole.
    /// - Returns: the rows written per table.
    public func exportWarehouseInputs(to folder: String) throws -> [BrieferStore.WarehouseInput: Int] {
        let fm = FileManager.default
        do { try fm.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw FileWriteError(path: folder, reason: error.localizedDescription)
        }
        var handles: [BrieferStore.WarehouseInput: FileHandle] = [:]
        func path(_ table: BrieferStore.WarehouseInput, partial: Bool) -> String {
            (folder as NSString).appendingPathComponent(table.rawValue + ".jsonl" + (partial ? ".partial" : ""))
        }
        defer { for handle in handles.values { try? handle.close() } }
        for table in BrieferStore.WarehouseInput.allCases {
            let partial = path(table, partial: true)
            guard fm.createFile(atPath: partial, contents: nil), let handle = FileHandle(forWritingAtPath: partial) else {
                throw FileWriteError(path: partial, reason: "cannot create the file")
            }
            handles[table] = handle
        }
        let counts = try store.exportWarehouseInputs(extraction: ActivityExtraction(configuration)) { table, lines in
            do { try handles[table]!.write(contentsOf: Data((lines.joined(separator: "\n") + "\n").utf8)) } catch {
                throw FileWriteError(path: path(table, partial: true), reason: error.localizedDescription)
            }
        }
        for table in BrieferStore.WarehouseInput.allCases {
            try handles[table]?.close()
            handles[table] = nil
            let final = path(table, partial: false)
            _ = try? fm.removeItem(atPath: final)
            do { try fm.moveItem(atPath: path(table, partial: true), toPath: final) } catch {
                throw FileWriteError(path: final, reason: error.localizedDescription)
            }
        }
        return counts
    }
}

/// A file of the warehouse inputs could not be written.
public struct FileWriteError: BrieferError {
    public var path: String
    public var reason: String
    public var code: BrieferErrorCode { .cannotWrite }
    public var message: String { "cannot write \(path): \(reason)" }
}

extension BrieferSession {
    /// Brings a warehouse's scores in as a stored scoring run (SPEC §10; `briefer import-scores`).
    public func importScores(from source: any WarehouseTableSource, allowOtherConfiguration: Bool = false) throws -> WarehouseImportSummary
    {
        try WarehouseImporter(store: try store, configuration: configuration, logger: logger).importScores(
            from: source, allowOtherConfiguration: allowOtherConfiguration)
    }
}
