import HubCore
import HubStore
import Kafka
import Postgres
import SchedulerCore
import TestSupport
import Testing

/// The `quarantine_replay` task type runs the replay in-process: no `hubctl` binary is
/// reachable here (the environment's default path "hubctl" is not on PATH), and the
/// quarantined unit of the task's school is sent to the ingested topic and marked replayed.
@Suite("Scheduler task quarantine_replay")
struct QuarantineReplayTaskTests {
    static let topology = """
        dags:
          replay:
            tasks:
              replay: { type: quarantine_replay, params: { reason: unknown_school, school: "3301069999" } }
        """

    @Test func replaysInProcessAndReportsTheCount() throws {
        let topic = TestServices.uniqueName("replay-task")
        try TestServices.createTopic(topic, partitions: 1)
        let kafka = KafkaConfig(["bootstrap.servers": try TestServices.kafkaBootstrap()])
        let f = try EngineFixture(Self.topology, at: "2026-11-28T00:00:00Z", kafka: kafka, ingestedTopic: topic)
        try HubSchema(name: "hub").migrate(f.db, topology: f.topology)
        var record = BinaryWriter()
        RawRecord(row: 0, fields: [RawField(name: "school_code", value: .string("3301069999"))], text: []).encode(into: &record)
        try f.db.execute("""
            INSERT INTO hub.quarantine (src_topic, src_partition, src_offset, src_row, reason, school_code)
            VALUES ('raw.student', 0, 4, 0, 'unknown_school', '3301069999'), ('raw.student', 0, 5, 0, 'unknown_school', '3301060001');
            INSERT INTO hub_private.quarantine_raw (src_topic, src_partition, src_offset, src_row, record)
            VALUES ('raw.student', 0, 5, 0, '\\x00'::bytea);
            """)
        try f.db.query("""
            INSERT INTO hub_private.quarantine_raw (src_topic, src_partition, src_offset, src_row, record)
            VALUES ('raw.student', 0, 4, 0, $1)
            """, bind: PGBytea(record.bytes))
        let run = try f.trigger("replay")
        try f.drive("run finished") { try f.runState(run)?.isFinished == true }
        let instance = try f.instance(run, "replay")
        #expect(try f.runState(run) == .success, "\(instance?.output ?? "")")
        #expect(instance?.output == "replayed 1 unknown_school records from 1 messages")
        let consumer = try KafkaConsumer(config: kafka)
        try consumer.assign([TopicPartitionOffset(topic: topic, partition: 0, offset: TopicPartitionOffset.beginning)])
        var sent: [KafkaMessage] = []
        try eventually(timeout: .seconds(30), "the replayed message arrives") {
            sent += try consumer.poll(maxMessages: 10, timeout: .milliseconds(200))
            return !sent.isEmpty
        }
        #expect(try sent.map { try IngestedMessage(decoding: $0.value ?? []).source.offset } == [4])
        #expect(try f.count("SELECT count(*) FROM hub.quarantine WHERE replayed_at IS NOT NULL AND src_offset = 4") == 1)
        #expect(try f.count("SELECT count(*) FROM hub.quarantine WHERE replayed_at IS NOT NULL") == 1)
    }
}
