import Foundation
import HubStore
import Kafka
import Postgres
import TestSupport
import Testing
import Zstd

/// The real `hub-archive`, logged in as its own worker login, keeps every raw message
/// zstd-compressed and sealed (SM4-CTR + HMAC-SM3 under the national suite) in the raw zone,
/// owned by the registry — the schools its records name, registered as of its time — never by
/// the producer's key; export writes a space (0700 directory, 0600 files), opening the seals
/// with the key file; retention removes exactly the expired messages.
@Suite("Raw zone (own zone per school and county)", .serialized)
struct RawZoneTests {
    struct Sent {
        var topic: String
        var key: String
        var value: [UInt8]
        var headers: [KafkaHeader] = []
        /// Whose data space it is: (school, county) when it has one.
        var school: String?
        var county: String?
    }

    static let ndjson = KafkaHeader(name: "content-type", string: "application/x-ndjson")

    @Test("hub-archive owns by the registry, seals at rest, exports privately, purges exactly the expired")
    func archivePurgeExport() throws {
        let f = try AccessFixture("access_rawzone")
        try f.seed()
        try f.db.execute("""
            INSERT INTO hub.quarantine (src_topic, src_partition, src_offset, src_row, reason) VALUES ('raw.student', 0, 0, 0, 'malformed')
            """)
        let login = "t_archive_\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
        try AccessControl.grantWorker(.archive, role: login, password: nil, db: f.db, schema: f.schema)
        defer { try? AccessControl.revoke(role: login, db: f.db, schema: f.schema) }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rawzone-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let keyFile = dir.appendingPathComponent("at-rest.key").path
        try "an at-rest key for the raw zone, 32+ bytes\n".write(toFile: keyFile, atomically: true, encoding: .utf8)

        let brokers = try TestServices.kafkaBootstrap()
        let prefix = "t\(UInt32.random(in: 0...UInt32.max))."
        let env = ["HUB_KAFKA_BROKERS": brokers, "HUB_DATABASE": f.conninfo, "HUB_TOPOLOGY_DIR": AccessFixture.topologyDirectory,
                   "HUB_TOPIC_PREFIX": prefix, "HUB_GROUP": "\(prefix)hub-archive", "HUB_HTTP_PORT": "0",
                   "HUB_BATCH_WAIT_MS": "50", "HUB_KAFKA_PROPERTIES": "session.timeout.ms=6000,heartbeat.interval.ms=500",
                   "USER": "archivist", "HUB_CRYPTO_SUITE": "national", "HUB_AT_REST_KEY_FILES": keyFile]
        var archiveEnv = env
        archiveEnv["HUB_DATABASE"] = f.conninfo + " user=\(login)"
        let topics = try AccessFixture.run("hubctl", ["topics", "create", "--partitions", "2"], environment: env)
        try #require(topics.status == 0, "\(topics.error)")

        let producer = try KafkaProducer(config: KafkaConfig(["bootstrap.servers": brokers, "linger.ms": "1"]))
        // The registry: four schools since 2020; 3301060003 only from 2100 on.
        let since2020: Int64 = 1_577_836_800_000
        for (school, county, ts) in [("3301060001", "330106", since2020), ("3301060002", "330106", since2020),
                                     ("3301020001", "330102", since2020), ("3302120001", "330212", since2020),
                                     ("3301060003", "330106", Int64(4_102_444_800_000))] {
            try producer.send(topic: prefix + "ref.school", key: Array(school.utf8),
                              value: Array(#"{"school_code":"\#(school)","name":"学校","county_code":"\#(county)","stage":"primary"}"#.utf8),
                              timestampMs: ts)
        }
        let csv = Array("学校代码,日期\r\n3301020001,2026/9/1\r\n".utf8)
        let sent = [
            // Keyed with another county's school: owned by the school its record names.
            Sent(topic: "raw.student", key: "3301020001", value: Array(#"{"school_code":"3301060001","grade":3}"#.utf8),
                 school: "3301060001", county: "330106"),
            Sent(topic: "raw.teacher", key: "330212", value: Array("{\"XXBSM\":\"3302120001\"}\n{\"XXBSM\":\" 3302120001 \"}\n".utf8),
                 headers: [Self.ndjson], school: "3302120001", county: "330212"),
            Sent(topic: "raw.attendance", key: "3301060001", value: try Zstd.compress(csv),
                 headers: [KafkaHeader(name: "content-type", string: "text/csv"), KafkaHeader(name: "content-encoding", string: "zstd")],
                 school: "3301020001", county: "330102"),
            // Not JSON: names no school, so nobody's space (the key would have made it 330106's).
            Sent(topic: "raw.student", key: "3301060002", value: Array(repeating: UInt8(ascii: "x"), count: 100_000)),
            // Two schools of one county: the county's space, no school's.
            Sent(topic: "raw.student", key: "330212", value: Array("{\"XXBSM\":\"3301060001\"}\n{\"学校代码\":\"3301060002\"}\n".utf8),
                 headers: [Self.ndjson], county: "330106"),
            // Schools of two counties; a school not yet registered: nobody's.
            Sent(topic: "raw.student", key: "3301060001", value: Array("{\"XXBSM\":\"3301060001\"}\n{\"XXBSM\":\"3302120001\"}\n".utf8),
                 headers: [Self.ndjson]),
            Sent(topic: "raw.student", key: "3301060003", value: Array(#"{"school_code":"3301060003"}"#.utf8)),
        ]
        for s in sent {
            try producer.send(topic: prefix + s.topic, key: Array(s.key.utf8), value: s.value, headers: s.headers)
        }
        try producer.flush(timeout: .seconds(30))

        let archive = try ManagedProcess(executable: AccessFixture.binDirectory + "/hub-archive", environment: archiveEnv)
        defer {
            archive.terminate()
            _ = try? archive.waitForExit(timeout: .seconds(20))
        }
        try eventually(timeout: .seconds(90), poll: .milliseconds(200), "all raw messages and registry versions archived") {
            try f.db.query("SELECT count(*) FROM hub_private.raw_zone").int(0, 0) == sent.count
                && f.db.query("SELECT count(*) FROM hub.school_registry").int(0, 0) == 5
        }

        // Stored sealed under the national suite: neither the value nor its zstd frame in clear.
        let rows = try f.db.query("""
            SELECT encode(bytes, 'hex'), sealed, original_size FROM hub_private.raw_zone ORDER BY src_topic, src_partition, src_offset
            """)
        for i in 0..<rows.rowCount {
            let stored = try #require(RawZoneStore.hexBytes(rows.value(i, 0) ?? ""))
            #expect(rows.value(i, 1) == "t")
            #expect(stored.count > 7 + 16 + 32 && stored[0] == 0xEC && stored[2] == 2, "sealed, suite national")
            #expect(throws: ZstdError.self) { try Zstd.decompress(stored, maxOutput: 1 << 24) }
        }

        func export(_ flag: String, _ code: String, keys: Bool = true) throws -> (status: Int32, dir: URL, error: String) {
            let out = dir.appendingPathComponent("export-\(code)-\(keys)")
            var e = env
            if !keys { e["HUB_AT_REST_KEY_FILES"] = nil }
            let r = try AccessFixture.run("hubctl", ["dataspace", "export", flag, code, "--out", out.path], environment: e)
            return (r.status, out, r.error)
        }
        func exported(_ out: URL) throws -> [[UInt8]] {
            let raw = out.appendingPathComponent("raw")
            return try FileManager.default.contentsOfDirectory(atPath: raw.path).filter { $0.hasSuffix(".bin") }.sorted().map {
                Array(try Data(contentsOf: raw.appendingPathComponent($0)))
            }
        }
        func mode(_ path: String) throws -> Int {
            (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
        }
        for (flag, code) in [("--county", "330106"), ("--county", "330102"), ("--county", "330212"), ("--school", "3301060001"),
                             ("--school", "3301060002"), ("--school", "3301060003")] {
            let r = try export(flag, code)
            try #require(r.status == 0, "\(r.error)")
            let expected = sent.filter { flag == "--county" ? $0.county == code : $0.school == code }.map(\.value)
            #expect(Set(try exported(r.dir)) == Set(expected), "\(flag) \(code)")
            #expect(try exported(r.dir).count == expected.count)
            // Personal data: directories 0700, files 0600.
            #expect(try mode(r.dir.path) == 0o700 && mode(r.dir.appendingPathComponent("raw").path) == 0o700)
            for file in try FileManager.default.contentsOfDirectory(atPath: r.dir.appendingPathComponent("raw").path) {
                #expect(try mode(r.dir.appendingPathComponent("raw/" + file).path) == 0o600, "\(file)")
            }
            #expect(try mode(r.dir.appendingPathComponent("standard_zone.csv").path) == 0o600)
        }
        let index = try String(contentsOf: export("--county", "330106").dir.appendingPathComponent("raw/index.ndjson"), encoding: .utf8)
        #expect(index.contains(#""county_code":"330106""#) && index.contains(#""record_schools":"3301060001,3301060002""#))
        let withoutKey = try export("--county", "330102", keys: false)
        #expect(withoutKey.status != 0 && withoutKey.error.contains("sealed"), "\(withoutKey.error)")

        // Retention: only the two messages set back in time go.
        try f.db.query("UPDATE hub_private.raw_zone SET received_at = now() - interval '10 days' WHERE src_topic = $1 OR original_size = 100000",
                         [prefix + "raw.teacher"])
        try f.db.query("UPDATE hub_private.raw_zone SET received_at = now() - interval '6 days' WHERE src_topic = $1", [prefix + "raw.attendance"])
        let purge = try AccessFixture.run("hubctl", ["dataspace", "purge", "--older-than-days", "7"], environment: env)
        #expect(purge.status == 0, "\(purge.error)")
        #expect(purge.output.contains("purged 2 "), "\(purge.output)")
        #expect(try f.db.query("SELECT count(*) FROM hub_private.raw_zone").int(0, 0) == sent.count - 2)
        #expect(try f.db.query("SELECT records FROM hub.quarantine_counts").int(0, 0) == 1)
        let audit = try f.db.query("SELECT actor, action FROM hub.audit_log WHERE action LIKE 'dataspace.%' AND actor <> 'hub-archive' ORDER BY id")
        #expect((0..<audit.rowCount).map { audit.value($0, 1)! } == Array(repeating: "dataspace.export", count: 7) + ["dataspace.purge"])
        #expect(audit.value(0, 0) == "archivist")

        // A restarted archive resumes from the stored offsets (nothing archived twice) and
        // removes what has expired under its retention (the 6-day-old message).
        archive.terminate()
        _ = try archive.waitForExit(timeout: .seconds(20))
        let again = try ManagedProcess(executable: AccessFixture.binDirectory + "/hub-archive",
                                       environment: archiveEnv.merging(["HUB_RAW_RETENTION_DAYS": "5"]) { $1 })
        defer {
            again.terminate()
            _ = try? again.waitForExit(timeout: .seconds(20))
        }
        try producer.send(topic: prefix + "raw.student", key: Array("3301060001".utf8), value: Array("{}".utf8))
        try producer.flush(timeout: .seconds(30))
        try eventually(timeout: .seconds(90), poll: .milliseconds(200), "the new message archived, the expired one purged") {
            try f.db.query("SELECT count(*) FROM hub_private.raw_zone").int(0, 0) == sent.count - 2
                && f.db.query("SELECT count(*) FROM hub_private.raw_zone WHERE src_topic = $1", [prefix + "raw.attendance"]).int(0, 0) == 0
        }
        // The archive applies its retention at every start (the default 180 days first: nothing).
        let byWorker = try f.db.query("""
            SELECT sum((details->>'deleted')::int), count(*) FILTER (WHERE details->>'older_than_days' = '180')
            FROM hub.audit_log WHERE actor = 'hub-archive' AND action = 'dataspace.purge'
            """)
        #expect(byWorker.int(0, 0) == 1 && byWorker.int(0, 1) == 1)
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
