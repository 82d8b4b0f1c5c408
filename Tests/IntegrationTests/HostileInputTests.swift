import Foundation
import Kafka
import TestSupport
import Testing
import Zstd

/// Issue 14: no input can stop the pipeline. A corpus of hostile messages — control
/// characters in fields, header names and values; edge dates and times; integer limits;
/// oversized ingested forms; a value of a million lines and one of 100,000 tiny records; deep
/// nesting; huge lines; non-codes in code fields; non-UTF-8 header bytes; odd Kafka timestamps
/// and keys — interleaved with good data, through the real workers. Every expected outcome is
/// written here from the README's rules, not computed by the pipeline's code.
@Suite("Hostile input: nothing stops the pipeline", .serialized, .pipeline)
struct HostileInputTests {
    let a = "3133000001", b = "3133000002"
    let countyA = "330106", countyB = "330212"
    /// The Kafka time of ordinary messages: 2026-09-01T08:00:00+08:00.
    let t0: Int64 = 1_788_220_800_000
    let t = "2026-09-01 08:00:00"

    func sid(_ n: Int) -> String { Raw.id(n, county: "330183", birth: "20120709") }
    func name(_ n: Int) -> String { "Hqxname\(n) Vzyplex" }

    /// A std-dialect student; `changes` replace fields (nil removes one, `#` writes raw JSON).
    func student(_ n: Int, _ changes: [(String, String?)] = [], school: String? = nil) -> String {
        var fields: [(String, String?)] = [("XXBSM", school ?? a), ("XJH", "G\(n)"), ("XM", name(n)), ("XBM", n % 2 == 0 ? "1" : "2"),
                                           ("CSRQ", "20120709"), ("SFZJH", sid(n)), ("NJDM", "11"), ("BJ", "1班"),
                                           ("XJZT", "1"), ("GXSJ", t)]
        for (k, v) in changes {
            if let i = fields.firstIndex(where: { $0.0 == k }) { fields[i].1 = v } else { fields.append((k, v)) }
        }
        return Raw.object(fields)
    }

    func enStudent(_ n: Int, _ changes: [(String, String?)]) -> String {
        var fields: [(String, String?)] = [("school_code", a), ("name", name(n)), ("gender", "M"), ("id_number", sid(n)),
                                           ("grade", "#1"), ("status", "enrolled"), ("updated_at", "2026-09-01T00:00:00Z")]
        for (k, v) in changes {
            if let i = fields.firstIndex(where: { $0.0 == k }) { fields[i].1 = v } else { fields.append((k, v)) }
        }
        return Raw.object(fields)
    }

    func attendance(_ school: String, day: String = "20260901", cls: String, expected: String = "40", present: String = "38",
                    _ changes: [(String, String?)] = []) -> String {
        var fields: [(String, String?)] = [("XXBSM", school), ("RQ", day), ("NJDM", "11"), ("BJ", cls), ("YDRS", expected),
                                           ("SDRS", present), ("GXSJ", t)]
        for (k, v) in changes {
            if let i = fields.firstIndex(where: { $0.0 == k }) { fields[i].1 = v } else { fields.append((k, v)) }
        }
        return Raw.object(fields)
    }

    @Test func hostileCorpusInterleavedWithGoodData() throws {
        let h = try PipelineHarness("hostile", partitions: 2)
        defer { h.stopAll() }
        try h.register(school: a, county: countyA, timestampMs: 1_000)
        try h.register(school: b, county: countyB, timestampMs: 1_000)
        try h.flush()
        var ports: [PipelineHarness.Stage: Int] = [:]
        for stage in PipelineHarness.Stage.allCases {
            ports[stage] = HTTPProbe.freePort()
            try h.start(stage, extraEnvironment: ["HUB_HTTP_PORT": String(ports[stage]!), "HUB_LOG_LEVEL": "debug"])
        }
        let pids = h.workers.map(\.process.pid)
        let out = try HostileSender(h)

        var secrets: [String] = []
        var students: [(school: String, county: String, grade: Int, gender: Int, enrolled: Bool)] = []
        var teachers: [(school: String, county: String, active: Bool)] = []
        var attendanceRows: [(school: String, county: String, day: String, expected: Int, present: Int)] = []
        /// Position → `reason|field` (field `-` when none).
        var expected: [HostileSender.Position: String] = [:]
        var cases = 0

        func good(_ i: Int) throws {
            let school = i % 2 == 0 ? a : b, county = i % 2 == 0 ? countyA : countyB
            switch i % 4 {
            case 3:
                try out.send("raw.teacher", partition: Int32(i % 2), value: Raw.stdTeacher(school: school, id: sid(500 + i), gender: "2",
                                                                                            status: "1", time: t, name: name(500 + i)))
                teachers.append((school, county, true))
                secrets += [sid(500 + i), name(500 + i)]
            case 2:
                try out.send("raw.attendance", partition: Int32(i % 2), value: attendance(school, cls: "g\(i)班", expected: "\(30 + i)",
                                                                                           present: "\(20 + i)"))
                attendanceRows.append((school, county, "2026-09-01", 30 + i, 20 + i))
            default:
                try out.send("raw.student", partition: Int32(i % 2), value: student(400 + i, school: school))
                students.append((school, county, 11, (400 + i) % 2 == 0 ? 1 : 2, true))
                secrets += [sid(400 + i), name(400 + i)]
            }
        }
        var goodIndex = 0
        /// One hostile message: its expected quarantine rows by row number, then a good one.
        func hostile(_ value: [UInt8]?, on topic: String = "raw.student", key: [UInt8]? = Array("k".utf8),
                     headers: [KafkaHeader] = [], timestampMs: Int64? = nil, quarantined rows: [Int32: String] = [:]) throws {
            let p = try out.send(topic, partition: Int32(cases % 2), key: key, value: value, headers: headers,
                                 timestampMs: timestampMs)
            for (row, outcome) in rows { expected[HostileSender.Position(p.topic, p.partition, p.offset, row)] = outcome }
            cases += 1
            try good(goodIndex)
            goodIndex += 1
        }
        func accepted(_ n: Int, school: String? = nil, grade: Int = 11) {
            let s = school ?? a
            students.append((s, s == a ? countyA : countyB, grade, n % 2 == 0 ? 1 : 2, true))
        }
        func text(_ s: String) -> [UInt8] { Array(s.utf8) }
        let ndjson = [KafkaHeader(name: "content-type", string: "application/x-ndjson")]
        let csv = [KafkaHeader(name: "content-type", string: "text/csv")]
        let zstd = ndjson + [KafkaHeader(name: "content-encoding", string: "zstd")]
        for n in 1...99 { secrets += [sid(n), name(n)] }

        // MARK: control characters in fields
        try hostile(text(attendance(a, cls: "1\\u0000班")), on: "raw.attendance", quarantined: [0: "malformed|BJ"])
        try hostile(text("XXBSM,RQ,NJDM,BJ,YDRS,SDRS,GXSJ\n\(a),20260901,11,c1,10,9,\(t)\n\(a),20260901,11,x\u{0}y,10,9,\(t)\n"), on: "raw.attendance",
                    headers: csv, quarantined: [2: "malformed|BJ"])
        attendanceRows.append((a, countyA, "2026-09-01", 10, 9))
        try hostile(text(student(1, [("XM", "Hqxname1\\u0001\\u001f\\u007f Vzyplex")])))
        accepted(1)
        try hostile(text(attendance(b, cls: "2\\t班\\n", expected: "7", present: "6")), on: "raw.attendance")
        attendanceRows.append((b, countyB, "2026-09-01", 7, 6))
        try hostile(text(student(2, [("SFZJH", sid(2) + "\\u0000")])), quarantined: [0: "invalid_id_number|SFZJH"])
        try hostile(text(student(3, [("XXBSM", a + "\\u0000")])), quarantined: [0: "unknown_school|XXBSM"])
        try hostile(text(student(4, [("X\\u0000M", "x"), ("\\u0001", "y")])))
        accepted(4)
        try hostile(text(enStudent(5, [("gender", "M\\u0000")])), quarantined: [0: "invalid_code|gender"])
        try hostile(text(student(6, [("XM", "Hqxname6\\ud800")])), quarantined: [0: "malformed|-"])

        // MARK: header names and values
        try hostile(text(student(7)), headers: [KafkaHeader(name: "content-type\u{7}", string: "text/csv")])
        accepted(7)
        try hostile(text(student(8)), headers: [KafkaHeader(name: "content-type", string: "application/x-ndjson\u{1}")],
                    quarantined: [0: "malformed|-"])
        try hostile(text(student(9)), headers: [KafkaHeader(name: "content-type", string: "application/" + sid(9))],
                    quarantined: [0: "malformed|-"])
        try hostile(text(student(10)), headers: [KafkaHeader(name: "content-type", value: text("text/csv; charset=") + [0xFF, 0xFE])],
                    quarantined: [0: "malformed|-"])
        try hostile(text(student(11)), headers: [KafkaHeader(name: "content-encoding", value: text("zstd") + [0])],
                    quarantined: [0: "malformed|-"])
        try hostile(text(student(12)), headers: [KafkaHeader(name: "content-type", value: [0xC3, 0x28])],
                    quarantined: [0: "malformed|-"])
        try hostile(text(student(13)), headers: [KafkaHeader(name: "内容类型", value: [0x00, 0xFF]),
                                                  KafkaHeader(name: "content-type", value: nil)])
        accepted(13)
        try hostile(text(student(14)), headers: (0..<1000).map { KafkaHeader(name: "x-\($0)", value: [UInt8($0 % 256)]) })
        accepted(14)

        // MARK: edge dates and times
        try hostile(text(student(15, [("GXSJ", "0001-01-01 00:00:00")])))
        accepted(15)
        try hostile(text(enStudent(16, [("updated_at", "0001-01-01T00:00:00+23:59")])), quarantined: [0: "invalid_code|updated_at"])
        try hostile(text(enStudent(17, [("updated_at", "9999-12-31T16:00:00Z")])), quarantined: [0: "invalid_code|updated_at"])
        try hostile(text(enStudent(18, [("updated_at", "9999-12-31T15:59:59Z")])))
        accepted(18, grade: 11)
        try hostile(text(attendance(a, day: "00010101", cls: "old", expected: "3", present: "2")), on: "raw.attendance")
        attendanceRows.append((a, countyA, "0001-01-01", 3, 2))
        try hostile(text(attendance(b, day: "99991231", cls: "late", expected: "4", present: "4")), on: "raw.attendance")
        attendanceRows.append((b, countyB, "9999-12-31", 4, 4))
        try hostile(text(attendance(a, day: "20260230", cls: "x")), on: "raw.attendance", quarantined: [0: "invalid_code|RQ"])
        try hostile(text(student(19, [("GXSJ", "2026-06-30 23:59:60")])), quarantined: [0: "invalid_code|GXSJ"])
        try hostile(text(Raw.zhStudent(school: a, id: sid(20), gender: "男", grade: "一年级", status: "在读", time: "2026-9-1 24:0:0",
                                       name: name(20))), quarantined: [0: "invalid_code|更新时间"])

        // MARK: integer limits and sums
        try hostile(text(attendance(a, cls: "i1", expected: "10001")), on: "raw.attendance", quarantined: [0: "invalid_code|YDRS"])
        try hostile(text(attendance(a, cls: "i2", expected: "#9223372036854775807")), on: "raw.attendance", quarantined: [0: "invalid_code|YDRS"])
        try hostile(text(attendance(a, cls: "i3", present: "99999999999999999999999")), on: "raw.attendance", quarantined: [0: "invalid_code|SDRS"])
        try hostile(text(attendance(a, cls: "i4", expected: "-5")), on: "raw.attendance", quarantined: [0: "invalid_code|YDRS"])
        try hostile(text(attendance(a, cls: "i5", present: "#1e3")), on: "raw.attendance", quarantined: [0: "invalid_code|SDRS"])
        try hostile(text(attendance(b, cls: "max1", expected: "10000", present: "10000")), on: "raw.attendance")
        try hostile(text(attendance(b, cls: "max2", expected: "#10000", present: "007")), on: "raw.attendance")
        attendanceRows += [(b, countyB, "2026-09-01", 10000, 10000), (b, countyB, "2026-09-01", 10000, 7)]
        try hostile(text(student(21, [("NJDM", "#99999999999999999999")])), quarantined: [0: "invalid_code|NJDM"])

        // MARK: oversized ingested forms (zstd): split over messages, or too_large per record
        let bigName = String(repeating: "名", count: 700_000)  // 2.1 MB of UTF-8
        let form = (22...27).map { student($0, [("XM", name($0) + bigName)]) }.joined(separator: "\n")
        try hostile(try Zstd.compress(text(form), level: 3), headers: zstd)
        for n in 22...27 { accepted(n) }
        let hugeName = String(repeating: "x", count: 11 << 20)
        try hostile(try Zstd.compress(text(student(28) + "\n" + student(29, [("XM", name(29) + hugeName)])), level: 3), headers: zstd,
                    quarantined: [2: "too_large|-"])
        accepted(28)
        try hostile(try Zstd.compress(Array(repeating: UInt8(ascii: " "), count: 17 << 20), level: 3), headers: zstd,
                    quarantined: [0: "too_large|-"])
        try hostile(Array(repeating: UInt8(ascii: "a"), count: (1 << 20) + 1), quarantined: [0: "too_large|-"])
        let huge = try out.send("raw.student", partition: 0, key: nil, value: Array(repeating: UInt8(ascii: "z"), count: 21 << 20))
        expected[HostileSender.Position(huge.topic, huge.partition, huge.offset, 0)] = "too_large|-"
        cases += 1

        // MARK: a million lines, and 100,000 tiny records, in one value each
        var lines = [String](repeating: "", count: 1_000_000)
        for (i, row) in [1, 250_000, 500_000, 750_000, 1_000_000].enumerated() { lines[row - 1] = student(30 + i) }
        try hostile(text(lines.joined(separator: "\n")), headers: ndjson)
        for n in 30...34 { accepted(n) }
        var tiny = "XXBSM\n"
        tiny += String(repeating: "1\n", count: 100_000)
        let tinyAt = try out.send("raw.student", partition: 1, key: nil, value: text(tiny), headers: csv)
        cases += 1

        // MARK: deep nesting and huge lines
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        try hostile(text(String(student(35).dropLast()) + ",\"x\":\(deep)}"), quarantined: [0: "malformed|-"])
        try hostile(text(student(36) + "\n" + String(student(37).dropLast()) + ",\"x\":\(deep)}"), headers: ndjson,
                    quarantined: [2: "malformed|-"])
        accepted(36)
        let nested = String(repeating: "{\"a\":", count: 60) + "1" + String(repeating: "}", count: 60)
        try hostile(text(String(student(38).dropLast()) + ",\"x\":\(nested)}"))
        accepted(38)
        try hostile(text(student(39, [("XM", name(39) + String(repeating: "長", count: 300_000))])), headers: ndjson)
        accepted(39)
        try hostile(text(String(repeating: "q", count: 900_000) + "\n" + student(40)), headers: ndjson, quarantined: [1: "malformed|-"])
        accepted(40)
        try hostile(text("XXBSM,RQ,NJDM,BJ,YDRS,SDRS,GXSJ\n\(a),20260901,11,\(String(repeating: "c", count: 300)),1,1,\(t)\n"), on: "raw.attendance",
                    headers: csv, quarantined: [1: "malformed|BJ"])

        // MARK: non-codes in code fields, and personal data where a school code belongs
        try hostile(text(student(41, [("XBM", "男")])), quarantined: [0: "invalid_code|XBM"])
        try hostile(text(student(42, [("NJDM", "eleven")])), quarantined: [0: "invalid_code|NJDM"])
        try hostile(text(student(43, [("XJZT", "\\u0001")])), quarantined: [0: "invalid_code|XJZT"])
        try hostile(text(student(44, [("XXBSM", sid(44))])), quarantined: [0: "unknown_school|XXBSM"])
        try hostile(text(student(45, [("XXBSM", name(45))])), quarantined: [0: "unknown_school|XXBSM"])
        try hostile(text(student(46, [("XXBSM", "\\\"},{\\\"x\\\":\\\"")])), quarantined: [0: "unknown_school|XXBSM"])
        try hostile(text(attendance(a, cls: "n1", [("NJDM", "11; DROP TABLE hub.quarantine")])), on: "raw.attendance",
                    quarantined: [0: "invalid_code|NJDM"])

        // MARK: odd Kafka timestamps and keys
        try hostile(text(student(47)), timestampMs: -1, quarantined: [0: "unknown_school|XXBSM"])
        try hostile(text(student(48)), timestampMs: 4_102_444_800_000)
        accepted(48)
        try hostile(text(student(49)), timestampMs: 253_402_300_800_000)
        accepted(49)
        try hostile(text(student(50)), timestampMs: 9_000_000_000_000_000)
        accepted(50)
        try hostile(text("not json"), timestampMs: 9_000_000_000_000_000, quarantined: [0: "malformed|-"])
        try hostile(text(attendance(a, cls: "future", expected: "5", present: "5")), on: "raw.attendance", timestampMs: 253_402_300_800_000)
        attendanceRows.append((a, countyA, "2026-09-01", 5, 5))
        try hostile(text(student(51)), key: Array(repeating: 0x4B, count: 100_000))
        accepted(51)
        try hostile(text(student(52)), key: [0x00, 0xFF, 0xFE])
        accepted(52)
        try hostile(nil, quarantined: [0: "malformed|-"])
        try hostile([], quarantined: [0: "malformed|-"])
        try hostile(text(student(53)).replacingFirst(UInt8(ascii: "H"), with: 0xFF),
                    quarantined: [0: "malformed|-"])
        try hostile(text("XXBSM,SFZJH\n") + [0x81, 0x20], headers: [KafkaHeader(name: "content-type", string: "text/csv; charset=gbk")],
                    quarantined: [0: "malformed|-"])
        for i in 0..<6 { try good(goodIndex + i) }
        try out.flush()
        #expect(cases >= 50)

        try h.waitUntilCaughtUp(timeout: 240)

        // Nothing crashed or restarted.
        #expect(h.workers.map(\.process.pid) == pids)
        for w in h.workers { #expect(w.process.isRunning, "\(w.stage) is not running") }

        // The aggregates, exactly.
        let enrollment = Expected.enrollment(students)
        #expect(try h.enrollment() == enrollment, "\(differences((try? h.enrollment()) ?? [:], enrollment))")
        #expect(try h.teachers() == Expected.teachers(teachers))
        let attendanceAgg = Expected.attendance(attendanceRows)
        #expect(try h.attendance() == attendanceAgg, "\(differences((try? h.attendance()) ?? [:], attendanceAgg))")

        // Every hostile unit in the quarantine, with its reason and field.
        for (p, outcome) in expected.sorted(by: { $0.key < $1.key }) {
            #expect(try h.quarantineRow(topic: p.topic, partition: p.partition, offset: p.offset, row: Int(p.row)) == outcome,
                    "\(p)")
        }
        let tinyRows = try h.query("""
            SELECT count(*), count(*) FILTER (WHERE reason = 'missing_field' AND field = 'SFZJH'), min(src_row), max(src_row)
            FROM hub.quarantine WHERE src_topic = $1 AND src_partition = 1 AND src_offset = $2
            """, [tinyAt.topic, String(tinyAt.offset)])
        #expect((0..<4).map { tinyRows.value(0, $0) } == ["100000", "100000", "1", "100000"])
        var counts: [String: Int] = [:]
        for outcome in expected.values { counts[String(outcome.split(separator: "|")[0]), default: 0] += 1 }
        counts["missing_field", default: 0] += 100_000
        #expect(try h.quarantineCounts() == counts)

        // The rules' details: the placeholder for non-codes, unknown Kafka times as NULL, cut raw bytes.
        let schools = try h.query("SELECT DISTINCT coalesce(school_code, '-') FROM hub.quarantine ORDER BY 1")
        #expect((0..<schools.rowCount).map { schools.value($0, 0) ?? "" } == ["(invalid)", "-", a])
        #expect(try h.query("SELECT count(*) FROM hub.current_state WHERE source_time IS NULL").value(0, 0) == "3")
        let cut = try h.query("SELECT detail FROM hub.quarantine WHERE src_topic = $1 AND src_offset = $2",
                              [huge.topic, String(huge.offset)]).value(0, 0) ?? ""
        #expect(cut.contains("raw bytes cut to the first"))
        // Operators see the isolated units: the record too large for hub.ingested, and the value cut to fit.
        let listed = try h.hubctl(["quarantine", "list", "--isolated"]).split(separator: "\n").dropFirst()
        #expect(listed.count == 2)
        #expect(listed.allSatisfy { $0.contains("too_large") && $0.contains("over the internal message limit") })

        // No clear ID number or name in any hub.* table, worker log, std.* topic, metric or alert.
        let leaks = try h.personalDataLeaks(secrets)
        #expect(leaks.isEmpty, "\(leaks.prefix(5))")
        var scraped = ""
        for stage in PipelineHarness.Stage.allCases {
            scraped += try HTTPProbe.get(port: ports[stage]!, path: "/metrics").body
        }
        #expect(!secrets.contains { scraped.contains($0) })
        let samples = HTTPProbe.samples(scraped)
        #expect(samples["hub_poison_isolated_total{reason=\"too_large\",stage=\"ingest\"}"] == 1)

        // Alerts: the quarantine monitors raised some (under the placeholder too); each parses as JSON.
        var alerts: [KafkaMessage] = []
        for _ in 0..<50 {
            alerts = try h.readAlerts()
            let raised = try h.query("SELECT count(*) FROM hub.quality_alerts").value(0, 0).flatMap { Int($0) } ?? 0
            if raised > 0 && alerts.count >= raised { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(!alerts.isEmpty)
        var alertSchools: Set<String> = []
        for m in alerts {
            let object = try JSONSerialization.jsonObject(with: Data(m.value ?? [])) as? [String: Any]
            #expect(object != nil, "alert is not a JSON object")
            alertSchools.insert(object?["school_code"] as? String ?? "?")
            let value = String(decoding: m.value ?? [], as: UTF8.self) + String(decoding: m.key ?? [], as: UTF8.self)
            #expect(!secrets.contains { value.contains($0) })
        }
        #expect(alertSchools.contains("(invalid)"))
        #expect(alertSchools.isSubset(of: ["(invalid)", "", a, b]))
    }
}

extension PipelineHarness {
    /// Every message on the alerts topic (one partition).
    func readAlerts() throws -> [KafkaMessage] {
        let consumer = try KafkaConsumer(config: KafkaConfig(["bootstrap.servers": brokers]))
        defer { consumer.close() }
        let partition = TopicPartition(topic: prefix + "quality.alerts", partition: 0)
        try consumer.assign([TopicPartitionOffset(partition, offset: TopicPartitionOffset.beginning)])
        let high = try consumer.queryWatermarks(partition, timeout: .seconds(10)).high
        var messages: [KafkaMessage] = []
        let deadline = ContinuousClock.now + .seconds(30)
        while Int64(messages.count) < high, ContinuousClock.now < deadline {
            messages += try consumer.poll(maxMessages: 1000, timeout: .milliseconds(300))
        }
        return messages
    }
}

/// Sends raw messages to explicit partitions, with byte headers, keys and timestamps, and
/// remembers the offset each got (the topics are fresh, so offsets count from 0).
final class HostileSender: @unchecked Sendable {
    struct Position: Hashable, Comparable, CustomStringConvertible {
        var topic: String
        var partition: Int32
        var offset: Int64
        var row: Int32
        init(_ topic: String, _ partition: Int32, _ offset: Int64, _ row: Int32) {
            self.topic = topic
            self.partition = partition
            self.offset = offset
            self.row = row
        }
        static func < (x: Position, y: Position) -> Bool {
            (x.topic, x.partition, x.offset, x.row) < (y.topic, y.partition, y.offset, y.row)
        }
        var description: String { "\(topic)/\(partition)@\(offset)#\(row)" }
    }

    private let producer: KafkaProducer
    private let prefix: String
    private var nextOffset: [String: Int64] = [:]

    init(_ h: PipelineHarness) throws {
        producer = try KafkaProducer(config: KafkaConfig(["bootstrap.servers": h.brokers, "linger.ms": "1",
                                                          "message.max.bytes": String(64 << 20)]))
        prefix = h.prefix
    }

    @discardableResult
    func send(_ topic: String, partition: Int32, key: [UInt8]? = Array("k".utf8), value: [UInt8]?, headers: [KafkaHeader] = [],
              timestampMs: Int64? = nil) throws -> (topic: String, partition: Int32, offset: Int64) {
        let slot = "\(topic)#\(partition)"
        let offset = nextOffset[slot] ?? 0
        nextOffset[slot] = offset + 1
        try producer.send(topic: prefix + topic, partition: partition, key: key, value: value, headers: headers,
                          timestampMs: timestampMs ?? 1_788_220_800_000)
        try producer.flush(timeout: .seconds(60))
        return (prefix + topic, partition, offset)
    }

    func send(_ topic: String, partition: Int32, value: String) throws {
        try send(topic, partition: partition, value: Array(value.utf8))
    }

    func flush() throws { try producer.flush(timeout: .seconds(60)) }
}

private extension Array where Element == UInt8 {
    /// A copy with the first `byte` replaced (to put one invalid UTF-8 byte into a value).
    func replacingFirst(_ byte: UInt8, with other: UInt8) -> [UInt8] {
        var copy = self
        if let i = copy.firstIndex(of: byte) { copy[i] = other }
        return copy
    }
}
