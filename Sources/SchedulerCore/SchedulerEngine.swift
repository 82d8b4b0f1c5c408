import Logging
import Postgres
import Topology

/// The leader's scheduling step. Each ``tick()`` creates the runs that are due (catching up
/// missed intervals when the DAG asks for it), starts queued runs under `max_active_runs`,
/// reclaims attempts whose runner is gone, claims ready task instances in dependency order
/// under `concurrency` and hands them to the ``TaskRunner``, and closes finished runs. A DAG an
/// operator paused gets no new scheduled runs and starts no task (attempts in flight finish);
/// once unpaused, its missed intervals are caught up when `catchup` is on.
///
/// All state is in PostgreSQL, so a new leader continues where the old one stopped.
public final class SchedulerEngine: @unchecked Sendable {
    // Used only from the leader's thread.
    public let dags: [DAGDefinition]
    public let store: SchedulerStore
    public let runner: TaskRunner
    let clock: any SchedulerClock
    let instance: String
    let logger: Logger
    private(set) public var epoch: Int64 = 0
    /// Most intervals one tick creates for a DAG when catching up.
    let catchupLimit = 1000

    public init(dags: [DAGDefinition], store: SchedulerStore, runner: TaskRunner, clock: any SchedulerClock, instance: String, logger: Logger) {
        self.dags = dags
        self.store = store
        self.runner = runner
        self.clock = clock
        self.instance = instance
        self.logger = logger
    }

    /// Called once this process holds the leader lock: a new epoch makes any older leader's
    /// claims fail; attempts it left running are reclaimed by the next tick.
    public func takeOver() throws {
        epoch = try store.becomeLeader(instance)
        logger.info("leading", metadata: ["epoch": "\(epoch)", "instance": "\(instance)"])
    }

    public func tick() throws {
        let now = clock.now()
        let paused = try store.pausedDAGs()
        for dag in dags where !paused.contains(dag.name) { try createDueRuns(dag, now) }
        try reclaimOrphans(now)
        var running = try store.runningCounts()
        var activeRuns: [String: Int] = [:]
        let active = try store.activeRuns()
        for run in active where run.state == .running { activeRuns[run.dag, default: 0] += 1 }
        for var run in active {
            guard let dag = dags.first(where: { $0.name == run.dag }) else { continue }
            if paused.contains(dag.name) { continue }
            if run.state == .queued {
                guard activeRuns[dag.name, default: 0] < dag.maxActiveRuns else { continue }
                try store.startRun(run.id, tasks: dag.tasks.map(\.name), now: now)
                activeRuns[dag.name, default: 0] += 1
                run.state = .running
                logger.info("run started", metadata: ["dag": "\(dag.name)", "run": "\(run.id)", "interval": "\(run.interval)", "kind": "\(run.kind.rawValue)"])
            }
            try advance(run, dag, now, &running)
        }
    }

    /// Scheduled runs whose interval has ended: with catch-up, every interval since the last
    /// scheduled run; otherwise only the latest (a first start creates only the latest).
    private func createDueRuns(_ dag: DAGDefinition, _ now: CronTime) throws {
        guard dag.schedule != nil, let latest = dag.latestCompleteInterval(at: now) else { return }
        let lastEnd = try store.latestScheduledEnd(dag: dag.name)
        var due: [DataInterval] = []
        if let lastEnd, dag.catchup {
            var next = dag.interval(startingAtOrAfter: lastEnd)
            while let i = next, i.end <= now, due.count < catchupLimit {
                due.append(i)
                next = dag.interval(after: i)
            }
        } else if lastEnd == nil || latest.start >= lastEnd! {
            due = [latest]
        }
        for interval in due where try store.createRun(dag: dag.name, interval: interval, kind: .scheduled, now: now) != nil {
            logger.info("run created", metadata: ["dag": "\(dag.name)", "interval": "\(interval)"])
        }
    }

    /// Instances recorded as running that no attempt of this process is working on: left by
    /// a dead leader, or by an attempt that could not record its result. Their token is
    /// revoked and they are retried or failed per their policy.
    private func reclaimOrphans(_ now: CronTime) throws {
        for (dagName, i) in try store.runningInstances() where !runner.isInFlight(run: i.runID, task: i.task) {
            let task = dags.first { $0.name == dagName }?.task(i.task)
            var retryAt: CronTime?
            if let task, i.attempt <= task.retries {
                retryAt = CronTime(secondsSinceEpoch: now.secondsSinceEpoch + Int64(task.backoff(afterAttempt: i.attempt)))
            }
            if try store.reclaim(run: i.runID, task: i.task, token: i.leaseToken, retryAt: retryAt, now: now,
                                 note: "attempt \(i.attempt) abandoned by \(i.claimedBy ?? "?") (leader gone); reclaimed by \(instance)") {
                logger.warning("reclaimed an abandoned attempt", metadata: ["dag": "\(dagName)", "run": "\(i.runID)", "task": "\(i.task)",
                                                                           "retry": "\(retryAt != nil)"])
            }
        }
    }

    private func advance(_ run: RunRecord, _ dag: DAGDefinition, _ now: CronTime, _ running: inout [String: Int]) throws {
        var states = Dictionary(uniqueKeysWithValues: try store.instances(run: run.id).map { ($0.task, $0) })
        for name in dag.topologicalOrder {
            guard let task = dag.task(name), let instance = states[name] else { continue }
            let deps = task.dependsOn.compactMap { states[$0]?.state }
            switch instance.state {
            case .queued where deps.contains(where: { $0 == .failed || $0 == .upstreamFailed }):
                try store.markUpstreamFailed(run: run.id, task: name, now: now)
                states[name]?.state = .upstreamFailed
            case .queued where deps.allSatisfy({ $0 == .success }):
                try launch(task, instance, run, dag, now, &running, &states)
            case .upForRetry where (instance.retryAt ?? 0) <= now.secondsSinceEpoch:
                try launch(task, instance, run, dag, now, &running, &states)
            default:
                break
            }
        }
        let all = states.values.map(\.state)
        if !all.isEmpty, all.allSatisfy(\.isFinished) {
            let state: RunState = all.allSatisfy { $0 == .success } ? .success : .failed
            try store.finishRun(run.id, state, now: now)
            logger.info("run finished", metadata: ["dag": "\(dag.name)", "run": "\(run.id)", "state": "\(state.rawValue)"])
        }
    }

    private func launch(_ task: DAGTaskDefinition, _ instance: TaskInstanceRecord, _ run: RunRecord, _ dag: DAGDefinition,
                        _ now: CronTime, _ running: inout [String: Int], _ states: inout [String: TaskInstanceRecord]) throws {
        guard running[dag.name, default: 0] < dag.concurrency else { return }
        guard let claim = try store.claim(run: run.id, task: task.name, instance: self.instance, epoch: epoch, now: now) else { return }
        running[dag.name, default: 0] += 1
        states[task.name]?.state = .running
        runner.launch(TaskClaim(dag: dag, task: task, run: run, attempt: claim.attempt, token: claim.token))
    }
}
