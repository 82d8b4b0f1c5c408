import Foundation
import Postgres
import TestSupport
import Testing

/// The scheduler in production logs in as its own worker login (`hubctl access worker --worker
/// scheduler`), whose grants are the least its tasks need. The real `hub-scheduler`, under that
/// login, runs the daily publication's tasks (watermark sensor, reconcile, quality report with
/// the day-level monitors, monitoring scenarios, snapshot export) and the quarantine purge on a
/// truth data set: every task succeeds, and what each one reports equals the owner's own count.
@Suite("Scheduler tasks under the scheduler's login", .serialized, .pipeline)
struct SchedulerLoginTests {
    @Test func thePublicationTasksSucceedUnderTheLeastPrivilegedLogin() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("schedlogin-\(UUID().uuidString)")
        try FileManager.default.copyItem(atPath: PipelineHarness.repositoryRoot + "/Topologies", toPath: dir.path + "/topology")
        defer { try? FileManager.default.removeItem(at: dir) }
        // The shipped DAGs' tasks, run once on demand instead of on their schedules (the purge
        // keeps the dead-letter topic: the test broker has no DeleteRecords).
        try """
            dags:
              publication_now:
                description: The daily publication's tasks (test).
                timezone: Asia/Shanghai
                tasks:
                  watermark_sensor: { type: watermark_sensor, params: { poke_seconds: 1 }, timeout: 120 }
                  reconcile: { type: reconcile, depends_on: [watermark_sensor], timeout: 120 }
                  quality_report: { type: quality_report, depends_on: [reconcile], params: { directory: reports }, timeout: 120 }
                  monitor_evaluate: { type: monitor_evaluate, depends_on: [reconcile], params: { periods: [month, term] }, timeout: 300 }
                  snapshot_export: { type: snapshot_export, depends_on: [quality_report, monitor_evaluate], params: { directory: snapshots }, timeout: 120 }
                  purge_raw: { type: purge, params: { older_than_days: 180, dead_letters: keep }, timeout: 120 }
            """.write(toFile: dir.path + "/topology/dags.yaml", atomically: true, encoding: .utf8)

        let seed = TruthRandom.seed(for: "scheduler login")
        let scenario = try TruthScenario(seed: seed, size: .init(students: 200, teachers: 40, partitions: 2))
        let h = try PipelineHarness("schedlogin", topology: dir.path + "/topology", partitions: 2)
        defer { h.stopAll() }
        try h.hubctl(["db", "migrate"])
        let login = "t_sched_\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
        try h.hubctl(["access", "worker", "--worker", "scheduler", "--role", login])
        defer { _ = try? h.hubctl(["access", "revoke", "--role", login]) }

        let run = try TruthRun(scenario, h)
        try run.sendRegistry()
        try h.start(.ingest)
        try h.start(.transform)
        try h.start(.sink)
        try run.send(0..<scenario.messages.count)
        try h.waitUntilCaughtUp()
        #expect(try run.differences(try run.expectations()).isEmpty, "seed \(seed): the pipeline itself differs from the truth")

        let queued = try h.hubctl(["dag", "trigger", "publication_now", "--interval-start", "2026-09-15"])
        #expect(queued.contains("queued run"), "\(queued)")
        let output = dir.path + "/output"
        // As deployed: its own login, the pipeline's groups for the watermark sensor, and no
        // person-code key (none of its tasks needs it).
        let publication = try h.runScheduler(until: "publication_now", environment: [
            "HUB_DATABASE": h.database + " user=\(login)", "HUB_SCHEDULER_OUTPUT_DIR": output,
            "HUB_INGEST_GROUP": "\(h.prefix)hub-ingest", "HUB_TRANSFORM_GROUP": "\(h.prefix)hub-transform",
            "HUB_SINK_GROUP": "\(h.prefix)hub-sink", "HUB_PERSON_CODE_KEY": nil,
        ], timeout: .seconds(300))
        for (task, outcome) in publication.tasks {
            #expect(outcome.state == "success", "\(task) under \(login): \(outcome.output)")
        }
        let outputs = publication.tasks.mapValues { $0.output }
        #expect(outputs.keys.sorted() == ["monitor_evaluate", "purge_raw", "quality_report", "reconcile", "snapshot_export", "watermark_sensor"])
        #expect(publication.state == "success")
        #expect(outputs["reconcile"] == "reconciliation: 0 differences")

        // What the tasks report equals the owner's own count.
        for table in ["enrollment_agg", "teacher_agg", "attendance_agg"] {
            let rows = try h.query("SELECT count(*) FROM hub.\(table)").value(0, 0) ?? "?"
            #expect(outputs["snapshot_export"]?.contains("/\(table)/\(table)_20260915T0000.csv.zst (\(rows) rows)") == true,
                    "\(table): \(rows) rows; \(outputs["snapshot_export"] ?? "")")
            let file = output + "/snapshots/\(table)/\(table)_20260915T0000.csv.zst"
            #expect(FileManager.default.fileExists(atPath: file), "\(file)")
        }
        // Every shipped scenario, for the month and for the term of the day.
        let scenarios = try h.query("SELECT count(*) FROM hub.scenarios").value(0, 0) ?? "?"
        let evaluated = outputs["monitor_evaluate"] ?? ""
        #expect(evaluated.components(separatedBy: ": \(scenarios) scenarios, ").count == 3, "\(scenarios) scenarios; \(evaluated)")
        #expect(scenarios == "20")
        for file in ["json", "md", "html"] {
            let written = (try? FileManager.default.contentsOfDirectory(atPath: output + "/reports")) ?? []
            #expect(written.contains { $0.hasSuffix("." + file) }, "a .\(file) report in \(written)")
        }
        // Nothing was quarantined 180 days before the interval's end; the update ran under the login.
        #expect(outputs["purge_raw"]?.hasPrefix("purged the raw bytes of 0 units quarantined before ") == true, "\(outputs["purge_raw"] ?? "")")
        #expect(try h.query("SELECT count(*) FROM hub_private.quarantine_raw WHERE purged_at IS NULL AND raw IS NOT NULL").value(0, 0)
                == (try h.query("SELECT count(*) FROM hub.quarantine").value(0, 0)))
    }
}
