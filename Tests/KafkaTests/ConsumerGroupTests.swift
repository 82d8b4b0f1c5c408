import Kafka
import Synchronization
import TestSupport
import Testing

/// Records rebalances and hands out preset starting offsets.
final class RecordingListener: KafkaRebalanceListener {
    private let state = Mutex<(assigned: [[TopicPartition]], revoked: [[TopicPartition]])>(([], []))
    private let startOffsets: [TopicPartitionOffset]?

    init(startOffsets: [TopicPartitionOffset]? = nil) {
        self.startOffsets = startOffsets
    }

    var assigned: [[TopicPartition]] { state.withLock { $0.assigned } }
    var revoked: [[TopicPartition]] { state.withLock { $0.revoked } }

    func partitionsAssigned(_ partitions: [TopicPartition]) -> [TopicPartitionOffset]? {
        state.withLock { $0.assigned.append(partitions) }
        return startOffsets
    }

    func partitionsRevoked(_ partitions: [TopicPartition]) {
        state.withLock { $0.revoked.append(partitions) }
    }
}

@Suite("Consumer groups")
struct ConsumerGroupTests {
    private func produce(_ count: Int, to topic: String, partitions: Int32 = 1) throws {
        let producer = try TestBroker.producer()
        for index in 0..<count {
            try producer.send(topic: topic, partition: Int32(index) % partitions, key: nil, value: Array("m\(index)".utf8))
        }
        try producer.flush(timeout: .seconds(10))
    }

    @Test("the rebalance listener sees the assignment and its offsets are where reading starts")
    func listenerChoosesStartOffsets() throws {
        let topic = try TestBroker.makeTopic("listener", partitions: 2)
        try produce(10, to: topic, partitions: 2)  // offsets 0...4 in each partition

        let listener = RecordingListener(startOffsets: [
            TopicPartitionOffset(topic: topic, partition: 0, offset: 3),
            TopicPartitionOffset(topic: topic, partition: 1, offset: 4),
        ])
        let consumer = try TestBroker.groupConsumer(group: TestServices.uniqueName("group-listener"), listener: listener)
        try consumer.subscribe([topic])
        let messages = try TestBroker.consume(consumer, count: 3)

        #expect(listener.assigned.map(Set.init) == [[TopicPartition(topic: topic, partition: 0), TopicPartition(topic: topic, partition: 1)]])
        #expect(Set(messages.map { "\($0.partition)@\($0.offset)" }) == ["0@3", "0@4", "1@4"])
        #expect(Set(try consumer.assignment()) == Set(listener.assigned.first ?? []))

        consumer.close()
        #expect(listener.revoked.count == 1)
        consumer.close()  // idempotent
    }

    @Test("a committed offset is where the next consumer of the group resumes")
    func commitThenResume() throws {
        let topic = try TestBroker.makeTopic("commit")
        let group = TestServices.uniqueName("group-commit")
        try produce(5, to: topic)
        let partition = TopicPartition(topic: topic, partition: 0)

        do {
            let listener = RecordingListener()
            let first = try TestBroker.groupConsumer(group: group, listener: listener)
            try first.subscribe([topic])
            let messages = try TestBroker.consume(first, count: 5)
            try #require(messages.count == 5)
            #expect(messages.first?.offset == 0)  // no commit yet: auto.offset.reset=earliest
            try first.commit([TopicPartitionOffset(partition, offset: 3)])
            #expect(try first.committed([partition], timeout: .seconds(10)) == [TopicPartitionOffset(partition, offset: 3)])
            #expect(try first.position([partition]) == [TopicPartitionOffset(partition, offset: 5)])
            first.close()
        }

        let second = try TestBroker.groupConsumer(group: group)
        try second.subscribe([topic])
        let resumed = try TestBroker.consume(second, count: 2)
        #expect(resumed.map(\.offset) == [3, 4])
        #expect(resumed.map(\.value) == [Array("m3".utf8), Array("m4".utf8)])
    }

    @Test("subscribing without group.id is a configuration error")
    func subscribeNeedsGroup() throws {
        let consumer = try KafkaConsumer(config: KafkaConfig(["bootstrap.servers": try TestBroker.bootstrap()]))
        #expect(throws: KafkaError.self) { try consumer.subscribe(["anything"]) }
    }

    @Test("cooperative rebalancing is rejected")
    func cooperativeRejected() throws {
        #expect(throws: KafkaError.self) {
            _ = try KafkaConsumer(config: KafkaConfig([
                "group.id": "g", "partition.assignment.strategy": "cooperative-sticky",
            ]))
        }
    }
}
