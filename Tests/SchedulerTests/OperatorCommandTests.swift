import Foundation
import Postgres
@testable import SchedulerCore
import Testing
import Topology

/// Issue 18: operators steer DAGs as in Airflow — pause and unpause, clear (run failed or chosen
/// tasks again), mark success — on the real engine and PostgreSQL.
@Suite("DAG operator commands")
struct OperatorCommandTests {
    @Test func aPausedDAGGetsNoRunsAndStartsNothingUntilUnpaused() throws {
        let f = try EngineFixture("""
            dags:
              hourly:
                schedule: "@hourly"
                timezone: UTC
                tasks:
                  t: { type: sql, params: { sql: "INSERT INTO log VALUES (1)" } }
            """, at: "2026-01-02T00:30:00Z", setup: "CREATE TABLE log (n int)")
        try f.drive("the latest interval ran") { try f.count("SELECT count(*) FROM hub.dag_runs WHERE state = 'success'") == 1 }
        #expect(try f.count("SELECT count(*) FROM hub.dag_runs") == 1)
        #expect(try f.store.setPaused("hourly", true))
        #expect(try f.store.setPaused("hourly", true) == false, "pausing twice changes nothing")
        #expect(try f.store.pausedDAGs() == ["hourly"])
        let manual = try f.trigger("hourly", "2025-12-01", "2025-12-02")
        f.clock.advance(seconds: 3 * 3600)
        for _ in 0..<10 { try f.engine.tick(); Thread.sleep(forTimeInterval: 0.05) }
        #expect(try f.count("SELECT count(*) FROM hub.dag_runs WHERE kind = 'scheduled'") == 1, "no new scheduled run while paused")
        #expect(try f.runState(manual) == .queued, "a manual run waits")
        #expect(try f.count("SELECT count(*) FROM hub.task_instances") == 1, "no task starts (only the first run's)")
        #expect(try f.count("SELECT count(*) FROM hub.audit_log WHERE action = 'dag.pause'") == 1)

        #expect(try f.store.setPaused("hourly", false))
        try f.drive("the manual run and the new latest interval run") {
            try f.runState(manual) == .success && f.count("SELECT count(*) FROM hub.dag_runs WHERE state = 'success'") == 3
        }
        #expect(try f.count("SELECT count(*) FROM hub.dag_runs WHERE kind = 'scheduled'") == 2, "no catch-up without catchup")
    }

    static let chain = """
        dags:
          chain:
            tasks:
              a: { type: sql, params: { sql: "SELECT 1 / (CASE WHEN nextval('tries') < 2 THEN 0 ELSE 1 END); INSERT INTO log VALUES ('a')" } }
              b: { type: sql, depends_on: [a], params: { sql: "INSERT INTO log VALUES ('b')" } }
              c: { type: sql, depends_on: [b], params: { sql: "INSERT INTO log VALUES ('c')" } }
              side: { type: sql, params: { sql: "INSERT INTO log VALUES ('side')" } }
        """

    @Test func clearRunsTheFailedTasksAndWhatTheyBlockedAgain() throws {
        let f = try EngineFixture(Self.chain, at: "2026-01-02T00:00:00Z", setup: "CREATE SEQUENCE tries; CREATE TABLE log (task text)")
        let dag = try #require(f.topology.dag("chain"))
        let run = try f.trigger("chain")
        try f.drive("the run fails") { try f.runState(run) == .failed }
        #expect(try f.instance(run, "a")?.state == .failed)
        #expect(try f.instance(run, "b")?.state == .upstreamFailed && f.instance(run, "c")?.state == .upstreamFailed)

        #expect(try f.store.clear(run: run, of: dag, tasks: []) == ["a", "b", "c"], "side succeeded: not cleared")
        #expect(try f.runState(run) == .running)
        let cleared = try f.instance(run, "a")
        #expect(cleared?.attempt == 0 && cleared?.state == .queued && cleared?.output?.contains("cleared by") == true)
        try f.drive("the cleared tasks ran") { try f.runState(run) == .success }
        #expect(try f.count("SELECT count(*) FROM log WHERE task = 'side'") == 1)
        #expect(try f.count("SELECT count(*) FROM log WHERE task IN ('a', 'b', 'c')") == 3)

        // A chosen task of a successful run, with everything downstream of it.
        #expect(try f.store.clear(run: run, of: dag, tasks: ["b"]) == ["b", "c"])
        try f.drive("b and c ran again") { try f.runState(run) == .success && f.count("SELECT count(*) FROM log WHERE task = 'c'") == 2 }
        #expect(try f.count("SELECT count(*) FROM log WHERE task = 'a'") == 1)
        #expect(throws: OperatorError.self) { try f.store.clear(run: run, of: dag, tasks: ["nope"]) }
        #expect(throws: OperatorError.self) { try f.store.clear(run: run + 1000, of: dag, tasks: []) }
        #expect(try f.count("SELECT count(*) FROM hub.audit_log WHERE action = 'dag.clear'") == 2)
    }

    @Test func markSuccessLetsBlockedTasksRunAndCanCloseAWholeRun() throws {
        let f = try EngineFixture("""
            dags:
              broken:
                tasks:
                  a: { type: sql, params: { sql: "SELECT 1 / 0" } }
                  b: { type: sql, depends_on: [a], params: { sql: "INSERT INTO log VALUES ('b')" } }
            """, at: "2026-01-02T00:00:00Z", setup: "CREATE TABLE log (task text)")
        let dag = try #require(f.topology.dag("broken"))
        let run = try f.trigger("broken")
        try f.drive("the run fails") { try f.runState(run) == .failed }
        #expect(try f.store.markSuccess(run: run, of: dag, tasks: ["a"], now: f.clock.now()) == ["a"])
        #expect(try f.instance(run, "b")?.state == .queued, "b no longer waits on a failure")
        try f.drive("b ran") { try f.runState(run) == .success }
        #expect(try f.count("SELECT count(*) FROM log") == 1)

        // A queued run marked successful as a whole: nothing runs.
        let queued = try f.trigger("broken", "2026-01-05", "2026-01-06")
        #expect(try f.store.markSuccess(run: queued, of: dag, tasks: [], now: f.clock.now()) == ["a", "b"])
        #expect(try f.runState(queued) == .success)
        for _ in 0..<5 { try f.engine.tick() }
        #expect(try f.count("SELECT count(*) FROM log") == 1)
    }

    @Test func aRunningAttemptIsNotTouched() throws {
        let f = try EngineFixture("""
            dags:
              slow:
                tasks:
                  a: { type: sql, params: { sql: "SELECT pg_sleep(5)" } }
            """, at: "2026-01-02T00:00:00Z")
        let dag = try #require(f.topology.dag("slow"))
        let run = try f.trigger("slow")
        try f.drive("a runs") { try f.instance(run, "a")?.state == .running }
        #expect(throws: OperatorError.self) { try f.store.clear(run: run, of: dag, tasks: ["a"]) }
        #expect(throws: OperatorError.self) { try f.store.markSuccess(run: run, of: dag, tasks: ["a"], now: f.clock.now()) }
        try f.drive("a finishes") { try f.runState(run) == .success }
    }
}
