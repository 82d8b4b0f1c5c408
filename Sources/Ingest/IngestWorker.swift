import Decoding
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
/// recognises by source position.
struct IngestWorker: PollLoopWorker {
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
        ], logger: logger), rebalanceListener: AssignmentLogger(logger: logger, health: health))
        defer { consumer.close() }
        let producer = try KafkaProducer(config: WorkerMain.kafkaConfig(settings, [
            "linger.ms": "5",
            "compression.type": "lz4",
        ], logger: logger))
        try consumer.subscribe(Array(streamsByTopic.keys).sorted())
        health.set("broker", true)
        logger.info("ingest started", metadata: ["topics": "\(streamsByTopic.keys.sorted())", "group": "\(settings.group)"])

        let messagesIn = Counter(label: "hub_records_in_total", dimensions: [("stage", "ingest"), ("kind", "message")])
        let recordsOut = Counter(label: "hub_records_out_total", dimensions: [("stage", "ingest")])
        let batchSize = Recorder(label: "hub_batch_size", dimensions: [("stage", "ingest")])
        let batchTime = Timer(label: "hub_batch_seconds", dimensions: [("stage", "ingest")])
        var quarantined: [QuarantineReason: Counter] = [:]
        for r in QuarantineReason.allCases {
            quarantined[r] = Counter(label: "hub_quarantined_total", dimensions: [("stage", "ingest"), ("reason", r.rawValue)])
        }

        let lag = ConsumerLagReporter(stage: "ingest")
        while !stop.isStopping {
            let batch = try consumer.poll(maxMessages: settings.batchSize, timeout: settings.batchWait)
            lag.update(consumer)
            if batch.isEmpty { continue }
            let started = ContinuousClock.now
            var next: [TopicPartition: Int64] = [:]
            var produced = 0
            for message in batch {
                next[message.topicPartition] = max(next[message.topicPartition] ?? 0, message.offset + 1)
                let stream = streamsByTopic[message.topic]
                let source = SourcePosition(topic: message.topic, partition: message.partition, offset: message.offset, row: 0)
                let timestamp = message.timestampMs ?? 0
                func quarantine(_ reason: QuarantineReason, row: Int32, detail: String, raw: [UInt8]) throws {
                    var position = source
                    position.row = row
                    let unit = QuarantineUnit(position: position, timestampMs: timestamp, recordType: stream?.recordType,
                                              reason: reason, field: nil, detail: detail, schoolCode: nil, raw: raw, record: nil)
                    try producer.send(topic: settings.quarantineTopic, key: unit.key, value: unit.encoded())
                    quarantined[reason]?.increment()
                    logger.debug("quarantined", metadata: ["reason": "\(reason.rawValue)", "topic": "\(message.topic)",
                                                           "partition": "\(message.partition)", "offset": "\(message.offset)", "row": "\(row)"])
                }
                let decoded = MessageDecoding.decode(value: message.value,
                                                     headers: message.headers.map { ($0.name, $0.value) }, limits: limits)
                switch decoded {
                case .rejected(let reason, let detail):
                    try quarantine(reason, row: 0, detail: detail, raw: message.value ?? [])
                case .records(let records):
                    var good: [RawRecord] = []
                    good.reserveCapacity(records.count)
                    for r in records {
                        switch r {
                        case .record(let record): good.append(record)
                        case .malformed(let row, let detail, let text): try quarantine(.malformed, row: row, detail: detail, raw: text)
                        }
                    }
                    if !good.isEmpty {
                        let out = IngestedMessage(source: source, timestampMs: timestamp, records: good)
                        try producer.send(topic: settings.ingestedTopic, key: message.key, value: out.encoded())
                        produced += good.count
                    }
                }
            }
            try producer.flush(timeout: .seconds(60))
            try consumer.commit(next.map { TopicPartitionOffset($0.key, offset: $0.value) })
            messagesIn.increment(by: batch.count)
            recordsOut.increment(by: produced)
            batchSize.record(batch.count)
            batchTime.record(since: started)
        }
        logger.info("ingest stopped")
    }
}
