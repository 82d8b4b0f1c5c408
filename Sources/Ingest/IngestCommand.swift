import ArgumentParser
import Decoding
import Foundation
import Logging
import Topology
import WorkerRuntime

/// `hub-ingest`: consumes the raw topics, splits each message value into records (content
/// type, charset, zstd, framing of SPEC §2), forwards them with their source position to the
/// internal topic, and quarantines what cannot be read.
@main
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hub-ingest",
        abstract: "Ingest stage: raw topics → records with source positions (→ Transform), unreadable units → quarantine.")

    @OptionGroup var common: CommonOptions

    @Option(name: .long, help: "Largest raw value accepted as stored, in bytes (larger is too_large). Env HUB_MAX_VALUE_BYTES. Default 1048576 (1 MiB).")
    var maxValueBytes: Int?

    @Option(name: .long, help: "Largest value after zstd decompression, in bytes (larger is too_large). Env HUB_MAX_DECOMPRESSED_BYTES. Default 16777216 (16 MiB).")
    var maxDecompressedBytes: Int?

    func run() async throws {
        let settings: WorkerSettings
        do {
            settings = try WorkerSettings(stage: "ingest", defaultHTTPPort: 9481, options: common)
        } catch {
            WorkerMain.fail("ingest", error.description)
        }
        let env = ProcessInfo.processInfo.environment
        let limits = DecodingLimits(
            maxValueBytes: maxValueBytes ?? env["HUB_MAX_VALUE_BYTES"].flatMap(Int.init) ?? 1 << 20,
            maxDecompressedBytes: maxDecompressedBytes ?? env["HUB_MAX_DECOMPRESSED_BYTES"].flatMap(Int.init) ?? 16 << 20)
        guard limits.maxValueBytes > 0, limits.maxDecompressedBytes > 0 else {
            WorkerMain.fail("ingest", "value limits must be positive")
        }
        let topology = WorkerMain.loadTopology(settings)
        if settings.checkConfig {
            WorkerMain.checkBroker(settings, topic: settings.topic(topology.streams[0].sourceTopic))
            print("hub-ingest: configuration ok; raw topics: \(topology.streams.map { settings.topic($0.sourceTopic) }.joined(separator: ", "))")
            return
        }
        let (logger, registry) = WorkerMain.bootstrap(settings)
        let health = HealthState()
        let worker = IngestWorker(settings: settings, topology: topology, limits: limits, logger: logger, health: health)
        try await WorkerMain.run(worker, settings: settings, logger: logger, registry: registry, health: health)
    }
}
