import BrieferApp
import BrieferCore
import BrieferStore
import Foundation
import GRDB
import Logging

/// Paths of the repository's fixtures, found from this file's location.
public enum FixturePaths {
    public static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    public static let workspace = root.appendingPathComponent("Fixtures/workspace")
    public static let bad = root.appendingPathComponent("Fixtures/bad")
    public static let config = root.appendingPathComponent("config/briefer.yaml")

    public static var workspaceFiles: [String] {
        ["companies.csv", "users.csv", "subscriptions.csv", "events.jsonl"].map { workspace.appendingPathComponent($0).path }
    }

    /// The fixture workspace's manifest (as-of time and the generator's engineered expectations).
    public static func manifest() throws -> [String: Any] {
        let data = try Data(contentsOf: workspace.appendingPathComponent("manifest.json"))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    public static func manifestAsOf() throws -> Timestamp {
        Timestamp.parse(try manifest()["as_of"] as! String)!.timestamp
    }
}

/// A store in its own temporary directory, removed when the value is released.
public final class TemporaryStore: @unchecked Sendable {
    public let directory: URL
    public let store: BrieferStore

    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("briefer-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try BrieferStore(path: directory.appendingPathComponent("test.sqlite").path)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// Writes a file into the store's directory and returns its path.
    public func file(_ name: String, _ content: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try content.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }
}

public extension Logger {
    /// A logger that drops everything, for tests that do not look at logs.
    static var quiet: Logger { Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }) }
}

/// Ingests files into a store with a pinned ingest time.
public func ingest(
    _ files: [String], into store: BrieferStore, configuration: BrieferConfiguration = BrieferConfiguration(),
    now: Timestamp = Timestamp.parse("2026-11-25T00:00:00Z")!.timestamp
) throws -> IngestSummary {
    var ingestor = Ingestor(store: store, configuration: configuration, logger: .quiet)
    ingestor.now = now
    return try ingestor.ingest(files: files)
}

public extension BrieferStore {
    /// Rows in a table; for `events`, every stored event (activity events are packed in blocks, calls are rows).
    func count(_ table: String) throws -> Int {
        if table == "events" { return try storedEventCount() }
        return try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? 0 }
    }

    /// The first column of the first row of a query that reads `events` as one table of every stored event, as before the
    /// event log (the calls' rows and the blocks' events, in that order; the rest of the database attached beside it).
    func eventsScalar(_ sql: String) throws -> String? {
        guard sql.range(of: #"\bevents\b"#, options: .regularExpression) != nil else { return try scalar(sql) }
        let copy = try DatabaseQueue()
        let events = try rawEvents()
        let (calls, users, terms) = try read { db in
            (
                try Row.fetchAll(db, sql: "SELECT * FROM events ORDER BY id"),
                try Row.fetchAll(db, sql: "SELECT id, external_id FROM users"),
                try Row.fetchAll(db, sql: "SELECT id, text FROM terms")
            )
        }
        return try copy.writeWithoutTransaction { db in
            try db.execute(
                sql: """
                    CREATE TABLE events(
                        id INTEGER PRIMARY KEY, dedup INTEGER, dedup_tail INTEGER, kind TEXT, user_id INTEGER, anonymous_id TEXT, name_id INTEGER,
                        ts INTEGER, group_hint TEXT, properties TEXT, traits TEXT, ingest_id INTEGER, source TEXT);
                    CREATE TABLE users(id INTEGER PRIMARY KEY, external_id TEXT);
                    CREATE TABLE terms(id INTEGER PRIMARY KEY, text TEXT);
                    """)
            for row in calls {
                try db.execute(
                    sql: """
                        INSERT INTO events(id, dedup, dedup_tail, kind, user_id, anonymous_id, name_id, ts, group_hint, properties, traits, ingest_id, source)
                        VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        row["id"], row["dedup"], row["dedup_tail"], row["kind"], row["user_id"], row["anonymous_id"], row["name_id"],
                        row["ts"],
                        row["group_hint"], row["properties"], row["traits"], row["ingest_id"], row["source"],
                    ])
            }
            for row in users { try db.execute(sql: "INSERT INTO users VALUES(?, ?)", arguments: [row["id"], row["external_id"]]) }
            for row in terms { try db.execute(sql: "INSERT INTO terms VALUES(?, ?)", arguments: [row["id"], row["text"]]) }
            for e in events {
                try db.execute(
                    sql: """
                        INSERT INTO main.events(dedup, dedup_tail, kind, user_id, anonymous_id, name_id, ts, group_hint, properties, traits, source)
                        VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        e.head, e.tail, e.kind.rawValue, e.user, e.anonymousId, e.name == 0 ? nil : Int64(e.name), e.milliseconds,
                        e.groupHint,
                        e.properties, e.traits, e.source,
                    ])
            }
            return try String.fetchOne(db, sql: sql)
        }
    }

    /// The first column of the first row of a query, as text.
    func scalar(_ sql: String) throws -> String? {
        try read { db in try String.fetchOne(db, sql: sql) }
    }
}

/// The built `briefer` executable (`swift build` puts it in .build/debug), run as a subprocess.
public enum BrieferBinary {
    public static let path = FixturePaths.root.appendingPathComponent(".build/debug/briefer").path

    /// Starts `briefer serve` (its `arguments` after `serve`, with `--listen 127.0.0.1:<port>`; 0 for any free port) with
    /// `environment` added to this process's, and waits for the line that says where it listens. What it logs after is
    /// read and dropped, so that a full pipe never blocks it.
    /// - Returns: the process and its port.
    public static func startServe(_ arguments: [String], port: Int = 0, environment: [String: String], executable: String = path)
        throws -> (process: Process, port: Int)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["serve"] + arguments + ["--listen", "127.0.0.1:\(port)"]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var said = Data()
        while !said.contains(UInt8(ascii: "\n")), process.isRunning {
            let chunk = errors.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            said += chunk
        }
        let line = String(decoding: said, as: UTF8.self)
        guard let match = line.firstMatch(of: /listening on 127\.0\.0\.1:(\d+)/) else {
            process.terminate()
            throw ServeDidNotStart(said: line)
        }
        errors.fileHandleForReading.readabilityHandler = { handle in _ = handle.availableData }
        return (process, Int(match.1)!)
    }

    public struct ServeDidNotStart: Error, CustomStringConvertible {
        public var said: String
        public var description: String { "briefer serve did not start: \(said)" }
    }

    public struct Missing: Error, CustomStringConvertible {
        public var description: String { "no executable at \(BrieferBinary.path): run `swift build` first" }
    }

    /// Runs `briefer arguments` with `environment` added to this process's (a nil value removes a
    /// variable) and returns how it ended and everything it printed (standard output and error).
    public static func run(
        _ arguments: [String], environment: [String: String?] = [:], directory: URL? = nil, input: Data? = nil, executable: String = path
    ) throws -> (status: Int32, reason: Process.TerminationReason, output: String) {
        guard FileManager.default.isExecutableFile(atPath: executable) else { throw Missing() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        if let directory { process.currentDirectoryURL = directory }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let stdin = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        try process.run()
        if let input {
            // Written from another thread: a large input would otherwise fill the pipe while nobody reads the output.
            let writer = stdin.fileHandleForWriting
            DispatchQueue.global().async {
                writer.write(input)
                try? writer.close()
            }
        }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, process.terminationReason, String(decoding: output, as: UTF8.self))
    }
}
