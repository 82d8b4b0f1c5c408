import HubStore
import Kafka

/// A consuming stage's own logic, run by ``BatchConsumer`` on the worker's polling thread: it
/// turns polled messages into a batch of work. The consumer decides how much a batch takes
/// (``PollBudget``), which partitions' messages count (the ones still owned), where the
/// offsets go and what a failure means.
public protocol BatchStage {
    /// What the stage accumulates from one batch's messages.
    associatedtype Batch

    /// An empty batch.
    func makeBatch() -> Batch

    /// Adds polled messages (each from a partition this instance owns, in partition order) to
    /// `batch`; returns the records the batch now holds (for ``PollBudget/maxRecords``).
    mutating func add(_ messages: [KafkaMessage], to batch: inout Batch) throws -> Int
}

/// A stage whose offsets live in Kafka (ingest, transform): at least once. The consumer
/// commits a batch's offsets only after ``publish(_:messages:)`` returned, i.e. after the broker
/// acknowledged the stage's output; a crash before that reads the batch again, and downstream
/// recognises the repeated output by its source position.
///
/// A transient ``KafkaError`` thrown from any method is retried by the consumer: it counts
/// `hub_batch_retries_total`, waits with backoff and reads the batch again from the committed
/// offsets. Anything else stops the worker.
public protocol AtLeastOnceStage: BatchStage {
    /// Runs before a batch is filled, once its `first` messages are in (e.g. catching up with a
    /// reference topic, unless the last catch-up already covers them).
    mutating func prepare(_ first: [KafkaMessage]) throws

    /// Enqueues the batch's output without waiting for the broker. The consumer calls it
    /// after the previous batch is committed and polls the next batch meanwhile, so the
    /// stage's work on the next batch overlaps the broker's acknowledgement of this one.
    /// Default: nothing (a stage that sends in ``BatchStage/add(_:to:)`` or in ``publish(_:messages:)``).
    mutating func send(_ batch: Batch, messages: Int) throws

    /// Sends whatever of the batch's output is not sent yet and waits until the broker has
    /// all of it (everything sent so far).
    mutating func publish(_ batch: Batch, messages: Int) throws

    /// The batch's offsets are committed: count what it did.
    func committed(_ batch: Batch)
}

extension AtLeastOnceStage {
    public mutating func prepare(_ first: [KafkaMessage]) throws {}
    public mutating func send(_ batch: Batch, messages: Int) throws {}
}

/// A stage whose offsets live in PostgreSQL beside its results (sink, archive): exactly once.
/// ``commit(_:offsets:messages:)`` stores the batch's results and the new offsets in one
/// transaction fenced by compare-and-set on the stored ones (``FencedError`` when they moved
/// on). The consumer keeps the stored offsets (``StoredOffsetTracker``), drops a batch during
/// which a partition was revoked, and on a failed commit rewinds to the stored offsets and
/// tries again with backoff.
public protocol ExactlyOnceStage: BatchStage {
    /// Stores the batch and `offsets` in one fenced transaction; `messages` is how many were
    /// polled. Reaching this stage's test kill points belongs here.
    mutating func commit(_ batch: Batch, offsets: [OffsetAdvance], messages: Int) throws

    /// Another instance moved the offsets on: note it (the consumer reloads them).
    func fenced()

    /// Connects the stage's database session again after a failure.
    func reconnect() throws
}

/// The reply to COMMIT was lost (a connection failure at that moment, or the
/// `<stage>.after-commit:N:lose-connection` test point): whether the transaction went through is
/// unknown, so the stored offsets are read again before the next attempt.
public struct CommitReplyLost: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "the reply to COMMIT was lost (test kill point)" }
}
