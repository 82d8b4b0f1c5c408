import Foundation
import Testing

/// SPEC §1: records are standardised against the registry as of their raw message's Kafka
/// timestamp; null, empty and invalid registry values delete a school; and an operator replay
/// of unknown_school records (run twice) counts them exactly once without touching the
/// quarantine counts.
@Suite("Input contract: versioned registry and replay", .serialized, .pipeline)
struct InputContractRegistryTests {
    let t = "2026-09-01 08:00:00"
    func sid(_ n: Int) -> String { Raw.id(n, county: "330381", birth: "20140315") }

    @Test func registryAsOfMessageTimeDeletesAndReplay() throws {
        let h = try PipelineHarness("registry")
        defer { h.stopAll() }
        // Timestamps in the recent past, so the broker's retention never touches them.
        let base = Int64(Date().timeIntervalSince1970 * 1000) - 3_600_000
        let moved = "3133000011", nulled = "3133000012", emptied = "3133000013"
        let foreign = "3133000014", garbage = "3133000015", shortCounty = "3133000016", late = "3133000020"
        let c1 = "330106", c2 = "330212", lateCounty = "330782"

        try h.register(school: moved, county: c1, timestampMs: base + 1000)
        try h.register(school: moved, county: c2, timestampMs: base + 2000)
        for s in [nulled, emptied, foreign, garbage, shortCounty] { try h.register(school: s, county: c1, timestampMs: base + 1000) }
        try h.send("ref.school", key: nulled, value: nil, timestampMs: base + 2000)
        try h.send("ref.school", key: emptied, value: [], timestampMs: base + 2000)
        try h.send("ref.school", key: foreign, text: "{\"school_code\":\"\(foreign)\",\"name\":\"x\",\"county_code\":\"110101\",\"stage\":\"primary\"}",
                   timestampMs: base + 2000)
        try h.send("ref.school", key: garbage, text: "not json at all", timestampMs: base + 2000)
        try h.send("ref.school", key: shortCounty, text: "{\"school_code\":\"\(shortCounty)\",\"county_code\":\"3301\"}",
                   timestampMs: base + 2000)
        try h.flush()
        try h.startAll()

        var n = 0
        var students: [(school: String, county: String, grade: Int, gender: Int, enrolled: Bool)] = []
        var unknown = 0
        func student(_ school: String, at ms: Int64, county: String?) throws {
            n += 1
            try h.send("raw.student", key: school,
                       text: Raw.stdStudent(school: school, id: sid(n), gender: "2", grade: "12", status: "1", time: t),
                       timestampMs: base + ms)
            if let county { students.append((school, county, 12, 2, true)) } else { unknown += 1 }
        }
        // The moved school: before its first entry, in its first county, in its second.
        try student(moved, at: 500, county: nil)
        try student(moved, at: 1000, county: c1)
        try student(moved, at: 1500, county: c1)
        try student(moved, at: 2000, county: c2)
        try student(moved, at: 2500, county: c2)
        // Deleted schools: known before the delete, unknown after it.
        for s in [nulled, emptied, foreign, garbage, shortCounty] {
            try student(s, at: 1500, county: c1)
            try student(s, at: 2500, county: nil)
        }
        // Teachers and attendance follow the same registry.
        try h.send("raw.teacher", key: moved, text: Raw.stdTeacher(school: moved, id: sid(90), gender: "1", status: "1", time: t),
                   timestampMs: base + 1500)
        try h.send("raw.attendance", key: moved, text: Raw.stdAttendance(
            school: moved, day: "20260901", grade: "12", className: "1班", expected: "30", present: "29", time: t),
                   timestampMs: base + 2500)
        try h.send("raw.attendance", key: nulled, text: Raw.stdAttendance(
            school: nulled, day: "20260901", grade: "12", className: "1班", expected: "5", present: "5", time: t),
                   timestampMs: base + 2500)
        unknown += 1

        // A school the registry does not know yet: a single record and an ndjson value of two.
        let lateIDs = [sid(101), sid(102), sid(103)]
        try h.send("raw.student", key: late, text: Raw.stdStudent(school: late, id: lateIDs[0], gender: "1", grade: "21", status: "1", time: t),
                   timestampMs: base + 3000)
        try h.send("raw.student", key: late, text: [
            Raw.enStudent(school: late, id: lateIDs[1], gender: "F", grade: "7", status: "enrolled", time: "2026-09-01T08:00:00+08:00"),
            Raw.zhStudent(school: late, id: lateIDs[2], gender: "男", grade: "初一", status: "在读", time: t),
        ].joined(separator: "\n"), headers: [("content-type", "application/x-ndjson")], timestampMs: base + 3000)
        unknown += 3
        try h.flush()
        try h.waitUntilCaughtUp()

        #expect(try h.enrollment() == Expected.enrollment(students), "\(differences((try? h.enrollment()) ?? [:], Expected.enrollment(students)))")
        #expect(try h.teachers() == Expected.teachers([(moved, c1, true)]), "\(differences((try? h.teachers()) ?? [:], Expected.teachers([(moved, c1, true)])))")
        #expect(try h.attendance() == Expected.attendance([(moved, c2, "2026-09-01", 30, 29)]), "\(differences((try? h.attendance()) ?? [:], Expected.attendance([(moved, c2, "2026-09-01", 30, 29)])))")
        #expect(try h.quarantineCounts() == ["unknown_school": unknown], "\(differences((try? h.quarantineCounts()) ?? [:], ["unknown_school": unknown]))")
        #expect(unknown == 10)
        let lateRows = try h.query("SELECT count(*) FROM hub.quarantine WHERE school_code = $1 AND reason = 'unknown_school'", [late])
        #expect(lateRows.int(0, 0) == 3)

        // The school is registered now; replay its records twice, then once more including resolved ones.
        try h.register(school: late, county: lateCounty)
        try h.flush()
        try h.hubctl(["quarantine", "replay", "--reason", "unknown_school", "--school", late])
        try h.hubctl(["quarantine", "replay", "--reason", "unknown_school", "--school", late])
        try h.waitUntilCaughtUp()
        try h.hubctl(["quarantine", "replay", "--reason", "unknown_school", "--school", late, "--include-resolved"])
        try h.waitUntilCaughtUp()

        let withLate = students + [(late, lateCounty, 21, 1, true), (late, lateCounty, 21, 2, true), (late, lateCounty, 21, 1, true)]
        #expect(try h.enrollment() == Expected.enrollment(withLate), "\(differences((try? h.enrollment()) ?? [:], Expected.enrollment(withLate)))")
        #expect(try h.quarantineCounts() == ["unknown_school": unknown], "\(differences((try? h.quarantineCounts()) ?? [:], ["unknown_school": unknown]))")
        #expect(try h.teachers() == Expected.teachers([(moved, c1, true)]), "\(differences((try? h.teachers()) ?? [:], Expected.teachers([(moved, c1, true)])))")
        #expect(try h.attendance() == Expected.attendance([(moved, c2, "2026-09-01", 30, 29)]), "\(differences((try? h.attendance()) ?? [:], Expected.attendance([(moved, c2, "2026-09-01", 30, 29)])))")
        // Replays keep the original source positions: still three units for the late school.
        let positions = try h.query("""
            SELECT count(DISTINCT (src_partition, src_offset, src_row)) FROM hub.quarantine WHERE school_code = $1
            """, [late])
        #expect(positions.int(0, 0) == 3)
        for w in h.workers { #expect(w.process.isRunning, "\(w.stage) exited") }
    }
}
