import Foundation
import HubStore
import Kafka
import Postgres
import TestSupport
import Testing
import Zstd

/// The real `hub-archive` keeps every raw message zstd-compressed in its school's or
/// county's own zone; retention removes exactly the expired ones; export writes a space out.
@Suite("Raw zone (own zone per school and county)", .serialized)
struct RawZoneTests {
    struct Sent {
        var topic: String
        var key: String
        var value: [UInt8]
        var headers: [KafkaHeader] = []
    }

    @Test("hub-archive stores compressed originals; purge removes exactly the expired; export writes the space")
    func archivePurgeExport() throws {
        let f = try AccessFixture("access_rawzone")
        try f.seed()
        try f.db.execute("""
            INSERT INTO hub.quarantine (src_topic, src_partition, src_offset, src_row, reason) VALUES ('raw.student', 0, 0, 0, 'malformed')
            """)
        let brokers = try TestServices.kafkaBootstrap()
        let prefix = "t\(UInt32.random(in: 0...UInt32.max))."
        let env = ["HUB_KAFKA_BROKERS": brokers, "HUB_DATABASE": f.conninfo, "HUB_TOPOLOGY_DIR": AccessFixture.topologyDirectory,
                   "HUB_TOPIC_PREFIX": prefix, "HUB_GROUP": "\(prefix)hub-archive", "HUB_HTTP_PORT": "0",
                   "HUB_BATCH_WAIT_MS": "50", "HUB_KAFKA_PROPERTIES": "session.timeout.ms=6000,heartbeat.interval.ms=500",
                   "USER": "archivist"]
        let topics = try AccessFixture.run("hubctl", ["topics", "create", "--partitions", "2"], environment: env)
        try #require(topics.status == 0, "\(topics.error)")

        let archive = try ManagedProcess(executable: AccessFixture.binDirectory + "/hub-archive", environment: env)
        defer {
            archive.terminate()
            _ = try? archive.waitForExit(timeout: .seconds(20))
        }

        let csv = Array("学校代码,姓名\r\n3301020001,张三\r\n".utf8)
        let sent = [
            Sent(topic: "raw.student", key: "3301060001", value: Array(#"{"school_code":"3301060001","grade":3}"#.utf8)),
            Sent(topic: "raw.teacher", key: "330212", value: Array("{\"XXBSM\":\"3302120001\"}\n{\"XXBSM\":\"3302120001\"}\n".utf8),
                 headers: [KafkaHeader(name: "content-type", string: "application/x-ndjson")]),
            Sent(topic: "raw.attendance", key: "3301020001", value: Zstd.compress(csv),
                 headers: [KafkaHeader(name: "content-type", string: "text/csv"), KafkaHeader(name: "content-encoding", string: "zstd")]),
            Sent(topic: "raw.student", key: "3301060002", value: Array(repeating: UInt8(ascii: "x"), count: 100_000)),
        ]
        let producer = try KafkaProducer(config: KafkaConfig(["bootstrap.servers": brokers, "linger.ms": "1"]))
        for s in sent {
            try producer.send(topic: prefix + s.topic, key: Array(s.key.utf8), value: s.value, headers: s.headers)
        }
        try producer.flush(timeout: .seconds(30))

        try eventually(timeout: .seconds(90), poll: .milliseconds(200), "all raw messages archived") {
            try f.db.query("SELECT count(*) FROM hub_private.raw_zone").int(0, 0) == sent.count
        }
        let rows = try f.db.query("""
            SELECT src_topic, message_key, school_code, county_code, encode(bytes, 'hex'), original_size, headers::text
            FROM hub_private.raw_zone ORDER BY message_key
            """)
        for i in 0..<rows.rowCount {
            let key = try #require(rows.value(i, 1))
            let original = try #require(sent.first { $0.key == key })
            #expect(rows.value(i, 0) == prefix + original.topic)
            let stored = try #require(RawZoneStore.hexBytes(rows.value(i, 4) ?? ""))
            #expect(try Zstd.decompress(stored, maxOutput: 1 << 24) == original.value, "message \(key)")
            #expect(rows.int(i, 5) == original.value.count)
            let county = key.count == 6 ? key : AccessFixture.schools[key]
            #expect(rows.value(i, 2) == (key.count == 10 ? key : nil))
            #expect(rows.value(i, 3) == county, "county of \(key)")
            for h in original.headers { #expect(rows.value(i, 6)?.contains(h.name) == true) }
        }
        let big = try f.db.query("SELECT octet_length(bytes) FROM hub_private.raw_zone WHERE message_key = '3301060002'")
        #expect((big.int(0, 0) ?? .max) < 1_000, "stored compressed")

        // Export of county 330106: its two schools' messages, decompressed.
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let export = try AccessFixture.run("hubctl", ["dataspace", "export", "--county", "330106", "--out", out.path], environment: env)
        #expect(export.status == 0, "\(export.error)")
        let index = try String(contentsOf: out.appendingPathComponent("raw/index.ndjson"), encoding: .utf8)
        #expect(index.split(separator: "\n").count == 2)
        for s in sent where ["3301060001", "3301060002"].contains(s.key) {
            let files = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("raw").path)
            #expect(files.contains { name in
                (try? Data(contentsOf: out.appendingPathComponent("raw/" + name))) == Data(s.value)
            }, "exported \(s.key)")
        }
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("standard_zone.csv").path))

        // Retention: only the two messages set back in time go.
        try f.db.execute("""
            UPDATE hub_private.raw_zone SET received_at = now() - interval '10 days' WHERE message_key IN ('330212', '3301060001')
            """)
        try f.db.execute("UPDATE hub_private.raw_zone SET received_at = now() - interval '6 days' WHERE message_key = '3301020001'")
        let purge = try AccessFixture.run("hubctl", ["dataspace", "purge", "--older-than-days", "7"], environment: env)
        #expect(purge.status == 0, "\(purge.error)")
        #expect(purge.output.contains("purged 2 "), "\(purge.output)")
        let left = try f.db.query("SELECT message_key FROM hub_private.raw_zone ORDER BY message_key")
        #expect((0..<left.rowCount).map { left.value($0, 0)! } == ["3301020001", "3301060002"])
        #expect(try f.db.query("SELECT records FROM hub.quarantine_counts").int(0, 0) == 1)
        let audit = try f.db.query("SELECT actor, action FROM hub.audit_log ORDER BY id")
        #expect((0..<audit.rowCount).map { audit.value($0, 1)! } == ["dataspace.export", "dataspace.purge"])
        #expect(audit.value(0, 0) == "archivist")

        // A restarted archive resumes from the stored offsets (nothing archived twice) and,
        // with a retention configured, removes what has expired (the 6-day-old message).
        archive.terminate()
        _ = try archive.waitForExit(timeout: .seconds(20))
        let again = try ManagedProcess(executable: AccessFixture.binDirectory + "/hub-archive",
                                       environment: env.merging(["HUB_RAW_RETENTION_DAYS": "5"]) { $1 })
        defer {
            again.terminate()
            _ = try? again.waitForExit(timeout: .seconds(20))
        }
        try producer.send(topic: prefix + "raw.student", key: Array("3301060001".utf8), value: Array("{}".utf8))
        try producer.flush(timeout: .seconds(30))
        try eventually(timeout: .seconds(90), poll: .milliseconds(200), "the new message archived, the expired one purged") {
            let r = try f.db.query("SELECT message_key FROM hub_private.raw_zone ORDER BY message_key")
            return (0..<r.rowCount).map { r.value($0, 0)! } == ["3301060001", "3301060002"]
        }
        let byWorker = try f.db.query("SELECT details->>'deleted' FROM hub.audit_log WHERE actor = 'hub-archive' AND action = 'dataspace.purge'")
        #expect(byWorker.value(0, 0) == "1")
    }
}

/// The archive's commit isolates what the database refuses, like the sink's.
@Suite("Raw zone: poison isolation")
struct RawZonePoisonTests {
    @Test("a raw message and a registry version the database refuses are isolated; the rest commits with the offsets, once")
    func refusedUnits() throws {
        let f = try AccessFixture("access_rawzone_poison")
        // Stand-ins for whatever a future value could make PostgreSQL refuse.
        try f.db.execute("""
            ALTER TABLE hub_private.raw_zone ADD CHECK (message_key IS DISTINCT FROM 'poison');
            ALTER TABLE hub.school_registry ADD CHECK (name IS DISTINCT FROM 'poison');
            """)
        let store = RawZoneStore(db: f.db, schema: f.schema)
        _ = try store.loadOffsets(group: "archive", partitions: [("raw.student", 0), ("ref.school", 0)])
        let messages = (0..<10).map { i in
            RawZoneMessage(topic: "raw.student", partition: 0, offset: Int64(i), key: Array((i == 6 ? "poison" : "k\(i)").utf8),
                           timestampMs: i == 3 ? Int64.max : 1_788_220_800_000, compressed: [1, 2, 3], originalSize: 3,
                           headers: [(name: "h", value: [0])])
        }
        let versions = (0..<3).map { i in
            SchoolRegistryVersion(school: "330106000\(i)", county: "330106", name: i == 1 ? "poison" : "S\(i)", stage: nil,
                                  timestampMs: i == 2 ? 9_000_000_000_000_000 : 1_000, topic: "ref.school", partition: 0, offset: Int64(i))
        }
        let stored = try store.commit(group: "archive", messages, registry: versions,
                                      offsets: [OffsetAdvance(topic: "raw.student", partition: 0, expected: 0, next: 10),
                                                OffsetAdvance(topic: "ref.school", partition: 0, expected: 0, next: 3)])
        #expect(stored == 12)
        #expect(store.isolatedInLastCommit.map(\.position) == ["raw.student/0@6", "ref.school/0@1"])
        #expect(store.isolatedInLastCommit.allSatisfy { $0.detail.contains("SQLSTATE 23514") })
        #expect(try f.db.query("SELECT count(*), count(message_key), count(message_time) FROM hub_private.raw_zone").int(0, 1) == 9)
        #expect(try f.db.query("SELECT count(*) FROM hub_private.raw_zone WHERE message_time IS NULL").int(0, 0) == 1)
        #expect(try f.db.query("SELECT count(*) FROM hub.school_registry").int(0, 0) == 2)
        #expect(try f.db.query("SELECT string_agg(next_offset::text, ',' ORDER BY topic) FROM hub.sink_offsets WHERE consumer_group = 'archive'")
                .value(0, 0) == "10,3")
        #expect(throws: FencedError.self) {
            try store.commit(group: "archive", messages, registry: versions, offsets: [OffsetAdvance(topic: "raw.student", partition: 0, expected: 0, next: 10)])
        }
    }
}
