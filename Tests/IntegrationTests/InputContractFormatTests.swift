import Foundation
import Testing
import Zstd

/// SPEC §2 end to end, in one pipeline run: every content type, charset and encoding, all
/// three dialects of all three record types mixed in one batch, value forms (JSON numbers or
/// digit strings, extra fields, a county field that is ignored, trimming), and the whole-value
/// quarantine checks. Exact aggregates and exact quarantine counts.
@Suite("Input contract: formats, charsets, encodings, dialects", .serialized, .pipeline)
struct InputContractFormatTests {
    let a = "3133000001", b = "3133000002", c = "3133000003"
    let countyA = "330106", countyB = "330212", countyC = "330782"
    let t = "2026-09-01 08:00:00"

    func sid(_ n: Int) -> String { Raw.id(n, county: "330102", birth: "20110506") }
    func tid(_ n: Int) -> String { Raw.id(n, county: "330104", birth: "19800101") }

    @Test func everyFormatCharsetEncodingAndDialect() throws {
        let h = try PipelineHarness("formats")
        defer { h.stopAll() }
        try h.register(school: a, county: countyA)
        try h.register(school: b, county: countyB)
        try h.register(school: c, county: countyC)
        try h.flush()
        try h.startAll()

        var secrets: [String] = []
        var students: [(school: String, county: String, grade: Int, gender: Int, enrolled: Bool)] = []
        var malformed = 0, tooLarge = 0
        let ndjson = [("content-type", "application/x-ndjson")]

        // --- application/json, header absent: std with JSON numbers, extra fields, a county field of another county.
        secrets += [sid(1), "Oyangcuihua Zhenqiao"]
        try h.send("raw.student", key: a, text: Raw.object([
            ("XXBSM", a), ("XJH", "G1"), ("XM", "Oyangcuihua Zhenqiao"), ("XBM", "#1"), ("CSRQ", "#20110506"),
            ("SFZJH", sid(1)), ("NJDM", "#11"), ("BJ", "1班"), ("XJZT", "#1"), ("GXSJ", t),
            ("county_code", countyB), ("所属区县", countyC), ("extra", "#{\"x\":[1,2,{\"y\":null}]}"), ("flag", "#true"),
        ]))
        students.append((a, countyA, 11, 1, true))

        // --- application/json, header present (name and type in odd case), en with whitespace to trim.
        secrets += [sid(2)]
        try h.send("raw.student", key: b, text: Raw.object([
            ("school_code", "  \(b)\\t"), ("student_no", " S2 "), ("name", "Test Student"), ("gender", " F "),
            ("birth_date", "2011-05-06"), ("id_number", " \(sid(2)) "), ("grade", "#7"), ("class_name", " Class 7 "),
            ("status", "enrolled "), ("updated_at", " 2026-09-01T08:00:00.123456+08:00 "),
        ]), headers: [("Content-Type", "Application/JSON;charset=UTF-8")])
        students.append((b, countyB, 21, 2, true))

        // --- application/x-ndjson: three dialects in one value, CRLF, blank and whitespace-only lines, trailing newline.
        secrets += [sid(3), sid(4), sid(5)]
        let mixed = [
            Raw.zhStudent(school: c, id: sid(3), gender: "男", grade: "高一", status: "在读", time: "2026-9-1 8:0:0"),
            "",
            Raw.stdStudent(school: a, id: sid(4), gender: "2", grade: "12", status: "1", time: t),
            "   \t",
            Raw.enStudent(school: b, id: sid(5), gender: "U", grade: "#12", status: "enrolled", time: "2026-09-01T00:00:00Z"),
        ].joined(separator: "\r\n") + "\r\n"
        try h.send("raw.student", key: a, text: mixed, headers: ndjson)
        students += [(c, countyC, 31, 1, true), (b, countyB, 33, 9, true)]
        // The person code is the same across dialects: a later en version of the std line above replaces it.
        try h.send("raw.student", key: a, text: Raw.enStudent(school: a, id: sid(4), gender: "F", grade: "3", status: "enrolled",
                                                             time: "2026-09-02T08:00:00+08:00"))
        students.append((a, countyA, 13, 2, true))

        // --- text/csv (RFC 4180): quoted comma, doubled quotes, quoted line break, CRLF, a short row.
        secrets += [sid(6), sid(7), sid(8), sid(9), "Wangzhuo, Liqiantang", "Quorvash"]
        let csv = "XXBSM,SFZJH,XM,XBM,NJDM,BJ,XJZT,GXSJ\r\n"
            + "\(a),\(sid(6)),\"Wangzhuo, Liqiantang\",1,13,\"1\n班\",1,\(t)\r\n"
            + "\(a),\(sid(7)),\"Hesaid \"\"Quorvash\"\"\",2,14,1班,1,\(t)\r\n"
            + "\(a),\(sid(8)),x,1,15,1班,1\r\n"
            + "\(b), \(sid(9)) ,\"  名字 \",9,16,1班,2,\(t)\r\n"
        try h.send("raw.student", key: a, text: csv, headers: [("content-type", "text/csv")])
        students += [(a, countyA, 13, 1, true), (a, countyA, 14, 2, true), (b, countyB, 16, 9, false)]
        malformed += 1  // the row with 7 fields

        // --- header-only CSV, with and without a final line break: no records, nothing quarantined.
        try h.send("raw.student", key: a, text: "XXBSM,SFZJH,XBM,NJDM,XJZT,GXSJ\r\n", headers: [("content-type", "text/csv")])
        try h.send("raw.student", key: a, text: "school_code,id_number", headers: [("content-type", "text/csv")])

        // --- GBK CSV in the zh dialect, charset parameter quoted and capitalised.
        secrets += [sid(10), sid(11), "欧阳翠花", "司马懿轩"]
        let gbkCSV = "学校代码,身份证号,姓名,性别,年级,学籍状态,更新时间\n"
            + "\(c),\(sid(10)),欧阳翠花,女,初二,在读,2026-09-01 08:00:00\n"
            + "\(a),\(sid(11)),司马懿轩,男,六年级,转出,2026-09-01 08:00:00\n"
        try h.send("raw.student", key: c, value: try Encode.gbk(gbkCSV), headers: [("content-type", "text/csv; Charset=\"GBK\"")])
        students += [(c, countyC, 22, 2, true), (a, countyA, 16, 1, false)]

        // --- GB18030 ndjson with a character outside GBK (four-byte sequence), spaces after ';'.
        secrets += [sid(12), "𠀀龘翠"]
        let gbText = Raw.zhStudent(school: c, id: sid(12), gender: "女", grade: "一年级", status: "在读", time: "2026-09-01 8:00:00",
                                   name: "𠀀龘翠") + "\n"
        let gbBytes = try Encode.gb18030(gbText)
        #expect(gbBytes != Array(gbText.utf8))
        try h.send("raw.student", key: c, value: gbBytes, headers: [("content-type", "application/x-ndjson;   charset=GB18030")])
        students.append((c, countyC, 11, 2, true))

        // --- bytes that are not GBK/GB18030: the whole value is malformed.
        secrets += [sid(13)]
        var badGBK = try Encode.gbk("学校代码,身份证号,性别,年级,学籍状态,更新时间\n\(a),\(sid(13)),男,一年级,在读,\(t)\n")
        badGBK.insert(contentsOf: [0x81, 0x20], at: badGBK.count - 3)
        try h.send("raw.student", key: a, value: badGBK, headers: [("content-type", "text/csv;charset=gbk")])
        malformed += 1

        // --- UTF-8 BOM before a CSV header (en) and before a JSON object (no header).
        secrets += [sid(14), sid(15)]
        try h.send("raw.student", key: a, value: Encode.bom + Array((
            "school_code,id_number,gender,grade,status,updated_at\n\(a),\(sid(14)),M,1,enrolled,2026-09-01T08:00:00+08:00\n").utf8),
            headers: [("content-type", "text/csv; charset=utf-8")])
        try h.send("raw.student", key: b, value: Encode.bom + Array(
            Raw.stdStudent(school: b, id: sid(15), gender: "1", grade: "21", status: "1", time: t).utf8))
        students += [(a, countyA, 11, 1, true), (b, countyB, 21, 1, true)]

        // --- zstd with and without the content size in the frame header.
        secrets += [sid(16), sid(17), sid(18)]
        let zNd = Raw.enStudent(school: a, id: sid(16), gender: "F", grade: "2", status: "enrolled", time: "2026-09-01T08:00:00+08:00")
            + "\n" + Raw.zhStudent(school: b, id: sid(17), gender: "女", grade: "初三", status: "在读", time: t) + "\n"
        try h.send("raw.student", key: a, value: try Zstd.compress(Array(zNd.utf8), level: 3, includeContentSize: true),
                   headers: [("content-type", "application/x-ndjson"), ("Content-Encoding", "zstd")])
        let zCSV = "XXBSM,SFZJH,XBM,NJDM,XJZT,GXSJ\n\(a),\(sid(18)),1,11,1,\(t)\n"
        try h.send("raw.student", key: a, value: try Zstd.compress(Array(zCSV.utf8), level: 1, includeContentSize: false),
                   headers: [("content-encoding", "ZSTD"), ("content-type", "text/csv")])
        students += [(a, countyA, 12, 2, true), (b, countyB, 23, 2, true), (a, countyA, 11, 1, true)]

        // --- whole-value failures: broken frame, bombs with and without content size, stored value over 1 MiB,
        //     null, zero-length, unknown content type, charset and encoding.
        let frame = try Zstd.compress(Array(zCSV.utf8), level: 3, includeContentSize: true)
        try h.send("raw.student", key: a, value: Array(frame.prefix(frame.count / 2)) + [0xDE, 0xAD],
                   headers: [("content-encoding", "zstd"), ("content-type", "text/csv")])
        malformed += 1
        let bomb = [UInt8](repeating: 0x0A, count: 16 * 1024 * 1024 + 4096)
        try h.send("raw.student", key: a, value: try Zstd.compress(bomb, level: 1, includeContentSize: true),
                   headers: [("content-encoding", "zstd"), ("content-type", "application/x-ndjson")])
        try h.send("raw.student", key: a, value: try Zstd.compress(bomb, level: 1, includeContentSize: false),
                   headers: [("content-encoding", "zstd"), ("content-type", "application/x-ndjson")])
        tooLarge += 2
        secrets += [sid(19)]
        let big = Raw.stdStudent(school: a, id: sid(19), gender: "1", grade: "11", status: "1", time: t) + "\n"
            + String(repeating: " ", count: 1024 * 1024)
        try h.send("raw.student", key: a, text: big, headers: ndjson)
        tooLarge += 1
        try h.send("raw.student", key: a, value: nil)
        try h.send("raw.student", key: a, value: [])
        try h.send("raw.student", key: a, text: "{}", headers: [("content-type", "application/xml")])
        try h.send("raw.student", key: a, text: "{}", headers: [("content-type", "application/json; charset=latin1")])
        try h.send("raw.student", key: a, text: "{}", headers: [("content-encoding", "gzip")])
        malformed += 5

        // --- teachers: three dialects in one ndjson value; a teacher with a student's ID number is a separate entity.
        secrets += [tid(31), tid(32), tid(33), tid(34), tid(35), tid(36), "Xiaoqingtian Brambleworth"]
        let teachers = [
            Raw.stdTeacher(school: a, id: tid(31), gender: "1", status: "1", time: t),
            Raw.enTeacher(school: " \(b) ", id: tid(32), gender: "F", status: "active", time: "2026-09-01T08:00:00+08:00",
                          name: "Xiaoqingtian Brambleworth"),
            Raw.zhTeacher(school: c, id: tid(33), gender: "男", status: "在职", time: "2026-9-1 8:0:0"),
            Raw.zhTeacher(school: c, id: tid(34), gender: "女", status: "离职", time: t),
            Raw.object([("XXBSM", a), ("SFZJH", tid(35)), ("XBM", "#2"), ("RZZT", "#1"), ("GXSJ", t), ("county_code", countyC)]),
            Raw.stdTeacher(school: a, id: sid(1), gender: "1", status: "1", time: t),
        ].joined(separator: "\n")
        try h.send("raw.teacher", key: a, text: teachers, headers: ndjson)
        // zstd + GB18030 + CSV together.
        let tCSV = "学校代码,身份证号,姓名,性别,任职状态,更新时间\r\n\(c),\(tid(36)),龘䶮教师,女,在职,2026-09-01 08:00:00\r\n"
        try h.send("raw.teacher", key: c, value: try Zstd.compress(try Encode.gb18030(tCSV), level: 3, includeContentSize: false),
                   headers: [("content-type", "text/csv;charset=gb18030"), ("content-encoding", "zstd")])
        let teacherRows: [(school: String, county: String, active: Bool)] = [
            (a, countyA, true), (b, countyB, true), (c, countyC, true), (c, countyC, false), (a, countyA, true),
            (a, countyA, true), (c, countyC, true),
        ]

        // --- attendance: three dialects mixed, counts as numbers or strings, a date as a JSON integer,
        //     present > expected, and a later correction whose class differs only by whitespace.
        let attendance = [
            Raw.stdAttendance(school: a, day: "20260901", grade: "11", className: "1班", expected: "#40", present: "38", time: t),
            Raw.enAttendance(school: b, day: "2026-09-01", grade: "#1", className: "Class 1", expected: "30", present: "#31",
                             time: "2026-09-01T08:00:00+08:00"),
            Raw.zhAttendance(school: c, day: "2026/9/1", grade: "一年级", className: " 1班 ", expected: "25", present: "#25",
                             time: "2026-9-1 8:0:0"),
            Raw.stdAttendance(school: a, day: "#20260902", grade: "#11", className: "1班", expected: "10", present: "9", time: t),
        ].joined(separator: "\n") + "\n"
        try h.send("raw.attendance", key: a, text: attendance, headers: ndjson)
        try h.send("raw.attendance", key: c, text: Raw.zhAttendance(
            school: c, day: "2026/09/01", grade: "一年级", className: "1班", expected: "26", present: "24", time: "2026-09-01 09:00:00"))
        try h.flush()
        try h.waitUntilCaughtUp()

        #expect(try h.enrollment() == Expected.enrollment(students), "\(differences((try? h.enrollment()) ?? [:], Expected.enrollment(students)))")
        #expect(try h.teachers() == Expected.teachers(teacherRows), "\(differences((try? h.teachers()) ?? [:], Expected.teachers(teacherRows)))")
        #expect(try h.attendance() == Expected.attendance([
            (a, countyA, "2026-09-01", 40, 38), (b, countyB, "2026-09-01", 30, 31), (c, countyC, "2026-09-01", 26, 24),
            (a, countyA, "2026-09-02", 10, 9),
        ]))
        #expect(try h.quarantineCounts() == ["malformed": malformed, "too_large": tooLarge], "\(differences((try? h.quarantineCounts()) ?? [:], ["malformed": malformed, "too_large": tooLarge]))")
        for w in h.workers { #expect(w.process.isRunning, "\(w.stage) exited") }
        #expect(try h.personalDataLeaks(secrets) == [])
    }
}
