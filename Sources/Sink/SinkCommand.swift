import ArgumentParser
import Foundation
import HubStore
import Postgres
import Topology
import WorkerRuntime

/// `hub-sink`: keeps the current state and the published aggregates in PostgreSQL, exactly
/// once, from the standard zone and the dead-letter topic.
@main
struct SinkCommand: AsyncParsableCommand {
    static func main() async { await CommandLineEntry.main(Self.self) }

    static let configuration = CommandConfiguration(
        commandName: "hub-sink",
        abstract: "Sink stage: standard zone + dead letters → current state, aggregates and quarantine tables, exactly once.",
        version: BuildInfo.versionLine)

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let settings: WorkerSettings
        do {
            settings = try WorkerSettings(stage: "sink", defaultHTTPPort: 9483, options: common)
        } catch {
            WorkerMain.fail("sink", error.description)
        }
        let topology = WorkerMain.loadTopology(settings)
        if settings.checkConfig {
            WorkerMain.checkBroker(settings, topic: settings.quarantineTopic)
            do {
                _ = try PGConnection(conninfo: settings.database)
            } catch {
                WorkerMain.fail("sink", "cannot connect to the database: \(error)")
            }
            print("hub-sink: configuration ok; schema \(settings.schema); topics: \(topology.streams.map { settings.topic($0.outputTopic) }.joined(separator: ", ")), \(settings.quarantineTopic)")
            return
        }
        let context = WorkerMain.bootstrap(settings, topology: topology)
        let alerts = SideJobTrigger()
        try await WorkerMain.run(SinkWorker(context: context, alerts: alerts), context: context, sideJobs: [
            AlertOutboxJob.worker(settings: settings, topology: topology, logger: context.logger, trigger: alerts),
        ])
    }
}
