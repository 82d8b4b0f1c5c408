import Kafka
import TestSupport
import Testing
import WorkerRuntime

/// ``CatchUpFence``: which polled messages were on the broker before a reference topic last
/// caught up (Transform catches the school registry up again before any other).
@Suite("Catch-up fence")
struct CatchUpFenceTests {
    private func message(_ partition: Int32, _ offset: Int64) -> KafkaMessage {
        KafkaMessage(topic: "raw.student", partition: partition, offset: offset, value: nil)
    }

    @Test("a message is covered below its partition's noted watermark, not at or above it, and not on a partition without one")
    func coveredBelowTheWatermark() {
        var fence = CatchUpFence()
        #expect(!fence.covers([message(0, 0)]))
        #expect(fence.covers([]))
        fence.note([TopicPartition(topic: "raw.student", partition: 0): 10, TopicPartition(topic: "raw.student", partition: 1): 0])
        #expect(fence.covers([message(0, 0), message(0, 9)]))
        #expect(!fence.covers([message(0, 9), message(0, 10)]))
        #expect(!fence.covers([message(1, 0)]))
        #expect(!fence.covers([message(2, 0)]))
        #expect(!fence.covers([KafkaMessage(topic: "raw.teacher", partition: 0, offset: 0, value: nil)]))
    }

    @Test("against the broker: messages fetched before the note are covered; those produced after it are not, until noted again")
    func watermarksFromTheConsumer() throws {
        let topic = TestServices.uniqueName("fence")
        try TestServices.createTopic(topic, partitions: 2)
        let producer = try KafkaProducer(config: KafkaConfig(["bootstrap.servers": try TestServices.kafkaBootstrap()]))
        func produce(_ count: Int) throws {
            for i in 0..<count { try producer.send(topic: topic, partition: Int32(i % 2), key: nil, value: [UInt8(i)]) }
            try producer.flush(timeout: .seconds(10))
        }
        let consumer = try KafkaConsumer(config: KafkaConfig([
            "bootstrap.servers": try TestServices.kafkaBootstrap(), "fetch.wait.max.ms": "50"]))
        defer { consumer.close() }
        try consumer.assign((0..<2).map { TopicPartitionOffset(TopicPartition(topic: topic, partition: $0), offset: TopicPartitionOffset.beginning) })
        func poll(_ count: Int) throws -> [KafkaMessage] {
            var got: [KafkaMessage] = []
            let deadline = ContinuousClock.now + .seconds(30)
            while got.count < count && ContinuousClock.now < deadline {
                got += try consumer.poll(maxMessages: count - got.count, timeout: .milliseconds(200))
            }
            return got
        }

        try produce(6)
        let first = try poll(6)
        #expect(first.count == 6)
        var fence = CatchUpFence()
        try fence.note(consumer)
        #expect(fence.covers(first))

        try produce(4)
        let second = try poll(4)
        #expect(second.map(\.offset).sorted() == [3, 3, 4, 4])
        #expect(!fence.covers(second))
        for m in second { #expect(!fence.covers([m]), "offset \(m.offset) of partition \(m.partition)") }
        try fence.note(consumer)
        #expect(fence.covers(first + second))
    }
}
