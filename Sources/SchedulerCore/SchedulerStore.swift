import HubStore
import Postgres
import Topology

/// The scheduler's state in PostgreSQL (`dag_runs`, `task_instances`, `scheduler_leadership`,
/// created by migration 3). Every write that belongs to an attempt is guarded by the
/// attempt's lease token, and every claim by the leader's epoch, so a deposed leader can
/// neither start new work nor record a result the new leader has already taken over.
public struct SchedulerStore: Sendable {
    public let db: PGConnection
    public let schema: String

    public init(db: PGConnection, schema: String) {
        self.db = db
        self.schema = schema
    }

    private var runs: String { "\(schema).dag_runs" }
    private var instances: String { "\(schema).task_instances" }

    // MARK: Leadership

    /// Records `instance` as the leader with a new epoch (call while holding the advisory lock).
    public func becomeLeader(_ instance: String) throws -> Int64 {
        let r = try db.query("""
            INSERT INTO \(schema).scheduler_leadership (leader, epoch) VALUES ($1, 1)
            ON CONFLICT (singleton) DO UPDATE SET leader = EXCLUDED.leader,
                epoch = \(schema).scheduler_leadership.epoch + 1, acquired_at = clock_timestamp()
            RETURNING epoch
            """, bind: instance)
        return try r.scalar(Int64.self)
    }

    /// The recorded leader and its epoch.
    public func leader() throws -> (name: String, epoch: Int64)? {
        let r = try db.query("SELECT leader, epoch FROM \(schema).scheduler_leadership")
        guard let row = r.rows.first else { return nil }
        return (try row.decode("leader"), try row.decode("epoch"))
    }

    // MARK: Runs

    /// Creates a queued run; nil when one of this kind already exists for the interval.
    @discardableResult
    public func createRun(dag: String, interval: DataInterval, kind: RunKind, now: CronTime) throws -> Int64? {
        let r = try db.query("""
            INSERT INTO \(runs) (dag, interval_start, interval_end, kind, created_at)
            VALUES ($1, to_timestamp($2), to_timestamp($3), $4, to_timestamp($5))
            ON CONFLICT (dag, interval_start, kind) DO NOTHING RETURNING id
            """, [dag, String(interval.start.secondsSinceEpoch), String(interval.end.secondsSinceEpoch), kind.rawValue,
                  String(now.secondsSinceEpoch)])
        return try r.rows.first?.decode("id", as: Int64.self)
    }

    /// The end of the newest scheduled run of `dag`.
    public func latestScheduledEnd(dag: String) throws -> CronTime? {
        let r = try db.query("SELECT extract(epoch FROM max(interval_end))::bigint AS latest FROM \(runs) WHERE dag = $1 AND kind = 'scheduled'",
                             bind: dag)
        // NULL: no scheduled run yet.
        return try r.firstRow().decodeIfPresent("latest", as: Int64.self).map { CronTime(secondsSinceEpoch: $0) }
    }

    private static let runColumns = """
        id, dag, extract(epoch FROM interval_start)::bigint AS interval_start, extract(epoch FROM interval_end)::bigint AS interval_end,
        kind, state, extract(epoch FROM created_at)::bigint AS created_at, extract(epoch FROM started_at)::bigint AS started_at,
        extract(epoch FROM ended_at)::bigint AS ended_at
        """

    /// Runs by column name; not started or not ended yet is NULL.
    private func runRecords(_ r: PGResult) throws -> [RunRecord] {
        try r.rows.map { row in
            RunRecord(id: try row.decode("id"), dag: try row.decode("dag"),
                      interval: DataInterval(start: CronTime(secondsSinceEpoch: try row.decode("interval_start")),
                                             end: CronTime(secondsSinceEpoch: try row.decode("interval_end"))),
                      kind: try row.decode("kind"), state: try row.decode("state"), createdAt: try row.decode("created_at"),
                      startedAt: try row.decodeIfPresent("started_at"), endedAt: try row.decodeIfPresent("ended_at"))
        }
    }

    /// Runs not finished yet, oldest interval first.
    public func activeRuns() throws -> [RunRecord] {
        try runRecords(db.query("SELECT \(Self.runColumns) FROM \(runs) WHERE state IN ('queued', 'running') ORDER BY interval_start, id"))
    }

    /// The newest runs of `dag`, newest interval first.
    public func runs(dag: String, limit: Int = 20) throws -> [RunRecord] {
        try runRecords(db.query("SELECT \(Self.runColumns) FROM \(runs) WHERE dag = $1 ORDER BY interval_start DESC, id DESC LIMIT $2",
                                [dag, String(limit)]))
    }

    public func run(id: Int64) throws -> RunRecord? {
        try runRecords(db.query("SELECT \(Self.runColumns) FROM \(runs) WHERE id = $1", [String(id)])).first
    }

    /// Marks a queued run running and creates its task instances (idempotent).
    public func startRun(_ id: Int64, tasks: [String], now: CronTime) throws {
        try db.transaction { db in
            try db.query("UPDATE \(runs) SET state = 'running', started_at = to_timestamp($2) WHERE id = $1 AND state = 'queued'",
                         [String(id), String(now.secondsSinceEpoch)])
            for t in tasks {
                try db.query("INSERT INTO \(instances) (run_id, task) VALUES ($1, $2) ON CONFLICT DO NOTHING", [String(id), t])
            }
        }
    }

    public func finishRun(_ id: Int64, _ state: RunState, now: CronTime) throws {
        try db.query("UPDATE \(runs) SET state = $2, ended_at = to_timestamp($3) WHERE id = $1",
                     [String(id), state.rawValue, String(now.secondsSinceEpoch)])
    }

    // MARK: Task instances

    private static let instanceColumns = """
        run_id, task, state, attempt, extract(epoch FROM retry_at)::bigint AS retry_at, extract(epoch FROM started_at)::bigint AS started_at,
        extract(epoch FROM ended_at)::bigint AS ended_at, output, claimed_by, lease_token
        """

    /// Task instances by column name; what an instance has not reached yet is NULL.
    private func instanceRecords(_ r: PGResult) throws -> [TaskInstanceRecord] {
        try r.rows.map { row in
            TaskInstanceRecord(runID: try row.decode("run_id"), task: try row.decode("task"), state: try row.decode("state"),
                               attempt: try row.decode("attempt"), retryAt: try row.decodeIfPresent("retry_at"),
                               startedAt: try row.decodeIfPresent("started_at"), endedAt: try row.decodeIfPresent("ended_at"),
                               output: try row.decodeIfPresent("output"), claimedBy: try row.decodeIfPresent("claimed_by"),
                               leaseToken: try row.decodeIfPresent("lease_token"))
        }
    }

    public func instances(run: Int64) throws -> [TaskInstanceRecord] {
        try instanceRecords(db.query("SELECT \(Self.instanceColumns) FROM \(instances) WHERE run_id = $1 ORDER BY started_at NULLS LAST, task",
                                     [String(run)]))
    }

    /// Every instance in state running, with its DAG.
    public func runningInstances() throws -> [(dag: String, instance: TaskInstanceRecord)] {
        let r = try db.query("""
            SELECT \(Self.instanceColumns), dag
            FROM (SELECT t.*, d.dag FROM \(instances) t JOIN \(runs) d ON d.id = t.run_id WHERE t.state = 'running') running
            """)
        let records = try instanceRecords(r)
        return try zip(r.rows, records).map { (try $0.decode("dag"), $1) }
    }

    /// Running task instances per DAG.
    public func runningCounts() throws -> [String: Int] {
        let r = try db.query("""
            SELECT d.dag, count(*) AS running FROM \(instances) t JOIN \(runs) d ON d.id = t.run_id WHERE t.state = 'running' GROUP BY 1
            """)
        return Dictionary(uniqueKeysWithValues: try r.rows.map { (try $0.decode("dag"), try $0.decode("running")) })
    }

    /// Starts the next attempt: a fresh lease token, only while `epoch` is the current
    /// leadership epoch. Nil when the instance is no longer claimable or leadership moved on.
    public func claim(run: Int64, task: String, instance: String, epoch: Int64, now: CronTime) throws -> (token: Int64, attempt: Int)? {
        let r = try db.query("""
            UPDATE \(instances) SET state = 'running', attempt = attempt + 1, lease_token = nextval('\(schema).scheduler_lease_tokens'),
                claimed_by = $3, started_at = to_timestamp($5), ended_at = NULL, retry_at = NULL
            WHERE run_id = $1 AND task = $2 AND state IN ('queued', 'up_for_retry')
              AND (SELECT epoch FROM \(schema).scheduler_leadership) = $4
            RETURNING lease_token, attempt
            """, [String(run), task, instance, String(epoch), String(now.secondsSinceEpoch)])
        guard let row = r.rows.first else { return nil }
        let token: Int64 = try row.decode("lease_token")
        let attempt: Int = try row.decode("attempt")
        return (token, attempt)
    }

    /// Locks the attempt's row; throws ``LeaseLostError`` unless `token` still holds it.
    /// Inside a transaction this makes the caller's side effect and its result one unit.
    public func holdLease(run: Int64, task: String, token: Int64) throws {
        let r = try db.query("SELECT 1 FROM \(instances) WHERE run_id = $1 AND task = $2 AND state = 'running' AND lease_token = $3 FOR UPDATE",
                             [String(run), task, String(token)])
        if r.rowCount != 1 { throw LeaseLostError(run: run, task: task, token: token) }
    }

    /// Records the attempt's end: success, retry at `retryAt`, or failure. Throws
    /// ``LeaseLostError`` when the token no longer holds the instance.
    public func finish(run: Int64, task: String, token: Int64, state: TaskState, output: String, retryAt: CronTime?, now: CronTime) throws {
        let r = try db.query("""
            UPDATE \(instances) SET state = $4, output = $5, retry_at = to_timestamp($6::bigint), ended_at = to_timestamp($7),
                lease_token = NULL
            WHERE run_id = $1 AND task = $2 AND state = 'running' AND lease_token = $3
            """, [String(run), task, String(token), state.rawValue, String(output.prefix(65_536)),
                  retryAt.map { String($0.secondsSinceEpoch) }, String(now.secondsSinceEpoch)])
        if r.affectedRows != 1 { throw LeaseLostError(run: run, task: task, token: token) }
    }

    /// Takes back an attempt whose runner is gone (its leader died or it lost the database):
    /// the old token stops counting, and the instance is retried or failed per its policy.
    @discardableResult
    public func reclaim(run: Int64, task: String, token: Int64?, retryAt: CronTime?, now: CronTime, note: String) throws -> Bool {
        let r = try db.query("""
            UPDATE \(instances) SET state = $4, retry_at = to_timestamp($5::bigint), ended_at = to_timestamp($6), lease_token = NULL,
                output = coalesce(output || E'\\n', '') || $7
            WHERE run_id = $1 AND task = $2 AND state = 'running' AND lease_token IS NOT DISTINCT FROM $3::bigint
            """, [String(run), task, token.map(String.init), (retryAt == nil ? TaskState.failed : .upForRetry).rawValue,
                  retryAt.map { String($0.secondsSinceEpoch) }, String(now.secondsSinceEpoch), note])
        return r.affectedRows == 1
    }

    public func markUpstreamFailed(run: Int64, task: String, now: CronTime) throws {
        try db.query("UPDATE \(instances) SET state = 'upstream_failed', ended_at = to_timestamp($3) WHERE run_id = $1 AND task = $2 AND state = 'queued'",
                     [String(run), task, String(now.secondsSinceEpoch)])
    }
}

/// A result was not recorded because the attempt's lease token no longer holds the task
/// instance: another leader took it over. The attempt's transaction is rolled back.
public struct LeaseLostError: Error, Sendable, CustomStringConvertible {
    public var run: Int64
    public var task: String
    public var token: Int64
    public var description: String { "run \(run) task \(task): lease \(token) was taken over; result not recorded" }
}

extension SchedulerStore {
    /// Creates or upgrades the hub schema (including the scheduler's tables) for `topology`.
    public static func migrate(_ db: PGConnection, schema: String, topology: Topology) throws {
        try HubSchema(name: schema).migrate(db, topology: topology)
    }
}
