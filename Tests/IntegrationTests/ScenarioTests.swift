import Foundation
import Testing
import TestSupport

/// One test per shipped monitoring scenario (issue 16): the crafted dataset went through the
/// real workers once (``ScenarioFixture``); each test compares the scenario's stored rows for
/// November 2026 — value, numerator, denominator, threshold and status at school, county, city
/// and province level — with the figures ``ScenarioExpectations`` computes from the dataset and
/// the definition, and checks exactly one warning per breach in the outbox and on the topic.
@Suite("Monitoring scenarios, one test each", .serialized, .pipeline)
struct ScenarioTests {
    typealias F = ScenarioFixture
    typealias E = ScenarioExpectations

    let f: ScenarioFixture
    let x: ScenarioExpectations

    init() throws {
        f = try ScenarioFixture.shared.get()
        x = ScenarioExpectations(f: f)
    }

    /// Asserts a scenario's rows, its warnings in the outbox and on the topic.
    func check(_ scenario: String, _ spec: E.Spec, _ perSchool: [String: E.Figures], previous: [String: Double]? = nil,
               period: String = "2026-11", sourceLocation: SourceLocation = #_sourceLocation) throws {
        let expected = E.rows(spec, perSchool, previous: previous)
        let actual = try f.results(scenario, period: period)
        #expect(Set(actual.keys) == Set(expected.keys), "regions of \(scenario)", sourceLocation: sourceLocation)
        for (key, row) in expected.sorted(by: { $0.key < $1.key }) {
            let got = actual[key]
            #expect(got.map { $0.matches(row) } == true, "\(scenario) \(key): expected \(row), got \(got.map(\.description) ?? "nothing")",
                    sourceLocation: sourceLocation)
        }
        let warnings = Set(expected.filter { $0.value.status == "warning" }.map(\.key))
        // The dataset exercises the scenario: some rows warn, some do not.
        #expect(!warnings.isEmpty && warnings.count < expected.count, "\(scenario) warns somewhere, not everywhere",
                sourceLocation: sourceLocation)
        #expect(try f.alertRows(scenario, period: period) == warnings, "outbox of \(scenario)", sourceLocation: sourceLocation)
        let messages = try f.alertMessages().filter { $0.key.hasPrefix("\(scenario)|") && $0.key.hasSuffix("|\(period)") }
        let expectedMessages = Dictionary(uniqueKeysWithValues: warnings.map { ("\(scenario)|\($0)|\(period)", 1) })
        #expect(messages == expectedMessages, "alert messages of \(scenario)", sourceLocation: sourceLocation)
    }

    // MARK: classes and staffing

    @Test func oversizedClasses() throws {
        let spec = E.Spec(form: .percent, comparison: .above, threshold: E.single(.above, school: 0, other: 5, stages: ["senior": 10]))
        try check("oversized_classes", spec, x.oversized(primary: 45, junior: 50, senior: 50))
    }

    @Test func superLargeClasses() throws {
        let spec = E.Spec(form: .percent, comparison: .above, threshold: E.single(.above, school: 0, other: 0))
        try check("super_large_classes", spec, x.oversized(primary: 56, junior: 56, senior: 56))
    }

    @Test func averageClassSize() throws {
        let spec = E.Spec(form: .ratio, comparison: .above, threshold: E.single(.above, school: 45, other: 40, stages: ["primary": 40]))
        try check("average_class_size", spec, x.averageClassSize)
    }

    @Test func studentTeacherRatio() throws {
        let spec = E.Spec(form: .ratio, comparison: .above, threshold: E.single(.above, school: 19, other: 17, stages: [
            "primary": 19, "junior": 13.5, "senior": 12.5, "nine_year": 16, "complete_secondary": 13]))
        try check("student_teacher_ratio", spec, x.studentTeacherRatio)
    }

    @Test func teacherAttrition() throws {
        let spec = E.Spec(form: .percent, comparison: .above, threshold: E.single(.above, school: 10, other: 5))
        try check("teacher_attrition", spec, x.teacherAttrition)
    }

    @Test func teachersNearRetirement() throws {
        let spec = E.Spec(form: .percent, comparison: .above, threshold: E.single(.above, school: 30, other: 25))
        try check("teachers_near_retirement", spec, x.nearRetirement)
    }

    @Test func schoolsWithoutTeachers() throws {
        let spec = E.Spec(form: .count, comparison: .atLeast, threshold: E.single(.atLeast, school: 1, other: 1))
        let f = self.f
        try check("schools_without_teachers", spec, x.without { s in f.phase2.teachers.contains { $0.school.code == s.code && $0.status == 1 } })
    }

    @Test func schoolsWithoutPupils() throws {
        let spec = E.Spec(form: .count, comparison: .atLeast, threshold: E.single(.atLeast, school: 1, other: 1))
        let f = self.f
        try check("schools_without_pupils", spec, x.without { s in f.phase2.pupils.contains { $0.school.code == s.code && $0.status == 1 } })
    }

    // MARK: pupils

    @Test func dropoutRisk() throws {
        let spec = E.Spec(form: .count, comparison: .atLeast, threshold: E.single(.atLeast, school: 1, other: 1))
        try check("dropout_risk", spec, x.dropoutRisk)
    }

    @Test func suspensionRate() throws {
        let spec = E.Spec(form: .percent, comparison: .above, threshold: E.single(.above, school: 2, other: 1, stages: ["senior": 3]))
        try check("suspension_rate", spec, x.suspension)
    }

    @Test func overAgePupils() throws {
        let spec = E.Spec(form: .percent, comparison: .above, threshold: E.single(.above, school: 5, other: 3))
        try check("over_age_pupils", spec, x.overAge)
    }

    @Test func genderRatio() throws {
        let spec = E.Spec(form: .perHundred, comparison: .outside, threshold: E.range(school: (80, 130), other: (95, 120)), minDenominator: 20)
        try check("gender_ratio", spec, x.genderRatio)
    }

    @Test func enrolmentChangeAgainstThePreviousMonth() throws {
        let spec = E.Spec(form: .changePercent, comparison: .outside, threshold: E.range(school: (-20, 30), other: (-10, 15)))
        // October's rows store the enrolled pupils the November rows compare with.
        let october = try f.results("enrolment_change", period: "2026-10")
        let previous = x.previousEnrolment
        #expect(Dictionary(uniqueKeysWithValues: october.map { ($0.key, $0.value.numerator ?? -1) }) == previous)
        try check("enrolment_change", spec, E.enrolledCount(f.phase2.pupils), previous: previous)
    }

    @Test func grade1Intake() throws {
        let spec = E.Spec(form: .changePercent, comparison: .outside, threshold: E.range(school: (-50, 50), other: (-20, 20)), minDenominator: 10)
        try check("grade1_intake", spec, x.grade1Intake)
    }

    @Test func enrolmentReportingCoverage() throws {
        let spec = E.Spec(form: .percent, comparison: .below, threshold: E.single(.below, school: 100, other: 95))
        let f = self.f
        try check("enrolment_reporting_coverage", spec, x.covered { s in f.phase2.pupils.contains { $0.school.code == s.code } })
    }

    // MARK: attendance

    @Test func attendanceRate() throws {
        let spec = E.Spec(form: .percent, comparison: .below, threshold: E.single(.below, school: 90, county: 93, other: 95))
        try check("attendance_rate", spec, x.attendanceRate)
    }

    @Test func lowAttendanceStreak() throws {
        let spec = E.Spec(form: .count, schoolsInWarning: true, comparison: .atLeast, threshold: E.single(.atLeast, school: 3, other: 1))
        try check("low_attendance_streak", spec, x.lowAttendanceStreak)
    }

    @Test func absenceSpike() throws {
        let spec = E.Spec(form: .count, schoolsInWarning: true, comparison: .atLeast, threshold: E.single(.atLeast, school: 1, other: 1))
        try check("absence_spike", spec, x.absenceSpike)
    }

    @Test func classRosterMismatch() throws {
        let spec = E.Spec(form: .percent, comparison: .above, threshold: E.single(.above, school: 20, other: 10))
        try check("class_roster_mismatch", spec, x.rosterMismatch)
    }

    @Test func attendanceReportingCoverage() throws {
        let spec = E.Spec(form: .percent, comparison: .below, threshold: E.single(.below, school: 100, other: 90))
        let november = x.novemberAttendance
        try check("attendance_reporting_coverage", spec, x.covered { s in november.contains { $0.school.code == s.code } })
    }

    // MARK: the evaluation as a whole

    @Test("every shipped scenario has its test above, and the deleted school is never evaluated")
    func everyScenarioCovered() throws {
        let names = try f.h.query("SELECT scenario FROM hub.scenarios ORDER BY scenario")
        let tested: Set<String> = [
            "oversized_classes", "super_large_classes", "average_class_size", "student_teacher_ratio", "teacher_attrition",
            "teachers_near_retirement", "schools_without_teachers", "schools_without_pupils", "dropout_risk", "suspension_rate",
            "over_age_pupils", "gender_ratio", "enrolment_change", "grade1_intake", "enrolment_reporting_coverage", "attendance_rate",
            "low_attendance_streak", "absence_spike", "class_roster_mismatch", "attendance_reporting_coverage",
        ]
        #expect(Set((0..<names.rowCount).map { names.value($0, 0)! }) == tested)
        #expect(tested.count >= 15)
        #expect(try f.h.query("SELECT count(*) FROM hub.scenario_results WHERE region_code = $1", [F.x.code]).int(0, 0) == 0)
    }

    @Test("the term is evaluated over its own days: attendance since September, snapshots as of the same day")
    func termEvaluation() throws {
        let term = try f.results("attendance_rate", period: "2026-2027-1")
        var sums: (Int, Int) = (0, 0)
        for a in f.phase2.attendance where a.school.code == F.a.code && a.day <= "2026-11-27" {
            sums = (sums.0 + a.present, sums.1 + a.expected)
        }
        #expect(term["school|\(F.a.code)"]?.numerator == Double(sums.0) && term["school|\(F.a.code)"]?.denominator == Double(sums.1))
        let month = try f.results("student_teacher_ratio", period: "2026-11")
        let termRatio = try f.results("student_teacher_ratio", period: "2026-2027-1")
        #expect(month == termRatio)
    }

    @Test("re-evaluating gives the same rows, the same evaluated_at, and no new warning")
    func reevaluationIsIdempotent() throws {
        func dump() throws -> [String] {
            let r = try f.h.query("""
                SELECT scenario, period, level, region_code, value::text, numerator::text, denominator::text, status, evaluated_at::text
                FROM hub.scenario_results ORDER BY 1, 2, 3, 4
                """)
            return (0..<r.rowCount).map { i in (0..<9).map { r.value(i, $0) ?? "null" }.joined(separator: "|") }
        }
        let before = try dump()
        let messagesBefore = try f.alertMessages()
        let outboxBefore = try f.h.query("SELECT count(*) FROM hub.quality_alerts WHERE source = 'scenario'").int(0, 0)
        try f.h.hubctl(["monitor", "evaluate", "--month", "2026-11", "--term", "2026-2027-1", "--as-of", "2026-11-27"])
        try f.h.hubctl(["monitor", "evaluate", "--month", "2026-11", "--as-of", "2026-11-27"])
        #expect(try dump() == before)
        #expect(try f.h.query("SELECT count(*) FROM hub.quality_alerts WHERE source = 'scenario'").int(0, 0) == outboxBefore)
        #expect(try f.alertMessages() == messagesBefore)
        #expect(messagesBefore.values.allSatisfy { $0 == 1 })
    }

    // MARK: the operational monitoring report

    /// Equal up to the rounding of a JSON round trip.
    static func same(_ a: Any?, _ b: Double?) -> Bool {
        switch (a as? Double, b) {
        case (nil, nil): return a == nil || a is NSNull
        case let (x?, y?): return abs(x - y) <= 1e-9 * max(1, abs(y))
        default: return false
        }
    }

    @Test("the city report: every figure equals the results table; zh-CN by default with names next to codes; English on request")
    func cityReport() throws {
        let dir = NSTemporaryDirectory() + "eduhub-monitoring-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let said = try f.h.hubctl(["report", "monitoring", "--level", "city", "--region", "330100", "--month", "2026-11", "--out", dir])
        let base = dir + "/monitoring-city-330100-2026-11"
        #expect(said.contains(base + ".html") && said.contains(base + ".json"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: base + ".json"))) as? [String: Any])
        #expect(json["language"] as? String == "zh-CN" && json["regionName"] as? String == "杭州市")
        #expect(json["previousPeriod"] as? String == "2026-10" && json["periodEnd"] as? String == "2026-11-30")

        // The results table, read plainly.
        let table = try f.h.query("""
            SELECT scenario, period, level, region_code, value, status, threshold_low, threshold_high FROM hub.scenario_results
            """)
        var rows: [String: (value: Double?, status: String, low: Double?, high: Double?)] = [:]
        for i in 0..<table.rowCount {
            rows["\(table.value(i, 0)!)|\(table.value(i, 1)!)|\(table.value(i, 2)!)|\(table.value(i, 3)!)"] =
                (table.value(i, 4).flatMap(Double.init), table.value(i, 5)!, table.value(i, 6).flatMap(Double.init),
                 table.value(i, 7).flatMap(Double.init))
        }
        let cityCounties = ["330102", "330104", "330106"]
        let citySchools = Set([F.a, F.b, F.c, F.g].map(\.code))
        let indicators = try #require(json["indicators"] as? [[String: Any]])
        #expect(indicators.count == 20)
        var warnings = 0
        var schoolsInWarning: Set<String> = []
        for i in indicators {
            let name = i["scenario"] as! String
            let own = try #require(rows["\(name)|2026-11|city|330100"], "\(name)")
            let previous = rows["\(name)|2026-10|city|330100"]
            #expect(Self.same(i["value"], own.value) && i["status"] as? String == own.status, "\(name)")
            #expect(Self.same(i["thresholdLower"], own.low) && Self.same(i["thresholdUpper"], own.high), "\(name)")
            #expect(Self.same(i["previousValue"], previous?.value), "\(name)")
            if let v = own.value, let p = previous?.value {
                #expect(Self.same(i["change"], v - p), "\(name)")
            } else {
                #expect(i["change"] == nil, "\(name)")
            }
            let trend = (i["trend"] as? [[String: Any]] ?? []).compactMap { $0["period"] as? String }
            #expect(trend == ["2026-10", "2026-11"], "\(name)")
            let sub = i["subRegions"] as? [[String: Any]] ?? []
            #expect(sub.compactMap { $0["code"] as? String }.sorted() == cityCounties, "\(name)")
            for s in sub {
                let code = s["code"] as! String
                let r = try #require(rows["\(name)|2026-11|county|\(code)"])
                #expect(Self.same(s["value"], r.value) && s["status"] as? String == r.status, "\(name) \(code)")
            }
            #expect(sub.first { $0["code"] as? String == "330106" }?["name"] as? String == "西湖区")
            #expect(sub.first { $0["code"] as? String == "330104" }?["name"] == nil, "a county the names do not list has none")
            let warned = Set((i["schoolsInWarning"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String })
            let expectedWarned = Set(rows.filter { k, v in
                let p = k.split(separator: "|").map(String.init)
                return p[0] == name && p[1] == "2026-11" && p[2] == "school" && citySchools.contains(p[3]) && v.status == "warning"
            }.map { String($0.key.split(separator: "|")[3]) })
            #expect(warned == expectedWarned, "\(name)")
            schoolsInWarning.formUnion(warned)
            if own.status == "warning" { warnings += 1 }
        }
        let summary = try #require(json["summary"] as? [String: Any])
        #expect(summary["warnings"] as? Int == warnings && summary["schoolsInWarning"] as? Int == schoolsInWarning.count)
        #expect(warnings > 0 && !schoolsInWarning.isEmpty)

        let html = try String(contentsOfFile: base + ".html", encoding: .utf8)
        #expect(html.contains("<html lang=\"zh-CN\">") && html.contains("<svg"))
        #expect(!html.contains("<script") && !html.contains("http://") && !html.contains("https://") && !html.contains("<link"))
        #expect(html.contains("杭州市（330100）") && html.contains("西湖区（330106）") && html.contains(F.a.name) && html.contains("2026年11月"))
        // No personal data: the pupils' and teachers' names of the dataset (学生N, 教师N) never appear.
        #expect(html.range(of: "(学生|教师)[0-9]", options: .regularExpression) == nil, "no personal data in clear")

        try f.h.hubctl(["report", "monitoring", "--level", "city", "--region", "330100", "--month", "2026-11", "--lang", "en", "--out", dir])
        let english = try String(contentsOfFile: base + ".en.html", encoding: .utf8)
        #expect(english.contains("<html lang=\"en\">") && english.contains("Hangzhou (330100)") && english.contains("Xihu District (330106)"))
        #expect(english.contains("November 2026"))

        // The province's term report exists too, with every scenario.
        try f.h.hubctl(["report", "monitoring", "--term", "2026-2027-1", "--out", dir])
        let term = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/monitoring-province-330000-2026-2027-1.json"))) as? [String: Any])
        #expect((term["indicators"] as? [Any])?.count == 20 && term["regionName"] as? String == "浙江省")
    }
}
