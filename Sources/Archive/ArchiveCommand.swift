import ArgumentParser
import Foundation
import HubStore
import Postgres
import Topology
import WorkerRuntime

/// `hub-archive`: keeps every raw message, zstd-compressed, in the raw "own zone" of its
/// school or county (`<schema>_private.raw_zone`), exactly once, for the retention period;
/// and every registry message as a version of its school (`<schema>.school_registry`).
@main
struct ArchiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hub-archive",
        abstract: "Archive stage: raw topics → zstd-compressed raw zone per school/county, ref.school → school registry versions; in PostgreSQL, exactly once.")

    @OptionGroup var common: CommonOptions

    @Option(name: .long, help: "zstd level for stored values. Env HUB_ARCHIVE_ZSTD_LEVEL. Default 3.")
    var zstdLevel: Int?

    @Option(name: .long, help: "Delete raw messages older than this many days, checked hourly (as `hubctl dataspace purge`). Env HUB_RAW_RETENTION_DAYS. Default: keep (purge by command).")
    var retentionDays: Int?

    func run() async throws {
        let settings: WorkerSettings
        do {
            settings = try WorkerSettings(stage: "archive", defaultHTTPPort: 9485, options: common)
        } catch {
            WorkerMain.fail("archive", error.description)
        }
        let level = zstdLevel ?? ProcessInfo.processInfo.environment["HUB_ARCHIVE_ZSTD_LEVEL"].flatMap(Int.init) ?? 3
        guard (1...19).contains(level) else { WorkerMain.fail("archive", "zstd level must be 1–19, not \(level)") }
        let retention = retentionDays ?? ProcessInfo.processInfo.environment["HUB_RAW_RETENTION_DAYS"].flatMap(Int.init)
        if let retention, retention < 0 { WorkerMain.fail("archive", "retention days must be 0 or more, not \(retention)") }
        let topology = WorkerMain.loadTopology(settings)
        let topics = topology.streams.map { settings.topic($0.sourceTopic) } + [settings.registryTopic]
        if settings.checkConfig {
            for topic in topics { WorkerMain.checkBroker(settings, topic: topic) }
            do {
                _ = try PGConnection(conninfo: settings.database)
            } catch {
                WorkerMain.fail("archive", "cannot connect to the database: \(error)")
            }
            print("hub-archive: configuration ok; schema \(settings.schema); topics: \(topics.joined(separator: ", "))")
            return
        }
        let (logger, registry) = WorkerMain.bootstrap(settings)
        let health = HealthState()
        let worker = ArchiveWorker(settings: settings, topology: topology, topics: topics, registryTopic: settings.registryTopic,
                                   zstdLevel: level, retentionDays: retention,
                                   logger: logger, health: health)
        try await WorkerMain.run(worker, settings: settings, logger: logger, registry: registry, health: health)
    }
}
