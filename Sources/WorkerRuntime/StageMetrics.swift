import Foundation
import HubCore
import Metrics
import Synchronization

/// The metrics a consuming stage exports, named by Prometheus conventions: counters end in
/// `_total`, durations are histograms in seconds (`_seconds`), a name says what it counts
/// (messages and records are separate metrics), and every series a dashboard or alert selects
/// exists from the start with 0 where the label values are known in advance.
///
/// | metric | type | labels |
/// | --- | --- | --- |
/// | `hub_messages_consumed_total` | counter | stage |
/// | `hub_records_consumed_total` | counter | stage (transform, sink) |
/// | `hub_records_produced_total` | counter | stage, topic (ingest, transform) |
/// | `hub_quarantined_units_total` | counter | stage, reason (ingest, transform) |
/// | `hub_batch_messages` | histogram | stage |
/// | `hub_batch_duration_seconds` | histogram | stage |
/// | `hub_batch_retries_total` | counter | stage |
/// | `hub_stage_wait_seconds` | histogram | stage, on (input, reference, delivery, commit) |
/// | `hub_last_commit_timestamp_seconds` | gauge | stage |
public struct StageMetrics: Sendable {
    public let stage: String
    /// Kafka messages taken from the input topics, counted once their batch is committed.
    public let messagesConsumed: Counter
    /// Messages per batch.
    public let batchMessages: Recorder
    /// From the first message of a batch to its commit.
    public let batchDuration: Timer
    /// Batches read again after a transient failure.
    public let batchRetries: Counter
    /// When the stage last committed a batch (Unix seconds): how fresh its output is.
    public let lastCommit: Gauge
    /// Time the polling thread spent blocked, by what it waited on: recorded only through
    /// ``blocked(on:_:)``, which also keeps the totals the worker logs when it stops.
    private let waits: [Wait: Timer]
    /// The same waits summed since the stage started, shared by every copy of these metrics:
    /// the consumer's and the stage's own (Transform's mid-batch registry catch-ups).
    private let totals = WaitTotals()

    /// What a stage's polling thread waits on: the broker's next messages (`input`), catching
    /// up with reference data before a batch (`reference`: transform's school registry), the
    /// broker's acknowledgement of the stage's output (`delivery`), the commit of a batch's
    /// offsets — to the group, or for exactly-once stages the whole PostgreSQL transaction
    /// (`commit`). Busy time is what is left.
    public enum Wait: String, CaseIterable, Sendable {
        case input, reference, delivery, commit
    }

    public init(stage: String) {
        self.stage = stage
        let dimensions = [("stage", stage)]
        messagesConsumed = Counter(label: "hub_messages_consumed_total", dimensions: dimensions)
        batchMessages = Recorder(label: "hub_batch_messages", dimensions: dimensions)
        batchDuration = Timer(label: "hub_batch_duration_seconds", dimensions: dimensions)
        batchRetries = Counter(label: "hub_batch_retries_total", dimensions: dimensions)
        lastCommit = Gauge(label: "hub_last_commit_timestamp_seconds", dimensions: dimensions)
        var waits: [Wait: Timer] = [:]
        for wait in Wait.allCases {
            waits[wait] = Timer(label: "hub_stage_wait_seconds", dimensions: [("stage", stage), ("on", wait.rawValue)])
        }
        self.waits = waits
    }

    /// Runs `body` on the polling thread, counting its time as waiting on `cause`.
    public func blocked<T>(on cause: Wait, _ body: () throws -> T) rethrows -> T {
        let start = ContinuousClock.now
        defer {
            let d = ContinuousClock.now - start
            totals.add(d, to: cause)
            waits[cause]?.record(d)
        }
        return try body()
    }

    /// How long the polling thread waited on `cause` so far.
    public func totalWait(on cause: Wait) -> Duration { totals.total(cause) }

    private final class WaitTotals: Sendable {
        private let sums = Mutex<[Wait: Duration]>([:])
        func add(_ d: Duration, to cause: Wait) { sums.withLock { $0[cause, default: .zero] += d } }
        func total(_ cause: Wait) -> Duration { sums.withLock { $0[cause] ?? .zero } }
    }

    /// Records inside the consumed messages (a message carries many).
    public func recordsConsumed() -> Counter {
        Counter(label: "hub_records_consumed_total", dimensions: [("stage", stage)])
    }

    /// Records written to `topic`.
    public func recordsProduced(topic: String) -> Counter {
        Counter(label: "hub_records_produced_total", dimensions: [("stage", stage), ("topic", topic)])
    }

    /// Units this stage quarantined, one counter per reason (all created now, at 0).
    public func quarantinedUnits() -> [QuarantineReason: Counter] {
        var out: [QuarantineReason: Counter] = [:]
        for reason in QuarantineReason.allCases {
            out[reason] = Counter(label: "hub_quarantined_units_total", dimensions: [("stage", stage), ("reason", reason.rawValue)])
        }
        return out
    }

    /// A batch of `messages` was committed `since` its first message was taken.
    public func committed(messages: Int, since started: ContinuousClock.Instant) {
        messagesConsumed.increment(by: messages)
        batchMessages.record(messages)
        batchDuration.record(since: started)
        lastCommit.record(Date().timeIntervalSince1970)
    }
}
