import ArgumentParser
import Foundation
import Postgres
import WorkerRuntime

/// Prints the published aggregates for province, cities and counties, and the quarantine
/// summary; with `--expect`, compares every row with a sample's expected results.
struct ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Print the aggregates (province, city, county) and the quarantine summary.")
    @OptionGroup var common: CommonOptions
    @Option(name: .long, help: "Compare with the expected results written by `hubctl sample produce --truth-file`.")
    var expect: String?

    func run() async throws {
        let ctx = try Context(common)
        let db = try ctx.database()
        let s = ctx.settings.schema
        let levelOrder = "CASE level WHEN 'province' THEN 0 WHEN 'city' THEN 1 WHEN 'county' THEN 2 ELSE 3 END"

        say("\nEnrolled students (hub.enrollment_agg, summed over grades)")
        let e = try db.query("""
            SELECT level, region_code, sum(students), sum(students) FILTER (WHERE gender_code = 1),
                   sum(students) FILTER (WHERE gender_code = 2), sum(students) FILTER (WHERE gender_code = 9)
            FROM \(s).enrollment_agg WHERE level <> 'school' GROUP BY level, region_code
            ORDER BY \(levelOrder), region_code
            """)
        printTable(["level", "region", "students", "male", "female", "unspecified"], e)

        say("\nActive teachers (hub.teacher_agg)")
        let t = try db.query("SELECT level, region_code, teachers FROM \(s).teacher_agg WHERE level <> 'school' ORDER BY \(levelOrder), region_code")
        printTable(["level", "region", "teachers"], t)

        say("\nAttendance (hub.attendance_agg)")
        let a = try db.query("""
            SELECT level, region_code, day::text, expected, present,
                   CASE WHEN expected > 0 THEN round(100.0 * present / expected, 1)::text || '%' END
            FROM \(s).attendance_agg WHERE level IN ('province', 'city') ORDER BY \(levelOrder), region_code, day
            """)
        printTable(["level", "region", "day", "expected", "present", "rate"], a)

        say("\nQuarantine (hub.quarantine_counts)")
        let q = try db.query("SELECT reason, records FROM \(s).quarantine_counts ORDER BY reason")
        printTable(["reason", "records"], q)

        if let expect {
            let mismatches = try compare(db, s, try TruthFile.read(expect))
            if mismatches.isEmpty {
                say("\nAll aggregate rows and quarantine counts equal the expected results.")
            } else {
                say("\n\(mismatches.count) differences from the expected results:")
                for m in mismatches.prefix(20) { say("  " + m) }
                throw ExitCode(1)
            }
        }
    }

    private func compare(_ db: PGConnection, _ s: String, _ truth: TruthFile) throws -> [String] {
        var diffs: [String] = []
        func check<V: Equatable>(_ name: String, _ actual: [String: V], _ expected: [String: V], zero: V) {
            for k in Set(actual.keys).union(expected.keys).sorted() {
                let a = actual[k] ?? zero, x = expected[k] ?? zero
                if a != x { diffs.append("\(name) \(k): got \(a), expected \(x)") }
            }
        }
        var enrollment: [String: Int] = [:]
        let e = try db.query("SELECT level, region_code, grade_code, gender_code, students FROM \(s).enrollment_agg WHERE students <> 0")
        for i in 0..<e.rowCount { enrollment["\(e.value(i, 0)!)|\(e.value(i, 1)!)|\(e.value(i, 2)!)|\(e.value(i, 3)!)"] = e.int(i, 4) }
        check("enrollment", enrollment, truth.enrollment, zero: 0)
        var teachers: [String: Int] = [:]
        let t = try db.query("SELECT level, region_code, teachers FROM \(s).teacher_agg WHERE teachers <> 0")
        for i in 0..<t.rowCount { teachers["\(t.value(i, 0)!)|\(t.value(i, 1)!)"] = t.int(i, 2) }
        check("teachers", teachers, truth.teachers, zero: 0)
        var attendance: [String: [Int]] = [:]
        let a = try db.query("SELECT level, region_code, day::text, expected, present FROM \(s).attendance_agg WHERE expected <> 0 OR present <> 0")
        for i in 0..<a.rowCount { attendance["\(a.value(i, 0)!)|\(a.value(i, 1)!)|\(a.value(i, 2)!)"] = [a.int(i, 3)!, a.int(i, 4)!] }
        check("attendance", attendance, truth.attendance, zero: [0, 0])
        var quarantine: [String: Int] = [:]
        let q = try db.query("SELECT reason, records FROM \(s).quarantine_counts")
        for i in 0..<q.rowCount { quarantine[q.value(i, 0)!] = q.int(i, 1) }
        check("quarantine", quarantine, truth.quarantine, zero: 0)
        return diffs
    }
}
