import Decoding
import HubCore
import Kafka
import Logging
import Standardization

/// Reads the whole registry topic into a `SchoolRegistry` and keeps following it. Every
/// Transform instance reads every partition (no consumer group), so all instances hold the
/// same registry, and a restart rebuilds it from the topic.
///
/// Two clients: `consumer` fetches the registry, `ends` asks where the topic ends before every
/// batch. A broker answers one connection's requests in order, and a fetch of a topic that
/// has nothing new is held for up to `fetch.wait.max.ms` (tansu holds every fetch about that
/// long), so an end-offset request on the fetching connection waited behind it: the fetch
/// wait had to be 20 ms, and 50 empty fetches a second cost the idle broker 7 % of a core and
/// every batch a wait (`docs/throughput.md`, "The registry follower"). On a connection of its
/// own the request is answered at once, and the fetches keep librdkafka's default wait.
final class RegistryFollower {
    private let consumer: KafkaConsumer
    private let ends: KafkaConsumer
    private let config: KafkaConfig
    private let topic: String
    private let logger: Logger
    private var partitions: [TopicPartition] = []
    private(set) var registry = SchoolRegistry()

    init(config: KafkaConfig, topic: String, logger: Logger) throws {
        var config = config
        config["group.id"] = nil
        config["enable.partition.eof"] = "false"
        self.consumer = try KafkaConsumer(config: config)
        self.ends = try KafkaConsumer(config: config)
        self.config = config
        self.topic = topic
        self.logger = logger
    }

    deinit {
        consumer.close()
        ends.close()
    }

    /// Assigns every partition of the registry topic from the beginning.
    func start() throws {
        guard let count = try KafkaAdmin.partitionCount(config: config, topic: topic, timeout: .seconds(10)) else {
            throw KafkaError(code: -1, name: "UNKNOWN_TOPIC", message: "registry topic \(topic) does not exist")
        }
        partitions = (0..<Int32(count)).map { TopicPartition(topic: topic, partition: $0) }
        try consumer.assign(partitions.map { TopicPartitionOffset($0, offset: TopicPartitionOffset.beginning) })
    }

    /// Reads until the registry holds every message the broker had when this was called, so
    /// a record is never standardised against a registry older than the record itself.
    ///
    /// The target per partition is the larger of the broker's ListOffsets answer (one request
    /// for all partitions) and the high watermark of the latest fetch response. Tansu
    /// under-reports the former when the last record batch holds several messages (it answers
    /// the batch's first offset + 1), and the latter may be a fetch old; but a target inside a
    /// batch still reads all of it, since a fetch returns whole batches and what arrived with
    /// it is drained before returning.
    func catchUp() throws {
        var targets: [TopicPartition: Int64] = [:]
        // One request for every partition (before every batch, so its round trips count).
        for end in try ends.endOffsets(partitions, timeout: .seconds(10)) {
            targets[end.topicPartition] = max(end.offset, consumer.cachedWatermarks(end.topicPartition)?.high ?? 0)
        }
        var positions: [TopicPartition: Int64] = [:]
        for p in try consumer.position(partitions) where p.offset >= 0 { positions[p.topicPartition] = p.offset }
        func behind() -> Bool { targets.contains { (positions[$0.key] ?? 0) < $0.value } }
        var messages: [KafkaMessage] = []
        repeat {
            messages = try consumer.poll(maxMessages: 10_000, timeout: behind() ? .milliseconds(200) : .zero)
            for m in messages {
                apply(m)
                positions[m.topicPartition] = m.offset + 1
            }
        } while behind() || !messages.isEmpty
    }

    /// One registry message, read by ``RegistryMessage`` (the archive reads it the same way).
    private func apply(_ m: KafkaMessage) {
        let message = RegistryMessage.read(key: m.key, value: m.value)
        if message.isMalformedDelete {
            logger.warning("registry message is not a school with a 33xxxx county code; treated as a delete",
                           metadata: ["topic": "\(m.topic)", "partition": "\(m.partition)", "offset": "\(m.offset)"])
        }
        guard let school = message.school else {
            logger.warning("registry message without a 10-digit school code ignored",
                           metadata: ["topic": "\(m.topic)", "partition": "\(m.partition)", "offset": "\(m.offset)"])
            return
        }
        registry.apply(school: school, county: message.county, timestampMs: m.timestampMs ?? 0, partition: m.partition, offset: m.offset)
    }
}
