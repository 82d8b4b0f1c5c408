import Decoding
import FailureIsolation
import Foundation
import HubCore
import Kafka
import Logging
import Metrics
import Topology
import WorkerRuntime

/// The ingest loop: poll a batch of raw messages, decode each, produce records and
/// quarantine units, wait for the broker to acknowledge them, then commit the consumed
/// offsets. At-least-once: a crash before the commit re-sends the batch, which downstream
/// recognises by source position. A batch that fails transiently (broker unreachable, a
/// timeout) is read again from the committed offsets after a backoff.
///
/// Nothing a raw message holds can stop the loop: an ingested form larger than an internal
/// message may be is split over several `hub.ingested` messages (every record keeps its
/// row), a record too large on its own is quarantined `too_large`, and a quarantine unit is
/// cut to fit (``QuarantineUnit/fitted(to:)``).
struct IngestWorker: PollLoopWorker {
    /// The size an ingested message is packed to before another one is started; a record
    /// larger than this travels alone, up to the internal message limit.
    static let ingestedPartBytes = 4 << 20
    /// The longest raw message key passed on as the `hub.ingested` key (for partitioning); a
    /// longer one is cut — the same key is always cut the same way, so its order holds.
    static let maxKeyBytes = 1024

    let settings: WorkerSettings
    let topology: Topology
    let limits: DecodingLimits
    let logger: Logger
    let health: HealthState

    func run(stop: StopSignal) throws {
        var streamsByTopic: [String: StreamDefinition] = [:]
        for s in topology.streams { streamsByTopic[settings.topic(s.sourceTopic)] = s }
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
        try consumer.subscribe(Array(streamsByTopic.keys).sorted())
        health.set("broker", true)
        logger.info("ingest started", metadata: ["topics": "\(streamsByTopic.keys.sorted())", "group": "\(settings.group)"])

        let metrics = StageMetrics(stage: "ingest")
        let recordsOut = metrics.recordsProduced(topic: settings.ingestedTopic)
        let quarantined = metrics.quarantinedUnits()
        let poison = PoisonReporter(stage: "ingest", logger: logger)
        let valueLimit = settings.maxInternalValueBytes
        let partTarget = min(valueLimit, Self.ingestedPartBytes)

        let lag = ConsumerLagReporter(stage: "ingest")
        var backoff = Backoff()
        while !stop.isStopping {
            health.progressed()
            let batch = try consumer.poll(maxMessages: settings.batchSize, timeout: settings.batchWait)
            lag.update(consumer)
            if batch.isEmpty { continue }
            let started = ContinuousClock.now
            var next: [TopicPartition: Int64] = [:]
            var produced = 0
            var quarantinedNow: [QuarantineReason: Int] = [:]
            var isolatedNow: [QuarantineUnit] = []
            do {
                for message in batch {
                    next[message.topicPartition] = max(next[message.topicPartition] ?? 0, message.offset + 1)
                    let stream = streamsByTopic[message.topic]
                    let source = SourcePosition(topic: message.topic, partition: message.partition, offset: message.offset, row: 0)
                    let timestamp = message.timestampMs ?? 0
                    func quarantine(_ reason: QuarantineReason, row: Int32, detail: String, raw: [UInt8]) throws -> QuarantineUnit {
                        var position = source
                        position.row = row
                        let unit = QuarantineUnit(position: position, timestampMs: timestamp, recordType: stream?.recordType,
                                                  reason: reason, field: nil, detail: detail, schoolCode: nil, raw: raw, record: nil)
                            .fitted(to: valueLimit)
                        try producer.send(topic: settings.quarantineTopic, key: unit.key, value: unit.encoded())
                        quarantinedNow[reason, default: 0] += 1
                        logger.debug("quarantined", metadata: ["reason": "\(reason.rawValue)", "topic": "\(message.topic)",
                                                               "partition": "\(message.partition)", "offset": "\(message.offset)", "row": "\(row)"])
                        return unit
                    }
                    let decoded = MessageDecoding.decode(value: message.value,
                                                         headers: message.headers.map { ($0.name, $0.value) }, limits: limits)
                    switch decoded {
                    case .rejected(let reason, let detail):
                        _ = try quarantine(reason, row: 0, detail: detail, raw: message.value ?? [])
                    case .records(let records):
                        var good: [RawRecord] = []
                        good.reserveCapacity(records.count)
                        for r in records {
                            switch r {
                            case .record(let record): good.append(record)
                            case .malformed(let row, let detail, let text): _ = try quarantine(.malformed, row: row, detail: detail, raw: text)
                            }
                        }
                        guard !good.isEmpty else { continue }
                        let ingested = IngestedMessage(source: source, timestampMs: timestamp, records: good)
                        let (parts, oversized) = ingested.encodedParts(target: partTarget, limit: valueLimit)
                        let key = message.key.map { Array($0.prefix(Self.maxKeyBytes)) }
                        for part in parts {
                            try producer.send(topic: settings.ingestedTopic, key: key, value: part)
                        }
                        produced += good.count - oversized.count
                        for (record, bytes) in oversized {
                            let detail = "record of \(record.text.count) bytes encodes to \(bytes) bytes, over the internal message "
                                + "limit of \(valueLimit) bytes (message.max.bytes less \(WorkerSettings.messageFramingBytes))"
                            isolatedNow.append(try quarantine(.tooLarge, row: record.row, detail: detail, raw: record.text))
                        }
                    }
                }
                try producer.flush(timeout: .seconds(60))
                TestKillPoint.ingestAfterProduce.reach(
                    detail: "\(batch.count) messages, \(produced) records, \(quarantinedNow.values.reduce(0, +)) quarantined")
                try consumer.commit(next.map { TopicPartitionOffset($0.key, offset: $0.value) })
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
            for unit in isolatedNow { poison.isolated(unit) }
            for (reason, n) in quarantinedNow { quarantined[reason]?.increment(by: n) }
            recordsOut.increment(by: produced)
            metrics.committed(messages: batch.count, since: started)
        }
        logger.info("ingest stopped")
    }
}
