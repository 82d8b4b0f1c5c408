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
        for row in e.rows {
            let key = try ["level", "region_code", "grade_code", "gender_code"].map { try row.decode($0, as: String.self) }
            enrollment[key.joined(separator: "|")] = try row.decode("students", as: Int.self)
        }
        check("enrollment", enrollment, truth.enrollment, zero: 0)
        var teachers: [String: Int] = [:]
        let t = try db.query("SELECT level, region_code, teachers FROM \(s).teacher_agg WHERE teachers <> 0")
        for row in t.rows {
            teachers["\(try row.decode("level", as: String.self))|\(try row.decode("region_code", as: String.self))"] = try row.decode("teachers", as: Int.self)
        }
        check("teachers", teachers, truth.teachers, zero: 0)
        var attendance: [String: [Int]] = [:]
        let a = try db.query("SELECT level, region_code, day::text AS day, expected, present FROM \(s).attendance_agg WHERE expected <> 0 OR present <> 0")
        for row in a.rows {
            let key = try ["level", "region_code", "day"].map { try row.decode($0, as: String.self) }
            attendance[key.joined(separator: "|")] = [try row.decode("expected"), try row.decode("present")]
        }
        check("attendance", attendance, truth.attendance, zero: [0, 0])
        var quarantine: [String: Int] = [:]
        let q = try db.query("SELECT reason, records FROM \(s).quarantine_counts")
        for row in q.rows { quarantine[try row.decode("reason")] = try row.decode("records", as: Int.self) }
        check("quarantine", quarantine, truth.quarantine, zero: 0)
        return diffs
    }
}
