import Foundation
import HubStore
import Postgres
import Topology

/// One attempt of one task instance, as its implementation sees it.
public struct TaskContext: Sendable {
    public var dag: DAGDefinition
    public var task: DAGTaskDefinition
    public var runID: Int64
    public var runKind: RunKind
    public var interval: DataInterval
    public var attempt: Int
    /// The lease token that must still hold the instance when the result is recorded.
    public var leaseToken: Int64
    public var environment: TaskEnvironment
    /// The attempt's own connection (session `statement_timeout` set to the task's timeout).
    public var db: PGConnection
    /// When the attempt times out.
    public var deadline: ContinuousClock.Instant
    /// For recording the result from inside the attempt's own transaction.
    let recordingClock: any SchedulerClock

    public var store: SchedulerStore { SchedulerStore(db: db, schema: environment.schema) }
    public var hubSchema: HubSchema { HubSchema(name: environment.schema) }

    /// A key that is the same for every attempt of this instance: external commands use it
    /// (as `HUB_TASK_INSTANCE`) to make their side effect idempotent.
    public var instanceKey: String { "\(dag.name).\(runID).\(task.name)" }

    /// `{{interval_start}}`, `{{interval_end}}` (ISO 8601 UTC), `{{interval_date}}` (the
    /// interval's start date in the DAG's zone), `{{run_id}}`, `{{schema}}` replaced in `text`.
    public func substitute(_ text: String) -> String {
        text.replacingOccurrences(of: "{{interval_start}}", with: interval.start.description)
            .replacingOccurrences(of: "{{interval_end}}", with: interval.end.description)
            .replacingOccurrences(of: "{{interval_date}}", with: String(interval.start.formatted(in: dag.timeZone).prefix(10)))
            .replacingOccurrences(of: "{{run_id}}", with: String(runID))
            .replacingOccurrences(of: "{{schema}}", with: environment.schema)
    }

    /// Inside the caller's transaction: locks the instance under this attempt's lease, so
    /// the side effect that follows commits only together with ``recordSuccess(output:)``.
    public func holdLease() throws {
        try store.holdLease(run: runID, task: task.name, token: leaseToken)
    }

    /// Marks the instance successful; in the caller's transaction when one is open.
    public func recordSuccess(output: String) throws {
        try store.finish(run: runID, task: task.name, token: leaseToken, state: .success, output: output, retryAt: nil,
                         now: recordingClock.now())
    }

    /// Seconds left before the deadline (at least 1).
    public var remainingSeconds: Double {
        let left = deadline - ContinuousClock.now
        return max(1, Double(left.components.seconds) + Double(left.components.attoseconds) / 1e18)
    }
}

/// How an attempt ended well.
public enum TaskCompletion: Sendable {
    /// The work is done; the runner records success with this output.
    case succeeded(String)
    /// The implementation recorded success itself, in the same transaction as its effect.
    case recorded
}

/// An attempt failed; `message` becomes the instance's output.
public struct TaskFailure: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// One task type: what an attempt does. Implementations throw to fail the attempt; they must
/// respect ``TaskContext/deadline``.
public protocol TaskExecutor: Sendable {
    /// The `type:` name in topology files.
    static var typeName: String { get }
    init()
    func run(_ context: TaskContext) throws -> TaskCompletion
}
