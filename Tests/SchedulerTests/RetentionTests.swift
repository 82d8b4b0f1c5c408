import Foundation
import HubStore
import Kafka
import Postgres
import SchedulerCore
import TestSupport
import Testing

/// The `purge` task empties both stores of quarantined raw bytes: the database's old bytes (the
/// counts stay) and, in the dead-letter topic, every record the sink has already stored.
///
/// The topic side is the DeleteRecords request up to the sink's stored offsets; the development
/// broker (tansu 0.6, memory storage) does not implement DeleteRecords (its handler panics: "not
/// yet implemented"), so here the task runs with `dead_letters: keep` and the request's offsets
/// are checked exactly; against a real Kafka the task deletes them.
@Suite("Retention purges both stores (real PostgreSQL)")
struct RetentionTests {
    @Test func purgeEmptiesOldRawBytesAndNamesTheStoredDeadLetters() throws {
        let topic = TestServices.uniqueName("dlq")
        let f = try EngineFixture("""
            dags:
              retention:
                tasks:
                  purge_raw: { type: purge, params: { older_than_days: 180, dead_letters: keep } }
              wrong:
                tasks:
                  purge_raw: { type: purge, params: { older_than_days: 180, dead_letters: later } }
            """, at: "2026-01-02T00:00:00Z", quarantineTopic: topic)
        // The sink has stored partition 0 up to offset 3, partition 2 up to 7, nothing of partition 1.
        try f.db.execute("""
            INSERT INTO hub.sink_offsets (consumer_group, topic, partition, next_offset) VALUES
                ('hub-sink', '\(topic)', 0, 3), ('hub-sink', '\(topic)', 1, 0), ('hub-sink', '\(topic)', 2, 7),
                ('other-group', '\(topic)', 1, 9), ('hub-sink', 'std.student', 1, 9);
            INSERT INTO hub.quarantine (src_topic, src_partition, src_offset, src_row, reason, quarantined_at) VALUES
                ('raw.student', 0, 1, 0, 'malformed', '2025-06-01'), ('raw.student', 0, 2, 0, 'malformed', '2025-06-30'),
                ('raw.student', 0, 3, 0, 'malformed', '2025-12-01');
            INSERT INTO hub_private.quarantine_raw (src_topic, src_partition, src_offset, src_row, raw, record) VALUES
                ('raw.student', 0, 1, 0, '\\x01', '\\x02'), ('raw.student', 0, 2, 0, '\\x03', NULL), ('raw.student', 0, 3, 0, '\\x04', NULL);
            """)
        let run = try f.trigger("retention")
        try f.drive("purge finished") { try f.runState(run)?.isFinished == true }
        let instance = try #require(try f.instance(run, "purge_raw"))
        #expect(instance.state == .success, "\(instance.output ?? "")")

        // Database: the two units quarantined more than 180 days before the interval end lost their bytes.
        let left = try f.db.query("SELECT src_offset, raw IS NULL AND record IS NULL, purged_at IS NOT NULL FROM hub_private.quarantine_raw ORDER BY 1")
        #expect((0..<left.rowCount).map { "\(left.value($0, 0)!):\(left.value($0, 1)!)\(left.value($0, 2)!)" } == ["1:tt", "2:tt", "3:ff"])
        #expect(try f.db.query("SELECT sum(records) FROM hub.quarantine_counts").int(0, 0) == 3)
        #expect(instance.output?.contains("purged the raw bytes of 2 units") == true, "\(instance.output ?? "")")

        // Topic: the records the sink has stored, per partition — what DeleteRecords is given.
        let cut = try DeadLetterRetention.storedOffsets(f.db, schema: HubSchema(name: "hub"), group: "hub-sink", topic: topic)
        #expect(cut == [TopicPartitionOffset(topic: topic, partition: 0, offset: 3), TopicPartitionOffset(topic: topic, partition: 2, offset: 7)])

        // Again: nothing more goes (it never reads the bytes: purged_at marks what it emptied).
        let again = try f.trigger("retention", "2026-01-02", "2026-01-03")
        try f.drive("second purge finished") { try f.runState(again)?.isFinished == true }
        #expect(try f.instance(again, "purge_raw")?.output?.contains("purged the raw bytes of 0 units") == true)

        let wrong = try f.trigger("wrong")
        try f.drive("wrong finished") { try f.runState(wrong)?.isFinished == true }
        #expect(try f.instance(wrong, "purge_raw")?.output?.contains("dead_letters must be delete or keep") == true)
    }
}
