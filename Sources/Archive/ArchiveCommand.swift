import ArgumentParser
import Foundation
import Decoding
import HubStore
import Standardization
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

    @Option(name: .long, help: "Delete raw messages received more than this many days ago, checked hourly (as `hubctl dataspace purge`); `keep` keeps them until purged by command. Env HUB_RAW_RETENTION_DAYS. Default 180.")
    var retentionDays: String?

    @OptionGroup var crypto: CryptoOptions

    /// The raw zone's default retention: one school year and a term for corrections, replays and
    /// disputes, then gone (README, "Retention").
    static let defaultRetentionDays = 180

    func run() async throws {
        let settings: WorkerSettings
        do {
            settings = try WorkerSettings(stage: "archive", defaultHTTPPort: 9485, options: common)
        } catch {
            WorkerMain.fail("archive", error.description)
        }
        let level = zstdLevel ?? ProcessInfo.processInfo.environment["HUB_ARCHIVE_ZSTD_LEVEL"].flatMap(Int.init) ?? 3
        guard (1...19).contains(level) else { WorkerMain.fail("archive", "zstd level must be 1–19, not \(level)") }
        let retentionText = retentionDays ?? ProcessInfo.processInfo.environment["HUB_RAW_RETENTION_DAYS"] ?? String(Self.defaultRetentionDays)
        let retention: Int?
        if retentionText == "keep" {
            retention = nil
        } else if let days = Int(retentionText), days >= 0 {
            retention = days
        } else {
            WorkerMain.fail("archive", "HUB_RAW_RETENTION_DAYS / --retention-days must be a number of days (0 or more) or keep, not \"\(retentionText)\"")
        }
        let cryptoSettings: CryptoSettings
        do {
            cryptoSettings = try CryptoSettings(options: crypto)
        } catch {
            WorkerMain.fail("archive", error.description)
        }
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
        var schoolReaders: [String: RecordSchool] = [:]
        for stream in topology.streams { schoolReaders[settings.topic(stream.sourceTopic)] = RecordSchool(stream: stream) }
        let (logger, registry) = WorkerMain.bootstrap(settings)
        let health = HealthState()
        let worker = ArchiveWorker(settings: settings, topology: topology, topics: topics, registryTopic: settings.registryTopic,
                                   zstdLevel: level, retentionDays: retention,
                                   logger: logger, health: health, schoolReaders: schoolReaders,
                                   limits: DecodingLimits(), keyring: cryptoSettings.keyring)
        try await WorkerMain.run(worker, settings: settings, logger: logger, registry: registry, health: health)
    }
}
