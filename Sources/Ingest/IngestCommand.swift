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
struct IngestCommand: WorkerCommand {
    static let configuration = CommandConfiguration.worker("hub-ingest", abstract: "Ingest stage: raw topics → records with source positions (→ Transform), unreadable units → quarantine.")

    @OptionGroup var common: CommonOptions

    @Option(name: .long, help: "Largest raw value accepted as stored, in bytes (larger is too_large). Env HUB_MAX_VALUE_BYTES. Default 1048576 (1 MiB).")
    var maxValueBytes: Int?

    @Option(name: .long, help: "Largest value after zstd decompression, in bytes (larger is too_large). Env HUB_MAX_DECOMPRESSED_BYTES. Default 16777216 (16 MiB).")
    var maxDecompressedBytes: Int?

    func run() async throws {
        let (settings, limits) = WorkerMain.settings("ingest", httpPort: 9481, common) { source in
            DecodingLimits(
                maxValueBytes: try source.integer(maxValueBytes, flag: "--max-value-bytes", env: "HUB_MAX_VALUE_BYTES",
                                                  default: 1 << 20, range: 1...Int(Int32.max), unit: "bytes"),
                maxDecompressedBytes: try source.integer(maxDecompressedBytes, flag: "--max-decompressed-bytes",
                                                         env: "HUB_MAX_DECOMPRESSED_BYTES", default: 16 << 20,
                                                         range: 1...Int(Int32.max), unit: "bytes"))
        }
        let topology = WorkerMain.loadTopology(settings)
        if settings.checkConfig {
            WorkerMain.checkBroker(settings, topic: settings.topic(topology.streams[0].sourceTopic))
            print("hub-ingest: configuration ok; raw topics: \(topology.streams.map { settings.topic($0.sourceTopic) }.joined(separator: ", "))")
            return
        }
        let context = WorkerMain.bootstrap(settings, topology: topology)
        try await WorkerMain.run(IngestWorker(context: context, limits: limits), context: context)
    }
}
