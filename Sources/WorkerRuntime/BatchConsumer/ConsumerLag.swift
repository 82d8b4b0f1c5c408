import Kafka
import Metrics

/// Publishes `hub_consumer_lag_messages{stage,topic,partition}`: messages on the broker that this
/// worker has not consumed yet, per partition it is assigned, from the high watermark of the
/// latest fetch response and the consumer's position. Updated at most once a second.
///
/// A partition's series exists only while this instance owns it: after a rebalance moved it
/// elsewhere the series is removed, so `sum(hub_consumer_lag_messages)` over all instances (what
/// KEDA scales the sink on) counts every partition once.
public final class ConsumerLagReporter {
    private let stage: String
    private var gauges: [TopicPartition: Gauge] = [:]
    private var last = ContinuousClock.now - .seconds(10)

    public init(stage: String) { self.stage = stage }

    public func update(_ consumer: KafkaConsumer) {
        let now = ContinuousClock.now
        guard now - last >= .seconds(1) else { return }
        last = now
        guard let assigned = try? consumer.assignment() else { return }
        let owned = Set(assigned)
        for (partition, gauge) in gauges where !owned.contains(partition) {
            gauge.destroy()
            gauges[partition] = nil
        }
        guard let positions = try? consumer.position(assigned) else { return }
        for p in positions {
            guard let high = consumer.cachedWatermarks(p.topicPartition)?.high, p.offset >= 0 else { continue }
            let gauge = gauges[p.topicPartition] ?? Gauge(label: "hub_consumer_lag_messages", dimensions: [
                ("stage", stage), ("topic", p.topic), ("partition", String(p.partition)),
            ])
            gauges[p.topicPartition] = gauge
            gauge.record(max(0, high - p.offset))
        }
    }

    /// The partitions with a lag series now.
    public var reportedPartitions: Set<TopicPartition> { Set(gauges.keys) }
}
