import Foundation
import Kafka
import Postgres
import TestSupport

/// One pipeline for every monitoring-scenario test (one run keeps the suite lean): a registry
/// of six schools in four counties and two cities, pupils, teachers and class attendance
/// crafted so that every scenario warns somewhere and not everywhere, sent through the real
/// workers (ingest, transform, sink, archive) in two phases:
/// - phase 1, the state of mid-October, evaluated for month 2026-10 as of 2026-10-31 (the
///   previous period of the enrolment-change scenario);
/// - phase 2, newer versions and new entities, evaluated for month 2026-11 and term
///   2026-2027-1 as of 2026-11-27.
/// The expected figures are computed from the same lists by ``ScenarioExpectations``, written
/// from the scenarios' definitions and independent of the production code.
final class ScenarioFixture: @unchecked Sendable {
    // MARK: the registry

    struct School {
        var code: String
        var name: String
        var county: String
        var stage: String
    }

    static let a = School(code: "3301060101", name: "西湖实验小学", county: "330106", stage: "primary")
    static let b = School(code: "3301060102", name: "西湖初级中学", county: "330106", stage: "junior")
    static let c = School(code: "3301020201", name: "上城小学", county: "330102", stage: "primary")
    static let d = School(code: "3302120301", name: "鄞州高级中学", county: "330212", stage: "senior")
    static let e = School(code: "3302120302", name: "鄞州九年一贯制学校", county: "330212", stage: "nine_year")
    /// In 330104, a county the shipped region names no longer list (shown by its code).
    static let g = School(code: "3301040401", name: "江干小学", county: "330104", stage: "primary")
    /// Registered, then deleted: not among the schools evaluated.
    static let x = School(code: "3301060199", name: "已撤销学校", county: "330106", stage: "primary")
    static let schools = [a, b, c, d, e, g]

    // MARK: the data

    struct Pupil {
        var n: Int
        var school: School
        var grade: Int
        var cls: String?
        var gender: Int
        var status: Int
        var birth: String?
        var updated: String
    }

    struct Teacher {
        var n: Int
        var school: School
        var status: Int
        var birth: String?
        var updated: String
    }

    struct Attendance {
        var school: School
        var day: String  // YYYY-MM-DD
        var grade: Int
        var cls: String
        var expected: Int
        var present: Int
    }

    /// The state after each phase (pupils and teachers by person; attendance by class day).
    let phase1: (pupils: [Pupil], teachers: [Teacher], attendance: [Attendance])
    let phase2: (pupils: [Pupil], teachers: [Teacher], attendance: [Attendance])

    let h: PipelineHarness
    private var archive: ManagedProcess?

    static let shared: Result<ScenarioFixture, any Error> = Result { try ScenarioFixture() }

    private init() throws {
        (phase1, phase2) = Self.dataset()
        h = try PipelineHarness("scenarios")
        for s in Self.schools + [Self.x] {
            try h.send("ref.school", key: s.code, text: "{\"school_code\":\"\(s.code)\",\"name\":\"\(s.name)\",\"county_code\":\"\(s.county)\",\"stage\":\"\(s.stage)\"}",
                       timestampMs: QualityFixture.ms("2026-08-01 00:00:00"))
        }
        try h.send("ref.school", key: Self.x.code, value: nil, timestampMs: QualityFixture.ms("2026-08-02 00:00:00"))
        try h.flush()
        try h.startAll()
        let archive = try ManagedProcess(executable: PipelineHarness.binDirectory + "/hub-archive", environment: h.environment("archive"))
        self.archive = archive
        defer {
            h.stopAll()
            archive.terminate()
            _ = try? archive.waitForExit(timeout: .seconds(20))
        }
        try send(pupils: phase1.pupils, teachers: phase1.teachers, attendance: phase1.attendance)
        try h.waitUntilCaughtUp()
        try eventually(timeout: .seconds(90), "the registry archived") {
            try h.query("SELECT count(*) FROM hub.schools").int(0, 0) == Self.schools.count
        }
        try h.hubctl(["monitor", "evaluate", "--month", "2026-10", "--as-of", "2026-10-31"])
        // Phase 2: only what changed or is new, with later times.
        let p1 = Dictionary(uniqueKeysWithValues: phase1.pupils.map { ($0.n, $0) })
        let t1 = Dictionary(uniqueKeysWithValues: phase1.teachers.map { ($0.n, $0) })
        let a1 = Set(phase1.attendance.map { "\($0.school.code)|\($0.day)|\($0.grade)|\($0.cls)" })
        try send(pupils: phase2.pupils.filter { p in p1[p.n].map { $0.updated != p.updated } ?? true },
                 teachers: phase2.teachers.filter { t in t1[t.n].map { $0.updated != t.updated } ?? true },
                 attendance: phase2.attendance.filter { !a1.contains("\($0.school.code)|\($0.day)|\($0.grade)|\($0.cls)") })
        try h.waitUntilCaughtUp()
        try h.hubctl(["monitor", "evaluate", "--month", "2026-11", "--term", "2026-2027-1", "--as-of", "2026-11-27"])
    }

    /// Sends records as ndjson values keyed by school, with a Kafka time after every *updated at*.
    private func send(pupils: [Pupil], teachers: [Teacher], attendance: [Attendance]) throws {
        let at = QualityFixture.ms("2026-11-28 10:00:00")
        func ndjson(_ topic: String, _ lines: [(String, String)]) throws {
            for (school, group) in Dictionary(grouping: lines, by: \.0) {
                for chunk in stride(from: 0, to: group.count, by: 200) {
                    let text = group[chunk..<min(chunk + 200, group.count)].map(\.1).joined(separator: "\n")
                    try h.send(topic, key: school, text: text, headers: [("content-type", "application/x-ndjson")], timestampMs: at)
                }
            }
        }
        try ndjson("raw.student", pupils.map { ($0.school.code, Self.json($0)) })
        try ndjson("raw.teacher", teachers.map { ($0.school.code, Self.json($0)) })
        try ndjson("raw.attendance", attendance.map { ($0.school.code, Self.json($0)) })
        try h.flush()
    }

    static func json(_ p: Pupil) -> String {
        let id = Raw.id(p.n, county: "330106", birth: (p.birth ?? "2015-01-01").replacingOccurrences(of: "-", with: ""))
        var fields = [("XXBSM", p.school.code), ("XJH", "G" + id), ("XM", "学生\(p.n)"), ("XBM", String(p.gender)), ("SFZJH", id),
                      ("NJDM", String(p.grade)), ("XJZT", String(p.status)), ("GXSJ", p.updated)]
        if let birth = p.birth { fields.append(("CSRQ", birth.replacingOccurrences(of: "-", with: ""))) }
        if let cls = p.cls { fields.append(("BJ", cls)) }
        return Raw.json(fields)
    }

    static func json(_ t: Teacher) -> String {
        let id = Raw.id(t.n, county: "330106", birth: (t.birth ?? "1985-01-01").replacingOccurrences(of: "-", with: ""))
        var fields = [("XXBSM", t.school.code), ("JGH", "T\(t.n)"), ("XM", "教师\(t.n)"), ("XBM", "2"), ("SFZJH", id),
                      ("RZZT", String(t.status)), ("GXSJ", t.updated)]
        if let birth = t.birth { fields.append(("CSRQ", birth.replacingOccurrences(of: "-", with: ""))) }
        return Raw.json(fields)
    }

    static func json(_ a: Attendance) -> String {
        Raw.json([("XXBSM", a.school.code), ("RQ", a.day.replacingOccurrences(of: "-", with: "")), ("NJDM", String(a.grade)),
                  ("BJ", a.cls), ("YDRS", "#\(a.expected)"), ("SDRS", "#\(a.present)"), ("GXSJ", "\(a.day) 18:00:00")])
    }

    // MARK: the dataset

    /// School days: 10 in late October (the absence baseline) and every weekday of November to the 27th.
    static let octoberDays = ["2026-10-19", "2026-10-20", "2026-10-21", "2026-10-22", "2026-10-23",
                              "2026-10-26", "2026-10-27", "2026-10-28", "2026-10-29", "2026-10-30"]
    static let novemberDays = [2, 3, 4, 5, 6, 9, 10, 11, 12, 13, 16, 17, 18, 19, 20, 23, 24, 25, 26, 27].map { "2026-11-\($0 < 10 ? "0" : "")\($0)" }

    private static func dataset() -> ((pupils: [Pupil], teachers: [Teacher], attendance: [Attendance]),
                                      (pupils: [Pupil], teachers: [Teacher], attendance: [Attendance])) {
        var n = 0
        var p1: [Pupil] = [], p2: [Pupil] = []
        /// `count` pupils, the first `boys` boys, in both phases unless `phase2Only`.
        func pupils(_ school: School, grade: Int, cls: String?, count: Int, boys: Int, birth: String?, status: Int = 1,
                    updated: String = "2026-09-01 08:00:00", phase2Only: Bool = false) {
            for i in 0..<count {
                n += 1
                let p = Pupil(n: n, school: school, grade: grade, cls: cls, gender: i < boys ? 1 : 2, status: status, birth: birth,
                              updated: updated)
                if !phase2Only { p1.append(p) }
                p2.append(p)
            }
        }
        /// A pupil whose status changes in phase 2.
        func changing(_ school: School, grade: Int, from: Int, to: Int, on updated: String) {
            n += 1
            let before = Pupil(n: n, school: school, grade: grade, cls: "1班", gender: 1, status: from, birth: nil,
                               updated: "2026-09-01 08:00:00")
            p1.append(before)
            var after = before
            after.status = to
            after.updated = updated
            p2.append(after)
        }
        let a = Self.a, b = Self.b, c = Self.c, d = Self.d, g = Self.g
        // A (primary): 1班 of grade 1 grows from 40 to 47 (6 of the newcomers over-age), grade 2 gets a
        // pupil transferred in from C, 2 pupils suspended since September, 1 transferred out in November.
        pupils(a, grade: 11, cls: "1班", count: 40, boys: 20, birth: "2020-03-01")
        pupils(a, grade: 11, cls: "1班", count: 1, boys: 1, birth: "2020-03-01", updated: "2026-11-02 08:00:00", phase2Only: true)
        pupils(a, grade: 11, cls: "1班", count: 6, boys: 3, birth: "2017-03-01", updated: "2026-11-02 08:00:00", phase2Only: true)
        pupils(a, grade: 12, cls: "1班", count: 29, boys: 15, birth: "2019-03-01")
        pupils(a, grade: 13, cls: "1班", count: 28, boys: 14, birth: "2018-03-01")
        pupils(a, grade: 14, cls: "1班", count: 2, boys: 1, birth: "2017-03-01", status: 2, updated: "2026-09-10 08:00:00")
        changing(a, grade: 15, from: 1, to: 3, on: "2026-11-20 08:00:00")
        // The transfer: enrolled at C in phase 1, at A in phase 2 (same person).
        n += 1
        let transfer = Pupil(n: n, school: c, grade: 12, cls: "1班", gender: 2, status: 1, birth: "2019-03-01", updated: "2026-09-01 08:00:00")
        p1.append(transfer)
        var moved = transfer
        moved.school = a
        moved.updated = "2026-11-05 08:00:00"
        p2.append(moved)
        // B (junior): unchanged; an oversized class of 52; one pupil transferred out on 1 October
        // (a dropout risk by 27 November), one suspended on 1 November (not yet).
        pupils(b, grade: 21, cls: "1班", count: 52, boys: 30, birth: "2014-03-01")
        pupils(b, grade: 22, cls: "1班", count: 45, boys: 20, birth: "2013-03-01")
        pupils(b, grade: 22, cls: "2班", count: 40, boys: 20, birth: "2013-03-01")
        pupils(b, grade: 21, cls: "1班", count: 1, boys: 1, birth: "2014-03-01", status: 3, updated: "2026-10-01 08:00:00")
        pupils(b, grade: 23, cls: "1班", count: 1, boys: 0, birth: "2012-03-01", status: 2, updated: "2026-11-01 08:00:00")
        // C (primary): few pupils, no teacher, no attendance; grade 1 far above the previous intakes.
        pupils(c, grade: 11, cls: "1班", count: 20, boys: 8, birth: "2020-03-01")
        pupils(c, grade: 12, cls: "1班", count: 22, boys: 11, birth: "2019-03-01")
        // D (senior): a super-large class grown from 30 to 58, boys far more than girls, 5 pupils
        // without a class, 4 suspended (senior: no dropout risk).
        pupils(d, grade: 31, cls: "1班", count: 30, boys: 20, birth: "2011-03-01")
        pupils(d, grade: 31, cls: "1班", count: 28, boys: 20, birth: "2011-03-01", updated: "2026-11-02 08:00:00", phase2Only: true)
        pupils(d, grade: 32, cls: "1班", count: 50, boys: 30, birth: "2010-03-01")
        pupils(d, grade: 33, cls: "1班", count: 45, boys: 25, birth: "2009-03-01")
        pupils(d, grade: 31, cls: nil, count: 5, boys: 3, birth: nil)
        pupils(d, grade: 32, cls: "1班", count: 4, boys: 2, birth: "2010-03-01", status: 2, updated: "2026-09-05 08:00:00")
        // G (primary, county 330104): new in November.
        pupils(g, grade: 11, cls: "1班", count: 10, boys: 5, birth: "2020-03-01", updated: "2026-11-03 08:00:00", phase2Only: true)

        var t1: [Teacher] = [], t2: [Teacher] = []
        func teachers(_ school: School, count: Int, birth: String?, status: Int = 1, updated: String = "2026-09-01 08:00:00",
                      phase2: (status: Int, updated: String)? = nil, phase2Only: Bool = false) {
            for _ in 0..<count {
                n += 1
                let t = Teacher(n: n, school: school, status: status, birth: birth, updated: updated)
                if !phase2Only { t1.append(t) }
                var after = t
                if let phase2 { (after.status, after.updated) = phase2 }
                t2.append(after)
            }
        }
        // A: 5 active (one aged 58) and one who leaves on 10 November.
        teachers(a, count: 4, birth: "1980-05-01")
        teachers(a, count: 1, birth: "1968-01-01")
        teachers(a, count: 1, birth: "1982-01-01", phase2: (0, "2026-11-10 08:00:00"))
        // B: 10 active (2 without a birth date), 2 who left in October.
        teachers(b, count: 8, birth: "1985-06-01")
        teachers(b, count: 2, birth: nil)
        teachers(b, count: 2, birth: "1979-01-01", status: 0, updated: "2026-10-15 08:00:00")
        // D: 12 active, half aged 60.
        teachers(d, count: 6, birth: "1966-04-01")
        teachers(d, count: 6, birth: "1990-04-01")
        // G: 1 active, from November.
        teachers(g, count: 1, birth: "1992-01-01", updated: "2026-11-03 08:00:00", phase2Only: true)

        var att1: [Attendance] = [], att2: [Attendance] = []
        func attendance(_ school: School, grade: Int, cls: String, expected: Int, absent: Int, low: [String: Int] = [:]) {
            for day in octoberDays {
                att1.append(Attendance(school: school, day: day, grade: grade, cls: cls, expected: expected, present: expected - absent))
            }
            att2 += att1.filter { $0.school.code == school.code && $0.grade == grade && $0.cls == cls }
            for day in novemberDays {
                att2.append(Attendance(school: school, day: day, grade: grade, cls: cls, expected: expected,
                                       present: expected - (low[day] ?? absent)))
            }
        }
        // A: three low days in a row (16–18 November), each a spike; class 2's expected is one more than its roll.
        let lowA = ["2026-11-16": 8, "2026-11-17": 8, "2026-11-18": 8]
        attendance(a, grade: 11, cls: "1班", expected: 47, absent: 1, low: lowA)
        attendance(a, grade: 12, cls: "1班", expected: 31, absent: 1, low: lowA)
        // B: steady.
        attendance(b, grade: 21, cls: "1班", expected: 52, absent: 3)
        attendance(b, grade: 22, cls: "1班", expected: 45, absent: 3)
        attendance(b, grade: 22, cls: "2班", expected: 40, absent: 3)
        // D: two low days that are not consecutive reporting days.
        let lowD = ["2026-11-10": 12, "2026-11-12": 12]
        attendance(d, grade: 31, cls: "1班", expected: 58, absent: 1, low: lowD)
        attendance(d, grade: 32, cls: "1班", expected: 50, absent: 1, low: lowD)
        attendance(d, grade: 33, cls: "1班", expected: 45, absent: 1, low: lowD)
        return ((p1, t1, att1), (p2, t2, att2))
    }

    // MARK: reading results

    /// One stored result row: value, numerator, denominator, status, thresholds.
    struct Row: Equatable, CustomStringConvertible {
        var value: Double?
        var numerator: Double?
        var denominator: Double?
        var status: String
        var lower: Double?
        var upper: Double?

        var description: String {
            "value \(value.map { String($0) } ?? "nil") (\(numerator.map { String($0) } ?? "nil")/\(denominator.map { String($0) } ?? "nil")) "
                + "\(status) [\(lower.map { String($0) } ?? "")…\(upper.map { String($0) } ?? "")]"
        }

        /// Equal up to floating-point rounding of the values.
        func matches(_ o: Row) -> Bool {
            func same(_ x: Double?, _ y: Double?) -> Bool {
                switch (x, y) {
                case (nil, nil): true
                case let (x?, y?): abs(x - y) < 1e-9 * max(1, abs(x))
                default: false
                }
            }
            return status == o.status && same(value, o.value) && same(numerator, o.numerator) && same(denominator, o.denominator)
                && same(lower, o.lower) && same(upper, o.upper)
        }
    }

    /// `level|region` → row of `scenario` in `period`.
    func results(_ scenario: String, period: String) throws -> [String: Row] {
        let r = try h.query("""
            SELECT level, region_code, value, numerator, denominator, status, threshold_low, threshold_high
            FROM hub.scenario_results WHERE scenario = $1 AND period = $2
            """, [scenario, period])
        var out: [String: Row] = [:]
        for i in 0..<r.rowCount {
            func d(_ c: Int) -> Double? { r.value(i, c).flatMap(Double.init) }
            out["\(r.value(i, 0)!)|\(r.value(i, 1)!)"] = Row(value: d(2), numerator: d(3), denominator: d(4), status: r.value(i, 5)!,
                                                             lower: d(6), upper: d(7))
        }
        return out
    }

    /// `level|region` of the outbox rows of `scenario` in `period`.
    func alertRows(_ scenario: String, period: String) throws -> Set<String> {
        let r = try h.query("""
            SELECT level, school_code FROM hub.quality_alerts WHERE source = 'scenario' AND monitor = $1 AND period = $2
            """, [scenario, period])
        return Set((0..<r.rowCount).map { "\(r.value($0, 0)!)|\(r.value($0, 1)!)" })
    }

    /// `scenario|level|region|period` → messages on the alerts topic (every scenario warning).
    func alertMessages() throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for (key, n) in try h.alertMessageCounts() where key.hasPrefix("scenario|") {
            counts[String(key.dropFirst("scenario|".count)), default: 0] += n
        }
        return counts
    }
}
