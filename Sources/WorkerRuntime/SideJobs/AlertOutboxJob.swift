import HubStore
import Kafka
import Logging
import Postgres
import Topology

/// The sink's side job: publishes the `quality_alerts` outbox (``QualityAlertPublisher``) at
/// start, every 10 s — alerts raised elsewhere (the day-level evaluation, monitoring scenarios)
/// wait in the same outbox — when the poll loop has committed new alerts, and once more on the
/// way out. It is the outbox's only publisher in the process, with its own connection and
/// producer; publishers in other processes (`hubctl quality evaluate`) skip the rows it has
/// claimed, and it skips theirs, so no alert is sent twice.
public struct AlertOutboxJob: SideJob {
    public static let interval = Duration.seconds(10)

    let settings: WorkerSettings
    let topology: Topology
    let logger: Logger
    private let producer: KafkaProducer?
    private var publisher: QualityAlertPublisher?

    public init(settings: WorkerSettings, topology: Topology, logger: Logger) {
        self.settings = settings
        self.topology = topology
        self.logger = logger
        do {
            producer = try KafkaProducer(config: WorkerMain.kafkaConfig(settings, ["linger.ms": "5"], logger: logger))
        } catch {
            logger.error("cannot create the alerts producer; alerts stay in the outbox", metadata: ["error": "\(error)"])
            producer = nil
        }
    }

    public mutating func run() {
        guard let producer else { return }
        do {
            if publisher == nil {
                let db = try PGConnection(conninfo: settings.database, pinnedSearchPath: true)
                publisher = QualityAlertPublisher(producer: producer, db: db, schema: HubSchema(name: settings.schema),
                                                  topology: topology, topic: settings.alertsTopic, logger: logger)
            }
            try publisher?.publishPending()
        } catch {
            logger.warning("publishing quality alerts failed; they stay in the outbox", metadata: ["error": "\(error)"])
            publisher = nil  // connect again next turn
        }
    }

    /// The job as the sink's side service, started once `trigger` is open.
    public static func worker(settings: WorkerSettings, topology: Topology, logger: Logger, trigger: SideJobTrigger) -> SideJobWorker {
        SideJobWorker(name: "\(settings.stage)-alerts", every: interval, finalTurn: true, trigger: trigger) {
            AlertOutboxJob(settings: settings, topology: topology, logger: logger)
        }
    }
}
