import Foundation
import HubCore
import HubStore
import Kafka
import Logging
import Metrics
import Postgres
import SinkCore
import Topology
import WorkerRuntime

/// The sink loop. Offsets live in PostgreSQL, not in Kafka: on assignment the sink starts
/// from the offsets stored there (and loads the partitions' key filters in the same
/// snapshot), and every batch commits its state changes, aggregate deltas, quarantine rows
/// and the new offsets in one transaction, fenced by compare-and-set on the stored offsets.
/// If the database fails, the batch is dropped, the partitions are rewound to the stored
/// offsets and the loop retries with backoff — memory stays at one batch. Quality alerts
/// raised by a commit are published from the outbox once it is durable.
struct SinkWorker: PollLoopWorker {
    /// Messages taken per poll while filling a transaction.
    static let pollChunk = 256

    let settings: WorkerSettings
    let topology: Topology
    let logger: Logger
    let health: HealthState

    func run(stop: StopSignal) throws {
        let schema = HubSchema(name: settings.schema)
        let database = DatabaseAvailability(conninfo: settings.database, health: health, logger: logger, stop: stop)
        guard let db = database.connect() else { return }
        try database.retrying { try schema.migrate(db, topology: topology) }
        var bits = MonitorBits(names: [:])
        try database.retrying { bits = try MonitorBits.load(db, schema: schema) }

        var streamOf: [String: StreamDefinition] = [:]
        for s in topology.streams { streamOf[settings.topic(s.outputTopic)] = s }
        let stdTopics = streamOf.mapValues(\.recordType)
        let counts = try partitionCounts(Array(streamOf.keys))
        try database.retrying {
            try SinkPartitionState.pin(db, schema: schema, counts: counts)
            try SinkPartitionState.recordSourceTopics(db, schema: schema, Dictionary(
                topology.streams.map { ($0.recordType, settings.topic($0.sourceTopic)) }, uniquingKeysWith: { a, _ in a }))
        }
        var countOfType: [RecordType: Int32] = [:]
        for (topic, n) in counts { if let t = stdTopics[topic] { countOfType[t] = n } }
        let partitionState = SinkPartitionState(db: db, schema: schema, stdTopics: stdTopics, partitionCounts: countOfType)
        let committer = SinkCommitter(db: db, schema: schema, topology: topology, bits: bits)
        health.set("database", true)

        let alertProducer = try KafkaProducer(config: WorkerMain.kafkaConfig(settings, ["linger.ms": "5"], logger: logger))
        let alerts = QualityAlertPublisher(producer: alertProducer, db: db, schema: schema, topology: topology,
                                           topic: settings.alertsTopic, logger: logger)
        try database.retrying { _ = try alerts.publishPending() }
        let positions = StoredOffsetTracker(store: partitionState, group: settings.group, logger: logger, stop: stop)
        let consumer = try KafkaConsumer(config: WorkerMain.kafkaConfig(settings, [
            "group.id": settings.group,
            "auto.offset.reset": "earliest",
        ], logger: logger, health: health), rebalanceListener: positions)
        defer { consumer.close() }
        try consumer.subscribe(streamOf.keys.sorted() + [settings.quarantineTopic])
        health.set("broker", true)
        logger.info("sink started", metadata: ["topics": "\(streamOf.keys.sorted() + [settings.quarantineTopic])", "group": "\(settings.group)"])

        let metrics = StageMetrics(stage: "sink")
        let recordsIn = metrics.recordsConsumed()
        let commits = Counter(label: "hub_sink_commits_total")
        let retries = Counter(label: "hub_pg_transaction_retries_total", dimensions: [("stage", "sink")])
        let fenced = Counter(label: "hub_sink_fenced_total")
        let redelivery = RedeliveryCounter()
        let commitTime = Timer(label: "hub_pg_transaction_duration_seconds", dimensions: [("stage", "sink")])
        var backoff = Backoff()
        let poison = PoisonReporter(stage: "sink", logger: logger)
        var decoder = StdMessageDecoder(streams: streamOf, partitionCounts: counts, bits: bits, logger: logger)

        let lag = ConsumerLagReporter(stage: "sink")
        var outboxCheckedAt = ContinuousClock.now
        // A standard-zone message holds up to 2,000 records: polls take only as many messages
        // as the record budget has room for, so a transaction (and the sink's memory) stays
        // bounded at about 4 × batch-size records.
        let recordBudget = 4 * settings.batchSize
        func chunk(room: Int) -> Int { max(1, min(Self.pollChunk, room / StandardRecordBatch.maxRecordsPerMessage)) }
        while !stop.isStopping {
            health.progressed()
            var messages = try consumer.poll(maxMessages: chunk(room: recordBudget), timeout: settings.batchWait)
            lag.update(consumer)
            if messages.isEmpty {
                // Alerts raised elsewhere (the day-level evaluation) wait in the same outbox.
                if ContinuousClock.now - outboxCheckedAt > .seconds(10) {
                    outboxCheckedAt = .now
                    alerts.publishPendingKeepingFailures()
                }
                continue
            }
            var batch = SinkBatch()
            var next: [TopicPartition: Int64] = [:]
            var polled = 0
            var readAgain = 0
            // One transaction takes what is already fetched, up to batch-size messages and
            // 4 × batch-size records (a standard-zone message carries many records).
            while true {
                readAgain += redelivery.read(messages)
                for m in messages {
                    guard positions.expected(m.topicPartition) != nil else { continue }  // revoked meanwhile
                    next[m.topicPartition] = max(next[m.topicPartition] ?? 0, m.offset + 1)
                    decoder.decode(m, quarantineTopic: settings.quarantineTopic, into: &batch)
                }
                polled += messages.count
                let room = recordBudget - batch.records.count - batch.quarantine.count
                guard polled < settings.batchSize, room > 0 else { break }
                messages = try consumer.poll(maxMessages: min(chunk(room: room), settings.batchSize - polled), timeout: .zero)
                if messages.isEmpty { break }
            }
            if next.keys.contains(where: { positions.expected($0) == nil }) {
                // A rebalance took partitions away while the batch was filling: start again
                // from the stored offsets of what this instance still owns.
                try positions.rewind(consumer, reload: false)
                continue
            }
            for (tp, n) in next {
                guard let expected = positions.expected(tp) else { continue }
                batch.offsets.append(OffsetAdvance(topic: tp.topic, partition: tp.partition, expected: expected, next: n))
            }
            if batch.isEmpty { continue }
            let started = ContinuousClock.now
            do {
                let summary = try committer.commit(group: settings.group, batch, filters: partitionState.filters) {
                    if TestKillPoint.sinkBeforeCommit.reach(detail: batch.offsetRanges) {
                        _ = try? db.execute("SELECT pg_terminate_backend(pg_backend_pid())")
                    }
                }
                if TestKillPoint.sinkAfterCommit.reach(detail: batch.offsetRanges) { throw CommitReplyLost() }
                redelivery.committed(readAgain: readAgain, copies: summary.redeliveredCopies, logger: logger)
                metrics.committed(messages: polled, since: started)
                for o in batch.offsets { positions.set(TopicPartition(topic: o.topic, partition: o.partition), o.next) }
                commits.increment()
                recordsIn.increment(by: batch.records.count + batch.quarantine.count)
                commitTime.record(since: started)
                for unit in summary.isolated { poison.isolated(unit) }
                for (monitor, n) in summary.newlyFailed {
                    Counter(label: "hub_quality_failed_units_total", dimensions: [("monitor", monitor)]).increment(by: Int(n))
                }
                if !summary.alerts.isEmpty { alerts.publishPendingKeepingFailures() }
                health.set("database", true)
                backoff.reset()
                logger.debug("committed", metadata: ["messages": "\(polled)", "changes": "\(summary.stateChanges)",
                                                     "created": "\(summary.created)", "stale": "\(summary.staleVersions)",
                                                     "quarantined": "\(summary.newQuarantined)", "copies": "\(summary.redeliveredCopies)"])
            } catch is FencedError {
                fenced.increment()
                logger.warning("offsets moved on in the database; reloading them and the key filters")
                try rewindReloading(positions, consumer)
            } catch {
                retries.increment()
                health.set("database", false)
                let delay = backoff.next()
                try? committer.reconnect()
                // A lost connection leaves the COMMIT's outcome unknown: the stored offsets say
                // what happened, so they are read again. (Were the cached ones kept, the fence
                // would refuse the next attempt if the commit had gone through, and reload then.)
                if (error as? PGError)?.isConnectionError == true || error is CommitReplyLost {
                    logger.warning("commit outcome unknown (connection lost); reloading the stored offsets",
                                   metadata: ["error": "\(error)", "retry_in": "\(delay)"])
                    try rewindReloading(positions, consumer)
                } else {
                    logger.warning("commit failed; rewinding and retrying", metadata: ["error": "\(error)", "retry_in": "\(delay)"])
                    try positions.rewind(consumer, reload: false)
                }
                sleep(delay, unless: stop)
            }
        }
        logger.info("sink stopped")
    }

    /// Seeks back to the stored offsets read again from the database (the key filters with
    /// them); when the database cannot be read now, to the offsets known here — if those are
    /// stale, the fence refuses the next commit and this runs again.
    private func rewindReloading(_ positions: StoredOffsetTracker, _ consumer: KafkaConsumer) throws {
        do {
            try positions.rewind(consumer, reload: true)
        } catch {
            logger.warning("cannot read the stored offsets now; rewinding to the known ones", metadata: ["error": "\(error)"])
            try positions.rewind(consumer, reload: false)
        }
    }

    /// The partition count of each std topic (the broker must have the topics).
    private func partitionCounts(_ topics: [String]) throws -> [String: Int32] {
        let config = WorkerMain.kafkaConfig(settings, [:], logger: logger)
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

/// The `sink.after-commit:N:lose-connection` test point: the COMMIT went through but its reply
/// is treated as lost, so the sink does not know the outcome.
struct CommitReplyLost: Error, CustomStringConvertible {
    var description: String { "the reply to COMMIT was lost (test kill point)" }
}

struct SinkSetupError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
