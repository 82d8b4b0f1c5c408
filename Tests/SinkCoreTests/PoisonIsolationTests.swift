import FailureIsolation
import HubCore
import HubStore
import Postgres
import SinkCore
import Testing

/// The sink's poison isolation against a real PostgreSQL: a batch the database refuses in part
/// commits everything else, exactly once, with each poison unit in the quarantine.
@Suite("Sink poison isolation", .serialized)
struct SinkPoisonIsolationTests {
    typealias F = PoisonFixture
    let day: Int32 = 20_697  // 2026-09-01

    /// 3,000 incompressible characters: a class this long was once part of an indexed key (over
    /// the btree row limit); the key is a digest now, so it is stored like any other.
    static let hugeClass: String = {
        var rng = SplitMix64(seed: 7)
        let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)
        return String(decoding: (0..<3000).map { _ in letters[rng.int(letters.count)] }, as: UTF8.self)
    }()

    @Test("poison records in the middle of a batch: the rest commits with exact aggregates, the poison is quarantined, offsets advance once")
    func poisonInTheMiddle() throws {
        let f = try F("sink_poison")
        var records: [StandardRecord] = []
        // What the test expects, computed from its own list (not by the sink's code).
        var enrollment: [String: Int64] = [:]
        var teachers: [String: Int64] = [:]
        var attendance: [String: (Int64, Int64)] = [:]
        func path(_ school: String) -> [String] {
            let county = F.schools[school]!
            return ["province|330000", "city|\(county.prefix(4))00", "county|\(county)", "school|\(school)"]
        }
        var offset: Int64 = 0
        func nextOffset() -> Int64 { offset += 1; return offset }

        for i in 0..<600 {
            let school = F.schoolCodes[i % 3]
            let grade: Int16 = [11, 12, 21, 31][i % 4], gender: Int16 = i % 2 == 0 ? 1 : 2
            let status: Int16 = i % 10 == 0 ? 2 : 1
            records.append(F.student(i, school: school, micros: 1_000_000, offset: nextOffset(), status: status, grade: grade, gender: gender))
            if status == 1 { for p in path(school) { enrollment["\(p)|\(grade)|\(gender)", default: 0] += 1 } }
        }
        for i in 0..<50 {
            let school = F.schoolCodes[i % 3]
            records.append(F.teacher(10_000 + i, school: school, micros: 1_000_000, offset: nextOffset(), active: i % 5 != 0))
            if i % 5 != 0 { for p in path(school) { teachers[p, default: 0] += 1 } }
        }
        var poison: [SourcePosition: String] = [:]
        let bigCount: Int64 = 5_000_000_000_000_000_000
        for i in 0..<300 {
            let school = F.schoolCodes[i % 3]
            let d = day + Int32(i % 5)
            var className = "\(i)班", expected = Int64(30 + i % 10), present = Int64(25 + i % 7)
            var expectedOutcome: String?
            switch i {
            // The binary COPY names the column it refused.
            case 150: className = "1\u{0}班"; expectedOutcome = "malformed|class_name"
            case 90: className = Self.hugeClass
            case 30, 240:
                // Each alone fits a bigint; the later one would take the day's rows past it.
                expected = bigCount
                if i == 240 { expectedOutcome = "invalid_code|-" }
            default: break
            }
            let r = F.attendance(school: i == 240 ? F.schoolCodes[0] : school, day: i == 240 ? day : d, className: className,
                                 expected: expected, present: present, micros: 1_000_000, offset: nextOffset())
            // Interleave with the students, so the poison sits in the middle of the batch.
            records.insert(r, at: min(records.count, 2 * i + 1))
            if let expectedOutcome {
                poison[r.position] = expectedOutcome
            } else {
                for p in path(r.schoolCode) {
                    let k = "\(p)|\(CalendarDate(daysSinceEpoch: Int(r.day!)).description)"
                    let cur = attendance[k] ?? (0, 0)
                    attendance[k] = (cur.0 + r.expected!, cur.1 + r.present!)
                }
            }
        }
        var quarantine = (0..<10).map { F.unit(offset: Int64($0), reason: [.invalidCode, .missingField, .unknownSchool][$0 % 3]) }
        // A unit from an older producer whose field name holds a NUL: stored without its details.
        let badUnit = F.unit(offset: 99, reason: .invalidCode, field: "X\u{0}BM", school: "张三")
        quarantine.insert(badUnit, at: 5)
        poison[badUnit.position] = "invalid_code|-"

        let summary = try f.commit(F.batch(records, quarantine, from: 0, count: 10))

        // Each poison unit isolated, with its reason and (where the server named it) its column.
        let isolated = Dictionary(uniqueKeysWithValues: summary.isolated.map { ($0.position, "\($0.reason.rawValue)|\($0.field ?? "-")") })
        #expect(isolated == poison)
        #expect(summary.isolated.allSatisfy { $0.raw.isEmpty || $0.position == badUnit.position })
        #expect(summary.isolated.allSatisfy { !$0.detail.contains("\u{0}") && !$0.detail.contains("班") })
        #expect(summary.isolationAttempts > 0)

        // Everything else, exactly.
        #expect(try f.enrollment() == enrollment)
        #expect(try f.teachers() == teachers)
        let expectedAttendance = attendance.mapValues { "\($0.0)/\($0.1)" }
        #expect(try f.attendance() == expectedAttendance)
        #expect(try f.rows("SELECT count(*) FROM hub.current_state") == ["\(600 + 50 + 300 - 2)"])

        // The quarantine: ten ordinary units and three isolated ones, by reason; no clear text.
        #expect(try f.rows("SELECT reason, records FROM hub.quarantine_counts ORDER BY 1")
                == ["invalid_code|6", "malformed|1", "missing_field|3", "unknown_school|3"])
        let stored = try f.rows("""
            SELECT src_offset, reason, coalesce(field, '-'), coalesce(school_code, '-'), detail FROM hub.quarantine
            WHERE src_topic = 'raw.attendance' ORDER BY 1
            """)
        #expect(stored.count == 2)
        #expect(stored.allSatisfy { $0.contains("|3133000001|") || $0.contains("|3133000002|") || $0.contains("|3133000003|") })
        #expect(stored.allSatisfy { $0.contains("isolated by the sink: SQLSTATE") })
        #expect(try f.rows("SELECT field IS NULL, school_code IS NULL, detail FROM hub.quarantine WHERE src_offset = 99")
                == ["t|t|stored without its details: SQLSTATE 22021: text PostgreSQL cannot store (NUL or invalid byte sequence)"])

        // Offsets advanced once: the same batch again is fenced off and changes nothing.
        #expect(try f.rows("SELECT next_offset FROM hub.sink_offsets WHERE topic = '\(F.stdTopic)'") == ["10"])
        #expect(throws: FencedError.self) { _ = try f.commit(F.batch(records, quarantine, from: 0, count: 10)) }
        #expect(try f.enrollment() == enrollment)
        #expect(try f.attendance() == expectedAttendance)

        // Redelivered after the offsets (a new batch holding the same units): nothing changes.
        let again = try f.commit(F.batch(records, quarantine, from: 10, count: 5))
        #expect(again.stateChanges == 0)
        #expect(again.newQuarantined == 0)
        #expect(Set(again.isolated.map(\.position)) == Set(poison.keys))
        #expect(try f.rows("SELECT sum(records) FROM hub.quarantine_counts") == ["13"])
        #expect(try f.enrollment() == enrollment)
        #expect(try f.attendance() == expectedAttendance)
    }

    @Test("applying a batch in halves (isolation) gives the same state, aggregates and quality as applying it at once")
    func halvesEqualTheWhole() throws {
        var rng = SplitMix64(seed: 2026)
        let checkable: [UInt64] = [0, 1, 2, 3, 4, 8, 10].map { UInt64(1) << $0 }
        func mask() -> (UInt64, UInt64) {
            var c: UInt64 = 0, x: UInt64 = 0
            for b in checkable where rng.int(3) > 0 {
                c |= b
                if rng.int(4) == 0 { x |= b }
            }
            return (c, x)
        }
        var offset: Int64 = 0
        func record(_ micros: Int64) -> StandardRecord {
            offset += 1
            switch rng.int(10) {
            case 0..<6:
                let (c, x) = mask()
                // Few persons, several versions each, spread over the batch; local ids collide.
                return F.student(rng.int(400), school: F.schoolCodes[rng.int(3)], micros: micros + Int64(rng.int(50)),
                                 offset: offset, status: [1, 1, 1, 2, 3][rng.int(5)], grade: [11, 12, 21][rng.int(3)],
                                 gender: Int16(1 + rng.int(2)), localId: rng.int(4) == 0 ? "L\(rng.int(60))" : nil,
                                 checked: c, failed: x)
            case 6..<8:
                return F.teacher(1_000 + rng.int(80), school: F.schoolCodes[rng.int(3)], micros: micros + Int64(rng.int(50)),
                                 offset: offset, active: rng.int(4) > 0)
            default:
                return F.attendance(school: F.schoolCodes[rng.int(3)], day: day + Int32(rng.int(3)), className: "\(rng.int(20))班",
                                    expected: Int64(20 + rng.int(30)), present: Int64(rng.int(45)), micros: micros + Int64(rng.int(50)),
                                    offset: offset)
            }
        }
        let earlier = (0..<1500).map { _ in record(1_000) }
        let batch = (0..<3000).map { _ in record(1_030) }
        let poisonA = F.attendance(school: F.schoolCodes[0], day: day, className: "\u{0}", expected: 1, present: 1,
                                   micros: 9_999, offset: 100_001)
        let poisonB = F.attendance(school: F.schoolCodes[1], day: day, className: "2\u{0}", expected: 1, present: 1,
                                   micros: 9_999, offset: 100_002)
        var poisoned = batch
        poisoned.insert(poisonA, at: 1500)
        poisoned.insert(poisonB, at: 17)

        let whole = try F("sink_whole")
        let halves = try F("sink_halves")
        for f in [whole, halves] { _ = try f.commit(F.batch(earlier, from: 0, count: 1)) }
        let a = try whole.commit(F.batch(batch, from: 1, count: 1))
        let b = try halves.commit(F.batch(poisoned, from: 1, count: 1))
        #expect(a.isolated.isEmpty && a.isolationAttempts == 0)
        #expect(Set(b.isolated.map(\.position)) == [poisonA.position, poisonB.position])
        #expect(b.isolationAttempts > 20)

        let expected = try whole.derivedState()
        let actual = try halves.derivedState(excludingQuarantineAt: [poisonA.position, poisonB.position])
        for (table, rows) in expected.sorted(by: { $0.key < $1.key }) {
            #expect(!rows.isEmpty || table == "quarantine", "\(table) is empty: the comparison would be vacuous")
            #expect(actual[table] == rows, "\(table) differs")
        }
    }
}
