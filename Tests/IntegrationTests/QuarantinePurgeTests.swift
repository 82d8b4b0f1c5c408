import Foundation
import TestSupport
import Testing

/// SPEC §4 "Purging old raw bytes keeps the counts", with the real `purge` task run by the
/// real `hub-scheduler`: the raw bytes of the quarantined units go, their rows and the
/// counts per reason stay.
@Suite("Quarantine purge", .serialized, .pipeline)
struct QuarantinePurgeTests {
    @Test func purgingOldRawBytesKeepsTheCounts() throws {
        let topology = FileManager.default.temporaryDirectory.appendingPathComponent("purge-topology-\(UUID().uuidString)").path
        try FileManager.default.copyItem(atPath: PipelineHarness.repositoryRoot + "/Topologies", toPath: topology)
        defer { try? FileManager.default.removeItem(atPath: topology) }
        try """
            dags:
              purge_now:
                description: Purge every quarantined unit's raw bytes (test).
                tasks:
                  purge_raw: { type: purge, params: { older_than_days: 0 }, timeout: 60 }
            """.write(toFile: topology + "/dags.yaml", atomically: true, encoding: .utf8)
        let h = try PipelineHarness("purge", topology: topology)
        defer { h.stopAll() }
        let a = "3133000001"
        try h.register(school: a, county: "330106")
        try h.flush()
        try h.startAll()
        let t = "2026-09-01 08:00:00"
        try h.send("raw.student", key: a, text: [
            Raw.stdStudent(school: a, id: Raw.id(1), gender: "1", grade: "11", status: "1", time: t),
            "{\"XXBSM\":\"\(a)\",",
            Raw.stdStudent(school: a, id: Raw.id(2), gender: "4", grade: "11", status: "1", time: t),
            Raw.stdStudent(school: "3133099999", id: Raw.id(3), gender: "1", grade: "11", status: "1", time: t),
            Raw.stdStudent(school: a, id: Raw.badChecksum(4), gender: "1", grade: "11", status: "1", time: t),
        ].joined(separator: "\n"), headers: [("content-type", "application/x-ndjson")])
        try h.send("raw.teacher", key: a, value: nil)
        try h.flush()
        try h.waitUntilCaughtUp()
        let counts = ["malformed": 2, "invalid_code": 1, "unknown_school": 1, "invalid_id_number": 1]
        #expect(try h.quarantineCounts() == counts)
        let rowsBefore = try rows(h)
        #expect(rowsBefore.count == 5)
        let kept = try h.query("SELECT count(*) FROM hub_private.quarantine_raw WHERE raw IS NOT NULL").int(0, 0) ?? 0
        #expect(kept >= 4, "raw bytes kept for \(kept) units before the purge")

        let queued = try h.hubctl(["dag", "trigger", "purge_now"])
        #expect(queued.contains("queued run"), "\(queued)")
        let run = try h.runScheduler(until: "purge_now", timeout: .seconds(90))
        #expect(run.state == "success", "\(run.outputs)")

        #expect(try h.query("SELECT count(*) FROM hub_private.quarantine_raw WHERE raw IS NOT NULL OR record IS NOT NULL").int(0, 0) == 0,
                "raw bytes left after the purge")
        #expect(try h.quarantineCounts() == counts)
        #expect(try rows(h) == rowsBefore)
        #expect(try h.enrollment()["province|330000|11|1"] == 1)
    }

    func rows(_ h: PipelineHarness) throws -> [String] {
        let r = try h.query("SELECT concat_ws('|', src_topic, src_partition, src_offset, src_row, reason) FROM hub.quarantine ORDER BY 1")
        return (0..<r.rowCount).map { r.value($0, 0)! }
    }
}
