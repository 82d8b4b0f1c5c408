import Decoding
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
/// Raw messages go to the raw zone; registry messages become versions in `school_registry`,
/// read by ``RegistryMessage`` exactly as the transform reads them.
struct ArchiveWorker: PollLoopWorker {
    let settings: WorkerSettings
    let topology: Topology
    let topics: [String]
    let registryTopic: String
    let zstdLevel: Int
    /// When set, raw messages older than this are deleted once an hour.
    let retentionDays: Int?
    let logger: Logger
    let health: HealthState

    func run(stop: StopSignal) throws {
        let schema = HubSchema(name: settings.schema)
        let database = DatabaseAvailability(conninfo: settings.database, health: health, logger: logger, stop: stop)
        guard let db = database.connect() else { return }
        try database.retrying { try schema.migrate(db, topology: topology) }
        let store = RawZoneStore(db: db, schema: schema)
        health.set("database", true)

        let positions = StoredOffsetTracker(store: store, group: settings.group, logger: logger, stop: stop)
        let consumer = try KafkaConsumer(config: WorkerMain.kafkaConfig(settings, [
            "group.id": settings.group,
            "auto.offset.reset": "earliest",
        ], logger: logger), rebalanceListener: positions)
        defer { consumer.close() }
        try consumer.subscribe(topics)
        health.set("broker", true)
        logger.info("archive started", metadata: ["topics": "\(topics)", "group": "\(settings.group)"])

        let stored = Counter(label: "hub_archive_messages_total")
        let retries = Counter(label: "hub_pg_transaction_retries_total", dimensions: [("stage", "archive")])
        let lag = ConsumerLagReporter(stage: "archive")
        var backoff = Backoff()
        let poison = PoisonReporter(stage: "archive", logger: logger)
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
            var versions: [SchoolRegistryVersion] = []
            var next: [TopicPartition: Int64] = [:]
            for m in messages {
                guard positions.expected(m.topicPartition) != nil else { continue }  // revoked meanwhile
                next[m.topicPartition] = max(next[m.topicPartition] ?? 0, m.offset + 1)
                if m.topic == registryTopic {
                    let read = RegistryMessage.read(key: m.key, value: m.value)
                    guard let school = read.school else { continue }  // names no school: the transform ignores it too
                    versions.append(SchoolRegistryVersion(
                        school: school, county: read.county, name: read.name, stage: read.stage, timestampMs: m.timestampMs ?? 0,
                        topic: m.topic, partition: m.partition, offset: m.offset))
                    continue
                }
                rows.append(RawZoneMessage(
                    topic: m.topic, partition: m.partition, offset: m.offset, key: m.key, timestampMs: m.timestampMs,
                    compressed: m.value.map { Zstd.compress($0, level: zstdLevel) }, originalSize: m.value?.count,
                    headers: m.headers.map { ($0.name, $0.value) }))
            }
            let offsets = next.compactMap { tp, n in
                positions.expected(tp).map { OffsetAdvance(topic: tp.topic, partition: tp.partition, expected: $0, next: n) }
            }
            if offsets.isEmpty { continue }
            do {
                let inserted = try store.commit(group: settings.group, rows, registry: versions, offsets: offsets)
                for (position, detail) in store.isolatedInLastCommit { poison.isolated(position: position, detail: detail) }
                for o in offsets { positions.set(TopicPartition(topic: o.topic, partition: o.partition), o.next) }
                stored.increment(by: inserted)
                health.set("database", true)
                backoff.reset()
                logger.debug("archived", metadata: ["messages": "\(rows.count)", "registry_versions": "\(versions.count)", "new": "\(inserted)"])
            } catch is FencedError {
                logger.warning("offsets moved on in the database; reloading them")
                try positions.rewind(consumer, reload: true)
            } catch {
                retries.increment()
                health.set("database", false)
                let delay = backoff.next()
                logger.warning("commit failed; rewinding and retrying", metadata: ["error": "\(error)", "retry_in": "\(delay)"])
                try? store.reconnect()
                try positions.rewind(consumer, reload: false)
                sleep(delay, unless: stop)
            }
        }
        logger.info("archive stopped")
    }
}
