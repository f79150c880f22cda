// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Briefer",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "briefer", targets: ["briefer"]),
        .library(name: "BrieferCore", targets: ["BrieferCore"]),
        .library(name: "BrieferStore", targets: ["BrieferStore"]),
        .library(name: "BrieferApp", targets: ["BrieferApp"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // briefer serve's HTTP server (no traits: neither swift-configuration nor full Foundation is needed).
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1", traits: []),
        // briefer serve's /metrics, in Prometheus text.
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
        // Writes the tests' zip archives only: an implementation apart from the reader under test (BrieferCore's ZipArchive).
        .package(url: "https://github.com/weichsel/ZIPFoundation", exact: "0.9.20"),
    ],
    targets: [
        // Pure domain: events, identities, configuration values, scoring, reason codes. No I/O.
        .target(name: "BrieferCore", dependencies: ["CBrieferZlib", "CLZ4"]),
        // zlib, for gzip-compressed inputs (decompressed in memory by BrieferCore's Inflater).
        .systemLibrary(name: "CBrieferZlib", providers: [.apt(["zlib1g-dev"])]),
        // LZ4, for the raw event log's blocks (EventBlock).
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        // The SQLite store (GRDB over the system libsqlite3): schema, ingest writes, aggregates, runs.
        .target(
            name: "BrieferStore",
            dependencies: [
                "BrieferCore",
                "CSQLiteConfig",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),
        // Typed wrappers for SQLite's variadic configuration calls.
        .systemLibrary(name: "CSQLiteConfig", providers: [.apt(["libsqlite3-dev"])]),
        // libcurl, for the HTTP layer (enrichment and CRM push).
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // libpq, for reading a warehouse's scores straight from PostgreSQL (`briefer import-scores --from postgresql://…`).
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        // The CLI's work: config files, ingest of files, scoring runs, reports. The executable only parses.
        .target(
            name: "BrieferApp",
            dependencies: [
                "BrieferCore",
                "BrieferStore",
                "CCurl",
                "CLibPQ",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // `briefer serve`: Segment's HTTP Tracking API and Webhooks destination in, health and metrics out.
        .target(
            name: "BrieferServe",
            dependencies: [
                "BrieferApp",
                "BrieferCore",
                "BrieferStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "briefer",
            dependencies: [
                "BrieferApp",
                "BrieferServe",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Shared test support: temporary databases, fixture paths, hand-made workspaces.
        .target(
            name: "BrieferTesting",
            dependencies: ["BrieferCore", "BrieferStore", "BrieferApp", "CBrieferZlib", .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "Logging", package: "swift-log"), .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            path: "Tests/BrieferTesting"
        ),
        .testTarget(name: "BrieferCoreTests", dependencies: ["BrieferCore", "BrieferTesting"]),
        .testTarget(name: "BrieferStoreTests", dependencies: ["BrieferCore", "BrieferStore", "BrieferTesting"]),
        .testTarget(
            name: "BrieferAppTests",
            dependencies: ["BrieferApp", "BrieferCore", "BrieferStore", "BrieferTesting", "CCurl"]
        ),
        .testTarget(name: "BrieferServeTests", dependencies: ["BrieferServe", "BrieferApp", "BrieferCore", "BrieferStore", "BrieferTesting"]),
    ]
)

for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    target.swiftSettings = settings
}
