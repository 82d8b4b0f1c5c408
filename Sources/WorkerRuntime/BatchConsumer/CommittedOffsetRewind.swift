import Kafka
import Logging

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

    /// ``rewindToCommitted(timeout:)``, tried again with backoff while the broker cannot answer:
    /// polling on without the rewind would skip the failed batch. Returns when rewound or when
    /// the worker is stopping (nothing is committed then, so nothing is lost).
    public func rewindToCommitted(logger: Logger, stop: StopSignal) throws {
        var backoff = Backoff()
        while !stop.isStopping {
            do {
                return try rewindToCommitted()
            } catch let error as KafkaError where !error.isFatal {
                let delay = backoff.next()
                logger.warning("cannot rewind to the committed offsets; retrying", metadata: ["error": "\(error)", "retry_in": "\(delay)"])
                sleep(delay, unless: stop)
            }
        }
    }
}
