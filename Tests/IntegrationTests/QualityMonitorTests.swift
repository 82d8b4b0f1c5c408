import Foundation
import Testing
import TestSupport

/// What every quality-monitor scenario reads: the fixture's schools, the two days, and the
/// assertion of a monitor's whole outcome.
protocol QualityScenario {}

extension QualityScenario {
    typealias F = QualityFixture
    var a: String { F.a }
    var b: String { F.b }
    var c: String { F.c }
    var d1: String { "2026-09-01" }
    var d2: String { "2026-09-02" }

    /// Asserts a monitor's whole outcome against the expected school rows and breaches.
    func expect(_ f: F, _ monitor: String, rows: [String: [Int]], breaches: Set<String>,
                sourceLocation: SourceLocation = #_sourceLocation) throws {
        let o = try f.outcome(monitor)
        #expect(o.rows == rows, "school rows of \(monitor)", sourceLocation: sourceLocation)
        #expect(o.rollup == F.expectedRollup(rows), "rollup of \(monitor)", sourceLocation: sourceLocation)
        #expect(o.alerts == breaches, "alert rows of \(monitor)", sourceLocation: sourceLocation)
        #expect(o.messages == Dictionary(uniqueKeysWithValues: breaches.map { ($0, 1) }), "alert messages of \(monitor)",
                sourceLocation: sourceLocation)
    }
}

/// One test per shipped data-quality monitor (issue 5): each seeds a counted number of its
/// defect at known schools and days, runs the real workers, and asserts the exact
/// (checked, failed) per (school, day), the rollups per county/city/province, and exactly
/// one alert per breached (school, day) — in the table and on the alerts topic.
///
/// The scenarios share the machine with other pipeline suites; the one that stops the sink
/// at a kill point is in ``QualityMonitorRestartTests``, which has it to itself.
@Suite("Quality monitors, one scenario each", .serialized, .pipeline)
struct QualityMonitorTests: QualityScenario {
    // MARK: students

    @Test func studentProfileComplete() throws {
        let f = try F("q_profile")
        defer { f.stop() }
        // A, day 1: 10 students, 3 without a name, 1 with a blank class; day 2: 3 complete.
        var lines = (1...6).map { F.student($0, school: a) }
        lines += (7...9).map { F.student($0, school: a, [("XM", nil)]) }
        lines.append(F.student(10, school: a, [("BJ", "   ")]))
        lines += (11...13).map { F.student($0, school: a, time: "2026-09-02 08:00:00") }
        // B: 20 students, 1 without a birth date (1/20 = 5 %, not above the 5 % threshold), sent
        // last so that no partial count ever exceeds it; C: 4 complete.
        lines += (21...39).map { F.student($0, school: b) }
        lines += (41...44).map { F.student($0, school: c) }
        try f.send("raw.student", lines)
        try f.waitUntilCaughtUp()
        try f.send("raw.student", [F.student(40, school: b, [("CSRQ", nil)])])
        try f.waitUntilCaughtUp()
        try expect(f, "student_profile_complete",
                   rows: ["\(a)|\(d1)": [10, 4], "\(a)|\(d2)": [3, 0], "\(b)|\(d1)": [20, 1], "\(c)|\(d1)": [4, 0]],
                   breaches: ["\(a)|\(d1)"])
    }

    @Test func studentRegistryNumberFormat() throws {
        let f = try F("q_regno_format")
        defer { f.stop() }
        // A: 8 with a registry number, 2 of them malformed; 1 without one (not checked).
        var lines = (1...6).map { F.student($0, school: a) }
        lines += [F.student(7, school: a, [("XJH", "X123")]), F.student(8, school: a, [("XJH", "G12345")])]
        lines.append(F.student(9, school: a, [("XJH", nil)]))
        lines += (10...12).map { F.student($0, school: c) }
        try f.send("raw.student", lines)
        try f.waitUntilCaughtUp()
        try expect(f, "student_registry_no_format", rows: ["\(a)|\(d1)": [8, 2], "\(c)|\(d1)": [3, 0]], breaches: ["\(a)|\(d1)"])
    }

    @Test func studentBirthDateValid() throws {
        let f = try F("q_birth_valid")
        defer { f.stop() }
        // A: 5 with a birth date, 2 impossible (the record is still accepted); B: 1 absent, 2 fine.
        var lines = (1...3).map { F.student($0, school: a) }
        lines += [F.student(4, school: a, [("CSRQ", "20190230")]), F.student(5, school: a, [("CSRQ", "2019-05-10")])]
        lines += [F.student(6, school: b, [("CSRQ", nil)]), F.student(7, school: b), F.student(8, school: b)]
        try f.send("raw.student", lines)
        try f.waitUntilCaughtUp()
        try expect(f, "student_birth_date_valid", rows: ["\(a)|\(d1)": [5, 2], "\(b)|\(d1)": [2, 0]], breaches: ["\(a)|\(d1)"])
        #expect(try f.h.enrollment()["school|\(a)|11|1"] == 5)
    }

    @Test func studentBirthMatchesIdNumber() throws {
        let f = try F("q_birth_id")
        defer { f.stop() }
        // C: 6 with a valid birth date, 3 disagreeing with the ID number; 1 invalid (not checked).
        var lines = (1...3).map { F.student($0, school: c) }
        lines += (4...6).map { F.student($0, school: c, [("CSRQ", "20190511")]) }
        lines.append(F.student(7, school: c, [("CSRQ", "20191310")]))
        try f.send("raw.student", lines)
        try f.waitUntilCaughtUp()
        try expect(f, "student_birth_matches_id", rows: ["\(c)|\(d1)": [6, 3]], breaches: ["\(c)|\(d1)"])
    }

    @Test func studentAgeFitsGrade() throws {
        let f = try F("q_age_grade")
        defer { f.stop() }
        // Born May 2019: 7 on 1 Sept 2026. Primary 1 (6) and primary 3 (8) fit within 2 years;
        // primary 6 (11) and senior 1 (16) do not.
        let lines = [
            F.student(1, school: a), F.student(2, school: a, [("NJDM", "13")]), F.student(3, school: a, [("NJDM", "16")]),
            F.student(4, school: b), F.student(5, school: b, [("NJDM", "31")]), F.student(6, school: b, [("NJDM", "16")]),
            F.student(7, school: b, time: "2026-09-02 08:00:00"),
        ]
        try f.send("raw.student", lines)
        try f.waitUntilCaughtUp()
        try expect(f, "student_age_fits_grade", rows: ["\(a)|\(d1)": [3, 1], "\(b)|\(d1)": [3, 2], "\(b)|\(d2)": [1, 0]],
                   breaches: ["\(a)|\(d1)", "\(b)|\(d1)"])
    }

    @Test func studentRecordAccepted() throws {
        let f = try F("q_accepted")
        defer { f.stop() }
        // A: 4 accepted and 4 quarantined for the monitored reasons (message day 2026-09-01);
        // an unknown school is another monitor's concern. B: 100 accepted, 1 malformed line (1 %, not above).
        var lines = (1...4).map { F.student($0, school: a) }
        lines += [F.student(5, school: a, [("XBM", "7")]), F.student(6, school: a, [("XJZT", nil)]),
                  F.student(7, school: a, [("SFZJH", Raw.badChecksum(7))]), "{\"XXBSM\":\"\(a)\",\"broken\":"]
        lines.append(F.student(8, school: "3133999999"))
        try f.send("raw.student", lines)
        try f.send("raw.student", (100...199).map { F.student($0, school: b) } + ["{\"XXBSM\":\"\(b)\",\"SFZJH\":"], partition: 1)
        try f.waitUntilCaughtUp()
        // The malformed lines carry no readable school code: they count under the empty school.
        try expect(f, "student_record_accepted",
                   rows: ["\(a)|\(d1)": [7, 3], "\(b)|\(d1)": [100, 0], "|\(d1)": [2, 2]],
                   breaches: ["\(a)|\(d1)", "|\(d1)"])
    }

    @Test func studentRegistryNumberUniqueAcrossPartitions() throws {
        let f = try F("q_regno_unique")
        defer { f.stop() }
        // P1 at A and P2 at C carry the same registry number, on different partitions.
        // P3 and P4 at B share one until P4's next version corrects it (after the first was
        // committed, so the breach happened and raised its one alert).
        let shared = "G330106201905101111"
        try f.send("raw.student", [F.student(1, school: a, [("XJH", shared)]), F.student(5, school: a)], partition: 0)
        try f.send("raw.student", [F.student(2, school: c, [("XJH", shared)])], partition: 1)
        try f.send("raw.student", [F.student(3, school: b, [("XJH", "G330106201905102222")]),
                                   F.student(4, school: b, [("XJH", "G330106201905102222")])], partition: 2)
        try f.waitUntilCaughtUp()
        try f.evaluate()
        #expect(try f.results("student_registry_no_unique")["\(b)|\(d1)"] == [2, 2])
        try f.send("raw.student", [F.student(4, school: b, time: "2026-09-01 09:00:00", [("XJH", "G330106201905103333")])],
                   partition: 2)
        try f.waitUntilCaughtUp()
        try f.evaluate()
        try expect(f, "student_registry_no_unique", rows: ["\(a)|\(d1)": [2, 1], "\(c)|\(d1)": [1, 1], "\(b)|\(d1)": [2, 0]],
                   breaches: ["\(a)|\(d1)", "\(c)|\(d1)", "\(b)|\(d1)"])
        // The numbers held are read from the current state; nothing is logged for them.
        #expect(try f.h.query("SELECT count(*) FROM hub.school_claims").int(0, 0) == 0)
    }

    @Test func studentCountyMatchesRegistry() throws {
        let f = try F("q_county")
        defer { f.stop() }
        // A (registry county 330106): 3 agree, 2 name 330212; 1 without the field. C: 1 agrees.
        var lines = (1...3).map { F.student($0, school: a, [("XZQHDM", "330106")]) }
        lines += (4...5).map { F.student($0, school: a, [("XZQHDM", "330212")]) }
        lines += [F.student(6, school: a), F.student(7, school: c, [("XZQHDM", "330212")])]
        try f.send("raw.student", lines)
        try f.waitUntilCaughtUp()
        try expect(f, "student_county_matches_registry", rows: ["\(a)|\(d1)": [5, 2], "\(c)|\(d1)": [1, 0]], breaches: ["\(a)|\(d1)"])
        // The aggregates follow the registry, not the record: all six count at county 330106.
        #expect(try f.h.enrollment()["county|330106|11|1"] == 6)
    }

    @Test func studentSchoolKnown() throws {
        let f = try F("q_school_known")
        defer { f.stop() }
        let unknown = "3133999901"
        try f.send("raw.student", (1...4).map { F.student($0, school: a) } + (5...7).map { F.student($0, school: unknown) })
        try f.waitUntilCaughtUp()
        try expect(f, "student_school_known", rows: ["\(a)|\(d1)": [4, 0], "\(unknown)|\(d1)": [3, 3]], breaches: ["\(unknown)|\(d1)"])
    }

    @Test func studentTimely() throws {
        let f = try F("q_timely")
        defer { f.stop() }
        // Updated 2026-09-01 08:00: arriving an hour later is timely; four days later is late;
        // an hour before updated_at is from the future.
        try f.send("raw.student", (1...3).map { F.student($0, school: a) }, at: "2026-09-01 09:00:00")
        try f.send("raw.student", (4...5).map { F.student($0, school: a) }, at: "2026-09-05 09:00:00")
        try f.send("raw.student", [F.student(6, school: b)], at: "2026-09-01 07:00:00")
        try f.send("raw.student", [F.student(7, school: b)], at: "2026-09-03 08:00:00")
        try f.waitUntilCaughtUp()
        try expect(f, "student_timely", rows: ["\(a)|\(d1)": [5, 2], "\(b)|\(d1)": [2, 1]], breaches: ["\(a)|\(d1)", "\(b)|\(d1)"])
    }

    // MARK: teachers

    @Test func teacherProfileComplete() throws {
        let f = try F("q_teacher_profile")
        defer { f.stop() }
        try f.send("raw.teacher", [F.teacher(1, school: a), F.teacher(2, school: a, [("XM", nil)]), F.teacher(3, school: a, [("JGH", "")]),
                                   F.teacher(4, school: c)])
        try f.waitUntilCaughtUp()
        try expect(f, "teacher_profile_complete", rows: ["\(a)|\(d1)": [3, 2], "\(c)|\(d1)": [1, 0]], breaches: ["\(a)|\(d1)"])
    }

    @Test func teacherStaffNumberUniqueWithinSchool() throws {
        let f = try F("q_staff_unique")
        defer { f.stop() }
        // T1 and T2 at A share staff number S1; T3 at B has S1 too (another school: fine).
        try f.send("raw.teacher", [F.teacher(1, school: a, [("JGH", "S1")]), F.teacher(2, school: a, [("JGH", "S1")]),
                                   F.teacher(4, school: a)], partition: 0)
        try f.send("raw.teacher", [F.teacher(3, school: b, [("JGH", "S1")])], partition: 1)
        try f.waitUntilCaughtUp()
        try f.evaluate()
        try expect(f, "teacher_staff_no_unique", rows: ["\(a)|\(d1)": [3, 2], "\(b)|\(d1)": [1, 0]], breaches: ["\(a)|\(d1)"])
    }

    @Test func teacherActiveAtOneSchool() throws {
        let f = try F("q_teacher_once")
        defer { f.stop() }
        // T1 active at A and at C; T2 active at A and left at B; T3 active at B.
        try f.send("raw.teacher", [F.teacher(1, school: a), F.teacher(2, school: a)], partition: 0)
        try f.send("raw.teacher", [F.teacher(1, school: c, time: "2026-09-02 08:00:00")], partition: 1)
        try f.send("raw.teacher", [F.teacher(2, school: b, time: "2026-09-02 08:00:00", [("RZZT", "0")]), F.teacher(3, school: b)],
                   partition: 2)
        try f.waitUntilCaughtUp()
        try f.evaluate()
        try expect(f, "teacher_active_once", rows: ["\(a)|\(d1)": [2, 1], "\(c)|\(d2)": [1, 1], "\(b)|\(d1)": [1, 0]],
                   breaches: ["\(a)|\(d1)", "\(c)|\(d2)"])
    }

    @Test func teacherAgePlausible() throws {
        let f = try F("q_teacher_age")
        defer { f.stop() }
        try f.send("raw.teacher", [F.teacher(1, school: b), F.teacher(2, school: b, birth: "19500101"),
                                   F.teacher(3, school: b, birth: "20100101"), F.teacher(4, school: c, birth: "19610901")])
        try f.waitUntilCaughtUp()
        // 1961-09-01 is 65 on 2026-09-01: still plausible.
        try expect(f, "teacher_age_plausible", rows: ["\(b)|\(d1)": [3, 2], "\(c)|\(d1)": [1, 0]], breaches: ["\(b)|\(d1)"])
    }

    // MARK: attendance

    @Test func attendancePresentNotAboveExpected() throws {
        let f = try F("q_present")
        defer { f.stop() }
        // A, 2026-09-01: 4 classes, 2 with more present than expected; a later correction fixes
        // one of them (the current version counts). C, 2026-09-02: 2 classes, fine.
        try f.send("raw.attendance", [
            F.attendance(school: a, day: "20260901", cls: "1"), F.attendance(school: a, day: "20260901", cls: "2"),
            F.attendance(school: a, day: "20260901", cls: "3", expected: 30, present: 31),
            F.attendance(school: a, day: "20260901", cls: "4", expected: 30, present: 35),
            F.attendance(school: c, day: "20260902", cls: "1"), F.attendance(school: c, day: "20260902", cls: "2"),
        ])
        try f.send("raw.attendance", [F.attendance(school: a, day: "20260901", cls: "4", expected: 30, present: 30,
                                                   time: "2026-09-01 12:00:00")])
        try f.waitUntilCaughtUp()
        try expect(f, "attendance_present_le_expected", rows: ["\(a)|\(d1)": [4, 1], "\(c)|\(d2)": [2, 0]], breaches: ["\(a)|\(d1)"])
    }

    @Test func attendanceClassSize() throws {
        let f = try F("q_class_size")
        defer { f.stop() }
        try f.send("raw.attendance", [
            F.attendance(school: b, day: "20260901", cls: "1"), F.attendance(school: b, day: "20260901", cls: "2", expected: 0, present: 0),
            F.attendance(school: b, day: "20260901", cls: "3", expected: 90, present: 88),
            F.attendance(school: b, day: "20260902", cls: "1", expected: 70, present: 70),
        ])
        try f.waitUntilCaughtUp()
        try expect(f, "attendance_class_size", rows: ["\(b)|\(d1)": [3, 2], "\(b)|\(d2)": [1, 0]], breaches: ["\(b)|\(d1)"])
    }

    @Test func attendanceReportedByTheDeadline() throws {
        let f = try F("q_daily_report")
        defer { f.stop() }
        // 2026-09-01 (Tue) and 09-02 (Wed) are school days, 09-05 (Sat) is not. A reports day 1
        // at 08:00 and day 2 at 11:00 (late); B reports day 1 at 09:59 and never day 2; C only
        // sends students (so it is known) and no attendance.
        try f.send("raw.attendance", [F.attendance(school: a, day: "20260901", cls: "1")], at: "2026-09-01 08:00:00")
        try f.send("raw.attendance", [F.attendance(school: a, day: "20260902", cls: "1")], at: "2026-09-02 11:00:00")
        try f.send("raw.attendance", [F.attendance(school: b, day: "20260901", cls: "1")], at: "2026-09-01 09:59:00")
        try f.send("raw.student", [F.student(1, school: c)])
        try f.waitUntilCaughtUp()
        try f.h.hubctl(["quality", "evaluate", "--from", "2026-09-01", "--to", "2026-09-02"])
        try f.h.hubctl(["quality", "evaluate", "--from", "2026-09-05", "--to", "2026-09-06"])
        // Evaluating again changes nothing and raises nothing new.
        try f.h.hubctl(["quality", "evaluate", "--from", "2026-09-01", "--to", "2026-09-02"])
        try expect(f, "attendance_daily_report",
                   rows: ["\(a)|\(d1)": [1, 0], "\(a)|\(d2)": [1, 1], "\(b)|\(d1)": [1, 0], "\(b)|\(d2)": [1, 1],
                          "\(c)|\(d1)": [1, 1], "\(c)|\(d2)": [1, 1]],
                   breaches: ["\(a)|\(d2)", "\(b)|\(d2)", "\(c)|\(d1)", "\(c)|\(d2)"])
    }

    @Test func attendanceVolumeAgainstBaseline() throws {
        let f = try F("q_volume")
        defer { f.stop() }
        // School days 2026-08-24 … 09-02. A reports 4 classes a day, then 1 on 09-01 and none on
        // 09-02; B reports 4 every day. C (known from a student) never reports: no baseline.
        let days = ["20260824", "20260825", "20260826", "20260827", "20260828", "20260831"]
        var lines: [String] = []
        for d in days { for k in 1...4 { lines += [F.attendance(school: a, day: d, cls: "\(k)"), F.attendance(school: b, day: d, cls: "\(k)")] } }
        lines.append(F.attendance(school: a, day: "20260901", cls: "1"))
        for d in ["20260901", "20260902"] { for k in 1...4 { lines.append(F.attendance(school: b, day: d, cls: "\(k)")) } }
        lines.append(F.student(1, school: c))
        try f.send("raw.attendance", lines.filter { !$0.contains("XJH") })
        try f.send("raw.student", lines.filter { $0.contains("XJH") })
        try f.waitUntilCaughtUp()
        try f.h.hubctl(["quality", "evaluate", "--from", "2026-09-01", "--to", "2026-09-02"])
        // A: baseline 4 then (1+4+4+4+4)/5 = 3.4; 1 and 0 are more than 50 % off. B: 4 vs 4.
        try expect(f, "attendance_volume", rows: ["\(a)|\(d1)": [1, 1], "\(a)|\(d2)": [1, 1], "\(b)|\(d1)": [1, 0], "\(b)|\(d2)": [1, 0]],
                   breaches: ["\(a)|\(d1)", "\(a)|\(d2)"])
    }
}

/// The enrolled-once monitor across partitions and a sink stopped inside its transaction: a
/// kill-point run, so (like the chaos suites) it has the machine's pipelines to itself.
@Suite("Quality monitors across restarts", .serialized, .heavy)
struct QualityMonitorRestartTests: QualityScenario {
    @Test func studentEnrolledAtOneSchoolAcrossPartitionsAndRestarts() throws {
        let f = try F("q_enrolled_once")
        defer { f.stop() }
        // P1 enrolls at A, then at B (A never reports the transfer): both claims conflict.
        // P2 enrolls at A, then A reports the transfer out and B enrolls: no conflict.
        // P3 enrolls at A and at C, on different partitions, with the sink killed in between.
        // P4–P6 are enrolled once at A.
        try f.send("raw.student", [F.student(1, school: a), F.student(2, school: a), F.student(3, school: a)] +
                   (4...6).map { F.student($0, school: a) }, partition: 0)
        try f.waitUntilCaughtUp()
        // The claims of the second group reach a sink that stops itself inside its
        // transaction (test kill point): the next sink reads them again.
        let sink = try #require(f.h.workers.first { $0.stage == .sink }?.process)
        sink.terminate()
        #expect(try sink.waitForExit(timeout: .seconds(30)) == 0)
        try f.send("raw.student", [F.student(1, school: b, time: "2026-09-02 08:00:00"),
                                   F.student(2, school: a, time: "2026-09-02 07:00:00", [("XJZT", "3")]),
                                   F.student(2, school: b, time: "2026-09-02 08:00:00")], partition: 1)
        try f.send("raw.student", [F.student(3, school: c, time: "2026-09-02 08:00:00")], partition: 2)
        let killed = try f.h.runUntilKillPoint(.sinkBeforeCommit)
        #expect(killed.offsetRanges.keys.contains { $0.contains("std.student#") }, "\(killed)")
        try f.h.start(.sink)
        try f.waitUntilCaughtUp()
        try f.evaluate()
        // Checked: the enrolled claims per school and day (P2's claim at A is now "transferred").
        try expect(f, "student_enrolled_once",
                   rows: ["\(a)|\(d1)": [5, 2], "\(b)|\(d2)": [2, 1], "\(c)|\(d2)": [1, 1]],
                   breaches: ["\(a)|\(d1)", "\(b)|\(d2)", "\(c)|\(d2)"])
        // Other schools' reports are logged only for the persons two schools reported (P1–P3);
        // P4–P6 have exactly the claim their current state implies.
        let logged = try f.h.query("SELECT count(DISTINCT entity_key), count(*) FILTER (WHERE school_code <> $1) FROM hub.school_claims", [a])
        #expect(logged.int(0, 0) == 3 && logged.int(0, 1) == 0)
        // Evaluating again changes nothing and raises no second alert.
        try f.evaluate()
        try expect(f, "student_enrolled_once",
                   rows: ["\(a)|\(d1)": [5, 2], "\(b)|\(d2)": [2, 1], "\(c)|\(d2)": [1, 1]],
                   breaches: ["\(a)|\(d1)", "\(b)|\(d2)", "\(c)|\(d2)"])
    }
}
