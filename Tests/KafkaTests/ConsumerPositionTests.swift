import Kafka
import Testing

@Suite("Watermarks, positions, seek and pause")
struct ConsumerPositionTests {
    @Test("watermarks from the broker and from the fetch cache agree with what was produced")
    func watermarks() throws {
        let topic = try TestBroker.makeTopic("watermarks")
        let partition = TopicPartition(topic: topic, partition: 0)
        let producer = try TestBroker.producer()
        // One batch per message: tansu 0.6 answers ListOffsets(latest) with the last batch's
        // base offset + 1, which is only the true high watermark for single-record batches.
        for index in 0..<4 {
            try producer.send(topic: topic, partition: 0, key: nil, value: [UInt8(index)])
            try producer.flush(timeout: .seconds(10))
        }

        let consumer = try TestBroker.assignedConsumer([TopicPartitionOffset(partition, offset: TopicPartitionOffset.beginning)])
        #expect(consumer.cachedWatermarks(partition) == nil)
        let queried = try consumer.queryWatermarks(partition, timeout: .seconds(10))
        #expect(queried.low == 0)
        #expect(queried.high == 4)

        #expect(try TestBroker.consume(consumer, count: 4).count == 4)
        let cached = try #require(consumer.cachedWatermarks(partition))
        #expect(cached.high == 4)
        #expect(try consumer.position([partition]) == [TopicPartitionOffset(partition, offset: 4)])
        #expect(try consumer.assignment() == [partition])
    }

    @Test("end offsets of several partitions in one request agree with what was produced")
    func endOffsets() throws {
        let topic = try TestBroker.makeTopic("endoffsets", partitions: 3)
        let producer = try TestBroker.producer()
        // Single-record batches (see above); partition 1 stays empty.
        for (partition, count) in [(0, 3), (2, 5)] {
            for index in 0..<count {
                try producer.send(topic: topic, partition: Int32(partition), key: nil, value: [UInt8(index)])
                try producer.flush(timeout: .seconds(10))
            }
        }
        let partitions = (0..<3).map { TopicPartition(topic: topic, partition: Int32($0)) }
        let consumer = try TestBroker.assignedConsumer(partitions.map { TopicPartitionOffset($0, offset: TopicPartitionOffset.beginning) })
        let ends = try consumer.endOffsets([partitions[2], partitions[0], partitions[1]], timeout: .seconds(10))
        #expect(ends == [TopicPartitionOffset(partitions[2], offset: 5), TopicPartitionOffset(partitions[0], offset: 3),
                         TopicPartitionOffset(partitions[1], offset: 0)])
        #expect(try consumer.endOffsets([], timeout: .seconds(10)).isEmpty)
    }

    @Test("seek moves the read position of an assigned partition")
    func seek() throws {
        let topic = try TestBroker.makeTopic("seek")
        let partition = TopicPartition(topic: topic, partition: 0)
        let producer = try TestBroker.producer()
        for index in 0..<5 { try producer.send(topic: topic, key: nil, value: [UInt8(index)]) }
        try producer.flush(timeout: .seconds(10))

        let consumer = try TestBroker.assignedConsumer([TopicPartitionOffset(partition, offset: TopicPartitionOffset.beginning)])
        #expect(try TestBroker.consume(consumer, count: 5).count == 5)
        try consumer.seek(TopicPartitionOffset(partition, offset: 2), timeout: .seconds(10))
        #expect(try TestBroker.consume(consumer, count: 3).map(\.offset) == [2, 3, 4])
    }

    @Test("a paused partition delivers nothing until resumed")
    func pauseResume() throws {
        let topic = try TestBroker.makeTopic("pause")
        let partition = TopicPartition(topic: topic, partition: 0)
        let consumer = try TestBroker.assignedConsumer([TopicPartitionOffset(partition, offset: TopicPartitionOffset.beginning)])
        try consumer.pause([partition])

        let producer = try TestBroker.producer()
        try producer.send(topic: topic, key: nil, value: [1])
        try producer.flush(timeout: .seconds(10))

        #expect(try consumer.poll(maxMessages: 10, timeout: .seconds(1)).isEmpty)
        try consumer.resume([partition])
        #expect(try TestBroker.consume(consumer, count: 1).map(\.value) == [[1]])
    }

    @Test("poll returns an empty batch after the timeout when nothing arrives")
    func emptyPoll() throws {
        let topic = try TestBroker.makeTopic("empty")
        let consumer = try TestBroker.assignedConsumer([TopicPartitionOffset(topic: topic, partition: 0, offset: TopicPartitionOffset.end)])
        let started = ContinuousClock.now
        #expect(try consumer.poll(maxMessages: 10, timeout: .milliseconds(300)).isEmpty)
        #expect(ContinuousClock.now - started >= .milliseconds(250))
    }
}
