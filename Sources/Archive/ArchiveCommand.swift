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
struct ArchiveCommand: WorkerCommand {
    static let configuration = CommandConfiguration.worker("hub-archive", abstract: "Archive stage: raw topics → zstd-compressed raw zone per school/county, ref.school → school registry versions; in PostgreSQL, exactly once.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var crypto: CryptoOptions

    @Option(name: .long, help: "zstd level for stored values. Env HUB_ARCHIVE_ZSTD_LEVEL. Default 3.")
    var zstdLevel: Int?

    @Option(name: .long, help: "Delete raw messages received more than this many days ago, checked hourly (as `hubctl dataspace purge`); `keep` keeps them until purged by command. Env HUB_RAW_RETENTION_DAYS. Default 180.")
    var retentionDays: String?

    /// The raw zone's default retention: one school year and a term for corrections, replays and
    /// disputes, then gone (README, "Retention").
    static let defaultRetentionDays = 180

    /// `--retention-days`: days, or nil for `keep`.
    static func retention(_ flag: String?, source: SettingSource) throws -> Int? {
        guard let (text, origin) = source.raw(flag, flag: "--retention-days", env: "HUB_RAW_RETENTION_DAYS") else {
            return defaultRetentionDays
        }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed == "keep" { return nil }
        guard let days = Int(trimmed), (0...36_500).contains(days) else {
            throw ConfigurationError("\(origin) must be a number of days from 0 to 36500 or keep, not \"\(text.prefix(64))\"")
        }
        return days
    }

    func run() async throws {
        let (settings, (level, retention, cryptoSettings)) = WorkerMain.settings("archive", httpPort: 9485, common) { source in
            (try source.integer(zstdLevel, flag: "--zstd-level", env: "HUB_ARCHIVE_ZSTD_LEVEL", default: 3, range: 1...19),
             try Self.retention(retentionDays, source: source), try CryptoSettings(options: crypto))
        }
        let topology = WorkerMain.loadTopology(settings)
        let topics = topology.streams.map { settings.topic($0.sourceTopic) } + [settings.registryTopic]
        if settings.checkConfig {
            for topic in topics { WorkerMain.checkBroker(settings, topic: topic) }
            WorkerMain.checkDatabase(settings)
            print("hub-archive: configuration ok; schema \(settings.schema); topics: \(topics.joined(separator: ", "))")
            return
        }
        var schoolReaders: [String: RecordSchool] = [:]
        for stream in topology.streams { schoolReaders[settings.topic(stream.sourceTopic)] = RecordSchool(stream: stream) }
        let context = WorkerMain.bootstrap(settings, topology: topology)
        let schemaReady = SideJobTrigger()
        let worker = ArchiveWorker(context: context, topics: topics, zstdLevel: level, schoolReaders: schoolReaders,
                                   limits: DecodingLimits(), keyring: cryptoSettings.keyring, schemaReady: schemaReady)
        try await WorkerMain.run(worker, context: context, sideJobs: retention.map {
            [RetentionJob.worker(settings: settings, days: $0, logger: context.logger, schemaReady: schemaReady)]
        } ?? [])
    }
}
