import Foundation
import Kafka
import Logging
import Metrics
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

    /// Loads the topology or exits with every issue listed.
    public static func loadTopology(_ settings: WorkerSettings) -> Topology {
        do {
            return try TopologyLoader.load(directory: settings.topologyDirectory)
        } catch {
            fail(settings.stage, "\(error)")
        }
    }

    /// Runs `worker` until it returns or the process is asked to stop.
    public static func run(_ worker: any PollLoopWorker, settings: WorkerSettings, logger: Logger,
                           registry: PrometheusCollectorRegistry, health: HealthState) async throws {
        if settings.httpPort > 0 {
            do {
                let server = try ObservabilityServer(port: settings.httpPort, health: health, registry: registry, stage: settings.stage)
                logger.info("serving /healthz /readyz /metrics", metadata: ["port": "\(server.port)"])
            } catch {
                fail(settings.stage, error.description)
            }
        }
        let service = PollLoopService(name: settings.stage, worker: worker)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }

    /// The `--kafka-property` / `HUB_KAFKA_PROPERTIES` values (TLS, SASL, tuning) as librdkafka
    /// reads them: an unknown property, a refused value or an unreadable TLS file stops the
    /// worker with librdkafka's reason on one line.
    public static func checkKafkaProperties(_ settings: WorkerSettings) {
        var properties = ["bootstrap.servers": settings.brokers]
        properties.merge(settings.kafkaProperties) { $1 }
        if let problem = KafkaConfig(properties).problem() {
            fail(settings.stage, "Kafka configuration (--kafka-property / HUB_KAFKA_PROPERTIES): \(problem)")
        }
    }

    /// `--check-config`: the broker must answer within a few seconds (one clear line if not).
    public static func checkBroker(_ settings: WorkerSettings, topic: String) {
        checkKafkaProperties(settings)
        var config = KafkaConfig(["bootstrap.servers": settings.brokers, "socket.timeout.ms": "5000"])
        config.properties.merge(settings.kafkaProperties) { $1 }
        config.logHandler = { _ in }
        do {
            if try KafkaAdmin.partitionCount(config: config, topic: topic, timeout: .seconds(6)) == nil {
                fail(settings.stage, "the broker at \(settings.brokers) has no topic \(topic); create the topics with `hubctl topics create`")
            }
        } catch {
            fail(settings.stage, "cannot reach the Kafka broker at \(settings.brokers): \(error)")
        }
    }

    /// Kafka client settings from the worker's configuration plus stage defaults; the
    /// operator's `--kafka-property` values win. Given `health`, a consumer made from it keeps
    /// the `broker` readiness check up to date (false while no broker is reachable).
    public static func kafkaConfig(_ settings: WorkerSettings, _ defaults: [String: String], logger: Logger,
                                   health: HealthState? = nil) -> KafkaConfig {
        // A bounded prefetch queue: with a slow database the sink holds this much at most.
        var props = ["bootstrap.servers": settings.brokers, "client.id": "eduhub-\(settings.stage)",
                     "queued.max.messages.kbytes": "16384"]
        props.merge(defaults) { $1 }
        props.merge(settings.kafkaProperties) { $1 }
        var config = KafkaConfig(props)
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
