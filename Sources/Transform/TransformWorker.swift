import Foundation
import HubCore
import Kafka
import Logging
import Metrics
import Standardization
import Topology
import WorkerRuntime

/// The transform loop: poll a batch of ingested messages, bring the registry up to date,
/// standardise every record, produce standard-zone records (keyed by entity, so one entity's
/// versions meet in one sink partition) and quarantine units, wait for the acknowledgements,
/// then commit. At-least-once; the sink makes redelivery harmless.
struct TransformWorker: PollLoopWorker {
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
        ], logger: logger), rebalanceListener: AssignmentLogger(logger: logger, health: health))
        defer { consumer.close() }
        let producer = try KafkaProducer(config: WorkerMain.kafkaConfig(settings, [
            "linger.ms": "5",
            "compression.type": "lz4",
        ], logger: logger))
        try consumer.subscribe([settings.ingestedTopic])
        health.set("broker", true)

        let recordsIn = Counter(label: "hub_records_in_total", dimensions: [("stage", "transform")])
        var recordsOut: [String: Counter] = [:]
        for s in topology.streams {
            let topic = settings.topic(s.outputTopic)
            recordsOut[topic] = Counter(label: "hub_records_out_total", dimensions: [("stage", "transform"), ("topic", topic)])
        }
        var quarantined: [QuarantineReason: Counter] = [:]
        for r in QuarantineReason.allCases {
            quarantined[r] = Counter(label: "hub_quarantined_total", dimensions: [("stage", "transform"), ("reason", r.rawValue)])
        }
        let batchTime = Timer(label: "hub_batch_seconds", dimensions: [("stage", "transform")])

        let lag = ConsumerLagReporter(stage: "transform")
        while !stop.isStopping {
            let batch = try consumer.poll(maxMessages: settings.batchSize, timeout: settings.batchWait)
            lag.update(consumer)
            if batch.isEmpty { continue }
            let started = ContinuousClock.now
            try registryFollower.catchUp()
            var next: [TopicPartition: Int64] = [:]
            var count = 0
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
                        try producer.send(topic: outputTopic, key: Array(std.key.utf8), value: std.encoded())
                        recordsOut[outputTopic]?.increment()
                    case .quarantine(let reason, let field, let detail, let school):
                        let unit = QuarantineUnit(position: position, timestampMs: ingested.timestampMs,
                                                  recordType: standardizer.stream.recordType, reason: reason, field: field,
                                                  detail: detail, schoolCode: school, raw: record.text, record: record)
                        try producer.send(topic: settings.quarantineTopic, key: unit.key, value: unit.encoded())
                        quarantined[reason]?.increment()
                    }
                }
            }
            try producer.flush(timeout: .seconds(60))
            try consumer.commit(next.map { TopicPartitionOffset($0.key, offset: $0.value) })
            recordsIn.increment(by: count)
            batchTime.record(since: started)
        }
        logger.info("transform stopped")
    }
}
