import Aggregation
import HubCore
import Standardization
import Testing
import Topology

/// Per-record monitors as Transform evaluates them, and the sink's pure bookkeeping: the
/// retraction of a replaced version's results and the uniqueness claims.
@Suite("Quality monitors: evaluation and bookkeeping")
struct QualityMonitorUnitTests {
    let topology = Fixtures.topology

    /// A valid `std` student of school 3133000001, born 2019-05-10 (7 on 1 Sept 2026), primary 1.
    func student(_ changes: [(String, RawValue?)] = []) -> [(String, RawValue)] {
        var f: [(String, RawValue?)] = [
            ("XXBSM", .string("3133000001")), ("XJH", .string("G330106201905100013")), ("XM", .string("某某")), ("XBM", .string("1")),
            ("CSRQ", .string("20190510")), ("SFZJH", .string(Self.id(birth: "20190510"))), ("NJDM", .string("11")),
            ("BJ", .string("1班")), ("XJZT", .string("1")), ("GXSJ", .string("2026-09-01 08:00:00")),
        ]
        for (k, v) in changes {
            if let i = f.firstIndex(where: { $0.0 == k }) { f[i].1 = v } else { f.append((k, v)) }
        }
        return f.compactMap { e in e.1.map { (e.0, $0) } }
    }

    static func id(birth: String, seq: String = "001") -> String {
        let body = Array("330106" + birth + seq)
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        let sum = (0..<17).reduce(0) { $0 + Int(String(body[$1]))! * weights[$1] }
        return String(body) + String(Array("10X98765432")[sum % 11])
    }

    /// The names of the monitors that checked / failed the standardised record.
    func verdict(_ fields: [(String, RawValue)], at ms: Int64 = 1_788_228_000_000) throws -> (checked: Set<String>, failed: Set<String>) {
        guard case .standard(let r) = try Fixtures.standardizer(.student).standardize(
            Fixtures.record(fields), source: Fixtures.source, registryAsOfMs: ms, registry: Fixtures.registry(), sourceTimestampMs: ms)
        else { throw Failure("not standardised") }
        let names = topology.stream(for: .student)!.monitors.map(\.name)
        func set(_ mask: UInt64) -> Set<String> { Set(names.indices.filter { mask & (1 << UInt64($0)) != 0 }.map { names[$0] }) }
        return (set(r.qualityChecked), set(r.qualityFailed))
    }

    struct Failure: Error { var text: String; init(_ t: String) { text = t } }

    @Test func aCleanStudentPassesEveryPerRecordMonitor() throws {
        // Arrival 2026-09-01 10:00 Beijing, two hours after updated_at.
        let v = try verdict(student())
        #expect(v.failed.isEmpty, "\(v.failed)")
        #expect(v.checked == ["student_profile_complete", "student_registry_no_format", "student_birth_date_valid",
                              "student_birth_matches_id", "student_age_fits_grade", "student_record_accepted", "student_school_known",
                              "student_timely"])
    }

    @Test func eachDefectFailsItsOwnMonitorOnly() throws {
        let cases: [([(String, RawValue?)], String)] = [
            ([("XM", nil)], "student_profile_complete"),
            ([("BJ", .string("  "))], "student_profile_complete"),
            ([("XJH", .string("12345"))], "student_registry_no_format"),
            ([("CSRQ", .string("20190230"))], "student_birth_date_valid"),
            ([("CSRQ", .string("20190511"))], "student_birth_matches_id"),
            ([("NJDM", .string("16"))], "student_age_fits_grade"),
            ([("XZQHDM", .string("330212"))], "student_county_matches_registry"),
        ]
        for (changes, monitor) in cases {
            let v = try verdict(student(changes))
            #expect(v.failed == [monitor], "\(changes) → \(v.failed)")
        }
        // An invalid birth date is not compared with the ID number; an absent one is not checked at all.
        #expect(try !verdict(student([("CSRQ", .string("20190230"))])).checked.contains("student_birth_matches_id"))
        #expect(try !verdict(student([("CSRQ", nil)])).checked.contains("student_birth_date_valid"))
        #expect(try verdict(student([("XZQHDM", .string("330106"))])).checked.contains("student_county_matches_registry"))
    }

    @Test func arrivalLagAndAhead() throws {
        let updated: Int64 = 1_788_228_000_000 - 2 * 3_600_000  // 2026-09-01 08:00 Beijing
        #expect(try verdict(student(), at: updated + 72 * 3_600_000).failed.isEmpty)
        #expect(try verdict(student(), at: updated + 72 * 3_600_000 + 1).failed == ["student_timely"])
        #expect(try verdict(student(), at: updated - 10 * 60_000).failed.isEmpty)
        #expect(try verdict(student(), at: updated - 10 * 60_000 - 1).failed == ["student_timely"])
    }

    @Test func arrivalsOfInterleavedSchoolsAndDays() {
        let t: Int64 = 1_788_228_000_000
        var d = QualityDeltas(topology: topology)
        d.arrived(.student, school: "3133000001", day: 10, arrivalMs: t + 5)
        d.arrived(.student, school: "3133000002", day: 10, arrivalMs: t + 3)
        d.arrived(.student, school: "3133000001", day: 10, arrivalMs: t + 4)
        d.arrived(.teacher, school: "3133000001", day: 10, arrivalMs: t + 1)
        d.arrived(.student, school: "3133000001", day: 11, arrivalMs: t + 2)
        d.arrived(.student, school: "3133000001", day: 10, arrivalMs: t + 6)
        let first = d.activity.mapValues(\.firstArrivalMs)
        #expect(first == [ActivityKey(recordType: .student, school: "3133000001", day: 10): t + 4,
                          ActivityKey(recordType: .student, school: "3133000002", day: 10): t + 3,
                          ActivityKey(recordType: .teacher, school: "3133000001", day: 10): t + 1,
                          ActivityKey(recordType: .student, school: "3133000001", day: 11): t + 2])
        #expect(d.changedActivity.map(\.key.school) == ["3133000001", "3133000001", "3133000002", "3133000001"])
    }

    @Test func replacingAVersionRetractsItsResults() throws {
        guard case .standard(var old) = Fixtures.run(.student, student([("XM", nil)]), at: 1_788_228_000_000),
              case .standard(var new) = Fixtures.run(.student, student([("GXSJ", .string("2026-09-02 08:00:00"))]), at: 1_788_314_400_000)
        else { throw Failure("not standardised") }
        old.position.offset = 1
        new.position.offset = 2
        var d = QualityDeltas(topology: topology)
        d.replace(nil, with: old)
        d.replace(old, with: new)
        let day1 = old.qualityDay, day2 = new.qualityDay
        #expect(day2 == day1 + 1)
        let key1 = QualityRowKey(monitor: "student_profile_complete", school: "3133000001", day: day1)
        let key2 = QualityRowKey(monitor: "student_profile_complete", school: "3133000001", day: day2)
        #expect(d.rows[key1]?.checked == 0 && d.rows[key1]?.failed == 0)
        #expect(d.rows[key2]?.checked == 1 && d.rows[key2]?.failed == 0)
        #expect(d.activity[ActivityKey(recordType: .student, school: "3133000001", day: day1)]?.records == 0)
        #expect(d.activity[ActivityKey(recordType: .student, school: "3133000001", day: day2)]?.records == 1)
    }
}
