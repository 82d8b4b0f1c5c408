import HubCore
import Kafka
import Logging

struct TransformOutput {
    var standard: [String: [StandardRecord]] = [:]
    var quarantine: [(key: [UInt8], value: [UInt8])] = []
}

/// Sends a poll batch's output (``send(_:)``) and waits until the broker has it
/// (``awaitDelivery(of:)``, called once the next batch is standardised, so the two overlap).
///
/// Quarantine units go one message each, unchanged. Standard records go as
/// ``StandardRecordBatch`` messages, one per (topic, partition) and batch, cut before
/// ``StandardRecordBatch/maxRecordsPerMessage`` records or ``maxBytesPerMessage`` bytes. The partition is
/// ``Digest32/partition(of:)`` of the entity key under key generation 1 (its first four bytes
/// modulo the count), so an entity's versions always meet in one sink partition, where its key
/// filter lives, whatever generation its codes are published under (``PersonCodeKeyring``). Partition counts come
/// from metadata once per topic and are read again when the broker reports an unknown
/// partition; the whole output is then sent again (duplicates are harmless downstream).
struct TransformPublisher {
    static let maxBytesPerMessage = 512 * 1024

    let producer: KafkaProducer
    let quarantineTopic: String
    let keyring: PersonCodeKeyring
    let logger: Logger
    /// Per output topic, the stream's monitors in mask-bit order (named in each message).
    let monitorNames: [String: [String]]
    private var partitionCounts: [String: Int32] = [:]

    init(producer: KafkaProducer, quarantineTopic: String, keyring: PersonCodeKeyring, monitorNames: [String: [String]], logger: Logger) {
        self.producer = producer
        self.quarantineTopic = quarantineTopic
        self.keyring = keyring
        self.monitorNames = monitorNames
        self.logger = logger
    }

    /// Waits until the broker has `output`, which ``send(_:)`` enqueued (and nothing after it).
    mutating func awaitDelivery(of output: TransformOutput) throws {
        try retryingUnknownPartition(output, flushing: true) { try $0.producer.flush(timeout: .seconds(60)) }
    }

    /// Enqueues `output`.
    mutating func send(_ output: TransformOutput) throws {
        try retryingUnknownPartition(output, flushing: false) { try $0.enqueue(output) }
    }

    /// Runs `attempt`; when it fails for an unknown topic or partition, reads the partition
    /// counts again and enqueues the whole output once more (then waits for it, when
    /// `flushing`). One retry: a second failure fails the batch.
    private mutating func retryingUnknownPartition(_ output: TransformOutput, flushing: Bool,
                                                   _ attempt: (inout TransformPublisher) throws -> Void) throws {
        do {
            try attempt(&self)
        } catch let error as KafkaError where error.isUnknownTopicOrPartition {
            logger.warning("unknown topic or partition; reading partition counts again and re-sending the batch",
                           metadata: ["error": "\(error)"])
            partitionCounts.removeAll()
            try enqueue(output)
            if flushing { try producer.flush(timeout: .seconds(60)) }
        }
    }

    private mutating func enqueue(_ output: TransformOutput) throws {
        for unit in output.quarantine {
            try producer.send(topic: quarantineTopic, key: unit.key, value: unit.value)
        }
        for (topic, records) in output.standard {
            try send(records, to: topic, partitions: try partitionCount(topic))
        }
    }

    private func send(_ records: [StandardRecord], to topic: String, partitions: Int32) throws {
        guard let first = records.first else { return }
        let names = monitorNames[topic] ?? []
        var batches = [StandardRecordBatchBuilder](
            repeating: StandardRecordBatchBuilder(topic: first.position.topic, monitorNames: names, capacity: 0), count: Int(partitions))
        var firstKeys = [Digest32](repeating: first.key, count: Int(partitions))
        // Under one key generation publishing changes no record of generation 1 (all that the
        // standardiser makes): those are encoded where they lie. Going through `publish` copied
        // each record twice (a retain and a release per string each time).
        let single = keyring.current == 1
        try records.withUnsafeBufferPointer { records in
            for i in records.indices {
                let p = Int(records[i].key.partition(of: partitions))
                let size: Int
                if single && records[i].keyGeneration == 1 {
                    if batches[p].isEmpty { firstKeys[p] = records[i].key }
                    size = batches[p].append(records[i])
                } else {
                    let record = try keyring.publish(records[i], routedAmong: partitions)
                    if batches[p].isEmpty { firstKeys[p] = record.key }
                    size = batches[p].append(record)
                }
                if batches[p].count >= StandardRecordBatch.maxRecordsPerMessage || size > Self.maxBytesPerMessage {
                    try producer.send(topic: topic, partition: Int32(p), key: firstKeys[p].bytes, value: batches[p].encoded())
                    batches[p].removeAll()
                }
            }
        }
        for p in batches.indices where !batches[p].isEmpty {
            try producer.send(topic: topic, partition: Int32(p), key: firstKeys[p].bytes, value: batches[p].encoded())
        }
    }

    private mutating func partitionCount(_ topic: String) throws -> Int32 {
        if let known = partitionCounts[topic] { return known }
        let count = try producer.partitionCount(topic: topic, timeout: .seconds(10))
        guard let partitions = Int32(exactly: count), partitions > 0 else {
            throw PartitionCountError(topic: topic, count: count)
        }
        partitionCounts[topic] = partitions
        logger.info("partition count read", metadata: ["topic": "\(topic)", "partitions": "\(partitions)"])
        return partitions
    }
}

/// The broker reported a partition count that no message can be partitioned by.
private struct PartitionCountError: Error, CustomStringConvertible {
    var topic: String
    var count: Int
    var description: String { "topic \(topic) reports \(count) partitions" }
}
