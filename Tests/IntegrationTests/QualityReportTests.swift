import Foundation
import Testing
import TestSupport

/// `hubctl report quality`: the report's figures against counts worked out here from the
/// data the test sends (the pipeline must have stored exactly those), and the score formula
/// of the README recomputed from them.
@Suite("Quality report", .serialized, .pipeline)
struct QualityReportTests {
    typealias F = QualityFixture

    /// The README formula, written out independently: per monitor 1 − Σfailed/Σchecked over
    /// the region and period; per dimension 100 × the mean over its monitors that checked
    /// something; overall the mean of the dimension scores.
    static func scores(_ rows: [(monitor: String, dimension: String, checked: Int, failed: Int)]) -> (overall: Double?, dimensions: [String: Double]) {
        var sums: [String: (dimension: String, checked: Int, failed: Int)] = [:]
        for r in rows {
            let s = sums[r.monitor] ?? (r.dimension, 0, 0)
            sums[r.monitor] = (r.dimension, s.checked + r.checked, s.failed + r.failed)
        }
        var perDimension: [String: [Double]] = [:]
        for s in sums.values where s.checked > 0 { perDimension[s.dimension, default: []].append(1 - Double(s.failed) / Double(s.checked)) }
        let dimensions = perDimension.mapValues { 100 * $0.reduce(0, +) / Double($0.count) }
        return (dimensions.isEmpty ? nil : dimensions.values.reduce(0, +) / Double(dimensions.count), dimensions)
    }

    @Test func countyReportMatchesTheDatabaseAndTheFormula() throws {
        let f = try F("q_report")
        defer { f.stop() }
        let (a, b, c) = (F.a, F.b, F.c)
        var students = (1...7).map { F.student($0, school: a) } + (8...10).map { F.student($0, school: a, [("XM", nil)]) }
        students += (11...14).map { F.student($0, school: b) } + [F.student(15, school: b, [("CSRQ", "20190230")])]
        students += (16...19).map { F.student($0, school: c, time: "2026-09-02 08:00:00", [("NJDM", "16")]) }
        try f.send("raw.student", students, at: "2026-09-02 10:00:00")
        try f.send("raw.teacher", [F.teacher(1, school: a), F.teacher(2, school: a, birth: "19500101")], at: "2026-09-01 10:00:00")
        try f.send("raw.attendance", [F.attendance(school: a, day: "20260901", cls: "1"),
                                      F.attendance(school: a, day: "20260901", cls: "2", expected: 30, present: 33),
                                      F.attendance(school: b, day: "20260902", cls: "1")], at: "2026-09-01 09:00:00")
        try f.waitUntilCaughtUp()
        let dir = NSTemporaryDirectory() + "eduhub-report-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try f.h.hubctl(["quality", "evaluate", "--from", "2026-09-01", "--to", "2026-09-02"])
        let said = try f.h.hubctl(["report", "quality", "--level", "county", "--region", "330106",
                                   "--from", "2026-09-01", "--to", "2026-09-02", "--out", dir])
        let base = dir + "/quality-county-330106-2026-09-01-2026-09-02"
        #expect(said.contains(base + ".html"))

        // The county's schools (A and B; C is in 330212), monitor by monitor, counted here from
        // the data above — not read back from the pipeline's tables.
        let d1 = "2026-09-01", d2 = "2026-09-02"
        let expectedRows: [(monitor: String, school: String, day: String, checked: Int, failed: Int)] = [
            // A: 10 students (3 without a name); B: 5 (one impossible birth date, so not compared with the ID).
            ("student_profile_complete", a, d1, 10, 3), ("student_profile_complete", b, d1, 5, 0),
            ("student_registry_no_format", a, d1, 10, 0), ("student_registry_no_format", b, d1, 5, 0),
            ("student_birth_date_valid", a, d1, 10, 0), ("student_birth_date_valid", b, d1, 5, 1),
            ("student_birth_matches_id", a, d1, 10, 0), ("student_birth_matches_id", b, d1, 4, 0),
            ("student_age_fits_grade", a, d1, 10, 0), ("student_age_fits_grade", b, d1, 5, 0),
            ("student_record_accepted", a, d1, 10, 0), ("student_record_accepted", b, d1, 5, 0),
            ("student_enrolled_once", a, d1, 10, 0), ("student_enrolled_once", b, d1, 5, 0),
            ("student_registry_no_unique", a, d1, 10, 0), ("student_registry_no_unique", b, d1, 5, 0),
            ("student_school_known", a, d1, 10, 0), ("student_school_known", b, d1, 5, 0),
            ("student_timely", a, d1, 10, 0), ("student_timely", b, d1, 5, 0),
            // A: two teachers, one born 1950 (76 on 2026-09-01).
            ("teacher_profile_complete", a, d1, 2, 0), ("teacher_staff_no_unique", a, d1, 2, 0),
            ("teacher_active_once", a, d1, 2, 0), ("teacher_age_plausible", a, d1, 2, 1),
            // Attendance: A two classes on day 1 (one with 33 present of 30), B one on day 2.
            ("attendance_present_le_expected", a, d1, 2, 1), ("attendance_present_le_expected", b, d2, 1, 0),
            ("attendance_class_size", a, d1, 2, 0), ("attendance_class_size", b, d2, 1, 0),
            // Reported by 10:00: A on day 1 (at 09:00), B's day-2 report on day 1; neither otherwise.
            ("attendance_daily_report", a, d1, 1, 0), ("attendance_daily_report", a, d2, 1, 1),
            ("attendance_daily_report", b, d1, 1, 1), ("attendance_daily_report", b, d2, 1, 0),
        ]
        // Quality dimensions of the shipped monitors (uniqueness is scored as consistency).
        let dimension: [String: String] = [
            "student_profile_complete": "completeness", "teacher_profile_complete": "completeness",
            "student_registry_no_format": "validity", "student_birth_date_valid": "validity", "student_birth_matches_id": "validity",
            "student_age_fits_grade": "validity", "student_record_accepted": "validity", "teacher_age_plausible": "validity",
            "attendance_class_size": "validity", "student_enrolled_once": "consistency", "student_registry_no_unique": "consistency",
            "teacher_staff_no_unique": "consistency", "teacher_active_once": "consistency", "attendance_present_le_expected": "consistency",
            "student_school_known": "referential", "student_timely": "timeliness", "attendance_daily_report": "timeliness",
        ]
        let rows = expectedRows.map { (monitor: $0.monitor, dimension: dimension[$0.monitor]!, school: $0.school, day: $0.day,
                                       checked: $0.checked, failed: $0.failed) }
        // The pipeline counted exactly that.
        let stored = try f.h.query("""
            SELECT q.monitor || '|' || m.dimension || '|' || q.school_code || '|' || q.day || '|' || q.checked || '|' || q.failed
            FROM hub.quality_results q JOIN hub.quality_monitors m USING (monitor)
            WHERE q.school_code IN ($1, $2) AND q.day BETWEEN '2026-09-01' AND '2026-09-02' AND (q.checked <> 0 OR q.failed <> 0)
            """, [a, b])
        let storedRows = Set((0..<stored.rowCount).map { stored.value($0, 0)! })
        let expectedSet = Set(rows.map { "\($0.monitor)|\($0.dimension)|\($0.school)|\($0.day)|\($0.checked)|\($0.failed)" })
        #expect(storedRows == expectedSet,
                "missing: \(expectedSet.subtracting(storedRows).sorted()); unexpected: \(storedRows.subtracting(expectedSet).sorted())")
        let expected = Self.scores(rows.map { ($0.monitor, $0.dimension, $0.checked, $0.failed) })

        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: base + ".json"))) as? [String: Any])
        #expect(json["level"] as? String == "county" && json["region"] as? String == "330106")
        let overall = try #require(json["overallScore"] as? Double)
        #expect(abs(overall - expected.overall!) < 1e-9)
        let dimensions = try #require(json["dimensions"] as? [[String: Any]])
        #expect(Set(dimensions.compactMap { $0["dimension"] as? String }) == Set(expected.dimensions.keys))
        for d in dimensions {
            let name = d["dimension"] as! String
            #expect(abs((d["score"] as! Double) - expected.dimensions[name]!) < 1e-9, "\(name)")
            #expect(d["checked"] as? Int == rows.filter { $0.dimension == name }.reduce(0) { $0 + $1.checked })
            #expect(d["failed"] as? Int == rows.filter { $0.dimension == name }.reduce(0) { $0 + $1.failed })
        }
        // Per monitor, per day, per school: the same sums.
        let monitors = try #require(json["monitors"] as? [[String: Any]])
        for m in monitors {
            let name = m["monitor"] as! String
            #expect(m["checked"] as? Int == rows.filter { $0.monitor == name }.reduce(0) { $0 + $1.checked }, "\(name)")
            #expect(m["failed"] as? Int == rows.filter { $0.monitor == name }.reduce(0) { $0 + $1.failed }, "\(name)")
        }
        #expect(Set(monitors.compactMap { $0["monitor"] as? String }) == Set(rows.map(\.monitor)))
        let days = try #require(json["days"] as? [[String: Any]])
        #expect(days.compactMap { $0["day"] as? String } == ["2026-09-01", "2026-09-02"])
        for d in days {
            let day = d["day"] as! String
            let s = Self.scores(rows.filter { $0.day == day }.map { ($0.monitor, $0.dimension, $0.checked, $0.failed) })
            #expect(abs((d["overallScore"] as! Double) - s.overall!) < 1e-9, "\(day)")
        }
        let schools = try #require(json["worstSchools"] as? [[String: Any]])
        let schoolScores = [a, b].map { s in (s, Self.scores(rows.filter { $0.school == s }.map { ($0.monitor, $0.dimension, $0.checked, $0.failed) }).overall!) }
        #expect(schools.compactMap { $0["region"] as? String } == schoolScores.sorted { $0.1 < $1.1 }.map(\.0))
        // One alert per (monitor, school, day) over its threshold: A's incomplete profiles
        // (3 of 10 > 5 %), B's impossible birth date, A's 76-year-old teacher, A's class with
        // more present than expected, and the two missed daily reports.
        let alerts = try f.h.query("""
            SELECT monitor || '|' || school_code || '|' || day FROM hub.quality_alerts
            WHERE school_code IN ($1, $2) AND day BETWEEN '2026-09-01' AND '2026-09-02'
            """, [a, b])
        #expect(Set((0..<alerts.rowCount).map { alerts.value($0, 0)! }) == [
            "student_profile_complete|\(a)|\(d1)", "student_birth_date_valid|\(b)|\(d1)", "teacher_age_plausible|\(a)|\(d1)",
            "attendance_present_le_expected|\(a)|\(d1)", "attendance_daily_report|\(a)|\(d2)", "attendance_daily_report|\(b)|\(d1)",
        ])
        #expect((json["alerts"] as? [Any])?.count == 6)

        // HTML: self-contained, with the figures; Markdown: the same figures.
        let html = try String(contentsOfFile: base + ".html", encoding: .utf8)
        let markdown = try String(contentsOfFile: base + ".md", encoding: .utf8)
        #expect(html.contains("<svg"))
        #expect(!html.contains("<script") && !html.contains("http://") && !html.contains("https://") && !html.contains("<link"))
        for text in [html, markdown] {
            #expect(text.contains(Self.oneDecimal(overall)))
            for (_, score) in expected.dimensions { #expect(text.contains(Self.oneDecimal(score))) }
            for m in monitors where (m["failed"] as! Int) > 0 { #expect(text.contains(m["monitor"] as! String)) }
            #expect(text.contains(a) && text.contains(b) && !text.contains(c))
        }
        // Chinese by default, the county named from the regions table.
        #expect(html.contains("<h1>西湖区（330106）数据质量报告</h1>"), "\(html.prefix(2000))")
        #expect(markdown.hasPrefix("# 西湖区（330106）数据质量报告\n"))
        // No clear personal data: the report carries codes and pseudonyms only (the names sent were 学生N and 教师N).
        for text in [html, markdown] {
            #expect(text.range(of: "(学生|教师)[0-9]", options: .regularExpression) == nil)
        }
        let size = try FileManager.default.attributesOfItem(atPath: base + ".html")[.size] as? Int ?? 0
        #expect(size > 2_000 && size < 500_000)
    }

    /// A score as the report prints it: one decimal, half away from zero.
    static func oneDecimal(_ v: Double) -> String {
        let tenths = (v * 10).rounded(.toNearestOrAwayFromZero)
        let whole = Int(tenths) / 10, frac = abs(Int(tenths) % 10)
        return "\(whole).\(frac)"
    }
}
