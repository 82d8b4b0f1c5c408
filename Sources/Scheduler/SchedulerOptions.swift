import ArgumentParser
import Foundation
import WorkerRuntime

/// The scheduler's own options, each also an environment variable (the flag wins).
struct SchedulerOptions: ParsableArguments {
    @Option(name: .long, help: "Name of this instance in the leadership record and task instances. Env HUB_SCHEDULER_INSTANCE. Default host:pid.")
    var instance: String?

    @Option(name: .long, help: "Milliseconds between scheduling steps while leading. Env HUB_SCHEDULER_TICK_MS. Default 1000.")
    var tickMs: Int?

    @Option(name: .long, help: "Base directory for relative task output directories (exports, reports); must be writable and should survive restarts (a volume, systemd's StateDirectory). Env HUB_SCHEDULER_OUTPUT_DIR. Default scheduler-output (in the working directory).")
    var outputDir: String?

    @Option(name: .long, help: "Delete files in the output directory last modified more than this many days ago (checked hourly by the leader); 0 keeps everything. Env HUB_SCHEDULER_OUTPUT_RETENTION_DAYS. Default 90.")
    var outputRetentionDays: Int?

    @Option(name: .long, help: "Consumer groups the watermark sensor checks: ingest. Env HUB_INGEST_GROUP. Default hub-ingest.")
    var ingestGroup: String?

    @Option(name: .long, help: "Transform group for the watermark sensor. Env HUB_TRANSFORM_GROUP. Default hub-transform.")
    var transformGroup: String?

    @Option(name: .long, help: "Sink group (offsets in PostgreSQL) for the watermark sensor. Env HUB_SINK_GROUP. Default hub-sink.")
    var sinkGroup: String?
}

/// ``SchedulerOptions`` resolved against the environment.
struct SchedulerSettings: Sendable {
    var instance: String
    var tick: Duration
    var outputDirectory: String
    /// nil: keep everything.
    var outputRetentionDays: Int?
    var ingestGroup: String
    var transformGroup: String
    var sinkGroup: String
    /// Test hook: exit right after this task's side effect, before recording it.
    var crashAfterSideEffect: String?

    init(_ o: SchedulerOptions, source: SettingSource) throws(ConfigurationError) {
        instance = source.string(o.instance, flag: "--instance", env: "HUB_SCHEDULER_INSTANCE",
                                 default: "\(ProcessInfo.processInfo.hostName):\(getpid())")
        let ms = try source.integer(o.tickMs, flag: "--tick-ms", env: "HUB_SCHEDULER_TICK_MS", default: 1000,
                                    range: 1...3_600_000, unit: "milliseconds")
        tick = .milliseconds(ms)
        let dir = source.string(o.outputDir, flag: "--output-dir", env: "HUB_SCHEDULER_OUTPUT_DIR", default: "scheduler-output")
        outputDirectory = dir.hasPrefix("/") ? dir : FileManager.default.currentDirectoryPath + "/" + dir
        let retention = try source.integer(o.outputRetentionDays, flag: "--output-retention-days", env: "HUB_SCHEDULER_OUTPUT_RETENTION_DAYS",
                                           default: 90, range: 0...36_500, unit: "days")
        outputRetentionDays = retention == 0 ? nil : retention
        ingestGroup = source.string(o.ingestGroup, flag: "--ingest-group", env: "HUB_INGEST_GROUP", default: "hub-ingest")
        transformGroup = source.string(o.transformGroup, flag: "--transform-group", env: "HUB_TRANSFORM_GROUP", default: "hub-transform")
        sinkGroup = source.string(o.sinkGroup, flag: "--sink-group", env: "HUB_SINK_GROUP", default: "hub-sink")
        crashAfterSideEffect = source.value("HUB_SCHEDULER_CRASH_AFTER_SIDE_EFFECT").flatMap { $0.isEmpty ? nil : $0 }
    }
}

extension SchedulerSettings {
    /// Creates the output directory if needed and checks that a file can be written there.
    func checkOutputDirectory() throws(ConfigurationError) {
        let probe = outputDirectory + "/.hub-scheduler-write-check-\(getpid())"
        do {
            try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
            try Data("ok".utf8).write(to: URL(fileURLWithPath: probe))
            try FileManager.default.removeItem(atPath: probe)
        } catch {
            throw ConfigurationError("the output directory \(outputDirectory) (--output-dir / HUB_SCHEDULER_OUTPUT_DIR) is not writable: \(error.localizedDescription)")
        }
    }
}
