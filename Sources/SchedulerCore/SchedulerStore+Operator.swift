import HubStore
import Postgres
import Topology

/// What operators do to DAGs and runs (`hubctl dag pause|unpause|clear|mark-success`), as
/// Airflow and DolphinScheduler operators expect. Each change is one transaction, refuses to
/// touch an attempt in flight, and is written to the audit log; the leading scheduler picks it
/// up at its next step.
extension SchedulerStore {
    /// DAGs an operator has paused.
    public func pausedDAGs() throws -> Set<String> {
        let r = try db.query("SELECT dag FROM \(schema).dag_state WHERE paused")
        return Set(try r.rows.map { try $0.decode("dag", as: String.self) })
    }

    /// Pauses or unpauses `dag`; returns whether that changed anything.
    @discardableResult
    public func setPaused(_ dag: String, _ paused: Bool) throws -> Bool {
        try db.transaction { db in
            let r = try db.query("""
                INSERT INTO \(schema).dag_state (dag, paused) VALUES ($1, $2)
                ON CONFLICT (dag) DO UPDATE SET paused = EXCLUDED.paused, changed_at = now(), changed_by = current_user
                WHERE \(schema).dag_state.paused IS DISTINCT FROM EXCLUDED.paused
                RETURNING dag
                """, [dag, paused ? "true" : "false"])
            if r.rowCount == 1 {
                try AuditLog.record(db, schema: HubSchema(name: schema), action: paused ? "dag.pause" : "dag.unpause", details: ["dag": dag])
            }
            return r.rowCount == 1
        }
    }

    /// Sets task instances of `run` back to queued so the scheduler runs them again with fresh
    /// retries: the `tasks` named (any finished state) or, when none are named, every failed and
    /// upstream-failed one — and everything downstream of them. A finished run becomes running.
    /// - Returns: the tasks cleared, in the DAG's order.
    /// - Throws: ``OperatorError`` when the run does not belong to `dag`, a task is unknown, or
    ///   one to clear is running now.
    public func clear(run runID: Int64, of dag: DAGDefinition, tasks named: [String]) throws -> [String] {
        try db.transaction { db in
            let states = try lockedInstances(runID, dag)
            let chosen = named.isEmpty
                ? Set(states.filter { $0.value == .failed || $0.value == .upstreamFailed }.keys)
                : Set(try known(named, dag))
            let cleared = dag.topologicalOrder.filter { dag.downstream(of: chosen).contains($0) && states[$0] != nil }
            let running = cleared.filter { states[$0] == .running }
            guard running.isEmpty else {
                throw OperatorError("run #\(runID): \(running.joined(separator: ", ")) running now; wait for the attempt to end")
            }
            guard !cleared.isEmpty else { return [] }
            try db.query("""
                UPDATE \(schema).task_instances SET state = 'queued', attempt = 0, retry_at = NULL, started_at = NULL, ended_at = NULL,
                    claimed_by = NULL, lease_token = NULL,
                    output = coalesce(output || E'\\n', '') || 'cleared by ' || current_user || ' at ' || now()::text
                WHERE run_id = $1 AND task = ANY($2::text[])
                """, [String(runID), PGArrayLiteral.text(cleared)])
            try db.query("UPDATE \(schema).dag_runs SET state = 'running', ended_at = NULL WHERE id = $1 AND state IN ('success', 'failed')",
                         [String(runID)])
            try AuditLog.record(db, schema: HubSchema(name: schema), action: "dag.clear",
                                details: ["dag": dag.name, "run": String(runID), "tasks": cleared.joined(separator: ",")])
            return cleared
        }
    }

    /// Marks task instances of `run` successful without running them: the `tasks` named, or
    /// every task not successful yet when none are named (a queued run gets its instances).
    /// Tasks downstream that did not run because of a failure are queued again; when every
    /// task has succeeded the run is successful.
    /// - Returns: the tasks marked, in the DAG's order.
    public func markSuccess(run runID: Int64, of dag: DAGDefinition, tasks named: [String], now: CronTime) throws -> [String] {
        try db.transaction { db in
            var states = try lockedInstances(runID, dag)
            if states.isEmpty {
                try db.query("UPDATE \(schema).dag_runs SET state = 'running', started_at = to_timestamp($2) WHERE id = $1 AND state = 'queued'",
                             [String(runID), String(now.secondsSinceEpoch)])
                for task in dag.tasks {
                    try db.query("INSERT INTO \(schema).task_instances (run_id, task) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                                 [String(runID), task.name])
                    states[task.name] = .queued
                }
            }
            let chosen = named.isEmpty ? dag.tasks.map(\.name).filter { states[$0] != .success } : try known(named, dag)
            let running = chosen.filter { states[$0] == .running }
            guard running.isEmpty else {
                throw OperatorError("run #\(runID): \(running.joined(separator: ", ")) running now; wait for the attempt to end")
            }
            let marked = dag.topologicalOrder.filter { chosen.contains($0) && states[$0] != .success }
            guard !marked.isEmpty else { return [] }
            try db.query("""
                UPDATE \(schema).task_instances SET state = 'success', retry_at = NULL, lease_token = NULL,
                    ended_at = to_timestamp($3),
                    output = coalesce(output || E'\\n', '') || 'marked success by ' || current_user || ' at ' || now()::text
                WHERE run_id = $1 AND task = ANY($2::text[])
                """, [String(runID), PGArrayLiteral.text(marked), String(now.secondsSinceEpoch)])
            for task in marked { states[task] = .success }
            let waiting = dag.downstream(of: Set(marked)).filter { states[$0] == .upstreamFailed }
            if !waiting.isEmpty {
                try db.query("""
                    UPDATE \(schema).task_instances SET state = 'queued', ended_at = NULL WHERE run_id = $1 AND task = ANY($2::text[])
                    """, [String(runID), PGArrayLiteral.text(waiting.sorted())])
                for task in waiting { states[task] = .queued }
            }
            if dag.tasks.allSatisfy({ states[$0.name] == .success }) {
                try db.query("UPDATE \(schema).dag_runs SET state = 'success', ended_at = to_timestamp($2) WHERE id = $1",
                             [String(runID), String(now.secondsSinceEpoch)])
            } else {
                try db.query("UPDATE \(schema).dag_runs SET state = 'running', ended_at = NULL WHERE id = $1 AND state IN ('success', 'failed')",
                             [String(runID)])
            }
            try AuditLog.record(db, schema: HubSchema(name: schema), action: "dag.mark_success",
                                details: ["dag": dag.name, "run": String(runID), "tasks": marked.joined(separator: ",")])
            return marked
        }
    }

    /// Locks the run (so the leader's step waits) and reads its instances' states.
    private func lockedInstances(_ runID: Int64, _ dag: DAGDefinition) throws -> [String: TaskState] {
        let run = try db.query("SELECT dag FROM \(schema).dag_runs WHERE id = $1 FOR UPDATE", bind: runID)
        guard try run.rows.first?.decode("dag", as: String.self) == dag.name else { throw OperatorError("no run #\(runID) of \(dag.name)") }
        // NOWAIT: an attempt that records its success in its own transaction (sql, reports) holds
        // its row while it runs; waiting would only find it finished, so a locked row is a
        // running attempt.
        let r: PGResult
        do {
            r = try db.query("SELECT task, state FROM \(schema).task_instances WHERE run_id = $1 FOR UPDATE NOWAIT", [String(runID)])
        } catch let error as PGError where error.sqlState == "55P03" {
            throw OperatorError("run #\(runID): a task is running now; wait for the attempt to end")
        }
        var out: [String: TaskState] = [:]
        for row in r.rows { out[try row.decode("task")] = try row.decode("state", as: TaskState.self) }
        return out
    }

    private func known(_ names: [String], _ dag: DAGDefinition) throws -> [String] {
        let unknown = names.filter { dag.task($0) == nil }
        guard unknown.isEmpty else {
            throw OperatorError("\(dag.name) has no task \(unknown.joined(separator: ", ")); its tasks: \(dag.tasks.map(\.name).joined(separator: ", "))")
        }
        return names
    }
}

/// An operator's request that cannot be carried out as asked.
public struct OperatorError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension DAGDefinition {
    /// `tasks` and every task that depends on one of them, directly or not.
    public func downstream(of tasks: Set<String>) -> Set<String> {
        var out = tasks
        var changed = true
        while changed {
            changed = false
            for task in self.tasks where !out.contains(task.name) && task.dependsOn.contains(where: out.contains) {
                out.insert(task.name)
                changed = true
            }
        }
        return out
    }
}
