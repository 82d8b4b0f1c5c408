import Foundation
import Postgres
import TestSupport

/// A DAG run that a real `hub-scheduler` took to its end: the run's state and each task's
/// state and output, as `dag_runs` and `task_instances` hold them.
struct SchedulerRun {
    var state: String
    /// Task name → (state, output).
    var tasks: [String: (state: String, output: String)]

    /// Every task's output, for a failure message.
    var outputs: String {
        tasks.keys.sorted().map { "\($0) [\(tasks[$0]?.state ?? "?")]: \(tasks[$0]?.output ?? "")" }.joined(separator: " | ")
    }
}

extension PipelineHarness {
    /// Starts `hub-scheduler` with this pipeline's environment (ticking every 200 ms) and
    /// `environment` on top (a nil value removes a variable), waits until the run of `dag`
    /// queued beforehand has succeeded or failed, stops the scheduler, and returns the run.
    func runScheduler(until dag: String, environment overrides: [String: String?] = [:],
                      timeout: Duration = .seconds(120)) throws -> SchedulerRun {
        var env = environment("scheduler")
        env["HUB_SCHEDULER_TICK_MS"] = "200"
        for (name, value) in overrides { env[name] = value }
        let scheduler = try ManagedProcess(executable: Self.binDirectory + "/hub-scheduler", environment: env)
        defer {
            scheduler.terminate()
            _ = try? scheduler.waitForExit(timeout: .seconds(20))
        }
        func runState() throws -> String? {
            try query("SELECT state FROM hub.dag_runs WHERE dag = $1", [dag]).value(0, 0)
        }
        try eventually(timeout: timeout, poll: .milliseconds(200), "the \(dag) run ended") {
            let state = try runState()
            return state == "success" || state == "failed"
        }
        let rows = try query("""
            SELECT i.task, i.state, coalesce(i.output, '') FROM hub.task_instances i JOIN hub.dag_runs r ON r.id = i.run_id
            WHERE r.dag = $1 ORDER BY i.task
            """, [dag])
        var tasks: [String: (state: String, output: String)] = [:]
        for i in 0..<rows.rowCount {
            tasks[rows.value(i, 0) ?? "?"] = (rows.value(i, 1) ?? "?", rows.value(i, 2) ?? "")
        }
        return SchedulerRun(state: try runState() ?? "?", tasks: tasks)
    }
}
