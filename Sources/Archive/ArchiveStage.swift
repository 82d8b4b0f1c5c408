import Decoding
import Foundation
import HubCrypto
import HubStore
import Kafka
import Logging
import Metrics
import Standardization
import WorkerRuntime
import Zstd

/// The archive's stage logic: raw messages go to the raw zone (compressed, then sealed when
/// at-rest keys are set, with the schools their records name); registry messages become
/// versions in `school_registry`, read by ``RegistryMessage`` exactly as the transform reads
/// them. Rows and offsets are stored in one fenced transaction (``RawZoneStore/commit``).
struct ArchiveStage: ExactlyOnceStage {
    /// The batch's raw-zone rows and registry versions.
    struct Batch {
        var rows: [RawZoneMessage] = []
        var versions: [SchoolRegistryVersion] = []
    }

    let settings: WorkerSettings
    let store: RawZoneStore
    let zstdLevel: Int
    let schoolReaders: [String: RecordSchool]
    let limits: DecodingLimits
    let keyring: AtRestKeyring?
    let logger: Logger
    let metrics = StageMetrics(stage: "archive")
    private let stored = Counter(label: "hub_archive_stored_messages_total")
    private let commitTime = Timer(label: "hub_pg_transaction_duration_seconds", dimensions: [("stage", "archive")])
    private let poison: PoisonReporter

    init(settings: WorkerSettings, store: RawZoneStore, zstdLevel: Int, schoolReaders: [String: RecordSchool], limits: DecodingLimits,
         keyring: AtRestKeyring?, logger: Logger) {
        self.settings = settings
        self.store = store
        self.zstdLevel = zstdLevel
        self.schoolReaders = schoolReaders
        self.limits = limits
        self.keyring = keyring
        self.logger = logger
        poison = PoisonReporter(stage: "archive", logger: logger)
    }

    func makeBatch() -> Batch { Batch() }

    func add(_ messages: [KafkaMessage], to batch: inout Batch) throws -> Int {
        for m in messages {
            if m.topic == settings.registryTopic {
                let read = RegistryMessage.read(key: m.key, value: m.value)
                guard let school = read.school else { continue }  // names no school: the transform ignores it too
                batch.versions.append(SchoolRegistryVersion(
                    school: school, county: read.county, name: read.name, stage: read.stage, timestampMs: m.timestampMs ?? 0,
                    topic: m.topic, partition: m.partition, offset: m.offset))
            } else {
                batch.rows.append(try row(m))
            }
        }
        return 0
    }

    func commit(_ batch: Batch, offsets: [OffsetAdvance], messages: Int) throws {
        let started = ContinuousClock.now
        let inserted = try store.commit(group: settings.group, batch.rows, registry: batch.versions, offsets: offsets)
        for (position, detail) in store.isolatedInLastCommit { poison.isolated(position: position, detail: detail) }
        commitTime.record(since: started)
        stored.increment(by: inserted)
        logger.debug("archived", metadata: ["messages": "\(batch.rows.count)", "registry_versions": "\(batch.versions.count)",
                                            "new": "\(inserted)"])
    }

    func fenced() {
        logger.warning("offsets moved on in the database; reloading them")
    }

    func reconnect() throws { try store.reconnect() }

    /// A raw message as the raw zone keeps it: compressed first (ciphertext does not
    /// compress), then sealed when a key is set. Both fail only for want of memory or a
    /// broken libcrypto: transient, so the batch is retried.
    private func row(_ m: KafkaMessage) throws -> RawZoneMessage {
        let headers = m.headers.map { (name: $0.name, value: $0.value) }
        var stored: [UInt8]?
        if let value = m.value {
            let compressed = try Zstd.compress(value, level: zstdLevel)
            stored = try keyring?.seal(compressed) ?? compressed
        }
        return RawZoneMessage(
            topic: m.topic, partition: m.partition, offset: m.offset, key: m.key, timestampMs: m.timestampMs,
            compressed: stored, originalSize: m.value?.count,
            headers: headers, recordSchools: recordSchools(topic: m.topic, value: m.value, headers: headers),
            sealed: stored != nil && keyring != nil)
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
