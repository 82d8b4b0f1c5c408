import Kafka
import Testing

@Suite("Partitioning by key")
struct KafkaPartitionerTests {
    @Test("the partition is the CRC-32 of the key modulo the partition count")
    func crc32() {
        // CRC-32 of "123456789" is 0xCBF43926 = 3,421,780,262.
        #expect(KafkaPartitioner.consistent(key: Array("123456789".utf8), partitionCount: 1000) == 262)
        #expect(KafkaPartitioner.consistent(key: "123456789".utf8, partitionCount: 7) == 5)
        #expect(KafkaPartitioner.consistent(key: [UInt8](), partitionCount: 3) == 0)
        #expect(KafkaPartitioner.consistent(key: "anything".utf8, partitionCount: 1) == 0)
    }

    @Test("keyed messages without a partition land where consistent(key:partitionCount:) says")
    func matchesDefaultPartitioner() throws {
        let topic = try TestBroker.makeTopic("partitioner", partitions: 5)
        let producer = try TestBroker.producer()
        let keys = (0..<40).map { "entity-\($0)" }
        for key in keys {
            try producer.send(topic: topic, key: Array(key.utf8), value: Array(key.utf8))
        }
        try producer.flush(timeout: .seconds(10))

        let consumer = try TestBroker.assignedConsumer((Int32(0)..<5).map {
            TopicPartitionOffset(topic: topic, partition: $0, offset: TopicPartitionOffset.beginning)
        })
        let messages = try TestBroker.consume(consumer, count: keys.count)
        try #require(messages.count == keys.count)
        for message in messages {
            #expect(message.partition == KafkaPartitioner.consistent(key: message.key ?? [], partitionCount: 5))
        }
        #expect(Set(messages.map(\.partition)).count > 1)
    }
}
