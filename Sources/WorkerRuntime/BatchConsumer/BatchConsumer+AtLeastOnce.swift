import FailureIsolation
import Kafka

extension BatchConsumer {
    /// Runs `stage` until `stop`, committing each batch's offsets to the group once the stage
    /// has published its output — only of partitions still owned: a rebalance during a later
    /// poll of the batch may have taken some away, and their new owner starts from the last
    /// commit (their output is sent again, which is harmless downstream).
    public func run<Stage: AtLeastOnceStage>(_ stage: inout Stage, stop: StopSignal) throws {
        defer { close() }
        var backoff = Backoff()
        while !stop.isStopping {
            guard let first = try pollFirst() else { continue }
            let started = ContinuousClock.now
            do {
                try stage.prepare()
                var batch = stage.makeBatch()
                let filled = try fill(first, &stage, into: &batch)
                try stage.publish(batch, messages: filled.messages)
                try consumer.commit(filled.offsets(in: Set(try consumer.assignment())))
                backoff.reset()
                stage.committed(batch)
                metrics.committed(messages: filled.messages, since: started)
            } catch let error as KafkaError where !error.isFatal && FailureClass.of(error) == .transient && !stop.isStopping {
                metrics.batchRetries.increment()
                let delay = backoff.next()
                logger.warning("batch failed; reading it again from the committed offsets",
                               metadata: ["error": "\(error)", "retry_in": "\(delay)"])
                sleep(delay, unless: stop)
                try consumer.rewindToCommitted(logger: logger, stop: stop)
            }
        }
    }
}
