// swift-tools-version:6.1
import PackageDescription

// librdkafka 2.8.0 is built by scripts/setup.sh into a cache outside the clone (Debian's
// 2.0.2 cannot talk to the development broker). An rpath makes every binary load that build
// even when Debian's librdkafka.so.1 is also installed.
let hubCache = Context.environment["HUB_CACHE"] ?? "/var/cache/eduhub"
let rdkafkaLib = "\(hubCache)/librdkafka-\(Context.environment["RDKAFKA_VERSION"] ?? "2.8.0")/lib"
let rdkafkaRpath: [LinkerSetting] = [.unsafeFlags(["-Xlinker", "-rpath", "-Xlinker", rdkafkaLib])]

let package = Package(
    name: "eduhub",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "hub-ingest", targets: ["Ingest"]),
        .executable(name: "hub-transform", targets: ["Transform"]),
        .executable(name: "hub-sink", targets: ["Sink"]),
        .executable(name: "hub-scheduler", targets: ["Scheduler"]),
        .executable(name: "hub-archive", targets: ["Archive"]),
        .executable(name: "hub-api", targets: ["API"]),
        .executable(name: "hubctl", targets: ["hubctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        // Tests only: property-based checks of the decoders and HubCore's value rules.
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        // hub-api: HTTP server, OpenAPI-generated stubs, console templates.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-openapi-generator", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime", from: "1.13.4"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird", from: "2.1.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        // C libraries, each behind a small safe Swift layer.
        .systemLibrary(name: "CRdKafka", path: "Sources/CLibraries/CRdKafka", pkgConfig: "rdkafka"),
        .systemLibrary(name: "CLibPQ", path: "Sources/CLibraries/CLibPQ", pkgConfig: "libpq"),
        .systemLibrary(name: "CZstd", path: "Sources/CLibraries/CZstd", pkgConfig: "libzstd"),
        .systemLibrary(name: "CMalloc", path: "Sources/CLibraries/CMalloc"),
        .systemLibrary(name: "CLibCrypto", path: "Sources/CLibraries/CLibCrypto", pkgConfig: "libcrypto"),
        .target(name: "FailureIsolation"),
        // The one CSV writer (exports, the sample generator; hub-api's CSV responses).
        .target(name: "CSVOutput"),
        // Whole-or-nothing file writes (temporary file, then rename): exports and reports.
        .target(name: "FileOutput"),
        .target(name: "Kafka", dependencies: ["CRdKafka", "FailureIsolation"]),
        .target(name: "Postgres", dependencies: ["CLibPQ", "FailureIsolation"]),
        .target(name: "Zstd", dependencies: ["CZstd"]),
        // SHA-256/SM3, HMAC, AES/SM4 counter mode and sealed values (the crypto suite).
        .target(name: "HubCrypto", dependencies: ["CLibCrypto"]),

        // The shared core: codes, records, wire formats, topology model.
        .target(name: "HubCore", dependencies: ["FailureIsolation", "HubCrypto", .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "Topology", dependencies: ["HubCore", "Yams"]),
        .target(name: "Decoding", dependencies: ["HubCore", "Zstd"]),
        .target(name: "Standardization", dependencies: ["HubCore", "HubCrypto", "Topology"]),
        .target(name: "Aggregation", dependencies: ["HubCore", "Topology"]),
        .target(name: "TopologyTesting", dependencies: ["Topology", "Decoding", "Standardization", "Aggregation", "Yams"]),
        .target(name: "QualityReport", dependencies: ["FileOutput"], resources: [.copy("Resources")]),
        .target(name: "HubStore", dependencies: ["HubCore", "Aggregation", "Postgres", "Topology", "QualityReport", .product(name: "Crypto", package: "swift-crypto")]),
        // Education business monitoring: scenario kinds and their evaluation; the operational
        // monitoring report (its page text and layout are resource files, zh-CN first).
        .target(name: "MonitoringReport", dependencies: ["QualityReport"], resources: [.copy("Resources")]),
        .target(name: "Monitoring", dependencies: ["HubCore", "Topology", "Postgres", "HubStore", "MonitoringReport"]),
        .target(name: "WorkerRuntime", dependencies: [
            "HubCore", "Topology", "Kafka", "Postgres", "HubStore", "CMalloc", "HubCrypto", "FailureIsolation", "Decoding",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),

        // The four workers and the operators' CLI.
        .executableTarget(name: "Ingest", dependencies: ["WorkerRuntime", "Decoding"], linkerSettings: rdkafkaRpath),
        .executableTarget(name: "Transform", dependencies: ["WorkerRuntime", "Standardization", "Decoding"], linkerSettings: rdkafkaRpath),
        .target(name: "SinkCore", dependencies: ["HubCore", "HubCrypto", "Topology", "Aggregation", "Postgres", "HubStore", "FailureIsolation"]),
        .executableTarget(name: "Sink", dependencies: ["WorkerRuntime", "HubStore", "SinkCore"], linkerSettings: rdkafkaRpath),
        // Operator actions (quarantine replay, data-space and snapshot export) that the CLI and the
        // scheduler both run in-process; here rather than in HubStore because replay produces to Kafka.
        .target(name: "Operations", dependencies: ["HubCore", "HubCrypto", "HubStore", "Kafka", "Postgres", "Topology", "CSVOutput", "FileOutput", "Zstd"]),
        .target(name: "SchedulerCore", dependencies: ["HubCore", "HubCrypto", "Operations", "CSVOutput", "Topology", "HubStore", "QualityReport", "Monitoring", "Postgres", "Kafka", "Zstd", .product(name: "Logging", package: "swift-log")]),
        .executableTarget(name: "Scheduler", dependencies: ["WorkerRuntime", "HubStore", "HubCrypto", "SchedulerCore"], linkerSettings: rdkafkaRpath),
        .executableTarget(name: "Archive", dependencies: ["WorkerRuntime", "HubStore", "Zstd", "Decoding", "Standardization", "HubCrypto"], linkerSettings: rdkafkaRpath),
        // Data services: what hub-api publishes (suppression, CSV, pagination, limits), then the server.
        .target(name: "DataServices", dependencies: ["HubCore", "HubStore", "Postgres", "CSVOutput"]),
        .executableTarget(name: "API", dependencies: [
            "WorkerRuntime", "HubStore", "DataServices", "CSVOutput", "QualityReport", "SchedulerCore", "Topology", "Postgres", "HubCore",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
            .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
            .product(name: "Mustache", package: "swift-mustache"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], resources: [.copy("openapi.yaml"), .copy("Console/Templates")],
        linkerSettings: rdkafkaRpath,
        plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]),
        .executableTarget(name: "hubctl", dependencies: ["Zstd", "HubCrypto", "CSVOutput", "DataServices",
            "WorkerRuntime", "HubStore", "Decoding", "Standardization", "Aggregation", "TopologyTesting", "SchedulerCore", "QualityReport",
            "Monitoring", "MonitoringReport", "SinkCore", "Operations",
        ], linkerSettings: rdkafkaRpath),

        .target(name: "TestSupport", dependencies: ["Kafka", "Postgres", "HubCore"], path: "Tests/TestSupport"),
        .testTarget(name: "HubCoreTests", dependencies: ["HubCore", "HubCrypto", .product(name: "PropertyBased", package: "swift-property-based")]),
        .testTarget(name: "FailureIsolationTests", dependencies: ["FailureIsolation"]),
        .testTarget(name: "HubCryptoTests", dependencies: ["HubCrypto"]),
        .testTarget(name: "CSVOutputTests", dependencies: ["CSVOutput", "Decoding"]),
        .testTarget(name: "WorkerRuntimeTests", dependencies: ["WorkerRuntime", "Postgres", "Kafka", "TestSupport"],
                    linkerSettings: rdkafkaRpath),
        .testTarget(name: "DataServicesTests", dependencies: ["DataServices", "CSVOutput"]),
        .testTarget(name: "QualityReportTests", dependencies: ["QualityReport"]),
        .testTarget(name: "MonitoringTests", dependencies: ["Monitoring", "MonitoringReport", "QualityReport", "Topology", "HubCore"]),
        .testTarget(name: "TopologyTests", dependencies: ["Topology", "Standardization"]),
        .testTarget(name: "DecodingTests", dependencies: [
            "Decoding", "Zstd", .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "StandardizationTests", dependencies: ["Standardization", "Decoding", "Aggregation"]),
        .testTarget(name: "TopologyTestingTests", dependencies: ["TopologyTesting", "Topology"]),
        .testTarget(name: "SchedulerTests", dependencies: ["SchedulerCore", "Topology", "TestSupport", "Postgres", "HubStore", "HubCore", "Kafka"], linkerSettings: rdkafkaRpath),
        .testTarget(name: "HubStoreTests", dependencies: ["HubStore", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "OperationsTests", dependencies: ["Operations", "TestSupport", "HubStore", "HubCore", "Kafka", "Postgres", "Topology", "Zstd"],
                    linkerSettings: rdkafkaRpath),
        .testTarget(name: "AccessTests", dependencies: ["TestSupport", "Postgres", "HubStore", "Topology", "Zstd"], linkerSettings: rdkafkaRpath),
        .testTarget(name: "DeployTests", dependencies: ["TestSupport"], linkerSettings: rdkafkaRpath),
        .testTarget(name: "KafkaTests", dependencies: ["Kafka", "TestSupport"], linkerSettings: rdkafkaRpath),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "FailureIsolation", "TestSupport"], linkerSettings: rdkafkaRpath),
        .testTarget(name: "SinkCoreTests", dependencies: ["SinkCore", "HubStore", "HubCore", "Topology", "Postgres", "FailureIsolation",
                                                          "Standardization", "Aggregation", "TestSupport"],
                    linkerSettings: rdkafkaRpath),
        .testTarget(name: "IntegrationTests", dependencies: ["TestSupport", "HubCore", "Kafka", "Postgres", "Zstd",
                                                           .product(name: "Crypto", package: "swift-crypto")], linkerSettings: rdkafkaRpath),
    ],
    swiftLanguageModes: [.v6]
)

// Fuzz targets (scripts/fuzz.sh): declared only when HUB_FUZZ=1 and built in their own scratch
// path (.build-fuzz), with libFuzzer and AddressSanitizer on the fuzz targets and on the
// modules under test (coverage guides the fuzzer through them). The default build and the
// test suite never see any of this.
if Context.environment["HUB_FUZZ"] == "1" {
    let sanitizers = ["-sanitize=fuzzer,address"]
    let underTest: Set<String> = ["HubCore", "Topology", "Decoding", "Standardization", "Zstd"]
    for target in package.targets where underTest.contains(target.name) {
        // -enable-testing: a target may reach a decoder's internals (@testable) for a sharper oracle.
        target.swiftSettings = (target.swiftSettings ?? []) + [.unsafeFlags(sanitizers + ["-enable-testing"])]
    }
    // SwiftPM gives every executable its own entry point, which clashes with the main() that
    // -sanitize=fuzzer links in; so fuzz executables link libFuzzer without its main
    // (HUB_FUZZ_NO_MAIN, found by scripts/fuzz.sh in the toolchain) and call its driver.
    let libFuzzer = Context.environment["HUB_FUZZ_NO_MAIN"] ?? "libclang_rt.fuzzer_no_main-x86_64.a"
    let fuzzLink: [LinkerSetting] = [.unsafeFlags([
        "-sanitize=address", "-Xlinker", "--whole-archive", "-Xlinker", libFuzzer, "-Xlinker", "--no-whole-archive", "-lstdc++",
    ])]
    package.targets.append(.systemLibrary(name: "CFuzzer", path: "Fuzz/CFuzzer"))
    package.targets.append(.target(name: "FuzzSupport", dependencies: ["CFuzzer", "Decoding", "HubCore"], path: "Fuzz/Support",
                                   swiftSettings: [.unsafeFlags(sanitizers)]))
    let fuzzTargets: [(name: String, dependencies: [Target.Dependency])] = [
        ("FuzzJSON", ["Decoding"]), ("FuzzNDJSON", ["Decoding"]), ("FuzzCSV", ["Decoding"]),
        ("FuzzCharset", ["Decoding"]), ("FuzzZstd", ["Decoding", "Zstd"]), ("FuzzMessage", ["Decoding", "Zstd"]),
        ("FuzzStandardize", ["Decoding", "Standardization", "Topology"]), ("FuzzWire", []), ("FuzzRegistry", ["Decoding"]),
    ]
    for fuzz in fuzzTargets {
        package.targets.append(.executableTarget(
            name: fuzz.name, dependencies: ["FuzzSupport", "HubCore"] + fuzz.dependencies, path: "Fuzz/Targets/\(fuzz.name)",
            swiftSettings: [.unsafeFlags(sanitizers)], linkerSettings: fuzzLink))
    }
}
