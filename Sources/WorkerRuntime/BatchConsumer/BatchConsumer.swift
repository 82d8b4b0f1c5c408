import Foundation
import Kafka
import Logging

/// The poll loop every consuming worker runs: joins the worker's consumer group, polls
/// batches to a ``PollBudget``, tracks the next offset of every partition in the batch, hands
/// the messages to the stage (``BatchStage``) and commits by one of two policies —
/// ``run(_:stop:)`` for stages whose offsets live in Kafka (at least once),
/// ``run(_:positions:stop:)`` for stages that store them in PostgreSQL with their results
/// (exactly once). Failures are handled here too: the batch is read again after a backoff.
///
/// Runs on the worker's polling thread (``PollLoopService``), like the stage and the rebalance
/// listener; `KafkaConsumer` is used from that thread only.
public final class BatchConsumer {
    public let consumer: KafkaConsumer
    let budget: PollBudget
    let wait: Duration
    let metrics: StageMetrics
    let logger: Logger
    let health: HealthState
    private let lag: ConsumerLagReporter
    /// Since the loop started (logged when the loop stops with how long of it the polling
    /// thread waited, by cause, so a run shows where its time went).
    private let started = ContinuousClock.now

    /// Joins `settings.group` for `topics`, starting at the earliest offset where the group
    /// has none; `listener` learns of every rebalance (for exactly-once stages, the
    /// ``StoredOffsetTracker`` that starts partitions from the stored offsets).
    public init(settings: WorkerSettings, topics: [String], budget: PollBudget, metrics: StageMetrics,
                listener: any KafkaRebalanceListener, logger: Logger, health: HealthState) throws {
        consumer = try KafkaConsumer(config: WorkerMain.kafkaConfig(settings, [
            "group.id": settings.group,
            "auto.offset.reset": "earliest",
        ], logger: logger, health: health), rebalanceListener: listener)
        self.budget = budget
        wait = settings.batchWait
        self.metrics = metrics
        self.logger = logger
        self.health = health
        lag = ConsumerLagReporter(stage: metrics.stage)
        try consumer.subscribe(topics)
        health.set("broker", true)
        logger.info("\(metrics.stage) started", metadata: ["topics": "\(topics)", "group": "\(settings.group)"])
    }

    /// A batch's first messages, waiting up to the batch wait (or not at all); nil when none came.
    func pollFirst(waiting: Bool = true) throws -> [KafkaMessage]? {
        health.progressed()
        let messages = try blocked(on: .input) { try consumer.poll(maxMessages: budget.firstChunk, timeout: waiting ? wait : .zero) }
        lag.update(consumer)
        return messages.isEmpty ? nil : messages
    }

    /// What one batch took from the broker.
    struct Filled {
        /// Messages polled, those of partitions no longer owned included.
        var messages = 0
        /// The next offset to read of every partition the batch holds messages of.
        var next: [TopicPartition: Int64] = [:]

        func offsets(in owned: Set<TopicPartition>) -> [TopicPartitionOffset] {
            next.filter { owned.contains($0.key) }.map { TopicPartitionOffset($0.key, offset: $0.value) }
        }
    }

    /// Fills `batch` from `first` and further polls of what is already fetched, to the budget.
    /// Messages of partitions `owns` rejects (revoked meanwhile) are left out.
    func fill<Stage: BatchStage>(_ first: [KafkaMessage], _ stage: inout Stage, into batch: inout Stage.Batch,
                                 owns: ((TopicPartition) -> Bool)? = nil) throws -> Filled {
        var filled = Filled()
        var messages = first
        while true {
            filled.messages += messages.count
            if let owns { messages.removeAll { !owns($0.topicPartition) } }
            for m in messages {
                filled.next[m.topicPartition] = max(filled.next[m.topicPartition] ?? 0, m.offset + 1)
            }
            let records = try stage.add(messages, to: &batch)
            guard let chunk = budget.nextChunk(polled: filled.messages, records: records) else { break }
            messages = try consumer.poll(maxMessages: chunk, timeout: .zero)
            if messages.isEmpty { break }
        }
        return filled
    }

    /// Runs `body`, counting its time as waiting on `cause`.
    func blocked<T>(on cause: StageMetrics.Wait, _ body: () throws -> T) rethrows -> T {
        try metrics.blocked(on: cause, body)
    }

    /// Leaves the group (the loop has ended).
    func close() {
        consumer.close()
        var metadata: Logger.Metadata = ["run_s": "\(Self.seconds(ContinuousClock.now - started))"]
        for cause in StageMetrics.Wait.allCases {
            metadata["waited_\(cause.rawValue)_s"] = "\(Self.seconds(metrics.totalWait(on: cause)))"
        }
        logger.info("\(metrics.stage) stopped", metadata: metadata)
    }

    private static func seconds(_ d: Duration) -> String {
        String(format: "%.3f", Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
    }
}
