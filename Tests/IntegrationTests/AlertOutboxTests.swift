import Foundation
import Kafka
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
        try eventually(timeout: .seconds(60), "every alert published") {
            try h.query("SELECT count(*) FROM hub.quality_alerts WHERE published_at IS NULL").int(0, 0) == 0
        }

        let consumer = try KafkaConsumer(config: KafkaConfig(["bootstrap.servers": h.brokers]))
        defer { consumer.close() }
        let tp = TopicPartition(topic: h.prefix + "quality.alerts", partition: 0)
        try consumer.assign([TopicPartitionOffset(tp, offset: TopicPartitionOffset.beginning)])
        // Everything on the topic: read until a second passes with nothing new.
        var perKey: [String: Int] = [:]
        var messages = 0, quiet = 0
        let deadline = ContinuousClock.now + .seconds(60)
        while quiet < 4 && ContinuousClock.now < deadline {
            let batch = try consumer.poll(maxMessages: 500, timeout: .milliseconds(250))
            for m in batch { perKey[String(decoding: m.key ?? [], as: UTF8.self), default: 0] += 1 }
            messages += batch.count
            quiet = batch.isEmpty && messages > 0 ? quiet + 1 : 0
        }
        #expect(messages == alerts, "messages on the alerts topic")
        #expect(perKey.count == alerts)
        #expect(perKey.values.filter { $0 != 1 }.count == 0, "keys sent more than once: \(perKey.filter { $0.value != 1 }.count)")
    }
}
