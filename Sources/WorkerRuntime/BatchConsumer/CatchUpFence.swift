import Kafka

/// Which polled messages were on the broker before a reference topic last caught up.
///
/// A stage that reads a reference topic beside its input (Transform and the school registry)
/// catches up with it before a batch; but the batch goes on polling what the consumer fetches
/// meanwhile, and a message the broker appended after the catch-up began may come after a
/// reference message the stage does not hold yet. Just before catching up, the fence notes
/// each input partition's high watermark from the consumer's latest fetch response; a message
/// below it was appended before that response, so before the catch-up began. Any other message
/// needs a new catch-up first (the watermark then noted lies above it: the fetch that brought
/// it reported one).
public struct CatchUpFence: Sendable {
    private var below: [TopicPartition: Int64] = [:]

    public init() {}

    /// Notes `consumer`'s high watermarks of its assigned partitions; call just before the
    /// catch-up. A partition not yet fetched gets none, so none of its messages is covered.
    public mutating func note(_ consumer: KafkaConsumer) throws {
        below.removeAll(keepingCapacity: true)
        for p in try consumer.assignment() {
            if let w = consumer.cachedWatermarks(p) { below[p] = w.high }
        }
    }

    /// Notes the given high watermarks instead.
    public mutating func note(_ watermarks: [TopicPartition: Int64]) {
        below = watermarks
    }

    /// Whether every one of `messages` lies below its partition's noted watermark.
    public func covers(_ messages: [KafkaMessage]) -> Bool {
        !messages.contains { $0.offset >= below[$0.topicPartition] ?? 0 }
    }
}
