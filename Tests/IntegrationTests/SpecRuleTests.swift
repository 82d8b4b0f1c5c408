import Foundation
import TestSupport
import Testing

/// One test per SPEC rule that no other test pinned down on its own, on one shared pipeline
/// (``SpecRulePipeline``): each rule's data is sent once, at known positions, and each test
/// asserts its rule's exact outcome — computed here, not read back from the pipeline.
@Suite("SPEC rules, one test each", .serialized, .pipeline, SpecRulePipeline())
struct SpecRuleTests {
    var f: SpecRuleFixture { get throws { try SpecRulePipeline.fixture() } }
    typealias R = SpecRuleFixture

    /// SPEC §4: equal *updated at* within one raw partition — the later offset wins, and
    /// within one value the later line.
    @Test func equalUpdatedAtInOnePartitionTheLaterOffsetThenRowWins() throws {
        let f = try f
        #expect(try f.winner(R.x) == "\(f.p0)|0|0|2|12", "two lines of one value: the second line wins")
        #expect(try f.winner(R.y) == "\(f.p0)|0|2|0|22", "two messages: the later offset wins")
        #expect(try f.winner(R.z) == "\(f.p0)|0|3|2|32", "a tie inside a value, then an older version: the tie's later line stays")
        #expect(try f.winner(R.crossDialect) == "\(f.p0)|0|9|0|12", "the same instant in std and en is a tie: the later offset wins")
        #expect(try f.h.enrollment() == f.expectedEnrollment, "\(differences((try? f.h.enrollment()) ?? [:], f.expectedEnrollment))")
    }

    /// SPEC §2: times are compared at microsecond precision — digits below it do not order.
    @Test func differencesBelowTheMicrosecondAreTies() throws {
        let f = try f
        // .1234564 then .1234561: a tie at the microsecond, so the later offset wins even
        // though the first is later in nanoseconds; the same inside one ndjson value.
        #expect(try f.winner(R.w) == "\(f.p0)|0|6|0|14")
        #expect(try f.winner(R.v) == "\(f.p0)|0|7|2|16")
        let us = try f.h.query("SELECT updated_at_us FROM hub.standard_zone WHERE src_topic = $1 AND src_offset = 6 AND src_partition = 0",
                               [f.p0]).value(0, 0)
        #expect(us == String(R.microsOf("2026-09-01 08:00:00") + 123_456))
    }

    /// SPEC §4: one unit per distinct source position — the same bytes sent again at a new
    /// offset count again (a redelivery at the same offset does not; see RedeliveryTests).
    @Test func aReSendAtANewOffsetCountsAgain() throws {
        let f = try f
        let rows = try f.h.query("""
            SELECT src_offset FROM hub.quarantine WHERE src_topic = $1 AND src_partition = 1 AND reason = 'invalid_code' AND src_row = 0
            ORDER BY 1
            """, [f.p0])
        #expect((0..<rows.rowCount).map { rows.value($0, 0)! } == ["0", "1"])
        #expect(try f.h.quarantineCounts() == f.expectedQuarantine)
    }

    /// SPEC §1, §4: a replay uses the registry at replay time and keeps the original
    /// positions; records that still fail land on their own positions again, so the counts
    /// (and rows) do not change — however often they are replayed.
    @Test func replayingStillFailingRecordsDoesNotChangeTheCount() throws {
        let f = try f
        let before = try f.quarantineRows()
        for _ in 0..<2 {
            let unknown = try f.h.hubctl(["quarantine", "replay", "--reason", "unknown_school", "--include-resolved"])
            #expect(unknown.contains("replayed \(f.expectedQuarantine["unknown_school"]!) unknown_school records"), "\(unknown)")
            let invalid = try f.h.hubctl(["quarantine", "replay", "--reason", "invalid_code", "--include-resolved"])
            #expect(invalid.contains("replayed \(f.expectedQuarantine["invalid_code"]!) invalid_code records"), "\(invalid)")
            try f.h.waitUntilCaughtUp()
        }
        #expect(try f.quarantineRows() == before)
        #expect(try f.h.quarantineCounts() == f.expectedQuarantine)
        #expect(try f.h.enrollment() == f.expectedEnrollment)
        let replayed = try f.h.query("SELECT count(*) FROM hub.quarantine WHERE replayed_at IS NOT NULL").int(0, 0)
        #expect(replayed == f.expectedQuarantine["unknown_school"]! + f.expectedQuarantine["invalid_code"]!)
    }

    /// SPEC §2: a value labelled `charset=gbk` is decoded as GB18030, so characters only
    /// GB18030 has (four-byte sequences) decode instead of making the value malformed.
    @Test func aGBKLabelledValueWithFourByteGB18030CharactersDecodes() throws {
        let f = try f
        #expect(try f.h.query("SELECT count(*) FROM hub.quarantine WHERE src_topic = $1", [f.p("raw.attendance")]).int(0, 0) == 0)
        #expect(try f.classes(school: R.a) == ["𠀀班|30|29", "\u{3000}2班|40|38", "2班|35|35", "3班|20|20"].sorted())
        #expect(try f.winner(R.gbkStudent) == "\(f.p0)|0|10|0|13")
        #expect(try f.h.query("SELECT class_name FROM hub.standard_zone WHERE src_topic = $1 AND src_offset = 10", [f.p0]).value(0, 0) == "𠀀3班")
    }

    /// SPEC §2: leading and trailing ASCII whitespace is trimmed — U+3000 and NO-BREAK SPACE
    /// are not whitespace to trim: a class "\u{3000}2班" is not "2班", a gender "1\u{00A0}" is
    /// not a code, and a school code followed by U+3000 names no school.
    @Test func onlyASCIIWhitespaceIsTrimmed() throws {
        let f = try f
        #expect(try f.classes(school: R.a).contains("\u{3000}2班|40|38"))
        #expect(try f.classes(school: R.a).contains("2班|35|35"))
        #expect(try f.h.quarantineRow(topic: f.p0, partition: 1, offset: 3, row: 1) == "invalid_code|XBM")
        #expect(try f.h.quarantineRow(topic: f.p0, partition: 1, offset: 3, row: 2) == "unknown_school|XXBSM")
        // ASCII spaces and tabs around every value of line 3 are trimmed: it is accepted.
        #expect(try f.winner(R.padded) == "\(f.p0)|1|3|3|11")
        // Not trimmed to the school's code: the row shows the placeholder for a value that is
        // not a 10-digit code (README "Quarantine, never drop").
        let school = try f.h.query("SELECT school_code FROM hub.quarantine WHERE src_topic = $1 AND src_partition = 1 AND src_offset = 3 AND src_row = 2",
                                   [f.p0]).value(0, 0)
        #expect(school == "(invalid)")
    }

    /// SPEC §1: a registry value that is not a school with a 33xxxx county deletes the school
    /// and is logged (by position, never by content); a null value deletes it quietly.
    @Test func aDeletingRegistryValueIsLogged() throws {
        let f = try f
        let lines = f.h.logs().split(separator: "\n").filter { $0.contains("treated as a delete") }
        for offset in f.loggedDeletes {
            #expect(lines.contains { $0.contains("offset=\(offset)") && $0.contains(f.p("ref.school")) }, "delete at offset \(offset) not logged: \(lines)")
        }
        #expect(lines.count == f.loggedDeletes.count, "\(lines)")
        #expect(!lines.contains { $0.contains("not JSON at all") })
        // The deletes took effect for records sent after them.
        #expect(try f.h.quarantineRow(topic: f.p0, partition: 2, offset: 1, row: 0) == "unknown_school|XXBSM")
        #expect(try f.h.quarantineRow(topic: f.p0, partition: 2, offset: 2, row: 0) == "unknown_school|XXBSM")
    }

    /// SPEC §3: names and ID numbers never appear in metrics.
    @Test func metricsCarryNoClearPersonalData() throws {
        let f = try f
        for (stage, port) in f.ports.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            let metrics = try HTTPProbe.get(port: port, path: "/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.body.contains("hub_messages_consumed_total"), "\(stage) /metrics is empty")
            for secret in f.secrets {
                #expect(!metrics.body.contains(secret), "\(stage) /metrics holds personal data")
            }
        }
    }
}

/// Starts ``SpecRuleFixture`` once for the suite and stops its workers after the last test.
struct SpecRulePipeline: SuiteTrait, TestScoping {
    @TaskLocal static var current: SpecRuleFixture?

    static func fixture() throws -> SpecRuleFixture {
        guard let current else { throw HarnessError("the SPEC rule pipeline runs only inside its suite") }
        return current
    }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let fixture = try SpecRuleFixture()
        defer { fixture.h.stopAll() }
        try await Self.$current.withValue(fixture) { try await function() }
    }
}

/// The data of ``SpecRuleTests``, sent at known positions, and what must come of it.
final class SpecRuleFixture: @unchecked Sendable {
    static let a = "3133000001", b = "3133000002", deletedByText = "3133000004", deletedByCounty = "3133000005"
    static let deletedByNull = "3133000006"
    static let t = "2026-09-01 08:00:00"
    // Persons (ID numbers), one per rule.
    static let x = Raw.id(1, county: "330106", birth: "20150101"), y = Raw.id(2, county: "330106", birth: "20150101")
    static let z = Raw.id(3, county: "330106", birth: "20150101"), w = Raw.id(4, county: "330106", birth: "20150101")
    static let v = Raw.id(5, county: "330106", birth: "20150101"), crossDialect = Raw.id(6, county: "330106", birth: "20150101")
    static let padded = Raw.id(7, county: "330106", birth: "20150101"), gbkStudent = Raw.id(8, county: "330106", birth: "20150101")
    static let beforeDelete = Raw.id(9, county: "330106", birth: "20150101")

    let h: PipelineHarness
    var p0: String { h.prefix + "raw.student" }
    func p(_ topic: String) -> String { h.prefix + topic }
    var ports: [PipelineHarness.Stage: Int] = [:]
    var loggedDeletes: [Int64] = []
    let secrets: [String]
    let expectedEnrollment: [String: Int]
    let expectedQuarantine = ["invalid_code": 3, "unknown_school": 4]

    /// Microseconds since the epoch of a Beijing wall time.
    static func microsOf(_ beijing: String) -> Int64 { QualityFixture.ms(beijing) * 1000 }

    init() throws {
        typealias R = SpecRuleFixture
        h = try PipelineHarness("spec_rules")
        let out = try PositionedSender(h)
        let registered = QualityFixture.ms("2026-08-20 10:00:00"), deleted = QualityFixture.ms("2026-09-01 12:00:00")
        func register(_ school: String, _ county: String) throws {
            try out.send("ref.school", partition: 0, key: school, value: Array(
                "{\"school_code\":\"\(school)\",\"name\":\"学校\",\"county_code\":\"\(county)\",\"stage\":\"primary\"}".utf8),
                timestampMs: registered)
        }
        for (school, county) in [(R.a, "330106"), (R.b, "330212"), (R.deletedByText, "330110"), (R.deletedByCounty, "330110"),
                                 (R.deletedByNull, "330110")] {
            try register(school, county)
        }
        loggedDeletes.append(try out.send("ref.school", partition: 0, key: R.deletedByText, value: Array("not JSON at all".utf8),
                                          timestampMs: deleted).offset)
        loggedDeletes.append(try out.send("ref.school", partition: 0, key: R.deletedByCounty, value: Array(
            "{\"school_code\":\"\(R.deletedByCounty)\",\"county_code\":\"110101\"}".utf8), timestampMs: deleted).offset)
        _ = try out.send("ref.school", partition: 0, key: R.deletedByNull, value: nil, timestampMs: deleted)
        for stage in PipelineHarness.Stage.allCases {
            let port = HTTPProbe.freePort()
            ports[stage] = port
            try h.start(stage, extraEnvironment: ["HUB_HTTP_PORT": String(port)])
        }

        let at = QualityFixture.ms("2026-09-01 10:00:00")
        let json = [("content-type", "application/json")], ndjson = [("content-type", "application/x-ndjson")]
        func std(_ id: String, grade: String, time: String = R.t, school: String = R.a, name: String = "测试学生") -> String {
            Raw.stdStudent(school: school, id: id, gender: "1", grade: grade, status: "1", time: time, name: name)
        }
        func en(_ id: String, grade: String, time: String) -> String {
            Raw.enStudent(school: R.a, id: id, gender: "M", grade: grade, status: "enrolled", time: time)
        }
        func send(_ partition: Int32, _ lines: [String], headers: [(String, String)]? = nil, bytes: [UInt8]? = nil) throws {
            let value = bytes ?? Array(lines.joined(separator: "\n").utf8)
            _ = try out.send("raw.student", partition: partition, key: R.a, value: value,
                             headers: headers ?? (lines.count > 1 ? ndjson : json), timestampMs: at)
        }
        // raw.student partition 0: ties.
        try send(0, [std(R.x, grade: "11"), std(R.x, grade: "12")])                                   // 0
        try send(0, [std(R.y, grade: "21")])                                                          // 1
        try send(0, [std(R.y, grade: "22")])                                                          // 2
        try send(0, [std(R.z, grade: "31"), std(R.z, grade: "32")])                                   // 3
        try send(0, [std(R.z, grade: "33", time: "2026-09-01 07:59:59")])                             // 4
        try send(0, [en(R.w, grade: "3", time: "2026-09-01T08:00:00.1234564+08:00")])                 // 5
        try send(0, [en(R.w, grade: "4", time: "2026-09-01T08:00:00.1234561+08:00")])                 // 6
        try send(0, [en(R.v, grade: "5", time: "2026-09-01T08:00:00.7654324+08:00"),
                     en(R.v, grade: "6", time: "2026-09-01T08:00:00.7654321+08:00")])                 // 7
        try send(0, [std(R.crossDialect, grade: "11")])                                               // 8
        try send(0, [en(R.crossDialect, grade: "2", time: "2026-09-01T00:00:00Z")])                   // 9
        // A gbk-labelled value (GB18030 bytes) with characters only GB18030 has.
        let gbkText = Raw.object([("XXBSM", R.a), ("SFZJH", R.gbkStudent), ("XM", "王𠮷"), ("XBM", "2"), ("NJDM", "13"),
                                  ("BJ", "𠀀3班"), ("XJZT", "1"), ("GXSJ", R.t)])
        try send(0, [], headers: [("content-type", "application/json; charset=gbk")], bytes: try Encode.gb18030(gbkText))   // 10

        // raw.student partition 1: quarantine and trimming.
        let badGender = std(Raw.id(20, county: "330106", birth: "20150101"), grade: "11").replacingOccurrences(of: "\"XBM\":\"1\"", with: "\"XBM\":\"3\"")
        try send(1, [badGender])                                                                       // 0 invalid_code
        try send(1, [badGender])                                                                       // 1 the same, again
        try send(1, [std(Raw.id(21, county: "330106", birth: "20150101"), grade: "11", school: "3133099999")])  // 2 unknown_school
        try send(1, [
            std(Raw.id(22, county: "330106", birth: "20150101"), grade: "11").replacingOccurrences(of: "\"XBM\":\"1\"", with: "\"XBM\":\"1\u{00A0}\""),
            std(Raw.id(23, county: "330106", birth: "20150101"), grade: "11", school: R.a + "\u{3000}"),
            Raw.object([("XXBSM", " \(R.a)\\t"), ("SFZJH", "\\t\(R.padded) "), ("XBM", " 1"), ("NJDM", "11 "), ("XJZT", "\\t1"),
                        ("GXSJ", " \(R.t) ")]),
        ])                                                                                             // 3
        // raw.student partition 2: the registry's deletes, before and after.
        try send(2, [std(R.beforeDelete, grade: "12", time: "2026-09-01 08:00:00", school: R.deletedByText)])  // 0 (10:00 < 12:00)
        let afterDelete = QualityFixture.ms("2026-09-01 13:00:00")
        for school in [R.deletedByText, R.deletedByCounty] {                                           // 1, 2
            _ = try out.send("raw.student", partition: 2, key: school, value: Array(
                std(Raw.id(30 + (school == R.deletedByText ? 0 : 1), county: "330106", birth: "20150101"), grade: "12", school: school).utf8),
                headers: json, timestampMs: afterDelete)
        }

        // raw.attendance partition 0, gbk-labelled: four-byte characters, U+3000, ASCII padding.
        let attendance = [("𠀀班", 30, 29), ("\u{3000}2班", 40, 38), ("2班", 35, 35), (" 3班\\t", 20, 20)].map { cls, e, p in
            Raw.object([("XXBSM", R.a), ("RQ", "20260901"), ("NJDM", "11"), ("BJ", cls), ("YDRS", "#\(e)"), ("SDRS", "#\(p)"), ("GXSJ", R.t)])
        }.joined(separator: "\n")
        _ = try out.send("raw.attendance", partition: 0, key: R.a, value: try Encode.gb18030(attendance),
                         headers: [("content-type", "application/x-ndjson; charset=gbk")], timestampMs: at)
        try h.waitUntilCaughtUp()

        secrets = [R.x, R.y, R.z, R.w, R.v, R.crossDialect, R.padded, R.gbkStudent, R.beforeDelete, "王𠮷", "测试学生"]
            + [R.x, R.y, R.gbkStudent].map { String($0.prefix(17)) }
        let a = (R.a, "330106")
        expectedEnrollment = Expected.enrollment([
            (a.0, a.1, 12, 1, true), (a.0, a.1, 22, 1, true), (a.0, a.1, 32, 1, true), (a.0, a.1, 14, 1, true),
            (a.0, a.1, 16, 1, true), (a.0, a.1, 12, 1, true), (a.0, a.1, 11, 1, true), (a.0, a.1, 13, 2, true),
            (R.deletedByText, "330110", 12, 1, true),
        ])
    }

    /// The winning version of a student: `topic|partition|offset|row|grade` in the standard zone.
    func winner(_ id: String) throws -> String? {
        // The standard zone is pseudonymous: find the person's row by the positions of its versions.
        let r = try h.query("""
            SELECT src_topic, src_partition, src_offset, src_row, grade FROM hub.standard_zone
            WHERE record_type = 'student' AND (src_topic, src_partition, src_offset, src_row) IN (SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[], $4::int[]))
            """, positionArrays(id))
        guard r.rowCount == 1 else { return r.rowCount == 0 ? nil : "\(r.rowCount) rows" }
        return (0..<5).map { r.value(0, $0)! }.joined(separator: "|")
    }

    /// Where each person's versions were sent (partition 0 unless said).
    private func positionArrays(_ id: String) -> [String?] {
        typealias R = SpecRuleFixture
        let positions: [String: [(Int32, Int64, Int)]] = [
            R.x: [(0, 0, 1), (0, 0, 2)], R.y: [(0, 1, 0), (0, 2, 0)], R.z: [(0, 3, 1), (0, 3, 2), (0, 4, 0)],
            R.w: [(0, 5, 0), (0, 6, 0)], R.v: [(0, 7, 1), (0, 7, 2)], R.crossDialect: [(0, 8, 0), (0, 9, 0)],
            R.gbkStudent: [(0, 10, 0)], R.padded: [(1, 3, 3)],
        ]
        let list = positions[id] ?? []
        func array(_ values: [String]) -> String { "{" + values.joined(separator: ",") + "}" }
        return [array(list.map { _ in "\"\(p0)\"" }), array(list.map { String($0.0) }), array(list.map { String($0.1) }),
                array(list.map { String($0.2) })]
    }

    /// `class|expected|present` of a school's current attendance rows, sorted.
    func classes(school: String) throws -> [String] {
        let r = try h.query("SELECT class_name, expected, present FROM hub.standard_zone WHERE record_type = 'attendance' AND school_code = $1",
                            [school])
        return (0..<r.rowCount).map { "\(r.value($0, 0)!)|\(r.value($0, 1)!)|\(r.value($0, 2)!)" }.sorted()
    }

    /// Every quarantine row as `position|reason|field|school`.
    func quarantineRows() throws -> [String] {
        let r = try h.query("""
            SELECT concat_ws('|', src_topic, src_partition, src_offset, src_row, reason, coalesce(field, ''), coalesce(school_code, ''))
            FROM hub.quarantine ORDER BY 1
            """)
        return (0..<r.rowCount).map { r.value($0, 0)! }
    }
}
