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

    @OptionGroup var decoding: DecodingOptions

    func run() async throws {
        let (settings, limits) = WorkerMain.settings("ingest", httpPort: 9481, common) { source in try decoding.limits(source) }
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
