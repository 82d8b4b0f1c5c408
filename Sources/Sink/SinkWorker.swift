import Foundation
import HubCore
import HubCrypto
import HubStore
import Kafka
import Logging
import Postgres
import SinkCore
import Topology
import WorkerRuntime

/// The sink worker: ``SinkStage`` run by the exactly-once ``BatchConsumer`` over the standard
/// zone and the dead-letter topic. Offsets live in PostgreSQL, not in Kafka: on assignment the
/// sink starts from the offsets stored there (and loads the partitions' slot maps in the
/// same snapshot), and every batch commits its state changes, aggregate deltas, quarantine
/// rows and the new offsets in one transaction, fenced by compare-and-set on the stored
/// offsets. Quality alerts raised by a commit are published from the outbox by the
/// ``AlertOutboxJob`` beside the loop, which `alerts` opens and wakes.
struct SinkWorker: PollLoopWorker {
    /// Messages taken per poll while filling a transaction.
    static let pollChunk = 256

    let context: WorkerContext
    let alerts: SideJobTrigger
    /// Seals quarantined units' raw bytes (`HUB_AT_REST_KEY_FILES`); nil stores them as they are.
    var atRest: AtRestKeyring? = nil
    /// Outer person-code keys (README, "Key rotation"); empty when none are configured.
    var keyring: PersonCodeKeyring = .empty

    func run(stop: StopSignal) throws {
        let (settings, topology, logger, health) = (context.settings, context.topology, context.logger, context.health)
        let schema = HubSchema(name: settings.schema)
        let database = DatabaseAvailability(conninfo: settings.database, health: health, logger: logger, stop: stop)
        guard let db = database.connect() else { return }
        try database.retrying(db) { try schema.migrate(db, topology: topology) }
        var bits = MonitorBits(names: [:])
        try database.retrying(db) { bits = try MonitorBits.load(db, schema: schema) }

        var streamOf: [String: StreamDefinition] = [:]
        for s in topology.streams { streamOf[settings.topic(s.outputTopic)] = s }
        let stdTopics = streamOf.mapValues(\.recordType)
        let counts = try partitionCounts(Array(streamOf.keys))
        try database.retrying(db) {
            try SinkPartitionState.pin(db, schema: schema, counts: counts, types: stdTopics)
            try SinkPartitionState.recordSourceTopics(db, schema: schema, Dictionary(
                topology.streams.map { ($0.recordType, settings.topic($0.sourceTopic)) }, uniquingKeysWith: { a, _ in a }))
        }
        var countOfType: [RecordType: Int32] = [:]
        for (topic, n) in counts { if let t = stdTopics[topic] { countOfType[t] = n } }
        let partitionState = SinkPartitionState(db: db, schema: schema, stdTopics: stdTopics, partitionCounts: countOfType)
        health.set("database", true)
        alerts.open()

        var stage = SinkStage(settings: settings, db: db, partitionState: partitionState,
                              committer: SinkCommitter(db: db, schema: schema, topology: topology, bits: bits, atRest: atRest,
                                                       keyring: keyring),
                              decoder: StdMessageDecoder(streams: streamOf, partitionCounts: counts, bits: bits, logger: logger),
                              alerts: alerts, logger: logger)
        let positions = StoredOffsetTracker(store: partitionState, group: settings.group, logger: logger, stop: stop)
        let consumer = try BatchConsumer(
            settings: settings, topics: streamOf.keys.sorted() + [settings.quarantineTopic], budget: Self.budget(settings),
            metrics: stage.metrics, listener: positions, logger: logger, health: health)
        try consumer.run(&stage, positions: positions, stop: stop)
    }

    /// A standard-zone message holds up to ``StandardRecordBatch/maxRecordsPerMessage`` records:
    /// polls take only as many messages as the record budget has room for, so a transaction
    /// (and the sink's memory) stays bounded at about 4 × batch-size records.
    static func budget(_ settings: WorkerSettings) -> PollBudget {
        .chunked(messages: settings.batchSize, records: 4 * settings.batchSize) { room in
            max(1, min(pollChunk, room / StandardRecordBatch.maxRecordsPerMessage))
        }
    }

    /// The partition count of each std topic (the broker must have the topics).
    private func partitionCounts(_ topics: [String]) throws -> [String: Int32] {
        let config = WorkerMain.kafkaConfig(context.settings, [:], logger: context.logger)
        var out: [String: Int32] = [:]
        for t in topics {
            guard let n = try KafkaAdmin.partitionCount(config: config, topic: t, timeout: .seconds(30)), let count = Int32(exactly: n),
                  count > 0 else {
                throw SinkSetupError("the broker has no topic \(t); create the topics with `hubctl topics create`")
            }
            out[t] = count
        }
        return out
    }
}

struct SinkSetupError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
