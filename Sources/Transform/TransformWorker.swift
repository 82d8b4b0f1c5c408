import FailureIsolation
import Foundation
import HubCore
import Kafka
import Logging
import Metrics
import Standardization
import Topology
import WorkerRuntime

/// The transform loop: poll a batch of ingested messages, bring the registry up to date,
/// standardise every record, produce the standard-zone records in batches (one message per
/// destination partition, chosen by entity key, so one entity's versions meet in one sink
/// partition) and the quarantine units one message each, wait for the acknowledgements,
/// then commit. At-least-once; the sink makes redelivery harmless. A batch that fails
/// transiently (broker unreachable, a timeout) is read again from the committed offsets after
/// a backoff.
struct TransformWorker: PollLoopWorker {
    /// Messages taken per poll while filling a batch.
    static let pollChunk = 16

    let settings: WorkerSettings
    let topology: Topology
    let pseudonymizer: Pseudonymizer
    let logger: Logger
    let health: HealthState

    func run(stop: StopSignal) throws {
        var standardizers: [String: Standardizer] = [:]
        for s in topology.streams {
            standardizers[settings.topic(s.sourceTopic)] = Standardizer(stream: s, pseudonymizer: pseudonymizer)
        }
        let registryFollower = try RegistryFollower(
            config: WorkerMain.kafkaConfig(settings, ["auto.offset.reset": "earliest"], logger: logger),
            topic: settings.registryTopic, logger: logger)
        try registryFollower.start()
        try registryFollower.catchUp()
        logger.info("registry loaded", metadata: ["schools": "\(registryFollower.registry.schoolCount)",
                                                  "messages": "\(registryFollower.registry.messageCount)"])

        let consumer = try KafkaConsumer(config: WorkerMain.kafkaConfig(settings, [
            "group.id": settings.group,
            "auto.offset.reset": "earliest",
        ], logger: logger, health: health), rebalanceListener: AssignmentLogger(logger: logger, health: health))
        defer { consumer.close() }
        let producer = try KafkaProducer(config: WorkerMain.kafkaConfig(settings, [
            "linger.ms": "5",
            "compression.type": "lz4",
            "message.max.bytes": String(settings.maxMessageBytes),
        ], logger: logger))
        let valueLimit = settings.maxInternalValueBytes
        var publisher = TransformPublisher(
            producer: producer, quarantineTopic: settings.quarantineTopic,
            monitorNames: Dictionary(topology.streams.map { (settings.topic($0.outputTopic), $0.monitors.map(\.name)) },
                                     uniquingKeysWith: { a, _ in a }),
            logger: logger)
        try consumer.subscribe([settings.ingestedTopic])
        health.set("broker", true)

        let metrics = StageMetrics(stage: "transform")
        let recordsIn = metrics.recordsConsumed()
        var recordsOut: [String: Counter] = [:]
        for s in topology.streams {
            let topic = settings.topic(s.outputTopic)
            recordsOut[topic] = metrics.recordsProduced(topic: topic)
        }
        let quarantined = metrics.quarantinedUnits()
        var backoff = Backoff()

        let lag = ConsumerLagReporter(stage: "transform")
        // An ingested message carries up to a whole raw value's records (often hundreds): a
        // batch takes messages a few at a time until it holds 4 × batch-size records, so the
        // records in flight (and the worker's memory) stay bounded.
        let recordBudget = 4 * settings.batchSize
        while !stop.isStopping {
            health.progressed()
            var batch = try consumer.poll(maxMessages: Self.pollChunk, timeout: settings.batchWait)
            lag.update(consumer)
            if batch.isEmpty { continue }
            let started = ContinuousClock.now
            var count = 0
            var quarantinedNow: [QuarantineReason: Int] = [:]
            var output = TransformOutput()
            var polled = 0
            do {
                try registryFollower.catchUp()
                var next: [TopicPartition: Int64] = [:]
                while !batch.isEmpty {
                    polled += batch.count
                    for message in batch {
                        next[message.topicPartition] = max(next[message.topicPartition] ?? 0, message.offset + 1)
                        guard let value = message.value, let ingested = try? IngestedMessage(decoding: value) else {
                            logger.error("unreadable internal message skipped", metadata: [
                                "topic": "\(message.topic)", "partition": "\(message.partition)", "offset": "\(message.offset)"])
                            continue
                        }
                        guard let standardizer = standardizers[ingested.source.topic] else {
                            logger.error("no stream for source topic; message skipped", metadata: ["source": "\(ingested.source.topic)"])
                            continue
                        }
                        let outputTopic = settings.topic(standardizer.stream.outputTopic)
                        let asOf = ingested.registryAsOfMs ?? ingested.timestampMs
                        for record in ingested.records {
                            count += 1
                            var position = ingested.source
                            position.row = record.row
                            let outcome = standardizer.standardize(record, source: position, registryAsOfMs: asOf,
                                                                   registry: registryFollower.registry,
                                                                   replayed: ingested.registryAsOfMs != nil,
                                                                   sourceTimestampMs: ingested.timestampMs)
                            switch outcome {
                            case .standard(let std):
                                output.standard[outputTopic, default: []].append(std)
                            case .quarantine(let reason, let field, let detail, let school):
                                // The school field may hold anything (a name, an ID number): only a
                                // school code is kept; the raw bytes keep the rest.
                                let unit = QuarantineUnit(position: position, timestampMs: ingested.timestampMs,
                                                          recordType: standardizer.stream.recordType, reason: reason, field: field,
                                                          detail: detail, schoolCode: SchoolCode.dimension(school), raw: record.text,
                                                          record: record).fitted(to: valueLimit)
                                output.quarantine.append((unit.key, unit.encoded()))
                                quarantinedNow[reason, default: 0] += 1
                            }
                        }
                    }
                    guard count < recordBudget, polled < settings.batchSize else { break }
                    batch = try consumer.poll(maxMessages: min(Self.pollChunk, settings.batchSize - polled), timeout: .zero)
                }
                try publisher.publish(output)
                TestKillPoint.transformAfterProduce.reach(detail: "\(polled) messages, \(count) records")
                // A rebalance during a later poll of the batch may have taken partitions away:
                // their new owner starts from the last commit (their output is sent again, which
                // is harmless downstream), so only offsets of partitions still owned are committed.
                let owned = Set(try consumer.assignment())
                try consumer.commit(next.filter { owned.contains($0.key) }.map { TopicPartitionOffset($0.key, offset: $0.value) })
            } catch let error as KafkaError where !error.isFatal && FailureClass.of(error) == .transient && !stop.isStopping {
                metrics.batchRetries.increment()
                let delay = backoff.next()
                logger.warning("batch failed; reading it again from the committed offsets",
                               metadata: ["error": "\(error)", "retry_in": "\(delay)"])
                sleep(delay, unless: stop)
                try consumer.rewindToCommitted(logger: logger, stop: stop)
                continue
            }
            backoff.reset()
            for (topic, records) in output.standard { recordsOut[topic]?.increment(by: records.count) }
            for (reason, n) in quarantinedNow { quarantined[reason]?.increment(by: n) }
            recordsIn.increment(by: count)
            metrics.committed(messages: polled, since: started)
        }
        logger.info("transform stopped")
    }
}

/// What one poll batch produced: standard records per output topic in arrival order, and
/// quarantine units already encoded.
private struct TransformOutput {
    var standard: [String: [StandardRecord]] = [:]
    var quarantine: [(key: [UInt8], value: [UInt8])] = []
}

/// Produces a poll batch's output and waits until the broker has it.
///
/// Quarantine units go one message each, unchanged. Standard records go as
/// ``StandardRecordBatch`` messages, one per (topic, partition) and batch, cut before
/// ``StandardRecordBatch/maxRecordsPerMessage`` records or ``maxBytesPerMessage`` bytes. The partition is
/// ``Digest32/partition(of:)`` of the entity key (its first four bytes modulo the count), so an
/// entity's versions always meet in one sink partition, where its key filter lives. Partition counts come
/// from metadata once per topic and are read again when the broker reports an unknown
/// partition; the whole output is then sent again (duplicates are harmless downstream).
private struct TransformPublisher {
    static let maxBytesPerMessage = 512 * 1024

    let producer: KafkaProducer
    let quarantineTopic: String
    let logger: Logger
    /// Per output topic, the stream's monitors in mask-bit order (named in each message).
    let monitorNames: [String: [String]]
    private var partitionCounts: [String: Int32] = [:]

    init(producer: KafkaProducer, quarantineTopic: String, monitorNames: [String: [String]], logger: Logger) {
        self.producer = producer
        self.quarantineTopic = quarantineTopic
        self.monitorNames = monitorNames
        self.logger = logger
    }

    mutating func publish(_ output: TransformOutput) throws {
        do {
            try send(output)
            try producer.flush(timeout: .seconds(60))
        } catch let error as KafkaError where error.isUnknownTopicOrPartition {
            logger.warning("unknown topic or partition; reading partition counts again and re-sending the batch",
                           metadata: ["error": "\(error)"])
            partitionCounts.removeAll()
            try send(output)
            try producer.flush(timeout: .seconds(60))
        }
    }

    private mutating func send(_ output: TransformOutput) throws {
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
        for record in records {
            let p = Int(record.key.partition(of: partitions))
            if batches[p].isEmpty { firstKeys[p] = record.key }
            let size = batches[p].append(record)
            if batches[p].count >= StandardRecordBatch.maxRecordsPerMessage || size > Self.maxBytesPerMessage {
                try producer.send(topic: topic, partition: Int32(p), key: firstKeys[p].bytes, value: batches[p].encoded())
                batches[p].removeAll()
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
