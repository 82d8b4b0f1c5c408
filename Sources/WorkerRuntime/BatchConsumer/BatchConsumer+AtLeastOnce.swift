import FailureIsolation
import Kafka

extension BatchConsumer {
    /// A batch whose output is sent (``AtLeastOnceStage/send(_:messages:)``) but not yet known
    /// to be acknowledged, and so not committed.
    struct SentBatch<Batch> {
        var batch: Batch
        var filled: Filled
        var started: ContinuousClock.Instant
    }

    /// Runs `stage` until `stop`, committing each batch's offsets to the group once the stage
    /// has published its output — only of partitions still owned: a rebalance during a later
    /// poll of the batch may have taken some away, and their new owner starts from the last
    /// commit (their output is sent again, which is harmless downstream).
    ///
    /// Batches overlap: the next batch is polled and turned into output (the stage's CPU work)
    /// while the broker acknowledges the previous one; only then is the previous batch's
    /// delivery awaited and its offsets committed, and the next one sent. A failure discards
    /// both: the batch is read again from the committed offsets, which never pass output the
    /// broker has not acknowledged.
    public func run<Stage: AtLeastOnceStage>(_ stage: inout Stage, stop: StopSignal) throws {
        defer { close() }
        var backoff = Backoff()
        var sent: SentBatch<Stage.Batch>?
        while !stop.isStopping {
            do {
                // With a batch in flight, don't wait for more input: acknowledge it first.
                guard let first = try pollFirst(waiting: sent == nil) else {
                    if let previous = sent.take() { try complete(previous, &stage) }
                    continue
                }
                let started = ContinuousClock.now
                try blocked(on: .reference) { try stage.prepare(first) }
                var batch = stage.makeBatch()
                let filled = try fill(first, &stage, into: &batch)
                if let previous = sent.take() { try complete(previous, &stage) }
                try stage.send(batch, messages: filled.messages)
                sent = SentBatch(batch: batch, filled: filled, started: started)
                backoff.reset()
            } catch let error as KafkaError where !error.isFatal && FailureClass.of(error) == .transient && !stop.isStopping {
                sent = nil
                metrics.batchRetries.increment()
                let delay = backoff.next()
                logger.warning("batch failed; reading it again from the committed offsets",
                               metadata: ["error": "\(error)", "retry_in": "\(delay)"])
                sleep(delay, unless: stop)
                try consumer.rewindToCommitted(logger: logger, stop: stop)
            }
        }
        // Stopping: the batch in flight is acknowledged and committed before the group is left
        // (if the broker is away, it is read again by whoever owns the partitions next).
        guard let previous = sent.take() else { return }
        do {
            try complete(previous, &stage)
        } catch let error as KafkaError where !error.isFatal && FailureClass.of(error) == .transient {
            logger.warning("the last batch was not acknowledged before stopping; it will be read again",
                           metadata: ["error": "\(error)"])
        }
    }

    /// Waits until the broker has `sent`'s output, then commits its offsets.
    private func complete<Stage: AtLeastOnceStage>(_ sent: SentBatch<Stage.Batch>, _ stage: inout Stage) throws {
        try blocked(on: .delivery) { try stage.publish(sent.batch, messages: sent.filled.messages) }
        try blocked(on: .commit) { try consumer.commit(sent.filled.offsets(in: Set(try consumer.assignment()))) }
        stage.committed(sent.batch)
        metrics.committed(messages: sent.filled.messages, since: sent.started)
    }
}
