import Foundation
import Testing

/// SPEC §4 "Quarantine, never drop": every record-level and whole-value reason with its exact
/// count, the precedence between reasons, the field and source position of quarantine rows,
/// and that no name or ID number leaks into `hub.*`, the worker logs or the `std.*` topics.
@Suite("Input contract: quarantine reasons, positions, privacy", .serialized, .pipeline)
struct InputContractQuarantineTests {
    let a = "3133000001", b = "3133000002", unknown = "3133999999"
    let countyA = "330106", countyB = "330212"
    let t = "2026-09-01 08:00:00"

    func sid(_ n: Int) -> String { Raw.id(n, county: "330183", birth: "20120709") }

    /// A std student with `fields` changed (nil removes the field).
    func std(_ n: Int, _ changes: [(String, String?)] = [], name: String? = nil) -> String {
        var fields: [(String, String?)] = [("XXBSM", a), ("XJH", "G\(n)"), ("XM", name ?? "Qzxname\(n) Vwyplex"), ("XBM", "1"),
                                           ("CSRQ", "20120709"), ("SFZJH", sid(n)), ("NJDM", "11"), ("BJ", "1班"),
                                           ("XJZT", "1"), ("GXSJ", t)]
        for (k, v) in changes {
            if let i = fields.firstIndex(where: { $0.0 == k }) { fields[i].1 = v } else { fields.append((k, v)) }
        }
        return Raw.object(fields)
    }

    @Test func everyReasonWithPrecedencePositionsAndNoClearPersonalData() throws {
        let h = try PipelineHarness("reasons")
        defer { h.stopAll() }
        try h.register(school: a, county: countyA)
        try h.register(school: b, county: countyB)
        try h.flush()
        for stage in PipelineHarness.Stage.allCases { try h.start(stage, extraEnvironment: ["HUB_LOG_LEVEL": "debug"]) }
        let out = try PositionedSender(h)

        var secrets: [String] = []
        for n in 1...60 { secrets += [sid(n), "Qzxname\(n) Vwyplex"] }
        let badChecksum = Raw.badChecksum(1000)
        let badDate = Raw.id(1001, county: "330183", birth: "20120230")
        secrets += [badChecksum, badDate]
        // An ID number whose check character is X, written with a lower-case x (valid).
        let xID = (1...899).lazy.map { Raw.id($0, county: "330183", birth: "20120709") }.first { $0.hasSuffix("X") }!
        secrets.append(xID)

        // P1: one ndjson value, one line per case; the row is the 1-based line number.
        let lines: [String] = [
            std(1),                                                          // 1 good
            "{\"XXBSM\":\"\(a)\",\"SFZJH\":",                                // 2 malformed: does not parse
            "[1,2,3]",                                                       // 3 malformed: not an object
            std(4).replacingOccurrences(of: "\"XM\"", with: "\"XBM\""), // 4 malformed: duplicate key
            std(5, [("SFZJH", nil)]),                                        // 5 missing_field: absent
            std(6, [("XBM", "#null")]),                                      // 6 missing_field: null
            std(7, [("NJDM", "   ")]),                                       // 7 missing_field: blank
            std(8, [("SFZJH", badChecksum)]),                                // 8 invalid_id_number: checksum
            std(9, [("SFZJH", badDate)]),                                    // 9 invalid_id_number: impossible birth date
            std(10, [("XBM", "3")]),                                         // 10 invalid_code: gender
            std(11, [("NJDM", "17")]),                                       // 11 invalid_code: grade
            std(12, [("XJZT", "5")]),                                        // 12 invalid_code: status
            std(13, [("GXSJ", "2026-09-01 25:00:00")]),                      // 13 invalid_code: time
            std(14, [("NJDM", "#11.0")]),                                    // 14 invalid_code: 11.0 is not an integer
            std(15, [("XXBSM", unknown)]),                                   // 15 unknown_school
            std(16, [("XBM", nil), ("SFZJH", badChecksum)]),                 // 16 missing_field before invalid_id_number
            std(17, [("SFZJH", badChecksum), ("XBM", "7")]),                 // 17 invalid_id_number before invalid_code
            std(18, [("NJDM", "99"), ("XXBSM", unknown)]),                   // 18 invalid_code before unknown_school
            std(19, [("XJZT", ""), ("XXBSM", unknown)]),                     // 19 missing_field before unknown_school
            Raw.enStudent(school: a, id: String(xID.dropLast()) + "x", gender: "M", grade: "3", status: "enrolled",
                          time: "2026-09-01T08:00:00+08:00"),                // 20 good: lower-case x
            Raw.object([("school_code", a), ("id_number", sid(21)), ("gender", "F"), ("grade", "4"), ("status", "enrolled"),
                        ("birth_date", "2012-02-30"), ("updated_at", "2026-09-01T08:00:00Z")]), // 21 good: bad optional field
            Raw.object([("SFZJH", sid(22)), ("XBM", "1"), ("NJDM", "11"), ("XJZT", "1"), ("GXSJ", t)]), // 22 missing_field: no school
            Raw.enStudent(school: a, id: sid(23), gender: "M", grade: "1", status: "enrolled", time: "2026-09-01T08:00:00"), // 23 invalid_code: no offset
            Raw.zhStudent(school: a, id: sid(24), gender: "男", grade: "七年级", status: "在读", time: t), // 24 invalid_code: zh grade
            Raw.enStudent(school: a, id: sid(25), gender: "m", grade: "1", status: "enrolled", time: "2026-09-01T08:00:00Z"), // 25 invalid_code: case
            std(26, [("NJDM", "#1e1")]),                                     // 26 invalid_code: exponent
        ]
        let p1 = try out.send("raw.student", partition: 0, key: a, value: Array(lines.joined(separator: "\n").utf8),
                              headers: [("content-type", "application/x-ndjson")])
        var expectedCounts = ["malformed": 3, "missing_field": 6, "invalid_id_number": 3, "invalid_code": 10, "unknown_school": 1]
        let students: [(school: String, county: String, grade: Int, gender: Int, enrolled: Bool)] = [
            (a, countyA, 11, 1, true), (a, countyA, 13, 1, true), (a, countyA, 14, 2, true),
        ]

        // P2–P5: application/json values that are not exactly one object: whole value malformed.
        var wholeValues: [(topic: String, partition: Int32, offset: Int64)] = []
        for text in ["\"\(sid(40))\"", "{\"XXBSM\":\"\(a)\",\"XXBSM\":\"\(b)\",\"SFZJH\":\"\(sid(41))\"}",
                     "[\(std(42))]", std(43) + " " + std(44), "{\"XXBSM\":\"\(a)\""] {
            wholeValues.append(try out.send("raw.student", partition: 1, key: a, value: Array(text.utf8),
                                            headers: [("content-type", "application/json")]))
        }
        expectedCounts["malformed", default: 0] += 5

        // P6: attendance counts, dates and missing values.
        func att(_ changes: [(String, String?)]) -> String {
            var f: [(String, String?)] = [("XXBSM", b), ("RQ", "20260901"), ("NJDM", "21"), ("BJ", "2班"), ("YDRS", "40"),
                                          ("SDRS", "39"), ("GXSJ", t)]
            for (k, v) in changes {
                if let i = f.firstIndex(where: { $0.0 == k }) { f[i].1 = v } else { f.append((k, v)) }
            }
            return Raw.object(f)
        }
        let attendance = [
            att([]),                                         // 1 good
            att([("BJ", "3班"), ("YDRS", "#-1")]),            // 2 invalid_code: negative
            att([("BJ", "4班"), ("YDRS", "-1")]),             // 3 invalid_code: negative string
            att([("BJ", "5班"), ("SDRS", "#1.5")]),           // 4 invalid_code: fraction
            att([("BJ", "6班"), ("SDRS", "#1.0")]),           // 5 invalid_code: 1.0
            att([("BJ", "7班"), ("SDRS", "#1e1")]),           // 6 invalid_code: exponent
            att([("BJ", "8班"), ("RQ", "20260230")]),         // 7 invalid_code: not a real date
            Raw.enAttendance(school: b, day: "2026-9-1", grade: "7", className: "9班", expected: "1", present: "1",
                             time: "2026-09-01T08:00:00Z"),  // 8 invalid_code: en date not zero-padded
            att([("BJ", "  ")]),                             // 9 missing_field: blank class
            Raw.object([("学校代码", b), ("日期", "2026/9/1"), ("年级", "初一"), ("班级", "10班"), ("应到人数", "3"),
                        ("更新时间", t)]),                      // 10 missing_field: present absent
            att([("BJ", "11班"), ("YDRS", "1.0")]),           // 11 invalid_code: "1.0" as a string
        ].joined(separator: "\n")
        let p6 = try out.send("raw.attendance", partition: 0, key: b, value: Array(attendance.utf8),
                              headers: [("content-type", "application/x-ndjson")])
        expectedCounts["invalid_code", default: 0] += 8
        expectedCounts["missing_field", default: 0] += 2

        // P7: teachers.
        let teachers = [
            Raw.stdTeacher(school: b, id: sid(50), gender: "2", status: "1", time: t, name: "Qzxname50 Vwyplex"), // 1 good
            Raw.stdTeacher(school: b, id: sid(51), gender: "2", status: "2", time: t),                           // 2 invalid_code
            Raw.enTeacher(school: b, id: sid(52), gender: "F", status: "Active", time: "2026-09-01T08:00:00Z"),  // 3 invalid_code
            Raw.object([("XXBSM", b), ("XBM", "1"), ("RZZT", "1"), ("GXSJ", t), ("XM", "Qzxname53 Vwyplex")]),  // 4 missing_field
            Raw.zhTeacher(school: unknown, id: sid(54), gender: "男", status: "在职", time: t),                   // 5 unknown_school
        ].joined(separator: "\n")
        let p7 = try out.send("raw.teacher", partition: 0, key: b, value: Array(teachers.utf8),
                              headers: [("content-type", "application/x-ndjson")])
        expectedCounts["invalid_code", default: 0] += 2
        expectedCounts["missing_field", default: 0] += 1
        expectedCounts["unknown_school", default: 0] += 1

        // P8: CSV whose second data row has one field too many; rows count data records from 1.
        let csv = "XXBSM,SFZJH,XM,XBM,NJDM,XJZT,GXSJ\n"
            + "\(a),\(sid(55)),Qzxname55 Vwyplex,2,15,1,\(t)\n"
            + "\(a),\(sid(56)),Qzxname56 Vwyplex,2,15,1,\(t),extra\n"
            + "\(a),\(sid(57)),\"Qzxname57 Vwyplex\",1,16,1,\(t)\n"
        let p8 = try out.send("raw.student", partition: 2, key: a, value: Array(csv.utf8), headers: [("content-type", "text/csv")])
        expectedCounts["malformed", default: 0] += 1

        try h.waitUntilCaughtUp()

        #expect(try h.quarantineCounts() == expectedCounts, "\(differences((try? h.quarantineCounts()) ?? [:], expectedCounts))")
        #expect(try h.enrollment() == Expected.enrollment(students + [(a, countyA, 15, 2, true), (a, countyA, 16, 1, true)]), "\(differences((try? h.enrollment()) ?? [:], Expected.enrollment(students + [(a, countyA, 15, 2, true), (a, countyA, 16, 1, true)])))")
        #expect(try h.teachers() == Expected.teachers([(b, countyB, true)]), "\(differences((try? h.teachers()) ?? [:], Expected.teachers([(b, countyB, true)])))")
        #expect(try h.attendance() == Expected.attendance([(b, countyB, "2026-09-01", 40, 39)]), "\(differences((try? h.attendance()) ?? [:], Expected.attendance([(b, countyB, "2026-09-01", 40, 39)])))")

        // Source positions and fields of the quarantine rows.
        #expect(try h.quarantineRows(topic: p1.topic, partition: p1.partition, offset: p1.offset) == [
            2: "malformed|-", 3: "malformed|-", 4: "malformed|-", 5: "missing_field|SFZJH", 6: "missing_field|XBM",
            7: "missing_field|NJDM", 8: "invalid_id_number|SFZJH", 9: "invalid_id_number|SFZJH", 10: "invalid_code|XBM",
            11: "invalid_code|NJDM", 12: "invalid_code|XJZT", 13: "invalid_code|GXSJ", 14: "invalid_code|NJDM",
            15: "unknown_school|XXBSM", 16: "missing_field|XBM", 17: "invalid_id_number|SFZJH", 18: "invalid_code|NJDM",
            19: "missing_field|XJZT", 22: "missing_field|XXBSM", 23: "invalid_code|updated_at", 24: "invalid_code|年级",
            25: "invalid_code|gender", 26: "invalid_code|NJDM",
        ])
        #expect(try h.quarantineRows(topic: p6.topic, partition: p6.partition, offset: p6.offset) == [
            2: "invalid_code|YDRS", 3: "invalid_code|YDRS", 4: "invalid_code|SDRS", 5: "invalid_code|SDRS",
            6: "invalid_code|SDRS", 7: "invalid_code|RQ", 8: "invalid_code|date", 9: "missing_field|BJ",
            10: "missing_field|实到人数", 11: "invalid_code|YDRS",
        ])
        #expect(try h.quarantineRows(topic: p7.topic, partition: p7.partition, offset: p7.offset) == [
            2: "invalid_code|RZZT", 3: "invalid_code|status", 4: "missing_field|SFZJH", 5: "unknown_school|学校代码",
        ])
        #expect(try h.quarantineRows(topic: p8.topic, partition: p8.partition, offset: p8.offset) == [2: "malformed|-"])
        for w in wholeValues {
            #expect(try h.quarantineRows(topic: w.topic, partition: w.partition, offset: w.offset) == [0: "malformed|-"])
        }
        // The dead-letter copy keeps the raw bytes, in the private schema only.
        let raw = try h.query("""
            SELECT count(*) FROM hub_private.quarantine_raw
            WHERE src_topic = $1 AND src_partition = $2 AND src_offset = $3 AND position($4::bytea IN raw) > 0
            """, [p1.topic, String(p1.partition), String(p1.offset), badChecksum])
        #expect(raw.int(0, 0) == 3)
        let quarantineTopic = try h.readAll(["hub.quarantine"])
        #expect(quarantineTopic.count == expectedCounts.values.reduce(0, +))

        for w in h.workers { #expect(w.process.isRunning, "\(w.stage) exited") }
        #expect(try h.personalDataLeaks(secrets + secrets.filter { $0.count == 18 }.map { String($0.prefix(17)) }) == [])
    }
}
