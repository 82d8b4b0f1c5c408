import Foundation
import HubCrypto
import HubStore
import Kafka
import Logging
import Metrics
import Postgres
import SchedulerCore
import Topology
import WorkerRuntime

/// The scheduler loop: poll the leader lock every second; while leading, run a scheduling
/// step every tick. On a graceful stop the leader lets its attempts finish, then releases the
/// lock so a follower takes over at once.
struct SchedulerWorker: PollLoopWorker {
    let context: WorkerContext
    let options: SchedulerSettings
    /// For `quarantine_replay` of sealed records; nil without at-rest keys.
    let atRestKeyring: AtRestKeyring?
    /// Whether this instance leads, for the side jobs only the leader runs.
    let leadership: Leadership

    func run(stop: StopSignal) throws {
        let (settings, topology, logger, health) = (context.settings, context.topology, context.logger, context.health)
        let schema = HubSchema(name: settings.schema)
        let database = DatabaseAvailability(conninfo: settings.database, pinnedSearchPath: false, health: health, logger: logger, stop: stop)
        guard let db = database.connect() else { return }
        try schema.migrate(db, topology: topology)
        health.set("database", true)

        let leaderGauge = Gauge(label: "hub_scheduler_leader")
        leaderGauge.record(0)
        // Task attempts by DAG and state (started = running, then their end state), every series at 0 from the start.
        var counters: [String: Counter] = [:]
        for dag in topology.dags {
            for state in TaskState.allCases {
                counters["\(dag.name)|\(state.rawValue)"] = Counter(label: "hub_scheduler_task_instances_total",
                                                                     dimensions: [("dag", dag.name), ("state", state.rawValue)])
            }
        }
        let ticks = Counter(label: "hub_scheduler_ticks_total")
        let runner = TaskRunner(environment: taskEnvironment(), clock: SystemClock(), logger: logger,
                                crashAfterSideEffect: options.crashAfterSideEffect) { [counters] dag, state in
            counters["\(dag)|\(state.rawValue)"]?.increment()
        }
        var engine: SchedulerEngine? = SchedulerEngine(dags: topology.dags, store: SchedulerStore(db: db, schema: settings.schema),
                                                       runner: runner, clock: SystemClock(), instance: options.instance, logger: logger)
        let election = LeaderElection(conninfo: settings.database, schema: settings.schema)
        logger.info("scheduler started", metadata: ["instance": "\(options.instance)", "dags": "\(topology.dags.map(\.name))"])
        var leading = false
        var nextPoll = ContinuousClock.now
        while !stop.isStopping {
            health.progressed()
            if ContinuousClock.now >= nextPoll || leading {
                let now = election.poll()
                nextPoll = ContinuousClock.now + .seconds(1)
                if now != leading {
                    leading = now
                    leaderGauge.record(leading ? 1 : 0)
                    leadership.set(leading)
                    logger.notice(leading ? "acquired the leader lock" : "lost the leader lock; standing by")
                }
                if leading, (engine?.epoch ?? 0) == 0 {
                    do { try engine?.takeOver() } catch { logger.error("cannot record leadership", metadata: ["error": "\(error)"]); engine = nil }
                }
                if !leading, (engine?.epoch ?? 0) != 0 { engine = nil }  // a new epoch is needed next time
            }
            if leading {
                do {
                    if engine == nil {
                        engine = SchedulerEngine(dags: topology.dags, store: SchedulerStore(db: try PGConnection(conninfo: settings.database),
                                                                                             schema: settings.schema),
                                                 runner: runner, clock: SystemClock(), instance: options.instance, logger: logger)
                        try engine?.takeOver()
                    }
                    try engine?.tick()
                    ticks.increment()
                    health.set("database", true)
                } catch {
                    logger.warning("scheduling step failed", metadata: ["error": "\(error)"])
                    health.set("database", false)
                    engine = nil
                }
            }
            sleep(leading ? options.tick : .milliseconds(100), unless: stop)
        }
        logger.info("stopping: waiting for running attempts", metadata: ["in_flight": "\(runner.inFlightCount)"])
        runner.waitUntilIdle(timeout: .seconds(60))
        election.resign()
        leadership.set(false)
        leaderGauge.record(0)
        logger.info("scheduler stopped")
    }

    /// The worker's settings as the pipeline sees them, for task implementations and the
    /// environment of external commands.
    private func taskEnvironment() -> TaskEnvironment {
        let (settings, topology) = (context.settings, context.topology)
        let kafka = settings.kafkaConfig()
        let prefix = settings.topicPrefix
        func bare(_ topic: String) -> String { String(topic.dropFirst(prefix.count)) }
        let topologyDirectory = settings.topologyDirectory.hasPrefix("/")
            ? settings.topologyDirectory : FileManager.default.currentDirectoryPath + "/" + settings.topologyDirectory
        var env = ["HUB_KAFKA_BROKERS": settings.brokers, "HUB_SCHEMA": settings.schema,
                   "HUB_TOPOLOGY_DIR": topologyDirectory, "HUB_TOPIC_PREFIX": prefix,
                   "HUB_REGISTRY_TOPIC": bare(settings.registryTopic), "HUB_INGESTED_TOPIC": bare(settings.ingestedTopic),
                   "HUB_QUARANTINE_TOPIC": bare(settings.quarantineTopic)]
        // SASL passwords and key material stay with the scheduler: a child that needs the broker
        // with credentials must be given its own.
        let secretProperties = settings.kafkaProperties.filter { Self.isSecretKafkaProperty($0.key) }
        let plainProperties = settings.kafkaProperties.filter { !Self.isSecretKafkaProperty($0.key) }
        if !plainProperties.isEmpty {
            env["HUB_KAFKA_PROPERTIES"] = plainProperties.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: ",")
        }
        // Only tasks that declare the database (and hubctl's own tasks) get it, and then the
        // password file's path, never the password (nor the conninfo the password was added to).
        var databaseEnv = ["HUB_DATABASE": settings.databaseWithoutPassword]
        if let file = settings.databasePasswordFile {
            databaseEnv["HUB_DATABASE_PASSWORD_FILE"] = file.hasPrefix("/") ? file : FileManager.default.currentDirectoryPath + "/" + file
        } else if let password = settings.databasePassword {
            databaseEnv["PGPASSWORD"] = password
        }
        let binDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
        return TaskEnvironment(
            conninfo: settings.database, schema: settings.schema, topology: topology, kafka: kafka,
            rawTopics: topology.streams.map { settings.topic($0.sourceTopic) }, ingestedTopic: settings.ingestedTopic,
            sinkTopics: topology.streams.map { settings.topic($0.outputTopic) } + [settings.quarantineTopic],
            quarantineTopic: settings.quarantineTopic,
            ingestGroup: options.ingestGroup, transformGroup: options.transformGroup, sinkGroup: options.sinkGroup,
            hubctlPath: binDirectory + "/hubctl", commandEnvironment: env, databaseCommandEnvironment: databaseEnv,
            secrets: (settings.databasePassword.map { [$0] } ?? []) + secretProperties.values, outputDirectory: options.outputDirectory,
            atRestKeyring: atRestKeyring)
    }

    static func isSecretKafkaProperty(_ key: String) -> Bool {
        key.contains("password") || key.contains("secret") || key == "ssl.key.pem" || key == "sasl.oauthbearer.config"
    }
}
