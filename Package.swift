// swift-tools-version:6.0
import PackageDescription

// Targets, from the bottom up: NodewardCore (pure pipeline logic, no I/O beyond reading the inputs it
// is handed), NodewardStore (SQLite via GRDB), NodewardServer (the shadow sidecar), NodewardSamples
// (the deterministic sample-fleet generator), and the thin `nodeward` CLI on top.
let package = Package(
    name: "Nodeward",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "nodeward", targets: ["nodeward"]),
        .library(name: "NodewardCore", targets: ["NodewardCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
    ],
    targets: [
        // The system's zlib (gzip traces, read streaming); no package: see docs/architecture.md.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .target(
            name: "NodewardCore",
            dependencies: [.product(name: "Yams", package: "Yams"), "CZlib"]
        ),
        .target(
            name: "NodewardStore",
            dependencies: [
                "NodewardCore", .product(name: "GRDB", package: "GRDB.swift"),
                // The batch insert binds values through the C API: GRDB's argument boxing was most of its cost.
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),
        .target(
            name: "NodewardServer",
            dependencies: [
                "NodewardCore", "NodewardStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .target(
            name: "NodewardSamples",
            dependencies: ["NodewardCore"]
        ),
        .executableTarget(
            name: "nodeward",
            dependencies: [
                "NodewardCore", "NodewardStore", "NodewardServer", "NodewardSamples",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "NodewardCoreTests",
            dependencies: ["NodewardCore", "NodewardSamples"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "NodewardStoreTests",
            dependencies: ["NodewardCore", "NodewardStore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(
            name: "NodewardServerTests",
            dependencies: [
                "NodewardCore", "NodewardStore", "NodewardServer", "NodewardSamples",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "NodewardCLITests",
            // Depends on the executable so that `swift test` builds the binary the tests run.
            dependencies: ["NodewardCore", "nodeward"],
            // Report snapshots are read from the source tree by path (re-recordable), not bundled.
            exclude: ["Snapshots"]
        ),
    ]
)

for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    target.swiftSettings = settings
}
