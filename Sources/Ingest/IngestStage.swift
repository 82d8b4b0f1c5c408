import Decoding
import FailureIsolation
import Foundation
import HubCore
import Kafka
import Logging
import Metrics
import Topology
import WorkerRuntime

/// Ingest's stage logic: decode each raw message, produce its records and quarantine units,
/// and wait for the broker to acknowledge them before the batch's offsets are committed.
///
/// A raw partition's ingested messages are bundled (``IngestedBundle``, in their order) up to
/// ``bundleBytes``: a bundle is sent when the next message would not fit, the rest when the
/// batch is sent (``send(_:messages:)``). A bundle goes to the partition of its first raw
/// message's key, so two bundles of one raw partition may take different `hub.ingested`
/// partitions: arrival order decides nothing downstream (the sink orders versions by updated
/// at, then raw partition, offset and row; SPEC §4).
///
/// Nothing a raw message holds can stop the loop: an ingested form larger than an internal
/// message may be is split over several `hub.ingested` messages (every record keeps its
/// row), a record too large on its own is quarantined `too_large`, and a quarantine unit is
/// cut to fit (``QuarantineUnit/fitted(to:)``).
struct IngestStage: AtLeastOnceStage {
    /// The size an ingested message is packed to before another one is started; a record
    /// larger than this travels alone, up to the internal message limit.
    static let ingestedPartBytes = 4 << 20
    /// The size ingested messages are bundled to; a larger message travels alone.
    static let bundleBytes = 256 << 10
    /// The longest raw message key passed on as a `hub.ingested` key (it partitions a bundle);
    /// a longer one is cut, the same way every time.
    static let maxKeyBytes = 1024

    /// What one batch sent.
    struct Batch {
        var produced = 0
        var quarantined: [QuarantineReason: Int] = [:]
        var isolated: [QuarantineUnit] = []
        /// Per raw partition, the ingested messages not sent yet.
        var bundles: [TopicPartition: Bundle] = [:]
    }

    /// Encoded ingested messages of one raw partition, to go as one `hub.ingested` message.
    struct Bundle {
        /// The key of the first raw message (the bundle's partition on `hub.ingested`).
        var key: [UInt8]?
        var messages: [[UInt8]] = []
        var records = 0
        var bytes = IngestedBundle.framingBytes
    }

    /// What was sent and is not committed yet, over batches: while batch N awaits its
    /// acknowledgement, batch N+1 may have sent full bundles and quarantine units already. A
    /// crash before N's commit sends all of it again, which is what the kill point reports.
    final class Unacknowledged {
        var records = 0
        var quarantined = 0
    }

    let settings: WorkerSettings
    let producer: KafkaProducer
    let logger: Logger
    let metrics = StageMetrics(stage: "ingest")
    private let streamsByTopic: [String: StreamDefinition]
    private let recordsOut: Counter
    private let quarantinedUnits: [QuarantineReason: Counter]
    private let poison: PoisonReporter
    private let valueLimit: Int
    private let partTarget: Int
    private let bundleTarget: Int
    private let unacknowledged = Unacknowledged()
    private let reader: RawMessageReader

    init(settings: WorkerSettings, topology: Topology, limits: DecodingLimits, producer: KafkaProducer, logger: Logger) {
        self.settings = settings
        self.producer = producer
        self.logger = logger
        var streams: [String: StreamDefinition] = [:]
        for s in topology.streams { streams[settings.topic(s.sourceTopic)] = s }
        streamsByTopic = streams
        recordsOut = metrics.recordsProduced(topic: settings.ingestedTopic)
        quarantinedUnits = metrics.quarantinedUnits()
        poison = PoisonReporter(stage: "ingest", logger: logger)
        valueLimit = settings.maxInternalValueBytes
        partTarget = min(valueLimit, Self.ingestedPartBytes)
        bundleTarget = min(partTarget, Self.bundleBytes)
        reader = RawMessageReader(limits: limits, settings: settings)
    }

    /// The raw topics, in order.
    var sourceTopics: [String] { streamsByTopic.keys.sorted() }

    func makeBatch() -> Batch { Batch() }

    func add(_ messages: [KafkaMessage], to batch: inout Batch) throws -> Int {
        for message in messages { try ingest(message, into: &batch) }
        return 0
    }

    func send(_ batch: Batch, messages: Int) throws {
        for bundle in batch.bundles.values { try send(bundle) }
    }

    func publish(_ batch: Batch, messages: Int) throws {
        try producer.flush(timeout: .seconds(60))
        TestKillPoint.ingestAfterProduce.reach(
            detail: "\(messages) messages, \(unacknowledged.records) records, \(unacknowledged.quarantined) quarantined")
    }

    func committed(_ batch: Batch) {
        unacknowledged.records -= batch.produced
        unacknowledged.quarantined -= batch.quarantined.values.reduce(0, +)
        for unit in batch.isolated { poison.isolated(unit) }
        for (reason, n) in batch.quarantined { quarantinedUnits[reason]?.increment(by: n) }
        recordsOut.increment(by: batch.produced)
    }

    /// Decodes one raw message and sends what it holds: its records to `hub.ingested`, what
    /// cannot be read to the quarantine topic.
    private func ingest(_ message: KafkaMessage, into batch: inout Batch) throws {
        let contents = reader.read(message, recordType: streamsByTopic[message.topic]?.recordType, logger: logger)
        for unit in contents.quarantined {
            try producer.send(topic: settings.quarantineTopic, key: unit.key, value: unit.encoded())
            batch.quarantined[unit.reason, default: 0] += 1
            unacknowledged.quarantined += 1
        }
        batch.isolated += contents.oversizedUnits
        let ingested = contents.message
        guard !ingested.records.isEmpty else { return }
        // The reader took out every record over the internal limit: no part is oversized.
        let (parts, counts, _) = ingested.encodedParts(target: partTarget, limit: valueLimit)
        let key = message.key.map { Array($0.prefix(Self.maxKeyBytes)) }
        for (part, records) in zip(parts, counts) {
            try bundle(part, records: records, key: key, from: message.topicPartition, in: &batch)
        }
        batch.produced += ingested.records.count
    }

    /// Adds an encoded ingested message to its raw partition's bundle, sending the bundle
    /// first when the message would not fit; a message larger than a bundle goes alone.
    private func bundle(_ part: [UInt8], records: Int, key: [UInt8]?, from source: TopicPartition, in batch: inout Batch) throws {
        var pending = batch.bundles.removeValue(forKey: source) ?? Bundle(key: key)
        if pending.bytes + IngestedBundle.size(of: part) > bundleTarget {
            try send(pending)
            pending = Bundle(key: key)
        }
        if IngestedBundle.size(of: part) + IngestedBundle.framingBytes > bundleTarget {
            try send(Bundle(key: key, messages: [part], records: records))
        } else {
            pending.messages.append(part)
            pending.records += records
            pending.bytes += IngestedBundle.size(of: part)
        }
        batch.bundles[source] = pending
    }

    /// Sends a bundle: one message as it is, several as an ``IngestedBundle``.
    private func send(_ bundle: Bundle) throws {
        guard let first = bundle.messages.first else { return }
        let value = bundle.messages.count == 1 ? first : IngestedBundle.encode(bundle.messages)
        try producer.send(topic: settings.ingestedTopic, key: bundle.key, value: value)
        unacknowledged.records += bundle.records
    }
}
