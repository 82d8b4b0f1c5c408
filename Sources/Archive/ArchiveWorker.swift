import Foundation
import HubStore
import Kafka
import Logging
import Metrics
import Postgres
import Topology
import WorkerRuntime
import Zstd

/// The archive loop, exactly once like the sink: offsets live in PostgreSQL (`sink_offsets`
/// under the archive's group), each partition starts from its stored offset on assignment,
/// and every batch stores its rows and its new offsets in one transaction fenced by
/// compare-and-set. On a database failure the batch is dropped and the partitions rewound.
struct ArchiveWorker: PollLoopWorker {
    let settings: WorkerSettings
    let topology: Topology
    let topics: [String]
    let zstdLevel: Int
    /// When set, raw messages older than this are deleted once an hour.
    let retentionDays: Int?
    let logger: Logger
    let health: HealthState

    func run(stop: StopSignal) throws {
        let schema = HubSchema(name: settings.schema)
        guard let db = connect(stop: stop) else { return }
        try retrying(stop: stop) { try schema.migrate(db, topology: topology) }
        let store = RawZoneStore(db: db, schema: schema)
        health.set("database", true)

        let positions = StoredPositions()
        let listener = StoredOffsetLoader(store: store, group: settings.group, positions: positions, logger: logger, stop: stop)
        let consumer = try KafkaConsumer(config: WorkerMain.kafkaConfig(settings, [
            "group.id": settings.group,
            "auto.offset.reset": "earliest",
        ], logger: logger), rebalanceListener: listener)
        defer { consumer.close() }
        try consumer.subscribe(topics)
        health.set("broker", true)
        logger.info("archive started", metadata: ["topics": "\(topics)", "group": "\(settings.group)"])

        let stored = Counter(label: "hub_archive_messages_total")
        let retries = Counter(label: "hub_pg_transaction_retries_total", dimensions: [("stage", "archive")])
        let lag = ConsumerLagReporter(stage: "archive")
        var backoff = Backoff()
        var nextPurge = ContinuousClock.now
        while !stop.isStopping {
            if let retentionDays, ContinuousClock.now >= nextPurge {
                nextPurge = ContinuousClock.now + .seconds(3600)
                do {
                    let deleted = try RawZoneStore.purge(db, schema: schema, olderThanDays: retentionDays, actor: "hub-archive")
                    logger.info("retention applied", metadata: ["older_than_days": "\(retentionDays)", "deleted": "\(deleted)"])
                } catch {
                    logger.warning("retention failed; retrying next hour", metadata: ["error": "\(error)"])
                }
            }
            let messages = try consumer.poll(maxMessages: settings.batchSize, timeout: settings.batchWait)
            lag.update(consumer)
            if messages.isEmpty { continue }
            var rows: [RawZoneMessage] = []
            var next: [TopicPartition: Int64] = [:]
            for m in messages {
                guard positions.expected(m.topicPartition) != nil else { continue }  // revoked meanwhile
                next[m.topicPartition] = max(next[m.topicPartition] ?? 0, m.offset + 1)
                rows.append(RawZoneMessage(
                    topic: m.topic, partition: m.partition, offset: m.offset, key: m.key, timestampMs: m.timestampMs,
                    compressed: m.value.map { Zstd.compress($0, level: zstdLevel) }, originalSize: m.value?.count,
                    headers: m.headers.map { ($0.name, $0.value) }))
            }
            let offsets = next.compactMap { tp, n in
                positions.expected(tp).map { (topic: tp.topic, partition: tp.partition, expected: $0, next: n) }
            }
            if offsets.isEmpty { continue }
            do {
                let inserted = try store.commit(group: settings.group, rows, offsets: offsets)
                for o in offsets { positions.set(TopicPartition(topic: o.topic, partition: o.partition), o.next) }
                stored.increment(by: inserted)
                health.set("database", true)
                backoff.reset()
                logger.debug("archived", metadata: ["messages": "\(rows.count)", "new": "\(inserted)"])
            } catch is FencedError {
                logger.warning("offsets moved on in the database; reloading them")
                try rewind(consumer, positions, reload: store)
            } catch {
                retries.increment()
                health.set("database", false)
                let delay = backoff.next()
                logger.warning("commit failed; rewinding and retrying", metadata: ["error": "\(error)", "retry_in": "\(delay)"])
                try? store.reconnect()
                try rewind(consumer, positions, reload: nil)
                pause(delay, unless: stop)
            }
        }
        logger.info("archive stopped")
    }

    private func rewind(_ consumer: KafkaConsumer, _ positions: StoredPositions, reload store: RawZoneStore?) throws {
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

    private func connect(stop: StopSignal) -> PGConnection? {
        var backoff = Backoff()
        while !stop.isStopping {
            do {
                return try PGConnection(conninfo: settings.database)
            } catch {
                health.set("database", false)
                let delay = backoff.next()
                logger.warning("database unavailable; retrying", metadata: ["error": "\(error)", "retry_in": "\(delay)"])
                pause(delay, unless: stop)
            }
        }
        return nil
    }

    private func retrying(stop: StopSignal, _ body: () throws -> Void) throws {
        var backoff = Backoff()
        while true {
            do {
                return try body()
            } catch let error as PGError where error.isConnectionError && !stop.isStopping {
                let delay = backoff.next()
                logger.warning("database unavailable; retrying", metadata: ["error": "\(error)", "retry_in": "\(delay)"])
                pause(delay, unless: stop)
            }
        }
    }
}

/// Sleeps in short steps so a stop request is noticed quickly.
func pause(_ d: Duration, unless stop: StopSignal) {
    let end = ContinuousClock.now + d
    while !stop.isStopping, ContinuousClock.now < end {
        Thread.sleep(forTimeInterval: 0.05)
    }
}
