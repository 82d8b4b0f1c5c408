import Foundation
import Postgres
import SchedulerCore
import Testing
import Topology

@Suite("Scheduler engine (manual clock, real PostgreSQL)")
struct EngineTests {
    @Test func everyTaskTypeHasAnImplementation() {
        #expect(Set(TaskTypeRegistry.executors.keys) == Set(DAGTaskType.names))
    }

    @Test func runsTasksInDependencyOrder() throws {
        let f = try EngineFixture("""
            dags:
              order:
                tasks:
                  d: { type: sql, depends_on: [b, c], params: { sql: "INSERT INTO log (task) VALUES ('d')" } }
                  b: { type: sql, depends_on: [a], params: { sql: "SELECT pg_sleep(0.2); INSERT INTO log (task) VALUES ('b')" } }
                  c: { type: sql, depends_on: [a], params: { sql: "INSERT INTO log (task) VALUES ('c')" } }
                  a: { type: sql, params: { sql: "SELECT pg_sleep(0.2); INSERT INTO log (task) VALUES ('a')" } }
            """, at: "2026-01-02T00:00:00Z", setup: "CREATE TABLE log (id serial PRIMARY KEY, task text NOT NULL)")
        let run = try f.trigger("order")
        try f.drive("run finished") { try f.runState(run)?.isFinished == true }
        #expect(try f.runState(run) == .success)
        let r = try f.db.query("SELECT task FROM log ORDER BY id")
        let order = (0..<r.rowCount).map { r.value($0, 0)! }
        #expect(order.count == 4 && order.first == "a" && order.last == "d" && Set(order[1...2]) == ["b", "c"], "\(order)")
        #expect(try f.store.instances(run: run).allSatisfy { $0.state == .success && $0.attempt == 1 })
    }

    @Test func retriesWithExponentialBackoffOnTheSchedulerClock() throws {
        let f = try EngineFixture("""
            dags:
              flaky:
                tasks:
                  t:
                    type: sql
                    params: { sql: "SELECT 1 / (CASE WHEN nextval('tries') < 3 THEN 0 ELSE 1 END)" }
                    retries: 3
                    retry_backoff: 10
            """, at: "2026-01-02T00:00:00Z", setup: "CREATE SEQUENCE tries")
        let t0 = f.clock.now().secondsSinceEpoch
        let run = try f.trigger("flaky")
        try f.drive("first failure") { try f.instance(run, "t")?.state == .upForRetry }
        var i = try #require(try f.instance(run, "t"))
        #expect(i.attempt == 1 && i.retryAt == t0 + 10)
        #expect(i.output?.contains("division by zero") == true)
        f.clock.advance(seconds: 9)
        for _ in 0..<5 { try f.engine.tick(); Thread.sleep(forTimeInterval: 0.05) }
        #expect(try f.instance(run, "t")?.attempt == 1, "must not retry before the backoff has passed")
        f.clock.advance(seconds: 1)
        try f.drive("second failure") { try f.instance(run, "t").map { $0.state == .upForRetry && $0.attempt == 2 } ?? false }
        i = try #require(try f.instance(run, "t"))
        #expect(i.retryAt == t0 + 10 + 20, "backoff doubles")
        f.clock.advance(seconds: 20)
        try f.drive("success") { try f.runState(run) == .success }
        #expect(try f.instance(run, "t")?.attempt == 3)
    }

    @Test func attemptsThatExceedTheirTimeoutFail() throws {
        let f = try EngineFixture("""
            dags:
              slow:
                tasks:
                  query: { type: sql, timeout: 1, params: { sql: "SELECT pg_sleep(30)" } }
                  process: { type: command, timeout: 1, params: { argv: [sleep, "30"] } }
                  report: { type: sql, depends_on: [query], params: { sql: "SELECT 1" } }
            """, at: "2026-01-02T00:00:00Z")
        let run = try f.trigger("slow")
        let started = ContinuousClock.now
        try f.drive(timeout: .seconds(90), "run finished") { try f.runState(run)?.isFinished == true }
        // Both attempts sleep 30 s: finishing sooner means their 1-second timeouts cut them off.
        #expect(ContinuousClock.now - started < .seconds(29))
        #expect(try f.runState(run) == .failed)
        let query = try #require(try f.instance(run, "query"))
        #expect(query.state == .failed && query.output?.contains("timed out") == true, "\(query)")
        let process = try #require(try f.instance(run, "process"))
        #expect(process.state == .failed && process.output?.contains("timed out") == true, "\(process)")
        #expect(try f.instance(run, "report")?.state == .upstreamFailed)
    }

    @Test func catchesUpMissedIntervalsAfterDowntime() throws {
        let f = try EngineFixture("""
            dags:
              hourly_catchup:
                schedule: "0 * * * *"
                timezone: UTC
                catchup: true
                max_active_runs: 2
                tasks: { t: { type: sql, params: { sql: "INSERT INTO seen VALUES ('catchup', '{{interval_start}}')" } } }
              hourly_latest:
                schedule: "0 * * * *"
                timezone: UTC
                tasks: { t: { type: sql, params: { sql: "INSERT INTO seen VALUES ('latest', '{{interval_start}}')" } } }
            """, at: "2026-01-01T10:30:00Z", setup: "CREATE TABLE seen (dag text, interval_start timestamptz, UNIQUE (dag, interval_start))")
        func settled() throws -> Bool { try f.store.activeRuns().isEmpty }
        try f.drive("first runs") { try settled() && f.count("SELECT count(*) FROM seen") == 2 }
        #expect(try f.count("SELECT count(*) FROM seen WHERE interval_start = '2026-01-01T09:00:00Z'") == 2)

        f.clock.set(f.time("2026-01-01T15:10:00Z"))  // the scheduler was down for five hours
        try f.drive("caught up") { try settled() && f.count("SELECT count(*) FROM seen") == 8 }
        let r = try f.db.query("SELECT extract(hour FROM interval_start AT TIME ZONE 'UTC')::int FROM seen WHERE dag = 'catchup' ORDER BY 1")
        #expect((0..<r.rowCount).map { r.int($0, 0)! } == [9, 10, 11, 12, 13, 14])
        let latest = try f.db.query("SELECT extract(hour FROM interval_start AT TIME ZONE 'UTC')::int FROM seen WHERE dag = 'latest' ORDER BY 1")
        #expect((0..<latest.rowCount).map { latest.int($0, 0)! } == [9, 14], "without catchup only the latest interval runs")
        #expect(try f.store.runs(dag: "hourly_catchup").allSatisfy { $0.state == .success && $0.kind == .scheduled })
    }

    @Test func backfillsARangeWithinMaxActiveRuns() throws {
        let f = try EngineFixture("""
            dags:
              daily:
                timezone: UTC
                max_active_runs: 2
                schedule: "0 0 * * *"
                tasks:
                  load: { type: sql, params: { sql: "SELECT pg_sleep(0.3); INSERT INTO loaded VALUES ('{{interval_start}}')" } }
                  check: { type: sql, depends_on: [load], params: { sql: "SELECT 1" } }
            """, at: "2026-03-01T12:00:00Z", setup: "CREATE TABLE loaded (day timestamptz PRIMARY KEY)")
        let dag = try #require(f.topology.dag("daily"))
        let intervals = dag.intervals(from: f.time("2026-01-01"), to: f.time("2026-01-06"))
        #expect(intervals.count == 5 && intervals.first?.start == f.time("2026-01-01") && intervals.last?.end == f.time("2026-01-06"))
        for i in intervals { try f.store.createRun(dag: "daily", interval: i, kind: .backfill, now: f.clock.now()) }
        var most = 0
        try f.drive("backfill done", observe: {
            most = max(most, try f.count("SELECT count(*) FROM hub.dag_runs WHERE state = 'running'"))
        }) { try f.store.activeRuns().isEmpty }
        #expect(most == 2, "max_active_runs is 2")
        #expect(try f.count("SELECT count(*) FROM loaded WHERE day < '2026-01-06'") == 5)
        #expect(try f.count("SELECT count(*) FROM hub.dag_runs WHERE kind = 'backfill' AND state = 'success'") == 5)
    }

    @Test func aDeposedLeaderCannotRecordOrClaim() throws {
        let f = try EngineFixture("""
            dags:
              d: { tasks: { t: { type: sql, params: { sql: "SELECT 1" } } } }
            """, at: "2026-01-02T00:00:00Z")
        let run = try f.trigger("d")
        try f.store.startRun(run, tasks: ["t"], now: f.clock.now())
        let claim = try #require(try f.store.claim(run: run, task: "t", instance: "old", epoch: f.engine.epoch, now: f.clock.now()))
        _ = try f.store.becomeLeader("new")
        #expect(try f.store.claim(run: run, task: "t", instance: "old", epoch: f.engine.epoch, now: f.clock.now()) == nil)
        #expect(try f.store.reclaim(run: run, task: "t", token: claim.token, retryAt: f.clock.now(), now: f.clock.now(), note: "leader gone"))
        #expect(throws: LeaseLostError.self) {
            try f.store.finish(run: run, task: "t", token: claim.token, state: .success, output: "late", retryAt: nil, now: f.clock.now())
        }
        #expect(try f.instance(run, "t")?.state == .upForRetry)
    }
}
