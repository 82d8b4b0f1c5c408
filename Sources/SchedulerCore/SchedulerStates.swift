import Postgres

/// Why a DAG run exists.
public enum RunKind: String, Sendable, CaseIterable {
    /// Created by the schedule when its interval ended (including catch-up).
    case scheduled
    /// Created by `hubctl dag backfill` for a past range.
    case backfill
    /// Created by `hubctl dag trigger`.
    case manual
}

/// A DAG run's progress.
public enum RunState: String, Sendable {
    /// Waiting for a slot under the DAG's `max_active_runs`.
    case queued
    case running
    case success
    case failed

    public var isFinished: Bool { self == .success || self == .failed }
}

/// A task instance's progress.
public enum TaskState: String, Sendable, CaseIterable {
    /// Waiting for its dependencies or a slot under the DAG's `concurrency`.
    case queued
    /// Claimed by the leader with a lease token; only that token may record the result.
    case running
    case success
    case failed
    /// Failed (or its leader died) with attempts left; may start again at `retry_at`.
    case upForRetry = "up_for_retry"
    /// Will not run because a dependency failed.
    case upstreamFailed = "upstream_failed"

    public var isFinished: Bool { self == .success || self == .failed || self == .upstreamFailed }
}

/// One row of `dag_runs`.
public struct RunRecord: Sendable {
    public var id: Int64
    public var dag: String
    public var interval: DataInterval
    public var kind: RunKind
    public var state: RunState
    public var createdAt: Int64
    public var startedAt: Int64?
    public var endedAt: Int64?
}

/// One row of `task_instances`.
public struct TaskInstanceRecord: Sendable {
    public var runID: Int64
    public var task: String
    public var state: TaskState
    public var attempt: Int
    public var retryAt: Int64?
    public var startedAt: Int64?
    public var endedAt: Int64?
    public var output: String?
    public var claimedBy: String?
    public var leaseToken: Int64?
}

/// Stored as their raw values in `dag_runs` and `dag_task_instances`.
extension RunKind: PGDecodable {}
extension RunState: PGDecodable {}
extension TaskState: PGDecodable {}
