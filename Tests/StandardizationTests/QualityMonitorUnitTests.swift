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
        guard case .standard(let r) = Fixtures.standardizer(.student).standardize(
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

    func record(person: String, school: String, status: Int16, micros: Int64, localId: String? = nil) -> StandardRecord {
        StandardRecord(type: .student, key: person, schoolCode: school, countyCode: "330106", updatedAtMicros: micros,
                       position: SourcePosition(topic: "std", partition: 0, offset: micros, row: 0), status: status, localIdCode: localId)
    }

    @Test func enrolledAtTwoSchoolsIsOneConflictAtEach() throws {
        let monitor = try #require(topology.monitor("student_enrolled_once"))
        var claims = UniquenessClaims(monitor: monitor)
        claims.observe(record(person: "p1", school: "A", status: 1, micros: 1))
        claims.observe(record(person: "p1", school: "B", status: 1, micros: 2))
        claims.observe(record(person: "p2", school: "A", status: 1, micros: 3))
        var d = QualityDeltas(topology: topology)
        let outcome = claims.apply(stored: [], into: &d)
        #expect(outcome.writes.filter(\.flagged).map(\.member).sorted() == ["A", "B"])
        let day = record(person: "", school: "", status: 1, micros: 1).qualityDay
        #expect(d.rows[QualityRowKey(monitor: monitor.name, school: "A", day: day)] == QualityDeltas.Change(checked: 2, failed: 1, examples: ["p1"]))

        // Later, A reports p1 transferred out: both conflicts are retracted, A's claim stops counting.
        var later = UniquenessClaims(monitor: monitor)
        later.observe(record(person: "p1", school: "A", status: 3, micros: 4))
        var d2 = QualityDeltas(topology: topology)
        _ = later.apply(stored: outcome.writes.filter { $0.group == "p1" }, into: &d2)
        #expect(d2.rows[QualityRowKey(monitor: monitor.name, school: "A", day: day)] == QualityDeltas.Change(checked: -1, failed: -1))
        #expect(d2.rows[QualityRowKey(monitor: monitor.name, school: "B", day: day)] == QualityDeltas.Change(checked: 0, failed: -1))

        // A redelivered older report changes nothing.
        var stale = UniquenessClaims(monitor: monitor)
        stale.observe(record(person: "p1", school: "B", status: 1, micros: 2))
        var d3 = QualityDeltas(topology: topology)
        let none = stale.apply(stored: outcome.writes.filter { $0.group == "p1" }, into: &d3)
        #expect(none.writes.isEmpty && none.removals.isEmpty && d3.changedRows.isEmpty)
    }

    @Test func aRegistryNumberFollowsThePersonsCurrentVersion() throws {
        let monitor = try #require(topology.monitor("student_registry_no_unique"))
        var claims = UniquenessClaims(monitor: monitor)
        let p1 = record(person: "p1", school: "A", status: 1, micros: 1, localId: "x")
        let p2 = record(person: "p2", school: "C", status: 1, micros: 2, localId: "x")
        claims.replace(nil, with: p1)
        claims.replace(nil, with: p2)
        var d = QualityDeltas(topology: topology)
        let first = claims.apply(stored: [], into: &d)
        #expect(first.writes.allSatisfy(\.flagged) && first.writes.count == 2)
        // p2's next version carries another number: the old claim goes, nobody conflicts.
        var next = UniquenessClaims(monitor: monitor)
        next.replace(p2, with: record(person: "p2", school: "C", status: 1, micros: 3, localId: "y"))
        #expect(next.groups == ["x", "y"])
        var d2 = QualityDeltas(topology: topology)
        let second = next.apply(stored: first.writes, into: &d2)
        #expect(second.removals.map(\.member) == ["p2"])
        #expect(second.writes.map { "\($0.group)/\($0.member)/\($0.flagged)" }.sorted() == ["x/p1/false", "y/p2/false"])
    }

    @Test func theClaimAVersionImpliesAndTheGroupsAfterAMerge() throws {
        let enrolled = UniquenessClaims(monitor: try #require(topology.monitor("student_enrolled_once")))
        let registry = UniquenessClaims(monitor: try #require(topology.monitor("student_registry_no_unique")))
        let r = record(person: "p1", school: "A", status: 1, micros: 5, localId: "x")
        let day = r.qualityDay
        #expect(enrolled.claim(of: r) == QualityClaim(group: "p1", member: "A", school: "A", day: day, active: true,
                                                      flagged: false, version: r.version))
        #expect(enrolled.claim(of: record(person: "p1", school: "A", status: 3, micros: 5))?.active == false)
        #expect(registry.claim(of: r) == QualityClaim(group: "x", member: "p1", school: "A", day: day, active: true,
                                                      flagged: false, version: r.version))
        #expect(registry.claim(of: record(person: "p1", school: "A", status: 1, micros: 5)) == nil)

        // A person first seen at one school keeps one claim: exactly the one their state implies.
        var first = enrolled
        first.observe(r)
        var d = QualityDeltas(topology: topology)
        let single = first.apply(stored: [], into: &d)
        #expect(single.groups.map(\.group) == ["p1"] && single.groups[0].claims == [enrolled.claim(of: r)!])

        // A second school: the group holds both, flagged, whatever was stored before.
        var second = enrolled
        second.observe(record(person: "p1", school: "B", status: 1, micros: 6))
        var d2 = QualityDeltas(topology: topology)
        let both = second.apply(stored: single.groups[0].claims, into: &d2)
        #expect(both.groups.count == 1 && both.groups[0].claims.map(\.member).sorted() == ["A", "B"])
        #expect(both.groups[0].claims.allSatisfy { $0.flagged })
        #expect(d2.rows[QualityRowKey(monitor: "student_enrolled_once", school: "A", day: day)] == QualityDeltas.Change(checked: 0, failed: 1, examples: ["p1"]))
    }

    @Test func conflictsAreMarkedByActiveMembersPerGroup() {
        let v = StandardRecord.Version(updatedAtMicros: 1, partition: 0, offset: 0, row: 0)
        func c(_ g: String, _ m: String, active: Bool) -> QualityClaim {
            QualityClaim(group: g, member: m, school: m, day: 0, active: active, flagged: true, version: v)
        }
        let marked = UniquenessClaims.markingConflicts([c("x", "A", active: true), c("x", "B", active: true),
                                                        c("y", "A", active: true), c("y", "B", active: false),
                                                        c("z", "A", active: false), c("z", "B", active: false)])
        #expect(marked.map(\.flagged) == [true, true, false, false, false, false])
    }
}
