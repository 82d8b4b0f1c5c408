import Foundation
import Logging
import Postgres
import Synchronization
import Topology

/// A claimed attempt, handed from the engine to the runner.
public struct TaskClaim: Sendable {
    public var dag: DAGDefinition
    public var task: DAGTaskDefinition
    public var run: RunRecord
    public var attempt: Int
    public var token: Int64

    var key: String { "\(run.id)/\(task.name)" }
}

/// Runs attempts on their own threads, each with its own database connection and a session
/// `statement_timeout` equal to the task's timeout, and records each result under its lease.
public final class TaskRunner: Sendable {
    let environment: TaskEnvironment
    let clock: any SchedulerClock
    let logger: Logger
    /// Test hook (`HUB_SCHEDULER_CRASH_AFTER_SIDE_EFFECT=TASK`): the process exits right after
    /// that task's work succeeded and before its result is recorded.
    let crashAfterSideEffect: String?
    /// Called with the DAG's name when an attempt starts (`running`) and with each recorded end
    /// state (for metrics).
    let onStateChange: @Sendable (_ dag: String, _ state: TaskState) -> Void
    private let inFlight = Mutex<Set<String>>([])

    public init(environment: TaskEnvironment, clock: any SchedulerClock, logger: Logger, crashAfterSideEffect: String? = nil,
                onStateChange: @escaping @Sendable (_ dag: String, _ state: TaskState) -> Void = { _, _ in }) {
        self.environment = environment
        self.clock = clock
        self.logger = logger
        self.crashAfterSideEffect = crashAfterSideEffect
        self.onStateChange = onStateChange
    }

    /// Attempts started by this process and not yet recorded.
    public var inFlightCount: Int { inFlight.withLock { $0.count } }

    func isInFlight(run: Int64, task: String) -> Bool { inFlight.withLock { $0.contains("\(run)/\(task)") } }

    /// Starts the attempt on a new thread.
    func launch(_ claim: TaskClaim) {
        inFlight.withLock { _ = $0.insert(claim.key) }
        onStateChange(claim.dag.name, .running)
        let thread = Thread { [self] in
            execute(claim)
            inFlight.withLock { _ = $0.remove(claim.key) }
        }
        thread.name = "task \(claim.key)"
        thread.stackSize = 4 << 20
        thread.start()
    }

    /// Waits until no attempt is in flight, or `timeout` passes.
    public func waitUntilIdle(timeout: Duration) {
        let end = ContinuousClock.now + timeout
        while inFlightCount > 0, ContinuousClock.now < end { Thread.sleep(forTimeInterval: 0.05) }
    }

    private func execute(_ claim: TaskClaim) {
        let meta: Logger.Metadata = ["dag": "\(claim.dag.name)", "run": "\(claim.run.id)", "task": "\(claim.task.name)",
                                     "attempt": "\(claim.attempt)"]
        logger.info("task started", metadata: meta)
        var outcome: Result<TaskCompletion, TaskFailure>
        do {
            let db = try PGConnection(conninfo: environment.conninfo)
            try db.execute("SET statement_timeout = \(claim.task.timeoutSeconds * 1000)")
            let context = TaskContext(dag: claim.dag, task: claim.task, runID: claim.run.id, runKind: claim.run.kind,
                                      interval: claim.run.interval, attempt: claim.attempt, leaseToken: claim.token,
                                      environment: environment, db: db,
                                      deadline: ContinuousClock.now + .seconds(claim.task.timeoutSeconds), recordingClock: clock)
            guard let executor = TaskTypeRegistry.executors[claim.task.type] else {
                throw TaskFailure("no implementation of task type \(claim.task.type)")
            }
            outcome = .success(try executor.run(context))
        } catch let error as LeaseLostError {
            logger.warning("attempt fenced off; another leader owns it", metadata: meta.merging(["error": "\(environment.redact("\(error)"))"]) { $1 })
            return
        } catch let error as TaskFailure {
            outcome = .failure(error)
        } catch let error as PGError where error.sqlState == "57014" {
            outcome = .failure(TaskFailure("timed out after \(claim.task.timeoutSeconds) s: \(error)"))
        } catch {
            outcome = .failure(TaskFailure("\(error)"))
        }
        if case .success = outcome, crashAfterSideEffect == claim.task.name {
            logger.critical("test hook: exiting after the side effect, before recording it", metadata: meta)
            _exit(86)
        }
        record(claim, outcome, meta)
    }

    /// Records the result with a few reconnects; if that fails the engine reclaims the
    /// instance once this attempt is no longer in flight.
    private func record(_ claim: TaskClaim, _ outcome: Result<TaskCompletion, TaskFailure>, _ meta: Logger.Metadata) {
        let now = clock.now()
        let state: TaskState
        var output = ""
        var retryAt: CronTime?
        switch outcome {
        case .success(.recorded):
            logger.info("task succeeded", metadata: meta)
            onStateChange(claim.dag.name, .success)
            return
        case .success(.succeeded(let text)):
            state = .success
            output = environment.redact(text)
        case .failure(let failure):
            output = environment.redact(failure.message)
            if claim.attempt <= claim.task.retries {
                state = .upForRetry
                retryAt = CronTime(secondsSinceEpoch: now.secondsSinceEpoch + Int64(claim.task.backoff(afterAttempt: claim.attempt)))
            } else {
                state = .failed
            }
        }
        for attempt in 1...5 {
            do {
                let db = try PGConnection(conninfo: environment.conninfo)
                try SchedulerStore(db: db, schema: environment.schema).finish(
                    run: claim.run.id, task: claim.task.name, token: claim.token, state: state, output: output, retryAt: retryAt, now: now)
                logger.info("task \(state == .success ? "succeeded" : "failed")", metadata: meta.merging(["state": "\(state.rawValue)"]) { $1 })
                onStateChange(claim.dag.name, state)
                return
            } catch let error as LeaseLostError {
                logger.warning("result not recorded", metadata: meta.merging(["error": "\(error)"]) { $1 })
                return
            } catch {
                logger.warning("cannot record the result; retrying", metadata: meta.merging(["error": "\(error)"]) { $1 })
                Thread.sleep(forTimeInterval: Double(attempt))
            }
        }
    }
}
