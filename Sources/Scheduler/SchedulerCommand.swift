import ArgumentParser
import Foundation
import Postgres
import SchedulerCore
import Topology
import WorkerRuntime

/// `hub-scheduler`: runs the topology's DAGs on their schedules; several instances elect one
/// leader through PostgreSQL, the others stand by.
@main
struct SchedulerCommand: AsyncParsableCommand {
    static func main() async { await CommandLineEntry.main(Self.self) }

    static let configuration = CommandConfiguration(
        commandName: "hub-scheduler",
        abstract: "Scheduler: runs the topology's task DAGs (cron, catch-up, backfill, retries) with one elected leader.",
        version: BuildInfo.versionLine)

    @OptionGroup var common: CommonOptions
    @OptionGroup var scheduler: SchedulerOptions
    /// The at-rest keys open sealed quarantined records for `quarantine_replay`.
    @OptionGroup var crypto: CryptoOptions

    func run() async throws {
        let settings: WorkerSettings
        let schedulerSettings: SchedulerSettings
        let cryptoSettings: CryptoSettings
        do {
            let source = try SettingSource(configFile: common.config)
            settings = try WorkerSettings(stage: "scheduler", defaultHTTPPort: 9484, options: common, source: source)
            schedulerSettings = try SchedulerSettings(scheduler, source: source)
            cryptoSettings = try CryptoSettings(options: crypto)
        } catch {
            WorkerMain.fail("scheduler", error.description)
        }
        let topology = WorkerMain.loadTopology(settings)
        do {
            try schedulerSettings.checkOutputDirectory()
        } catch {
            WorkerMain.fail("scheduler", error.description)
        }
        if settings.checkConfig {
            do {
                _ = try PGConnection(conninfo: settings.database)
            } catch {
                WorkerMain.fail("scheduler", "cannot connect to the database: \(error)")
            }
            print("hub-scheduler: configuration ok; schema \(settings.schema); output \(schedulerSettings.outputDirectory); DAGs: \(topology.dags.map(\.name).joined(separator: ", "))")
            return
        }
        let context = WorkerMain.bootstrap(settings, topology: topology)
        let leadership = Leadership()
        var sideJobs: [SideJobWorker] = []
        if let days = schedulerSettings.outputRetentionDays {
            sideJobs.append(OutputRetentionJob.worker(directory: schedulerSettings.outputDirectory, days: days, logger: context.logger,
                                                      leadership: leadership))
        }
        try await WorkerMain.run(SchedulerWorker(context: context, options: schedulerSettings, atRestKeyring: cryptoSettings.keyring,
                                                 leadership: leadership),
                                 context: context, sideJobs: sideJobs)
    }
}
