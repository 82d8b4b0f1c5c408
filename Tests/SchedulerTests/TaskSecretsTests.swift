import Foundation
import Postgres
import SchedulerCore
import TestSupport
import Testing

/// A real `hub-scheduler` with a database password (file) and `PGPASSWORD` in its own
/// environment runs `command` tasks that print everything they were given: a task that
/// declares nothing gets no database and no password; one that declares `needs: [database]`
/// gets the conninfo and the password file's path, and when it prints the password itself the
/// stored output and the scheduler's log show `[redacted]`.
@Suite("Scheduler command tasks and secrets (real process)", .serialized)
struct TaskSecretsTests {
    @Test func commandTasksGetNoPasswordAndOutputNeverHoldsOne() throws {
        let conninfo = try TestServices.createDatabase(prefix: "schedsecrets")
        let db = try PGConnection(conninfo: conninfo)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sched-secrets-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/topology", withIntermediateDirectories: true)
        let filePassword = "Db-Secret-From-File-4711"
        let envPassword = "Db-Secret-From-Env-0815"
        try (filePassword + "\n").write(toFile: dir + "/db-password", atomically: true, encoding: .utf8)
        try """
            dags:
              undeclared:
                tasks:
                  show: { type: command, params: { argv: [sh, -c, 'env | sort; echo "conninfo=[$HUB_DATABASE]"'] } }
              declared:
                tasks:
                  show:
                    type: command
                    params:
                      needs: [database]
                      argv: [sh, -c, 'env | sort; echo "password=$(cat "$HUB_DATABASE_PASSWORD_FILE")"; exit 3']
            """.write(toFile: dir + "/topology/dags.yaml", atomically: true, encoding: .utf8)
        let scheduler = try ManagedProcess(executable: FailoverTests.binDirectory + "/hub-scheduler", environment: [
            "HUB_DATABASE": conninfo, "HUB_DATABASE_PASSWORD_FILE": dir + "/db-password", "PGPASSWORD": envPassword,
            "HUB_SCHEMA": "hub", "HUB_TOPOLOGY_DIR": dir + "/topology", "HUB_HTTP_PORT": "0", "HUB_SCHEDULER_INSTANCE": "s1",
            "HUB_SCHEDULER_TICK_MS": "200", "HUB_SCHEDULER_OUTPUT_DIR": dir, "HUB_LOG_LEVEL": "debug"])
        defer { scheduler.terminate() }
        let store = SchedulerStore(db: db, schema: "hub")
        try eventually(timeout: .seconds(60), poll: .milliseconds(50), "scheduler leads") { (try? store.leader())?.name == "s1" }
        let now = SystemClock().now()
        let undeclared = try #require(try store.createRun(dag: "undeclared", interval: DataInterval(start: now, end: now), kind: .manual, now: now))
        let declared = try #require(try store.createRun(dag: "declared", interval: DataInterval(start: now, end: now), kind: .manual, now: now))
        try eventually(timeout: .seconds(60), poll: .milliseconds(100), "both runs finish") {
            try [undeclared, declared].allSatisfy { try store.run(id: $0)?.state.isFinished == true }
        }
        let plain = try #require(try store.instances(run: undeclared).first?.output)
        let withDatabase = try #require(try store.instances(run: declared).first?.output)

        // The undeclared task: pipeline settings only.
        #expect(plain.contains("HUB_SCHEMA=hub"))
        #expect(plain.contains("conninfo=[]"), "no HUB_DATABASE without needs: [database]")
        for forbidden in ["HUB_DATABASE_PASSWORD_FILE", "PGPASSWORD", filePassword, envPassword, "password="] {
            #expect(!plain.contains(forbidden), "undeclared task saw \(forbidden)")
        }
        // The declared task: the conninfo without password, the file's path; what it printed of
        // the file is redacted in the stored output.
        #expect(withDatabase.contains("HUB_DATABASE=\(conninfo)\n"))
        #expect(withDatabase.contains("HUB_DATABASE_PASSWORD_FILE=\(dir)/db-password"))
        #expect(withDatabase.contains("password=[redacted]"))
        #expect(withDatabase.contains("exit status 3"))
        for forbidden in [filePassword, envPassword, "PGPASSWORD"] {
            #expect(!withDatabase.contains(forbidden), "declared task's output holds \(forbidden)")
        }
        // Nothing in the table or the scheduler's log holds either password.
        let stored = try db.query("SELECT count(*) FROM hub.task_instances WHERE output LIKE '%' || $1 || '%' OR output LIKE '%' || $2 || '%'",
                                  [filePassword, envPassword])
        #expect(stored.int(0, 0) == 0)
        scheduler.terminate()
        _ = try scheduler.waitForExit(timeout: .seconds(30))
        let log = scheduler.standardOutput() + scheduler.standardError()
        #expect(log.contains("task started"))
        #expect(!log.contains(filePassword) && !log.contains(envPassword))
    }
}
