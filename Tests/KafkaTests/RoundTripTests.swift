import Kafka
import Testing

@Suite("Produce and consume round trip")
struct RoundTripTests {
    @Test("key, value, headers and explicit timestamps come back unchanged")
    func roundTrip() throws {
        let topic = try TestBroker.makeTopic("roundtrip")
        let producer = try TestBroker.producer()
        let headers = [
            KafkaHeader(name: "Trace-Id", string: "first"),
            KafkaHeader(name: "empty", value: []),
            KafkaHeader(name: "nothing", value: nil),
            KafkaHeader(name: "trace-id", string: "second"),
        ]
        try producer.send(topic: topic, key: Array("k1".utf8), value: Array("v1".utf8), headers: headers, timestampMs: 1_600_000_000_123)
        try producer.send(topic: topic, key: nil, value: Array("v2".utf8), timestampMs: 1_700_000_000_456)
        try producer.flush(timeout: .seconds(10))

        let consumer = try TestBroker.assignedConsumer([TopicPartitionOffset(topic: topic, partition: 0, offset: TopicPartitionOffset.beginning)])
        let messages = try TestBroker.consume(consumer, count: 2)
        try #require(messages.count == 2)

        #expect(messages[0].topic == topic)
        #expect(messages[0].partition == 0)
        #expect(messages.map(\.offset) == [0, 1])
        #expect(messages[0].key == Array("k1".utf8))
        #expect(messages[0].value == Array("v1".utf8))
        #expect(messages[0].timestampMs == 1_600_000_000_123)
        #expect(messages[0].headers == headers)
        #expect(messages[0].header("TRACE-ID") == Array("second".utf8))
        #expect(messages[0].header("Empty") == [])
        #expect(messages[0].header("nothing") == nil)
        #expect(messages[0].header("absent") == nil)

        #expect(messages[1].key == nil)
        #expect(messages[1].headers.isEmpty)
        #expect(messages[1].timestampMs == 1_700_000_000_456)
    }

    @Test("a null value and a zero-length value stay distinct, as do null and empty keys")
    func nullVersusEmpty() throws {
        let topic = try TestBroker.makeTopic("nullvalue")
        let producer = try TestBroker.producer()
        try producer.send(topic: topic, key: nil, value: nil)
        try producer.send(topic: topic, key: [], value: [])
        try producer.flush(timeout: .seconds(10))

        let consumer = try TestBroker.assignedConsumer([TopicPartitionOffset(topic: topic, partition: 0, offset: TopicPartitionOffset.beginning)])
        let messages = try TestBroker.consume(consumer, count: 2)
        try #require(messages.count == 2)
        #expect(messages[0].value == nil)
        #expect(messages[0].key == nil)
        #expect(messages[1].value == [])
        #expect(messages[1].key == [])
    }

    @Test("a message over 1,000,000 bytes is produced and consumed with default settings")
    func largeMessage() throws {
        let topic = try TestBroker.makeTopic("large")
        let producer = try TestBroker.producer()
        let big = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try producer.send(topic: topic, key: nil, value: Array("small".utf8))
        try producer.send(topic: topic, key: nil, value: big)
        try producer.send(topic: topic, key: nil, value: Array("after".utf8))
        try producer.flush(timeout: .seconds(20))

        let consumer = try TestBroker.assignedConsumer([TopicPartitionOffset(topic: topic, partition: 0, offset: TopicPartitionOffset.beginning)])
        let messages = try TestBroker.consume(consumer, count: 3)
        try #require(messages.count == 3)
        #expect(messages[1].value == big)
        #expect(messages[2].value == Array("after".utf8))
    }

    @Test("explicit partitions are honoured and partitionCount reads metadata")
    func explicitPartitions() throws {
        let topic = try TestBroker.makeTopic("partitions", partitions: 3)
        let producer = try TestBroker.producer()
        #expect(try producer.partitionCount(topic: topic, timeout: .seconds(10)) == 3)
        for partition in Int32(0)..<3 {
            try producer.send(topic: topic, partition: partition, key: nil, value: [UInt8(partition)])
        }
        try producer.flush(timeout: .seconds(10))

        let consumer = try TestBroker.assignedConsumer((Int32(0)..<3).map {
            TopicPartitionOffset(topic: topic, partition: $0, offset: TopicPartitionOffset.beginning)
        })
        let messages = try TestBroker.consume(consumer, count: 3)
        #expect(Set(messages.map { [UInt8($0.partition)] == $0.value }) == [true])
        #expect(Set(messages.map(\.partition)) == [0, 1, 2])
    }

    @Test("producing to a partition that does not exist fails at flush with a KafkaError")
    func deliveryFailure() throws {
        let topic = try TestBroker.makeTopic("badpartition")
        let producer = try TestBroker.producer(["message.timeout.ms": "3000"])
        do {
            try producer.send(topic: topic, partition: 7, key: nil, value: [1])
            try producer.flush(timeout: .seconds(10))
            Issue.record("expected a delivery failure")
        } catch let error as KafkaError {
            #expect(error.isUnknownTopicOrPartition)
        }
        // The failure is reported once; later messages deliver normally.
        try producer.send(topic: topic, partition: 0, key: nil, value: [2])
        try producer.flush(timeout: .seconds(10))
    }
}
