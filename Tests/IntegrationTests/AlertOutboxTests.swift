import Foundation
import TestSupport
import Testing

/// The alert outbox has more than one publisher: the sink's side job, and every `hubctl quality
/// evaluate` / `monitor evaluate`, which publish what waits when they finish. Publishers that
/// run at once must still send each alert once (the table says "published once"): each claims
/// the rows it sends, and the others skip them.
@Suite("Alert outbox", .serialized, .pipeline)
struct AlertOutboxTests {
    @Test func publishersRunningAtOnceSendEachAlertOnce() throws {
        let h = try PipelineHarness("outbox")
        defer { h.stopAll() }
        try h.hubctl(["db", "migrate"])
        let alerts = 5000
        _ = try h.query("""
            INSERT INTO hub.quality_alerts (source, monitor, school_code, day, severity, checked, failed)
            SELECT 'quality', 'student_id_valid', '3133' || lpad(g::text, 6, '0'), DATE '2026-09-01' + (g % 5), 'warning', 10, 5
            FROM generate_series(1, \(alerts)) g
            """)
        // Four publishers at once, and the sink's own outbox job.
        try h.start(.sink)
        var publishers: [ManagedProcess] = []
        for _ in 0..<4 {
            publishers.append(try ManagedProcess(executable: PipelineHarness.binDirectory + "/hubctl",
                                                 arguments: ["quality", "evaluate", "--from", "2026-08-01", "--to", "2026-08-01"],
                                                 environment: h.environment("hubctl")))
        }
        for p in publishers {
            #expect(try p.waitForExit(timeout: .seconds(120)) == 0, "\(p.standardError())")
        }
        let perKey = try h.alertMessageCounts()
        let messages = perKey.values.reduce(0, +)
        #expect(messages == alerts, "messages on the alerts topic")
        #expect(perKey.count == alerts)
        #expect(perKey.values.filter { $0 != 1 }.count == 0, "keys sent more than once: \(perKey.filter { $0.value != 1 }.count)")
    }
}
