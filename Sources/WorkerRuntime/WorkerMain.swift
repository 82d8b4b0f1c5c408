import Foundation
import Kafka
import Logging
import Metrics
import Postgres
import Prometheus
import ServiceLifecycle
import Topology

/// The start-up every worker shares: logging, metrics, the HTTP endpoint, the topology, and
/// running the poll loop under a ServiceGroup that turns SIGTERM/SIGINT into a graceful stop.
public enum WorkerMain {
    /// Prints `stage: error: message` and exits 2: the one-line answer to bad configuration.
    public static func fail(_ stage: String, _ message: String) -> Never {
        FileHandle.standardError.write(Data("hub-\(stage): error: \(message)\n".utf8))
        exit(2)
    }

    /// Sets up logging and metrics once per process, after checking the Kafka properties.
    public static func bootstrap(_ settings: WorkerSettings) -> (Logger, PrometheusCollectorRegistry) {
        checkKafkaProperties(settings)
        AllocatorSettings.fixLargeBlockThreshold()
        do {
            try TestKillPoint.validate()
        } catch {
            fail(settings.stage, error.description)
        }
        let level = settings.logLevel
        LoggingSystem.bootstrap { label in StructuredLogHandler(label: label, format: settings.logFormat, level: level) }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return (Logger(label: settings.stage), registry)
    }

    /// ``bootstrap(_:)`` for a worker: its context, with the health state its endpoints report.
    public static func bootstrap(_ settings: WorkerSettings, topology: Topology) -> WorkerContext {
        let (logger, registry) = bootstrap(settings)
        return WorkerContext(settings: settings, topology: topology, logger: logger,
                             health: HealthState(stallTimeout: settings.stallTimeout), registry: registry)
    }

    /// The worker's settings and its stage's own (read by `own` from the same flags,
    /// environment and configuration file), or exit with the one line naming the bad setting.
    public static func settings<Own>(_ stage: String, httpPort: Int, _ options: CommonOptions,
                                     own: (SettingSource) throws -> Own) -> (WorkerSettings, Own) {
        do {
            let source = try SettingSource(configFile: options.config)
            let settings = try WorkerSettings(stage: stage, defaultHTTPPort: httpPort, options: options, source: source)
            return (settings, try own(source))
        } catch {
            fail(stage, "\(error)")
        }
    }

    /// `--check-config`: the database must accept a connection (one clear line if not).
    public static func checkDatabase(_ settings: WorkerSettings) {
        do {
            _ = try PGConnection(conninfo: settings.database)
        } catch {
            fail(settings.stage, "cannot connect to the database: \(error)")
        }
    }

    /// Loads the topology or exits with every issue listed.
    public static func loadTopology(_ settings: WorkerSettings) -> Topology {
        do {
            return try TopologyLoader.load(directory: settings.topologyDirectory)
        } catch {
            fail(settings.stage, "\(error)")
        }
    }

    /// Runs `worker` until it returns or the process is asked to stop, with the worker's side
    /// jobs as services of the same group. They are listed first, so on SIGTERM/SIGINT the group
    /// stops the poll loop first (it stops services in reverse order) and a side job's last turn
    /// comes after the loop's last commit.
    public static func run(_ worker: any PollLoopWorker, context: WorkerContext, sideJobs: [SideJobWorker] = []) async throws {
        let settings = context.settings
        if settings.httpPort > 0 {
            do {
                let server = try ObservabilityServer(port: settings.httpPort, health: context.health, registry: context.registry,
                                                     stage: settings.stage)
                context.logger.info("serving /healthz /readyz /metrics", metadata: ["port": "\(server.port)"])
            } catch {
                fail(settings.stage, error.description)
            }
        }
        let loop = PollLoopService(name: settings.stage, worker: worker)
        let group = ServiceGroup(configuration: .init(
            services: sideJobs.map { .init(service: $0.service) }
                + [.init(service: loop, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: context.logger))
        try await group.run()
    }

    /// The `--kafka-property` / `HUB_KAFKA_PROPERTIES` values (TLS, SASL, tuning) as librdkafka
    /// reads them: an unknown property, a refused value or an unreadable TLS file stops the
    /// worker with librdkafka's reason on one line.
    public static func checkKafkaProperties(_ settings: WorkerSettings) {
        if let problem = settings.kafkaConfig().problem() {
            fail(settings.stage, "Kafka configuration (--kafka-property / HUB_KAFKA_PROPERTIES): \(problem)")
        }
    }

    /// `--check-config`: the broker must answer within a few seconds (one clear line if not).
    public static func checkBroker(_ settings: WorkerSettings, topic: String) {
        checkKafkaProperties(settings)
        var config = settings.kafkaConfig(["socket.timeout.ms": "5000"])
        config.logHandler = { _ in }
        do {
            if try KafkaAdmin.partitionCount(config: config, topic: topic, timeout: .seconds(6)) == nil {
                fail(settings.stage, "the broker at \(settings.brokers) has no topic \(topic); create the topics with `hubctl topics create`")
            }
        } catch {
            fail(settings.stage, "cannot reach the Kafka broker at \(settings.brokers): \(error)")
        }
    }

    /// The producer of a stage's output topics: batched for 5 ms, lz4-compressed, messages up
    /// to ``WorkerSettings/maxMessageBytes``.
    public static func outputProducer(_ settings: WorkerSettings, logger: Logger) throws -> KafkaProducer {
        try KafkaProducer(config: kafkaConfig(settings, [
            "linger.ms": "5",
            "compression.type": "lz4",
            "message.max.bytes": String(settings.maxMessageBytes),
        ], logger: logger))
    }

    /// Kafka client settings from the worker's configuration plus stage defaults; the
    /// operator's `--kafka-property` values win. Given `health`, a consumer made from it keeps
    /// the `broker` readiness check up to date (false while no broker is reachable).
    public static func kafkaConfig(_ settings: WorkerSettings, _ defaults: [String: String], logger: Logger,
                                   health: HealthState? = nil) -> KafkaConfig {
        // A bounded prefetch queue: with a slow database the sink holds this much at most. It
        // is twice what one fetch of the input usually brings, so the next fetch is already in
        // flight while the stage works through the last one: with 16 MiB, transform waited on
        // its input for a third of a run whose input was all there (docs/throughput.md).
        var config = settings.kafkaConfig(["queued.max.messages.kbytes": "32768"].merging(defaults) { $1 })
        let kafkaLogger = Logger(label: "\(settings.stage).kafka")
        config.logHandler = { message in
            // Shared settings carry consumer-only properties that producers ignore; not news.
            if message.facility == "CONFWARN" { return }
            kafkaLogger.warning("librdkafka: \(message.message)", metadata: ["facility": "\(message.facility)"])
        }
        if let health {
            config.connectivityHandler = { reachable in health.set("broker", reachable) }
        }
        return config
    }
}

/// Exponential backoff for retrying an unavailable dependency, with a cap.
public struct Backoff: Sendable {
    public var initial: Duration
    public var maximum: Duration
    private var current: Duration

    public init(initial: Duration = .milliseconds(200), maximum: Duration = .seconds(5)) {
        self.initial = initial
        self.maximum = maximum
        self.current = initial
    }

    /// The next delay, doubling up to the cap.
    public mutating func next() -> Duration {
        defer { current = min(current * 2, maximum) }
        return current
    }

    public mutating func reset() { current = initial }
}
