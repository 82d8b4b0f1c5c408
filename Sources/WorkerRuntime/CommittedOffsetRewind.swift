import Kafka

extension KafkaConsumer {
    /// Seeks every assigned partition back to the group's committed offset (the beginning when
    /// nothing is committed yet, as `auto.offset.reset=earliest`), so a batch that failed
    /// transiently is read again. For the stages whose offsets live in Kafka (ingest,
    /// transform); their output for the batch may then be sent twice, which downstream
    /// recognises by source position.
    public func rewindToCommitted(timeout: Duration = .seconds(10)) throws {
        let assigned = try assignment()
        guard !assigned.isEmpty else { return }
        for c in try committed(assigned, timeout: timeout) {
            let offset = c.offset >= 0 ? c.offset : TopicPartitionOffset.beginning
            try seek(TopicPartitionOffset(c.topicPartition, offset: offset), timeout: timeout)
        }
    }
}
