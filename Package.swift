// swift-tools-version:6.2
import PackageDescription

// Our targets only (dependencies keep their own settings): a warning fails the build.
let strictSettings: [SwiftSetting] = [
  .enableUpcomingFeature("ExistentialAny"),
  .enableUpcomingFeature("MemberImportVisibility"),
  .treatAllWarnings(as: .error),
]

let package = Package(
  name: "cvebuster-outbox",
  // Synchronization's Atomic and Mutex need macOS 15.
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "cvebuster-outbox", targets: ["cvebuster-outbox"])
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
  ],
  targets: [
    // System libraries, each with a tiny header of inline wrappers where C is variadic.
    .systemLibrary(
      name: "CSQLite", pkgConfig: "sqlite3",
      providers: [.apt(["libsqlite3-dev"])]),
    .systemLibrary(
      name: "CCurl", pkgConfig: "libcurl",
      providers: [.apt(["libcurl4-openssl-dev"])]),
    .systemLibrary(
      name: "CZlib", pkgConfig: "zlib",
      providers: [.apt(["zlib1g-dev"])]),
    .systemLibrary(
      name: "CDeflate", pkgConfig: "libdeflate",
      providers: [.apt(["libdeflate-dev"])]),
    .systemLibrary(
      name: "CCrypto", pkgConfig: "libcrypto",
      providers: [.apt(["libssl-dev"])]),
    // glibc's mallopt, for the drain's memory bound.
    .systemLibrary(name: "CMalloc"),

    // Compiles Migrations/*.sql and Connector/{DCR,table}.json into OutboxStore and Findings.
    .plugin(name: "EmbedResources", capability: .buildTool(), dependencies: ["EmbedResourcesTool"]),
    .executableTarget(name: "EmbedResourcesTool", path: "Plugins/EmbedResourcesTool", swiftSettings: strictSettings),

    // The stream's columns (from Connector/), the JSON reader and finding validation.
    .target(
      name: "Findings", dependencies: ["CCrypto"], swiftSettings: strictSettings, plugins: ["EmbedResources"]),
    // SQLite connections, statements, errors with result codes, transactions and tracing.
    .target(name: "SQLite", dependencies: ["CSQLite"], swiftSettings: strictSettings),
    // Migrations and the outbox itself.
    .target(
      name: "OutboxStore", dependencies: ["SQLite", "Findings"], swiftSettings: strictSettings,
      plugins: ["EmbedResources"]),
    // Reading input: the streaming record reader, the rejection report and the enqueue pipeline.
    .target(name: "Intake", dependencies: ["Findings", "OutboxStore"], swiftSettings: strictSettings),
    // Entra ID token providers, HTTP over libcurl, the Logs Ingestion client.
    .target(name: "Ingestion", dependencies: ["CCurl", "CZlib", "CDeflate", "Findings"], swiftSettings: strictSettings),
    // The drain loop: claim, pack, send, record.
    .target(name: "Delivery", dependencies: ["OutboxStore", "Ingestion"], swiftSettings: strictSettings),
    // Local Entra ID + Logs Ingestion emulator.
    .target(
      name: "Emulator",
      dependencies: [
        "Findings", "FindingGenerator", "Ingestion", "SQLite",
        .product(name: "Hummingbird", package: "hummingbird"),
      ],
      swiftSettings: strictSettings),
    // Connector/ model, consistency checks, solution package builder.
    .target(
      name: "SentinelSolution",
      dependencies: ["Findings", "CZlib", .product(name: "Yams", package: "Yams")],
      swiftSettings: strictSettings),
    // Realistic test findings from a seeded PRNG (the `generate` command's engine).
    .target(name: "FindingGenerator", dependencies: ["Findings"], swiftSettings: strictSettings),
    // Operator tools' pure logic: systemd units and crontab lines for `schedule`.
    .target(name: "Operator", swiftSettings: strictSettings),
    // `doctor` and `config`: configuration, database and network checks; the config file writer.
    .target(name: "HealthChecks", dependencies: ["Ingestion", "OutboxStore"], swiftSettings: strictSettings),
    // Drain metrics (Prometheus text), health, the /metrics + /healthz server and the textfile writer.
    .target(
      name: "Telemetry",
      dependencies: [
        "Findings",
        .product(name: "Prometheus", package: "swift-prometheus"),
        .product(name: "Hummingbird", package: "hummingbird"),
      ],
      swiftSettings: strictSettings),
    // Subcommands, output formatting and exit codes.
    .target(
      name: "OutboxCLI",
      dependencies: [
        "Findings", "Intake", "OutboxStore", "Ingestion", "Delivery", "Emulator", "SentinelSolution",
        "FindingGenerator", "Operator", "HealthChecks", "CMalloc", "Telemetry",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
      ],
      swiftSettings: strictSettings),
    .executableTarget(name: "cvebuster-outbox", dependencies: ["OutboxCLI"], swiftSettings: strictSettings),

    .target(name: "OutboxTestSupport", dependencies: ["OutboxStore", "Findings", "Ingestion"], swiftSettings: strictSettings),
    .testTarget(name: "FindingsTests", dependencies: ["Findings", "OutboxTestSupport"], swiftSettings: strictSettings),
    .testTarget(
      name: "IntakeTests", dependencies: ["Intake", "Findings", "OutboxStore", "OutboxTestSupport"],
      swiftSettings: strictSettings),
    .testTarget(name: "SQLiteTests", dependencies: ["SQLite", "OutboxTestSupport"], swiftSettings: strictSettings),
    .testTarget(
      name: "OutboxStoreTests", dependencies: ["OutboxStore", "SQLite", "OutboxTestSupport"], swiftSettings: strictSettings),
    .testTarget(
      name: "IngestionTests", dependencies: ["Ingestion", "FindingGenerator", "OutboxTestSupport"],
      swiftSettings: strictSettings),
    .testTarget(
      name: "DeliveryTests",
      dependencies: ["Delivery", "Ingestion", "OutboxStore", "OutboxTestSupport", "Findings", "Emulator"],
      swiftSettings: strictSettings),
    .testTarget(
      name: "SentinelSolutionTests", dependencies: ["SentinelSolution", "Findings", "OutboxTestSupport"],
      swiftSettings: strictSettings),
    .testTarget(
      name: "FindingGeneratorTests", dependencies: ["FindingGenerator", "Findings"], swiftSettings: strictSettings),
    .testTarget(name: "OperatorTests", dependencies: ["Operator", "OutboxTestSupport"], swiftSettings: strictSettings),
    .testTarget(
      name: "OperatorCLITests",
      dependencies: ["OutboxCLI", "FindingGenerator", "Operator", "OutboxStore", "OutboxTestSupport"],
      swiftSettings: strictSettings),
    .testTarget(name: "CLITests", dependencies: ["OutboxTestSupport"], swiftSettings: strictSettings),
    .testTarget(
      name: "OpsTests", dependencies: ["HealthChecks", "Ingestion", "OutboxStore", "OutboxTestSupport"],
      swiftSettings: strictSettings),
    .testTarget(name: "TelemetryTests", dependencies: ["Telemetry", "OutboxTestSupport"], swiftSettings: strictSettings),
    .testTarget(
      name: "EmulatorTests", dependencies: ["Emulator", "Findings", "OutboxTestSupport"], swiftSettings: strictSettings),
    // Issue 15's hostile cases, end to end against the built binary and real local servers.
    .testTarget(
      name: "HardeningTests", dependencies: ["OutboxTestSupport", "Ingestion", "OutboxStore", "Findings", "SQLite"],
      swiftSettings: strictSettings),
  ]
)
