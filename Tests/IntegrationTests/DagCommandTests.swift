import Foundation
import Postgres
import TestSupport
import Testing

/// Issue 18: `hubctl dag` as operators use it — the read commands print JSON and work for a role
/// that may only read (they never migrate), the steering commands pause and unpause.
@Suite("hubctl dag")
struct DagCommandTests {
    func hubctl(_ arguments: [String], database: String) throws -> (status: Int32, out: String, err: String) {
        let p = try ManagedProcess(executable: PipelineHarness.binDirectory + "/hubctl", arguments: arguments, environment: [
            "HUB_DATABASE": database, "HUB_TOPOLOGY_DIR": PipelineHarness.repositoryRoot + "/Topologies",
        ])
        let status = try p.waitForExit(timeout: .seconds(120))
        return (status, p.standardOutput(), p.standardError())
    }

    @Test func readCommandsPrintJSONForAReadOnlyRoleAndSteeringIsRecorded() throws {
        let owner = try TestServices.createDatabase(prefix: "dagcli")
        #expect(try hubctl(["db", "migrate"], database: owner).status == 0)
        let paused = try hubctl(["dag", "pause", "daily_publication"], database: owner)
        #expect(paused.status == 0 && paused.out == "paused daily_publication\n", "\(paused)")
        let trigger = try hubctl(["dag", "trigger", "quarantine_retention", "--interval-start", "2026-09-06"], database: owner)
        #expect(trigger.status == 0, "\(trigger)")

        // A login that may read the hub schema and nothing more.
        let role = "dag_reader_\(UInt32.random(in: 0...UInt32.max))"
        let db = try PGConnection(conninfo: owner)
        try db.execute("""
            CREATE ROLE \(role) LOGIN;
            GRANT USAGE ON SCHEMA hub TO \(role);
            GRANT SELECT ON ALL TABLES IN SCHEMA hub TO \(role);
            """)
        let reader = owner.replacingOccurrences(of: "user=postgres", with: "user=\(role)")
        let migrationsBefore = try db.query("SELECT count(*) FROM hub.schema_migrations").int(0, 0)

        let list = try hubctl(["dag", "list", "--json"], database: reader)
        #expect(list.status == 0, "\(list.err)")
        let dags = try #require(try JSONSerialization.jsonObject(with: Data(list.out.utf8)) as? [[String: Any]])
        #expect(dags.map { $0["name"] as? String } == ["daily_publication", "quarantine_retention"])
        #expect(dags.map { $0["paused"] as? Bool } == [true, false])
        #expect(dags[0]["timezone"] as? String == "Asia/Shanghai" && dags[0]["schedule"] as? String == "30 0 * * *")
        let latest = try #require(dags[1]["latestRun"] as? [String: Any])
        #expect(latest["kind"] as? String == "manual" && latest["state"] as? String == "queued")
        #expect(latest["intervalStart"] as? String == "2026-09-06T03:00:00+08:00", "the first Sunday 03:00 at or after the date")

        let status = try hubctl(["dag", "status", "quarantine_retention", "--json"], database: reader)
        #expect(status.status == 0, "\(status.err)")
        let view = try #require(try JSONSerialization.jsonObject(with: Data(status.out.utf8)) as? [String: Any])
        #expect(view["dag"] as? String == "quarantine_retention" && view["paused"] as? Bool == false)
        let runs = try #require(view["runs"] as? [[String: Any]])
        #expect(runs.count == 1)
        let runID = try #require(runs[0]["id"] as? Int)

        let logs = try hubctl(["dag", "logs", "quarantine_retention", String(runID), "--json"], database: reader)
        #expect(logs.status == 0, "\(logs.err)")
        let run = try #require(try JSONSerialization.jsonObject(with: Data(logs.out.utf8)) as? [String: Any])
        #expect(run["id"] as? Int == runID && (run["tasks"] as? [Any])?.isEmpty == true)

        // Reading changed nothing; steering needs more than reading.
        #expect(try db.query("SELECT count(*) FROM hub.schema_migrations").int(0, 0) == migrationsBefore)
        let denied = try hubctl(["dag", "unpause", "daily_publication"], database: reader)
        #expect(denied.status != 0)
        #expect(try hubctl(["dag", "unpause", "daily_publication"], database: owner).out == "unpaused daily_publication\n")
        #expect(try db.query("SELECT count(*) FROM hub.audit_log WHERE action IN ('dag.pause', 'dag.unpause')").int(0, 0) == 2)

        // An impossible date is refused, not rolled over into March.
        let bad = try hubctl(["dag", "backfill", "daily_publication", "--from", "2026-02-30", "--to", "2026-03-02"], database: owner)
        #expect(bad.status == 2)
        #expect(bad.err == "hubctl: error: --from: \"2026-02-30\": 2026-02-30 is not a date\n", "\(bad.err)")
    }
}
