import Kafka
import TestSupport

/// The shared test broker and small helpers for talking to it.
enum TestBroker {
    static func bootstrap() throws -> String {
        try TestServices.kafkaBootstrap()
    }

    /// A new, empty topic with a name unique to this test run.
    static func makeTopic(_ prefix: String, partitions: Int = 1) throws -> String {
        let name = TestServices.uniqueName(prefix)
        try TestServices.createTopic(name, partitions: partitions)
        return name
    }

    static func producer(_ extra: [String: String] = [:]) throws -> KafkaProducer {
        var config = KafkaConfig(["bootstrap.servers": try bootstrap()])
        for (key, value) in extra { config[key] = value }
        return try KafkaProducer(config: config)
    }

    /// A consumer without a group, reading `partitions` from the given offsets.
    static func assignedConsumer(_ partitions: [TopicPartitionOffset]) throws -> KafkaConsumer {
        let consumer = try KafkaConsumer(config: KafkaConfig(["bootstrap.servers": try bootstrap()]))
        try consumer.assign(partitions)
        return consumer
    }

    /// A group consumer; short session timeout because tansu holds the first JoinGroup
    /// for about half of it.
    static func groupConsumer(group: String, listener: (any KafkaRebalanceListener)? = nil) throws -> KafkaConsumer {
        let config = KafkaConfig([
            "bootstrap.servers": try bootstrap(),
            "group.id": group,
            "session.timeout.ms": "6000",
            "auto.offset.reset": "earliest",
        ])
        return try KafkaConsumer(config: config, rebalanceListener: listener)
    }

    /// Polls until `count` messages arrived or `timeout` passed.
    static func consume(_ consumer: KafkaConsumer, count: Int, timeout: Duration = .seconds(30)) throws -> [KafkaMessage] {
        var messages: [KafkaMessage] = []
        let deadline = ContinuousClock.now + timeout
        while messages.count < count, ContinuousClock.now < deadline {
            messages += try consumer.poll(maxMessages: count - messages.count, timeout: .milliseconds(200))
        }
        return messages
    }
}
