import CRdKafka

/// Owns an `rd_kafka_topic_partition_list_t` and converts it to and from Swift values.
final class NativePartitionList {
    let pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

    init(capacity: Int) {
        pointer = rd_kafka_topic_partition_list_new(Int32(clamping: capacity))
    }

    /// Takes ownership of a list returned by librdkafka.
    init(adopting pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) {
        self.pointer = pointer
    }

    convenience init(_ partitions: [TopicPartition], offset: Int64 = TopicPartitionOffset.invalid) {
        self.init(capacity: partitions.count)
        for partition in partitions { add(partition.topic, partition.partition, offset) }
    }

    convenience init(_ offsets: [TopicPartitionOffset]) {
        self.init(capacity: offsets.count)
        for entry in offsets { add(entry.topic, entry.partition, entry.offset) }
    }

    deinit { rd_kafka_topic_partition_list_destroy(pointer) }

    func add(_ topic: String, _ partition: Int32, _ offset: Int64) {
        let element = rd_kafka_topic_partition_list_add(pointer, topic, partition)
        element?.pointee.offset = offset
    }

    private var elements: UnsafeMutableBufferPointer<rd_kafka_topic_partition_t> {
        UnsafeMutableBufferPointer(start: pointer.pointee.elems, count: Int(pointer.pointee.cnt))
    }

    var offsets: [TopicPartitionOffset] {
        elements.map { TopicPartitionOffset(topic: String(cString: $0.topic), partition: $0.partition, offset: $0.offset) }
    }

    var partitions: [TopicPartition] {
        elements.map { TopicPartition(topic: String(cString: $0.topic), partition: $0.partition) }
    }

    /// Sets the offset of every element found in `offsets`; the others keep theirs.
    func setOffsets(from offsets: [TopicPartitionOffset]) {
        var byPartition: [TopicPartition: Int64] = [:]
        for entry in offsets { byPartition[entry.topicPartition] = entry.offset }
        for index in elements.indices {
            let key = TopicPartition(topic: String(cString: elements[index].topic), partition: elements[index].partition)
            if let offset = byPartition[key] { elements[index].offset = offset }
        }
    }

    /// The first per-partition error librdkafka left in the list, if any.
    func firstError(context: String) -> KafkaError? {
        for element in elements where element.err != RD_KAFKA_RESP_ERR_NO_ERROR {
            return KafkaError(element.err, context: "\(context) \(String(cString: element.topic))[\(element.partition)]")
        }
        return nil
    }
}
