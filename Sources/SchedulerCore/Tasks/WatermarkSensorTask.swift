import Foundation
import Kafka

/// `watermark_sensor`: succeeds once everything produced to the raw topics before the sensor
/// started has reached the aggregates: the ingest group has committed up to the raw topics'
/// high watermarks as of then, and the transform group and the sink (offsets in
/// `<schema>.sink_offsets`) have committed up to the current high watermarks of their inputs.
/// Pokes every `poke_seconds` (default 10) until the task's timeout.
struct WatermarkSensorTask: TaskExecutor {
    static let typeName = "watermark_sensor"

    func run(_ context: TaskContext) throws -> TaskCompletion {
        let env = context.environment
        guard let kafka = env.kafka else { throw TaskFailure("no broker configured") }
        let poke = Double(context.task.text("poke_seconds").flatMap(Int.init) ?? 10)
        let raw = try partitions(env.rawTopics, kafka)
        let targets = try KafkaWatermarks.high(config: kafka, raw, timeout: .seconds(30))
        var last = ""
        while true {
            var behind = try lag(group: env.ingestGroup, targets, kafka)
            let ingested = try partitions([env.ingestedTopic], kafka)
            behind += try lag(group: env.transformGroup, try KafkaWatermarks.high(config: kafka, ingested, timeout: .seconds(30)), kafka)
            let sink = try partitions(env.sinkTopics, kafka)
            for (tp, high) in try KafkaWatermarks.high(config: kafka, sink, timeout: .seconds(30)) {
                let r = try context.db.query("SELECT next_offset FROM \(env.schema).sink_offsets WHERE consumer_group = $1 AND topic = $2 AND partition = $3",
                                             bind: env.sinkGroup, tp.topic, tp.partition)
                // No row yet: the sink has committed nothing of the partition.
                behind += max(0, high - (try r.rows.first?.decode("next_offset", as: Int64.self) ?? 0))
            }
            last = "\(behind) messages not yet committed"
            if behind == 0 { return .succeeded("raw topics' watermarks reached: \(targets.count) partitions") }
            if ContinuousClock.now + .seconds(poke) >= context.deadline { throw TaskFailure("timed out waiting: \(last)") }
            Thread.sleep(forTimeInterval: poke)
        }
    }

    private func partitions(_ topics: [String], _ kafka: KafkaConfig) throws -> [TopicPartition] {
        var out: [TopicPartition] = []
        for t in topics {
            guard let n = try KafkaAdmin.partitionCount(config: kafka, topic: t, timeout: .seconds(10)) else {
                throw TaskFailure("topic \(t) does not exist")
            }
            out += (0..<Int32(n)).map { TopicPartition(topic: t, partition: $0) }
        }
        return out
    }

    /// Messages below `targets` that `group` has not committed.
    private func lag(group: String, _ targets: [TopicPartition: Int64], _ kafka: KafkaConfig) throws -> Int64 {
        guard !targets.isEmpty else { return 0 }
        var config = kafka
        config["group.id"] = group
        let consumer = try KafkaConsumer(config: config)
        defer { consumer.close() }
        let committed = try consumer.committed(Array(targets.keys), timeout: .seconds(10))
        var behind: Int64 = 0
        for (tp, high) in targets {
            let c = committed.first { $0.topicPartition == tp }?.offset ?? 0
            behind += max(0, high - max(0, c))
        }
        return behind
    }
}
