import ArgumentParser
import Foundation
import HubCore
import HubStore
import Postgres
import Topology
import WorkerRuntime

/// `hub-sink`: keeps the current state and the published aggregates in PostgreSQL, exactly
/// once, from the standard zone and the dead-letter topic.
@main
struct SinkCommand: WorkerCommand {
    static let configuration = CommandConfiguration.worker("hub-sink", abstract: "Sink stage: standard zone + dead letters → current state, aggregates and quarantine tables, exactly once.")

    @OptionGroup var common: CommonOptions
    /// The at-rest keys seal quarantined units' raw bytes (the suite picks the algorithms).
    @OptionGroup var crypto: CryptoOptions
    @OptionGroup var keys: PersonCodeKeyOptions

    func run() async throws {
        // Person-code keys: outer ones only (generation 2 and later); they move stored codes on
        // and reveal nothing about ID numbers; the sink never needs generation 1.
        let (settings, (cryptoSettings, keyring)) = WorkerMain.settings("sink", httpPort: 9483, common) { source in
            let cryptoSettings = try CryptoSettings(options: crypto)
            return (cryptoSettings, try PersonCodeKeys.load(files: keys.personCodeKeyFiles, file: nil, source: source,
                                                            suite: cryptoSettings.suite, need: .outerKeys))
        }
        let topology = WorkerMain.loadTopology(settings)
        if settings.checkConfig {
            WorkerMain.checkBroker(settings, topic: settings.quarantineTopic)
            WorkerMain.checkDatabase(settings)
            print("hub-sink: configuration ok; schema \(settings.schema); topics: \(topology.streams.map { settings.topic($0.outputTopic) }.joined(separator: ", ")), \(settings.quarantineTopic)")
            return
        }
        let context = WorkerMain.bootstrap(settings, topology: topology)
        let alerts = SideJobTrigger()
        try await WorkerMain.run(SinkWorker(context: context, alerts: alerts, atRest: cryptoSettings.keyring, keyring: keyring),
                                 context: context, sideJobs: [
            AlertOutboxJob.worker(settings: settings, topology: topology, logger: context.logger, trigger: alerts),
        ])
    }
}
