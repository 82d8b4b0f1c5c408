import ArgumentParser
import Foundation
import WorkerRuntime

/// The scheduler's own options, each also an environment variable (the flag wins).
struct SchedulerOptions: ParsableArguments {
    @Option(name: .long, help: "Name of this instance in the leadership record and task instances. Env HUB_SCHEDULER_INSTANCE. Default host:pid.")
    var instance: String?

    @Option(name: .long, help: "Milliseconds between scheduling steps while leading. Env HUB_SCHEDULER_TICK_MS. Default 1000.")
    var tickMs: Int?

    @Option(name: .long, help: "Base directory for relative task output directories (exports, reports). Env HUB_SCHEDULER_OUTPUT_DIR. Default scheduler-output.")
    var outputDir: String?

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
    var ingestGroup: String
    var transformGroup: String
    var sinkGroup: String
    /// Test hook: exit right after this task's side effect, before recording it.
    var crashAfterSideEffect: String?

    init(_ o: SchedulerOptions, environment env: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError) {
        instance = o.instance ?? env["HUB_SCHEDULER_INSTANCE"] ?? "\(ProcessInfo.processInfo.hostName):\(getpid())"
        let ms = o.tickMs ?? env["HUB_SCHEDULER_TICK_MS"].flatMap(Int.init) ?? 1000
        guard ms > 0 else { throw ConfigurationError("scheduler tick must be positive") }
        tick = .milliseconds(ms)
        let dir = o.outputDir ?? env["HUB_SCHEDULER_OUTPUT_DIR"] ?? "scheduler-output"
        outputDirectory = dir.hasPrefix("/") ? dir : FileManager.default.currentDirectoryPath + "/" + dir
        ingestGroup = o.ingestGroup ?? env["HUB_INGEST_GROUP"] ?? "hub-ingest"
        transformGroup = o.transformGroup ?? env["HUB_TRANSFORM_GROUP"] ?? "hub-transform"
        sinkGroup = o.sinkGroup ?? env["HUB_SINK_GROUP"] ?? "hub-sink"
        crashAfterSideEffect = env["HUB_SCHEDULER_CRASH_AFTER_SIDE_EFFECT"].flatMap { $0.isEmpty ? nil : $0 }
    }
}
