import Decoding
import HubCrypto
import Standardization
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
    /// Raw messages older than this are deleted once an hour (nil: kept until purged by command).
    let retentionDays: Int?
    let logger: Logger
    let health: HealthState
    /// Per raw topic (with prefix), how its records name their school.
    let schoolReaders: [String: RecordSchool]
    /// Ingest's value limits, so the archive decodes exactly what Ingest would.
    let limits: DecodingLimits
    /// Seals stored values when at-rest keys are configured.
    let keyring: AtRestKeyring?

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
        ], logger: logger, health: health), rebalanceListener: positions)
        defer { consumer.close() }
        try consumer.subscribe(topics)
        health.set("broker", true)
        logger.info("archive started", metadata: ["topics": "\(topics)", "group": "\(settings.group)"])

        let metrics = StageMetrics(stage: "archive")
        let stored = Counter(label: "hub_archive_stored_messages_total")
        let retries = Counter(label: "hub_pg_transaction_retries_total", dimensions: [("stage", "archive")])
        let commitTime = Timer(label: "hub_pg_transaction_duration_seconds", dimensions: [("stage", "archive")])
        let lag = ConsumerLagReporter(stage: "archive")
        var backoff = Backoff()
        let poison = PoisonReporter(stage: "archive", logger: logger)
        var nextPurge = ContinuousClock.now
        while !stop.isStopping {
            health.progressed()
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
                let headers = m.headers.map { (name: $0.name, value: $0.value) }
                // Compressed first (ciphertext does not compress), then sealed when a key is set.
                let stored = m.value.map { value in
                    let compressed = Zstd.compress(value, level: zstdLevel)
                    return keyring?.seal(compressed) ?? compressed
                }
                rows.append(RawZoneMessage(
                    topic: m.topic, partition: m.partition, offset: m.offset, key: m.key, timestampMs: m.timestampMs,
                    compressed: stored, originalSize: m.value?.count,
                    headers: headers, recordSchools: recordSchools(topic: m.topic, value: m.value, headers: headers),
                    sealed: stored != nil && keyring != nil))
            }
            let offsets = next.compactMap { tp, n in
                positions.expected(tp).map { OffsetAdvance(topic: tp.topic, partition: tp.partition, expected: $0, next: n) }
            }
            if offsets.isEmpty { continue }
            let started = ContinuousClock.now
            do {
                let inserted = try store.commit(group: settings.group, rows, registry: versions, offsets: offsets)
                for (position, detail) in store.isolatedInLastCommit { poison.isolated(position: position, detail: detail) }
                metrics.committed(messages: messages.count, since: started)
                commitTime.record(since: started)
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

    /// The school codes the message's records name, decoded as Ingest decodes it and read as
    /// the standardiser reads the school field; empty for a value that does not decode.
    private func recordSchools(topic: String, value: [UInt8]?, headers: [(name: String, value: [UInt8]?)]) -> [String] {
        guard let reader = schoolReaders[topic] else { return [] }
        guard case .records(let records) = MessageDecoding.decode(value: value, headers: headers, limits: limits) else { return [] }
        var schools = Set<String>()
        for case .record(let record) in records {
            if let school = reader.schoolCode(of: record) { schools.insert(school) }
        }
        return schools.sorted()
    }
}
