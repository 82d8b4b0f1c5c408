import HubCore
import HubCrypto
import HubStore
import Kafka
import Operations
import Postgres
import TestSupport
import Testing
import Topology

/// ``QuarantineReplay`` called directly: which units it reads back, how it groups them into
/// their source messages, what it sends, what it marks and audits, and sealed bytes.
@Suite("Quarantine replay as library code")
struct QuarantineReplayTests {
    let db: PGConnection
    let topic: String
    let kafka: KafkaConfig

    init() throws {
        db = try PGConnection(conninfo: try TestServices.createDatabase(prefix: "replay"))
        try HubSchema(name: "hub").migrate(db, topology: try TopologyLoader.load(sources: [("dags.yaml", "dags: {}")]))
        topic = TestServices.uniqueName("replay-ingested")
        try TestServices.createTopic(topic, partitions: 1)
        kafka = KafkaConfig(["bootstrap.servers": try TestServices.kafkaBootstrap()])
    }

    static func record(_ row: Int32, _ school: String) -> RawRecord {
        RawRecord(row: row, fields: [RawField(name: "school_code", value: .string(school))], text: Array("row \(row)".utf8))
    }

    static func bytes(_ record: RawRecord) -> [UInt8] {
        var w = BinaryWriter()
        record.encode(into: &w)
        return w.bytes
    }

    /// One quarantined unit with its raw record (nil: bytes purged), optionally sealed.
    func quarantine(offset: Int64, row: Int32, reason: String, school: String?, record: [UInt8]?, sealed: Bool? = nil) throws {
        try db.query("""
            INSERT INTO hub.quarantine (src_topic, src_partition, src_offset, src_row, reason, school_code, message_time)
            VALUES ('raw.student', 0, $1::bigint, $2, $3, $4, to_timestamp(1790000000 + $1::bigint))
            """, bind: offset, row, reason, school)
        try db.query("""
            INSERT INTO hub_private.quarantine_raw (src_topic, src_partition, src_offset, src_row, record, sealed)
            VALUES ('raw.student', 0, $1, $2, $3::bytea, $4)
            """, bind: offset, row, record.map(PGBytea.init), sealed)
    }

    /// What the replay sent: `count` messages expected, plus any extra that arrives within a second.
    func sent(_ count: Int) throws -> [(key: String, message: IngestedMessage)] {
        let consumer = try KafkaConsumer(config: kafka)
        defer { consumer.close() }
        try consumer.assign([TopicPartitionOffset(topic: topic, partition: 0, offset: TopicPartitionOffset.beginning)])
        var messages: [KafkaMessage] = []
        let deadline = ContinuousClock.now + .seconds(30)
        while messages.count < count, ContinuousClock.now < deadline {
            messages += try consumer.poll(maxMessages: 10, timeout: .milliseconds(200))
        }
        // Anything more would be a message too many.
        messages += try consumer.poll(maxMessages: 10, timeout: .seconds(1))
        return try messages.map { (String(decoding: $0.key ?? [], as: UTF8.self), try IngestedMessage(decoding: $0.value ?? [])) }
    }

    @Test("units go back as their source messages, keyed by school, marked replayed and audited; others stay")
    func replaysMatchingUnits() throws {
        try quarantine(offset: 5, row: 1, reason: "unknown_school", school: "3301069999", record: Self.bytes(Self.record(1, "3301069999")))
        try quarantine(offset: 5, row: 0, reason: "unknown_school", school: "3301069999", record: Self.bytes(Self.record(0, "3301069999")))
        try quarantine(offset: 7, row: 0, reason: "unknown_school", school: nil, record: Self.bytes(Self.record(0, "")))
        try quarantine(offset: 8, row: 0, reason: "unknown_school", school: "3301069999", record: [0xFF, 0x00])
        try quarantine(offset: 9, row: 0, reason: "invalid_code", school: "3301069999", record: Self.bytes(Self.record(0, "x")))
        try quarantine(offset: 10, row: 0, reason: "unknown_school", school: "3301069999", record: nil)

        let target = QuarantineReplay.Target(kafka: kafka, ingestedTopic: topic, keyring: nil)
        let outcome = try QuarantineReplay(reason: .unknownSchool).run(db, schema: HubSchema(name: "hub"), target: target, actor: "test")
        #expect(outcome == QuarantineReplay.Outcome(records: 3, messages: 2, skipped: 1))
        #expect(outcome.summary(reason: .unknownSchool) == "replayed 3 unknown_school records from 2 messages (1 could not be read back)")

        let sent = try sent(2)
        #expect(sent.count == 2)
        #expect(sent.map(\.key) == ["3301069999", ""])
        #expect(sent.map(\.message.source) == [SourcePosition(topic: "raw.student", partition: 0, offset: 5, row: 0),
                                               SourcePosition(topic: "raw.student", partition: 0, offset: 7, row: 0)])
        #expect(sent.first?.message.records == [Self.record(0, "3301069999"), Self.record(1, "3301069999")])
        #expect(sent.map(\.message.timestampMs) == [1_790_000_005_000, 1_790_000_007_000])

        let replayed = try db.query("SELECT src_offset FROM hub.quarantine WHERE replayed_at IS NOT NULL ORDER BY 1, src_row")
        #expect(try replayed.rows.map { try $0.decode("src_offset", as: Int64.self) } == [5, 5, 7, 8, 10])
        let audit = try db.query("SELECT actor, details->>'records' AS records FROM hub.audit_log WHERE action = 'quarantine.replay'")
        #expect(audit.rowCount == 1)
        #expect(try audit.rows.first?.decode("actor", as: String.self) == "test")
        #expect(try audit.rows.first?.decode("records", as: String.self) == "3")
    }

    @Test("a sealed unit needs the at-rest keyring: without it the replay fails and sends nothing")
    func sealedUnits() throws {
        let keyring = try AtRestKeyring(secrets: [Array(repeating: 7, count: 32)], suite: .international)
        try quarantine(offset: 3, row: 0, reason: "unknown_school", school: "3301069999",
                       record: keyring.seal(Self.bytes(Self.record(0, "3301069999"))), sealed: true)
        let replay = QuarantineReplay(reason: .unknownSchool, school: "3301069999")
        let schema = HubSchema(name: "hub")
        #expect(throws: OperationError.self) {
            try replay.run(db, schema: schema, target: .init(kafka: kafka, ingestedTopic: topic, keyring: nil))
        }
        #expect(try db.query("SELECT count(*) AS n FROM hub.quarantine WHERE replayed_at IS NOT NULL").rows.first?.decode("n", as: Int64.self) == 0)

        let outcome = try replay.run(db, schema: schema, target: .init(kafka: kafka, ingestedTopic: topic, keyring: keyring))
        #expect(outcome == QuarantineReplay.Outcome(records: 1, messages: 1, skipped: 0))
        let sent = try sent(1)
        #expect(sent.map(\.message.records) == [[Self.record(0, "3301069999")]])
    }
}
