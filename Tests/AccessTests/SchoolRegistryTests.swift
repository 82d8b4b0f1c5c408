import Foundation
import HubStore
import Kafka
import Postgres
import TestSupport
import Testing

/// `hub-archive` keeps every `ref.school` message as one registry version, exactly once across
/// SIGKILLs; `schools` is the current version per school; region names come from the topology;
/// both are readable by every region login.
@Suite("School registry and region names", .serialized)
struct SchoolRegistryTests {
    /// One registry message as the test sends it, and what it must mean (written from SPEC §1).
    struct Sent {
        var key: String?
        var value: String?
        var timestampMs: Int64
        /// The school the version belongs to; nil when the message names none (not stored).
        var school: String?
        /// nil: a delete.
        var county: String?
        var name: String?
        var stage: String?
    }

    static let counties = ["330106", "330102", "330212", "330383"]
    static let base: Int64 = 1_788_000_000_000  // 2026-08-29

    /// 1,500 messages over 40 schools: registrations, renames, moves, deletes (null, empty and
    /// malformed values), equal timestamps (the later offset wins), key-less messages.
    static func messages() -> [Sent] {
        var out: [Sent] = []
        for i in 0..<1_500 {
            let school = String(3_301_060_000 + i % 40)
            let ts = base + Int64(i / 3) * 1_000  // three messages share each timestamp
            switch i % 13 {
            case 5:
                out.append(Sent(key: school, value: nil, timestampMs: ts, school: school, county: nil))
            case 7:
                out.append(Sent(key: school, value: "{\"school_code\":\"\(school)\",\"county_code\":\"310101\"}", timestampMs: ts,
                                school: school, county: nil))
            case 9:
                out.append(Sent(key: school, value: "", timestampMs: ts, school: school, county: nil))
            case 11 where i % 2 == 0:
                // No key: the value's school code names the school.
                let county = counties[i % 4]
                out.append(Sent(key: nil, value: "{\"school_code\":\"\(school)\",\"name\":\"学校\(i)\",\"county_code\":\(county)}",
                                timestampMs: ts, school: school, county: county, name: "学校\(i)"))
            case 11:
                // Neither key nor school code: ignored.
                out.append(Sent(key: nil, value: "{\"county_code\":\"330106\"}", timestampMs: ts, school: nil, county: "330106"))
            default:
                let county = counties[(i / 40) % 4]
                let stage = ["primary", "junior", "senior"][i % 3]
                out.append(Sent(key: " \(school) ", value: "{\"name\":\" 第\(i)学校 \",\"county_code\":\" \(county)\",\"stage\":\"\(stage)\"}",
                                timestampMs: ts, school: school, county: county, name: "第\(i)学校", stage: stage))
            }
        }
        return out
    }

    @Test("every ref.school version is stored exactly once across archive SIGKILLs; schools holds the current version")
    func versionsExactlyOnce() throws {
        let f = try AccessFixture("access_registry")
        let brokers = try TestServices.kafkaBootstrap()
        let prefix = "t\(UInt32.random(in: 0...UInt32.max))."
        let env = ["HUB_KAFKA_BROKERS": brokers, "HUB_DATABASE": f.conninfo, "HUB_TOPOLOGY_DIR": AccessFixture.topologyDirectory,
                   "HUB_TOPIC_PREFIX": prefix, "HUB_GROUP": "\(prefix)hub-archive", "HUB_HTTP_PORT": "0",
                   "HUB_BATCH_SIZE": "50", "HUB_BATCH_WAIT_MS": "20",
                   "HUB_KAFKA_PROPERTIES": "session.timeout.ms=6000,heartbeat.interval.ms=500"]
        let topics = try AccessFixture.run("hubctl", ["topics", "create", "--partitions", "2"], environment: env)
        try #require(topics.status == 0, "\(topics.error)")
        let producer = try KafkaProducer(config: KafkaConfig(["bootstrap.servers": brokers, "linger.ms": "1"]))
        let sent = Self.messages()
        func stored() throws -> Int { try f.db.query("SELECT count(*) FROM hub.school_registry").int(0, 0) ?? 0 }

        var archive = try ManagedProcess(executable: AccessFixture.binDirectory + "/hub-archive", environment: env)
        defer {
            archive.terminate()
            _ = try? archive.waitForExit(timeout: .seconds(20))
        }
        // Three chunks; the archive is killed after the first rows of each chunk are stored.
        let chunks = [0..<400, 400..<1_000, 1_000..<1_500]
        for (n, chunk) in chunks.enumerated() {
            let before = try stored()
            for s in sent[chunk] {
                try producer.send(topic: prefix + "ref.school", key: s.key.map { Array($0.utf8) }, value: s.value.map { Array($0.utf8) },
                                  timestampMs: s.timestampMs)
            }
            try producer.flush(timeout: .seconds(30))
            guard n < chunks.count - 1 else { break }
            try eventually(timeout: .seconds(90), poll: .milliseconds(20), "chunk \(n) partly stored") { try stored() > before }
            archive.kill()
            _ = try archive.waitForExit(timeout: .seconds(20))
            archive = try ManagedProcess(executable: AccessFixture.binDirectory + "/hub-archive", environment: env)
        }
        let expectedRows = sent.filter { $0.school != nil }.count
        try eventually(timeout: .seconds(120), poll: .milliseconds(200), "every version stored") { try stored() >= expectedRows }
        // Settle: nothing more arrives after the last message.
        Thread.sleep(forTimeInterval: 1)
        #expect(try stored() == expectedRows)

        // Row by row: offset n is message n (one partition), with what it means.
        let rows = try f.db.query("""
            SELECT src_offset, school_code, county_code, name, stage, deleted, (extract(epoch FROM valid_from) * 1000)::bigint
            FROM hub.school_registry ORDER BY src_offset
            """)
        var byOffset: [Int: Int] = [:]
        for i in 0..<rows.rowCount { byOffset[rows.int(i, 0) ?? -1] = i }
        for (offset, s) in sent.enumerated() {
            guard let school = s.school else {
                #expect(byOffset[offset] == nil, "message \(offset) names no school")
                continue
            }
            guard let i = byOffset[offset] else {
                Issue.record("message \(offset) not stored")
                continue
            }
            #expect(rows.value(i, 1) == school && rows.value(i, 2) == s.county && rows.value(i, 3) == s.name
                    && rows.value(i, 4) == s.stage && rows.value(i, 5) == (s.county == nil ? "t" : "f")
                    && rows.int(i, 6).map(Int64.init) == s.timestampMs, "message \(offset)")
        }

        // schools: per school the latest (timestamp, offset) message, unless it deletes.
        var latest: [String: (ts: Int64, offset: Int, sent: Sent)] = [:]
        for (offset, s) in sent.enumerated() {
            guard let school = s.school else { continue }
            if let l = latest[school], (l.ts, l.offset) > (s.timestampMs, offset) { continue }
            latest[school] = (s.timestampMs, offset, s)
        }
        var expected: [String: String] = [:]
        for (school, l) in latest where l.sent.county != nil {
            let county = l.sent.county ?? ""
            expected[school] = "\(county)|\(county.prefix(4))00|\(l.sent.name ?? "")|\(l.sent.stage ?? "")"
        }
        let schools = try f.db.query("SELECT school_code, county_code, city_code, coalesce(name, ''), coalesce(stage, '') FROM hub.schools")
        var actual: [String: String] = [:]
        for i in 0..<schools.rowCount {
            actual[schools.value(i, 0)!] = "\(schools.value(i, 1)!)|\(schools.value(i, 2)!)|\(schools.value(i, 3)!)|\(schools.value(i, 4)!)"
        }
        #expect(actual == expected)
        #expect(expected.count > 10 && expected.count < 40, "some schools end deleted, most do not")
    }

    @Test("region names are synced at migration; readers read regions and schools, not the registry history")
    func regionNamesAndReaders() throws {
        let f = try AccessFixture("access_regions")
        let levels = try f.db.query("SELECT level, count(*) FROM hub.regions GROUP BY level ORDER BY level")
        #expect((0..<levels.rowCount).map { "\(levels.value($0, 0)!)=\(levels.int($0, 1)!)" } == ["city=11", "county=90", "province=1"])
        let xihu = try f.db.query("SELECT level, parent_code, name_zh, name_en FROM hub.regions WHERE code = '330106'")
        #expect(xihu.value(0, 0) == "county" && xihu.value(0, 1) == "330100" && xihu.value(0, 2) == "西湖区"
                && xihu.value(0, 3) == "Xihu District")
        #expect(try f.db.query("SELECT parent_code FROM hub.regions WHERE code = '330000'").value(0, 0) == nil)
        try f.db.execute("""
            INSERT INTO hub.school_registry (school_code, valid_from, name, county_code, stage, deleted, src_topic, src_partition, src_offset)
            VALUES ('3301060001', now(), '西湖小学', '330106', 'primary', false, 'ref.school', 0, 0),
                   ('3302120001', now(), '鄞州中学', '330212', 'senior', false, 'ref.school', 0, 1)
            """)
        // Re-migrating keeps one row per code.
        try f.schema.migrate(f.db, topology: f.topology)
        #expect(try f.db.query("SELECT count(*) FROM hub.regions").int(0, 0) == 102)

        let grant = try AccessGrant(role: AccessFixture.roleName("county"), level: .county, region: "330106")
        try AccessControl.grant(grant, password: nil, db: f.db, schema: f.schema, actor: "test")
        defer { try? AccessControl.revoke(role: grant.role, db: f.db, schema: f.schema) }
        let reader = try f.connect(as: grant.role)
        #expect(try reader.query("SELECT count(*) FROM hub.regions").int(0, 0) == 102)
        let names = try reader.query("SELECT school_code, name, city_code FROM hub.schools ORDER BY school_code")
        #expect((0..<names.rowCount).map { "\(names.value($0, 0)!) \(names.value($0, 1)!) \(names.value($0, 2)!)" }
                == ["3301060001 西湖小学 330100", "3302120001 鄞州中学 330200"])
        #expect(throws: PGError.self) { try reader.query("SELECT count(*) FROM hub.school_registry") }
    }
}
