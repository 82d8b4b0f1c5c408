import Foundation
import HubCore
import HubStore
import Kafka
import Logging
import Metrics
import Postgres
import Synchronization
import Topology
import WorkerRuntime

/// The sink loop. Offsets live in PostgreSQL, not in Kafka: on assignment the sink starts
/// from the offsets stored there, and every batch commits its state changes, aggregate deltas,
/// quarantine rows and the new offsets in one transaction, fenced by compare-and-set on the
/// stored offsets. If the database fails, the batch is dropped, the partitions are rewound to
/// the stored offsets and the loop retries with backoff — memory stays at one batch.
struct SinkWorker: PollLoopWorker {
    let settings: WorkerSettings
    let topology: Topology
    let logger: Logger
    let health: HealthState

    func run(stop: StopSignal) throws {
        let schema = HubSchema(name: settings.schema)
        let db = try connect(stop: stop)
        guard let db else { return }
        try withDatabaseRetry(stop: stop) { try schema.migrate(db, topology: topology) }
        let store = SinkStore(db: db, schema: schema, topology: topology)
        health.set("database", true)

        let positions = PartitionPositions()
        let listener = OffsetLoader(store: store, group: settings.group, positions: positions, logger: logger, stop: stop)
        let consumer = try KafkaConsumer(config: WorkerMain.kafkaConfig(settings, [
            "group.id": settings.group,
            "auto.offset.reset": "earliest",
        ], logger: logger), rebalanceListener: listener)
        defer { consumer.close() }
        let stdTopics = topology.streams.map { settings.topic($0.outputTopic) }
        try consumer.subscribe(stdTopics + [settings.quarantineTopic])
        health.set("broker", true)
        logger.info("sink started", metadata: ["topics": "\(stdTopics + [settings.quarantineTopic])", "group": "\(settings.group)"])

        let recordsIn = Counter(label: "hub_records_in_total", dimensions: [("stage", "sink")])
        let commits = Counter(label: "hub_sink_commits_total")
        let retries = Counter(label: "hub_pg_transaction_retries_total", dimensions: [("stage", "sink")])
        let fenced = Counter(label: "hub_sink_fenced_total")
        let commitTime = Timer(label: "hub_commit_seconds", dimensions: [("stage", "sink")])
        let batchSize = Recorder(label: "hub_batch_size", dimensions: [("stage", "sink")])
        var backoff = Backoff()

        let lag = ConsumerLagReporter(stage: "sink")
        while !stop.isStopping {
            let messages = try consumer.poll(maxMessages: settings.batchSize, timeout: settings.batchWait)
            lag.update(consumer)
            if messages.isEmpty { continue }
            var batch = SinkBatch()
            var next: [TopicPartition: Int64] = [:]
            for m in messages {
                guard positions.expected(m.topicPartition) != nil else { continue }  // revoked meanwhile
                next[m.topicPartition] = max(next[m.topicPartition] ?? 0, m.offset + 1)
                guard let value = m.value else { continue }
                do {
                    if m.topic == settings.quarantineTopic {
                        batch.quarantine.append(try QuarantineUnit(decoding: value))
                    } else {
                        batch.records.append(try StandardRecord(decoding: value))
                    }
                } catch {
                    logger.error("unreadable internal message skipped", metadata: [
                        "topic": "\(m.topic)", "partition": "\(m.partition)", "offset": "\(m.offset)", "error": "\(error)"])
                }
            }
            for (tp, n) in next {
                guard let expected = positions.expected(tp) else { continue }
                batch.offsets.append((tp.topic, tp.partition, expected, n))
            }
            if batch.isEmpty { continue }
            let started = ContinuousClock.now
            do {
                let summary = try store.commit(group: settings.group, batch)
                for o in batch.offsets { positions.set(TopicPartition(topic: o.topic, partition: o.partition), o.next) }
                commits.increment()
                recordsIn.increment(by: messages.count)
                batchSize.record(messages.count)
                let d = ContinuousClock.now - started
                commitTime.recordNanoseconds(d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000)
                health.set("database", true)
                backoff.reset()
                logger.debug("committed", metadata: ["messages": "\(messages.count)", "changes": "\(summary.stateChanges)",
                                                     "stale": "\(summary.staleVersions)", "quarantined": "\(summary.newQuarantined)"])
            } catch is FencedError {
                fenced.increment()
                logger.warning("offsets moved on in the database; reloading them")
                try rewind(consumer, positions, reload: store)
            } catch {
                retries.increment()
                health.set("database", false)
                let delay = backoff.next()
                logger.warning("commit failed; rewinding and retrying", metadata: ["error": "\(error)", "retry_in": "\(delay)"])
                try? store.reconnect()
                try rewind(consumer, positions, reload: nil)
                sleep(delay, unless: stop)
            }
        }
        logger.info("sink stopped")
    }

    /// Seeks every assigned partition back to its stored offset so the failed batch is read again.
    private func rewind(_ consumer: KafkaConsumer, _ positions: PartitionPositions, reload store: SinkStore?) throws {
        let assigned = try consumer.assignment()
        if let store {
            let loaded = try store.loadOffsets(group: settings.group, partitions: assigned.map { ($0.topic, $0.partition) })
            for tp in assigned { positions.set(tp, loaded["\(tp.topic)#\(tp.partition)"] ?? 0) }
        }
        for tp in assigned {
            guard let offset = positions.expected(tp) else { continue }
            try consumer.seek(TopicPartitionOffset(tp, offset: offset), timeout: .seconds(10))
        }
    }

    private func connect(stop: StopSignal) throws -> PGConnection? {
        var backoff = Backoff()
        while !stop.isStopping {
            do {
                return try PGConnection(conninfo: settings.database)
            } catch {
                health.set("database", false)
                let delay = backoff.next()
                logger.warning("database unavailable; retrying", metadata: ["error": "\(error)", "retry_in": "\(delay)"])
                sleep(delay, unless: stop)
            }
        }
        return nil
    }

    private func withDatabaseRetry(stop: StopSignal, _ body: () throws -> Void) throws {
        var backoff = Backoff()
        while true {
            do {
                return try body()
            } catch let error as PGError where error.isConnectionError && !stop.isStopping {
                let delay = backoff.next()
                logger.warning("database unavailable; retrying", metadata: ["error": "\(error)", "retry_in": "\(delay)"])
                sleep(delay, unless: stop)
            }
        }
    }
}

/// Sleeps in short steps so a stop request is noticed quickly.
func sleep(_ d: Duration, unless stop: StopSignal) {
    let end = ContinuousClock.now + d
    while !stop.isStopping, ContinuousClock.now < end {
        Thread.sleep(forTimeInterval: 0.05)
    }
}

/// The stored next offset of each partition this instance owns (the fence for the next
/// commit); absent = not owned.
final class PartitionPositions: Sendable {
    private let map = Mutex<[TopicPartition: Int64]>([:])

    func expected(_ tp: TopicPartition) -> Int64? { map.withLock { $0[tp] } }
    func set(_ tp: TopicPartition, _ offset: Int64) { map.withLock { $0[tp] = offset } }
    func remove(_ tps: [TopicPartition]) { map.withLock { m in for tp in tps { m[tp] = nil } } }
}

/// Starts assigned partitions from the offsets stored in PostgreSQL (retrying while the
/// database is down), and forgets revoked ones.
final class OffsetLoader: KafkaRebalanceListener, @unchecked Sendable {
    // Called only on the polling thread, inside poll(); the store is used on that thread only.
    private let store: SinkStore
    private let group: String
    private let positions: PartitionPositions
    private let logger: Logger
    private let stop: StopSignal

    init(store: SinkStore, group: String, positions: PartitionPositions, logger: Logger, stop: StopSignal) {
        self.store = store
        self.group = group
        self.positions = positions
        self.logger = logger
        self.stop = stop
    }

    func partitionsAssigned(_ partitions: [TopicPartition]) -> [TopicPartitionOffset]? {
        var backoff = Backoff()
        while true {
            do {
                let loaded = try store.loadOffsets(group: group, partitions: partitions.map { ($0.topic, $0.partition) })
                var out: [TopicPartitionOffset] = []
                for tp in partitions {
                    let offset = loaded["\(tp.topic)#\(tp.partition)"] ?? 0
                    positions.set(tp, offset)
                    out.append(TopicPartitionOffset(tp, offset: offset))
                }
                logger.info("partitions assigned", metadata: ["partitions": "\(out.map(\.description))"])
                return out
            } catch {
                try? store.reconnect()
                let delay = backoff.next()
                logger.warning("cannot load stored offsets; retrying", metadata: ["error": "\(error)", "retry_in": "\(delay)"])
                if stop.isStopping {
                    return partitions.map { TopicPartitionOffset($0, offset: TopicPartitionOffset.beginning) }
                }
                sleep(delay, unless: stop)
            }
        }
    }

    func partitionsRevoked(_ partitions: [TopicPartition]) {
        positions.remove(partitions)
        logger.info("partitions revoked", metadata: ["partitions": "\(partitions.map(\.description))"])
    }
}
