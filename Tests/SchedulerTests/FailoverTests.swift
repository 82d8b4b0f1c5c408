import Foundation
import Postgres
import SchedulerCore
import TestSupport
import Testing

/// Two and then three real `hub-scheduler` processes on one database: the leader is killed
/// after a command's side effect but before its result is recorded, and with SIGKILL while a
/// SQL task runs and another waits; every side effect must happen exactly once.
@Suite("Scheduler failover (real processes)", .serialized)
struct FailoverTests {
    static let binDirectory: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let candidates = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path,
                          root + "/.build-sched/debug", root + "/.build/debug"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0 + "/hub-scheduler") } ?? candidates[2]
    }()

    @Test func leaderDeathHandsOverWithoutLosingOrRepeatingWork() throws {
        let conninfo = try TestServices.createDatabase(prefix: "schedfailover")
        let db = try PGConnection(conninfo: conninfo)
        try db.execute("CREATE TABLE effects (id serial PRIMARY KEY, name text NOT NULL)")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sched-failover-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/topology", withIntermediateDirectories: true)
        try """
            dags:
              effect_once:
                tasks:
                  effect:
                    type: command
                    retries: 2
                    retry_backoff: 0
                    params:
                      argv: [sh, -c, 'echo "$HUB_TASK_ATTEMPT" >> \(dir)/executions; [ -e "\(dir)/effect-$HUB_TASK_INSTANCE" ] || echo once > "\(dir)/effect-$HUB_TASK_INSTANCE"']
                  record: { type: sql, depends_on: [effect], params: { sql: "INSERT INTO effects (name) VALUES ('record')" } }
              chain:
                tasks:
                  slow:
                    type: sql
                    retries: 2
                    retry_backoff: 0
                    params: { sql: "INSERT INTO effects (name) VALUES ('slow'); SELECT pg_sleep(4)" }
                  after: { type: sql, depends_on: [slow], params: { sql: "INSERT INTO effects (name) VALUES ('after')" } }
            """.write(toFile: dir + "/topology/dags.yaml", atomically: true, encoding: .utf8)

        func start(_ name: String, crashAfter: String? = nil) throws -> ManagedProcess {
            var env = ["HUB_DATABASE": conninfo, "HUB_SCHEMA": "hub", "HUB_TOPOLOGY_DIR": dir + "/topology", "HUB_HTTP_PORT": "0",
                       "HUB_SCHEDULER_INSTANCE": name, "HUB_SCHEDULER_TICK_MS": "200", "HUB_SCHEDULER_OUTPUT_DIR": dir,
                       "HUB_LOG_LEVEL": "info"]
            if let crashAfter { env["HUB_SCHEDULER_CRASH_AFTER_SIDE_EFFECT"] = crashAfter }
            return try ManagedProcess(executable: Self.binDirectory + "/hub-scheduler", environment: env)
        }
        let store = SchedulerStore(db: db, schema: "hub")
        func leader() -> String? { (try? store.leader())?.name }
        func waitForLeader(_ name: String, _ since: ContinuousClock.Instant) throws -> Duration {
            try eventually(timeout: .seconds(60), poll: .milliseconds(20), "\(name) leads") { leader() == name }
            return ContinuousClock.now - since
        }
        func trigger(_ dag: String) throws -> Int64 {
            let now = SystemClock().now()
            return try #require(try store.createRun(dag: dag, interval: DataInterval(start: now, end: now), kind: .manual, now: now))
        }
        func instance(_ run: Int64, _ task: String) throws -> TaskInstanceRecord? { try store.instances(run: run).first { $0.task == task } }
        func count(_ name: String) throws -> Int {
            try db.query("SELECT count(*) FROM effects WHERE name = $1", [name]).int(0, 0) ?? -1
        }

        // 1. The leader exits right after a command's side effect, before recording it.
        let a = try start("A", crashAfter: "effect")
        _ = try waitForLeader("A", .now)
        let b = try start("B")
        try eventually(timeout: .seconds(60), "B started") { b.standardError().contains("scheduler started") }
        let first = try trigger("effect_once")
        try eventually(timeout: .seconds(60), "A exits after the side effect") { a.exitStatus != nil }
        let aExited = ContinuousClock.now
        #expect(a.exitStatus == 86, "\(a.standardError().suffix(2000))")
        let handover1 = try waitForLeader("B", aExited)
        try eventually(timeout: .seconds(90), "run after crash finished") { try store.run(id: first)?.state.isFinished == true }
        #expect(try store.run(id: first)?.state == .success, "\(b.standardError().suffix(3000))")
        let executions = (try? String(contentsOfFile: dir + "/executions", encoding: .utf8)) ?? ""
        let effects = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("effect-") }
        #expect(executions.split(separator: "\n") == ["1", "2"], "the abandoned attempt is retried once")
        #expect(effects.count == 1, "the side effect, keyed by HUB_TASK_INSTANCE, happened once")
        #expect(try instance(first, "effect")?.attempt == 2)
        #expect(try count("record") == 1)

        // 2. SIGKILL while a SQL task runs (its transaction holds its side effect) and its successor waits.
        let c = try start("C")
        try eventually(timeout: .seconds(60), "C started") { c.standardError().contains("scheduler started") }
        let second = try trigger("chain")
        try eventually(timeout: .seconds(60), "slow runs on B") { try instance(second, "slow").map { $0.state == .running && $0.claimedBy == "B" } ?? false }
        Thread.sleep(forTimeInterval: 1)
        #expect(try instance(second, "after")?.state == .queued)
        b.kill()
        let bKilled = ContinuousClock.now
        let handover2 = try waitForLeader("C", bKilled)
        try eventually(timeout: .seconds(90), "chain finished") { try store.run(id: second)?.state.isFinished == true }
        #expect(try store.run(id: second)?.state == .success, "\(c.standardError().suffix(3000))")
        #expect(try count("slow") == 1, "the killed attempt's transaction left no effect; the retry's did")
        #expect(try count("after") == 1)
        #expect(try instance(second, "slow")?.attempt == 2)
        #expect(try instance(second, "after")?.attempt == 1)

        print("scheduler handover: \(handover1) after the leader exited (crash after side effect), \(handover2) after SIGKILL")
        c.terminate()
        _ = try? c.waitForExit(timeout: .seconds(30))
    }
}
