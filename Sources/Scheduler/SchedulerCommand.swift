import ArgumentParser
import Foundation
import Postgres
import SchedulerCore
import Topology
import WorkerRuntime

/// `hub-scheduler`: runs the topology's DAGs on their schedules; several instances elect one
/// leader through PostgreSQL, the others stand by.
@main
struct SchedulerCommand: WorkerCommand {
    static let configuration = CommandConfiguration.worker("hub-scheduler", abstract: "Scheduler: runs the topology's task DAGs (cron, catch-up, backfill, retries) with one elected leader.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var scheduler: SchedulerOptions
    /// The at-rest keys open sealed quarantined records for `quarantine_replay`.
    @OptionGroup var crypto: CryptoOptions

    func run() async throws {
        let (settings, (schedulerSettings, cryptoSettings)) = WorkerMain.settings("scheduler", httpPort: 9484, common) { source in
            (try SchedulerSettings(scheduler, source: source), try CryptoSettings(options: crypto))
        }
        let topology = WorkerMain.loadTopology(settings)
        do {
            try schedulerSettings.checkOutputDirectory()
        } catch {
            WorkerMain.fail("scheduler", error.description)
        }
        if settings.checkConfig {
            WorkerMain.checkDatabase(settings)
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
