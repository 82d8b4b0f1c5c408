import HubCore
import Testing
import Topology

/// Each monitor rule's evaluation on its own, as pure logic: a per-record rule bound to a
/// dialect's field order and given one record; a day rule given a day's activity. (The
/// uniqueness rules' evaluation is SQL: `SinkCoreTests/UniquenessEvaluationTests` runs it
/// against PostgreSQL; here only what they ask of the database.)
@Suite("Monitor rules: evaluation of each kind")
struct MonitorRuleTests {
    /// 2026-09-01 (a Tuesday), days since 1970-01-01.
    static let day: Int32 = 20_697
    /// 2026-09-01 08:00 Beijing.
    static let updatedMicros = Int64(day) * 86_400_000_000

    static func record(_ type: RecordType = .student, _ edit: (inout StandardRecord) -> Void = { _ in }) -> StandardRecord {
        var r = StandardRecord(type: type, key: Digest32(w0: 1, w1: 2, w2: 3, w3: 4), schoolCode: "3133000001", countyCode: "330106",
                               updatedAtMicros: updatedMicros, position: SourcePosition(topic: "raw.student", partition: 0, offset: 0, row: 0))
        edit(&r)
        return r
    }

    /// A valid ID number born on `birth` (YYYYMMDD).
    static func id(_ birth: String) -> String { IdNumber.completing("330106" + birth + "001") ?? "" }

    static func view(_ record: StandardRecord = record(), present: [String?] = [], valid: [String?]? = nil,
                     id: String? = nil) -> MonitorRecordView {
        MonitorRecordView(present: present, valid: valid ?? present, canonicalId: id, record: record)
    }

    static func check(_ rule: any RecordRule, _ fields: [String], _ view: MonitorRecordView) -> Bool? {
        rule.bind(fieldNames: fields).evaluate(view)
    }

    /// A rule that reads no raw field.
    static func check(_ rule: any RecordRule, _ view: MonitorRecordView) -> Bool? { check(rule, [], view) }

    @Test func complete() {
        let rule = CompleteRule(fields: ["name", "class_name"])
        let fields = ["name", "gender", "class_name"]
        #expect(Self.check(rule, fields, Self.view(present: ["某某", "1", "1班"])) == true)
        #expect(Self.check(rule, fields, Self.view(present: [nil, "1", "1班"])) == false)
        // A dialect that does not map a listed field: no record of it is complete.
        #expect(Self.check(rule, ["name", "gender"], Self.view(present: ["某某", "1"])) == false)
    }

    @Test func valid() {
        let rule = ValidRule(field: "birth_date")
        let fields = ["gender", "birth_date"]
        #expect(Self.check(rule, fields, Self.view(present: ["1", "20190510"])) == true)
        #expect(Self.check(rule, fields, Self.view(present: ["1", "20190230"], valid: ["1", nil])) == false)
        #expect(Self.check(rule, fields, Self.view(present: ["1", nil])) == nil)
        #expect(Self.check(rule, ["gender"], Self.view(present: ["1"])) == nil)
    }

    @Test func pattern() {
        let rule = PatternRule(field: "registry_no", pattern: "[GL][0-9]{3}")
        #expect(Self.check(rule, ["registry_no"], Self.view(present: ["G123"])) == true)
        #expect(Self.check(rule, ["registry_no"], Self.view(present: ["X123"])) == false)
        // The whole value must match.
        #expect(Self.check(rule, ["registry_no"], Self.view(present: ["G1234"])) == false)
        #expect(Self.check(rule, ["registry_no"], Self.view(present: [nil])) == nil)
    }

    /// A fixed-form pattern is matched byte by byte on printable ASCII (and by `Regex`
    /// otherwise): every verdict equals Swift `Regex`'s whole match, written out here.
    @Test func patternVerdictsEqualRegex() throws {
        let patterns = ["[GL][0-9]{3}", "[a-c]{2}x", "AB", "[0-9]{0}A", "[0-z]1", "[GL]\\d{3}", "G.{2}"]
        let values = ["G123", "L999", "g123", "X123", "G12", "G1234", "G12a", "", " G123", "G123 ", "Ｇ123", "G12３",
                      "G123\u{301}", "G1\r\n", "abx", "cax", "ABx", "AB", "ab", "A", "0A", ":1", "z1", "{1", "G\t2"]
        for pattern in patterns {
            let regex = try Regex(pattern)
            let rule = PatternRule(field: "f", pattern: pattern)
            for value in values {
                let expected = (try? regex.wholeMatch(in: value)) != nil
                #expect(Self.check(rule, ["f"], Self.view(present: [value])) == expected, "\(pattern) on \(value.debugDescription)")
            }
        }
        // A few verdicts written out, so the test does not only trust Regex.
        let registry = PatternRule(field: "f", pattern: "[GL][0-9]{3}")
        #expect(["G123", "L000"].map { Self.check(registry, ["f"], Self.view(present: [$0])) } == [true, true])
        #expect(["g123", "Ｇ123", "G123\u{301}", "G12"].map { Self.check(registry, ["f"], Self.view(present: [$0])) }
                == [false, false, false, false])
    }

    @Test func range() {
        let rule = RangeRule(field: "expected", min: 1, max: 70)
        #expect(Self.check(rule, Self.view(Self.record(.attendance) { $0.expected = 1 })) == true)
        #expect(Self.check(rule, Self.view(Self.record(.attendance) { $0.expected = 70 })) == true)
        #expect(Self.check(rule, Self.view(Self.record(.attendance) { $0.expected = 0 })) == false)
        #expect(Self.check(rule, Self.view(Self.record(.attendance) { $0.expected = 71 })) == false)
        #expect(Self.check(rule, Self.view(Self.record(.attendance))) == nil)
    }

    @Test func notGreater() {
        let rule = NotGreaterRule(field: "present", than: "expected")
        func r(_ present: Int64?, _ expected: Int64?) -> MonitorRecordView {
            Self.view(Self.record(.attendance) { $0.present = present; $0.expected = expected })
        }
        #expect(Self.check(rule, r(40, 40)) == true)
        #expect(Self.check(rule, r(41, 40)) == false)
        #expect(Self.check(rule, r(nil, 40)) == nil)
        #expect(Self.check(rule, r(40, nil)) == nil)
    }

    @Test func birthMatchesId() throws {
        let born = Int32(try #require(CalendarDate(year: 2019, month: 5, day: 10)).daysSinceEpoch)
        let rule = BirthMatchesIdRule()
        #expect(Self.check(rule, Self.view(Self.record { $0.birthDay = born }, id: Self.id("20190510"))) == true)
        #expect(Self.check(rule, Self.view(Self.record { $0.birthDay = born + 1 }, id: Self.id("20190510"))) == false)
        #expect(Self.check(rule, Self.view(Self.record(), id: Self.id("20190510"))) == nil)
        #expect(Self.check(rule, Self.view(Self.record { $0.birthDay = born })) == nil)
    }

    @Test func ageForGrade() {
        // Born 2019-05-10: 7 on 1 September 2026; primary 1 expects 6.
        let id = Self.id("20190510")
        func v(_ grade: Int16, _ edit: (inout StandardRecord) -> Void = { _ in }) -> MonitorRecordView {
            Self.view(Self.record { $0.grade = grade; edit(&$0) }, id: id)
        }
        #expect(Self.check(AgeForGradeRule(tolerance: 1), v(11)) == true)
        #expect(Self.check(AgeForGradeRule(tolerance: 0), v(11)) == false)
        #expect(Self.check(AgeForGradeRule(tolerance: 0), v(12)) == true)
        #expect(Self.check(AgeForGradeRule(tolerance: 2), v(16)) == false)
        // Junior 1 (21) is the seventh year: 12 years old.
        #expect(Self.check(AgeForGradeRule(tolerance: 0), Self.view(Self.record { $0.grade = 21 }, id: Self.id("20140510"))) == true)
        // In August the school year is the previous one: 6 on 1 September 2025.
        #expect(Self.check(AgeForGradeRule(tolerance: 0), v(11) { $0.updatedAtMicros -= 86_400_000_000 }) == true)
        #expect(Self.check(AgeForGradeRule(tolerance: 1), v(99)) == nil)
        #expect(Self.check(AgeForGradeRule(tolerance: 1), Self.view(Self.record { $0.grade = 11 })) == nil)
    }

    @Test func ageRange() {
        // Born 1990-09-02: 35 on 2026-09-01, 36 the day after.
        let teacher = Self.view(Self.record(.teacher), id: Self.id("19900902"))
        #expect(Self.check(AgeRangeRule(min: 18, max: 65), teacher) == true)
        #expect(Self.check(AgeRangeRule(min: 36, max: 65), teacher) == false)
        #expect(Self.check(AgeRangeRule(min: 18, max: 35), teacher) == true)
        #expect(Self.check(AgeRangeRule(min: 36, max: 65),
                           Self.view(Self.record(.teacher) { $0.updatedAtMicros += 86_400_000_000 }, id: Self.id("19900902"))) == true)
        #expect(Self.check(AgeRangeRule(min: 18, max: 65), Self.view(Self.record(.teacher))) == nil)
    }

    @Test func countyMatchesRegistry() {
        let rule = CountyMatchesRegistryRule(field: "county_code")
        #expect(Self.check(rule, ["name", "county_code"], Self.view(present: ["某某", "330106"])) == true)
        #expect(Self.check(rule, ["name", "county_code"], Self.view(present: ["某某", "330212"])) == false)
        #expect(Self.check(rule, ["name", "county_code"], Self.view(present: ["某某", nil])) == nil)
        #expect(Self.check(rule, ["name"], Self.view(present: ["某某"])) == nil)
    }

    @Test func arrivalLag() {
        let rule = ArrivalLagRule(maxLagHours: 72, maxAheadMinutes: 10)
        let updatedMs = Self.updatedMicros / 1000
        func arriving(_ ms: Int64) -> MonitorRecordView { Self.view(Self.record { $0.sourceTimestampMs = ms }) }
        #expect(Self.check(rule, arriving(updatedMs + 72 * 3_600_000)) == true)
        #expect(Self.check(rule, arriving(updatedMs + 72 * 3_600_000 + 1)) == false)
        #expect(Self.check(rule, arriving(updatedMs - 10 * 60_000)) == true)
        #expect(Self.check(rule, arriving(updatedMs - 10 * 60_000 - 1)) == false)
        // An unknown Kafka time is not judged.
        #expect(Self.check(rule, arriving(0)) == nil)
        #expect(Self.check(rule, arriving(-1)) == nil)
        // A steward's absurd figure saturates instead of overflowing.
        #expect(Self.check(ArrivalLagRule(maxLagHours: .max, maxAheadMinutes: .max), arriving(MessageTime.latestKnownMs)) == true)
    }

    @Test func quarantine() {
        let rule = QuarantineRule(reasons: [.unknownSchool])
        #expect(rule.counts(.unknownSchool))
        #expect(!rule.counts(.invalidCode))
        // Every standardised record passes; the failures are the sink's count of quarantined units.
        #expect(Self.check(rule, Self.view()) == true)
    }

    @Test func oneSchoolPerPersonAsksForTheClaimsOfItsTypeAndStatuses() {
        let rule = OneSchoolPerPersonRule(activeStatus: [1, 2])
        let q = rule.query(schema: "hub_t", recordType: .teacher)
        #expect(q.parameters == [String(RecordType.teacher.wireCode), "{1,2}"])
        #expect(q.sql.contains("FROM hub_t.school_claims WHERE record_type = $1"))
        #expect(q.sql.contains("status = ANY($2::smallint[])"))
        #expect(rule.readsSchoolClaims)
    }

    @Test func uniqueLocalIdScopes() {
        let province = UniqueLocalIdRule(perSchool: false).query(schema: "hub", recordType: .student)
        let school = UniqueLocalIdRule(perSchool: true).query(schema: "hub", recordType: .student)
        #expect(province.parameters == [String(RecordType.student.wireCode)])
        #expect(province.sql.contains("'' AS scope"))
        #expect(school.sql.contains("school_code AS scope"))
        #expect(!UniqueLocalIdRule(perSchool: true).readsSchoolClaims)
    }

    /// Beijing midnight starting `day`, in epoch milliseconds.
    static func midnightMs(_ day: Int32) -> Int64 { (Int64(day) * 86_400 - 8 * 3600) * 1000 }

    @Test func dailyReport() {
        let rule = DailyReportRule(deadlineMinutes: 10 * 60, weekdays: [1, 2, 3, 4, 5])
        let deadline = Self.midnightMs(Self.day) + 10 * 3_600_000
        #expect(rule.window(for: Self.day, nowMs: deadline - 1) == nil)
        #expect(rule.window(for: Self.day, nowMs: deadline) == [Self.day])
        #expect(rule.window(for: Self.day + 4, nowMs: .max) == nil)  // Saturday 2026-09-05
        let activity = DayActivity(firstArrivalMs: ["A": [Self.day: deadline], "B": [Self.day: deadline + 1],
                                                    "D": [Self.day - 1: deadline - 86_400_000]])
        let rows = rule.evaluate(day: Self.day, window: [Self.day], schools: ["A", "B", "C", "D"], activity: activity)
        #expect(rows == [SchoolDayResult(school: "A", day: Self.day, checked: 1, failed: 0),
                         SchoolDayResult(school: "B", day: Self.day, checked: 1, failed: 1),
                         SchoolDayResult(school: "C", day: Self.day, checked: 1, failed: 1),
                         SchoolDayResult(school: "D", day: Self.day, checked: 1, failed: 1)])
    }

    @Test func baseline() {
        let rule = BaselineRule(days: 5, tolerance: 0.5, minBaseline: 2, weekdays: [1, 2, 3, 4, 5])
        let day: Int32 = 20_704  // Tuesday 2026-09-08; the window skips the weekend.
        let window: [Int32] = [20_704, 20_703, 20_700, 20_699, 20_698, 20_697]
        #expect(rule.window(for: day, nowMs: Self.midnightMs(day + 1) - 1) == nil)
        #expect(rule.window(for: day, nowMs: Self.midnightMs(day + 1)) == window)
        func history(_ each: Int64, today: Int64?) -> [Int32: Int64] {
            var h = Dictionary(uniqueKeysWithValues: window.dropFirst().map { ($0, each) })
            h[day] = today
            return h
        }
        let activity = DayActivity(
            records: ["A": history(10, today: 4), "B": history(10, today: 6), "C": history(1, today: 9),
                      "D": history(10, today: 1), "E": history(10, today: nil)],
            firstReportedDay: ["A": 20_600, "B": 20_600, "C": 20_600, "D": 20_698, "E": 20_697])
        let rows = rule.evaluate(day: day, window: window, schools: ["A", "B", "C", "D", "E", "F"], activity: activity)
        // A: |4 − 10| > 5 fails; B: |6 − 10| ≤ 5 passes; C: baseline 1 < 2 not judged; D: first report
        // inside the window, not judged; E: a drop to zero fails; F: never reported.
        #expect(rows == [SchoolDayResult(school: "A", day: day, checked: 1, failed: 1),
                         SchoolDayResult(school: "B", day: day, checked: 1, failed: 0),
                         SchoolDayResult(school: "E", day: day, checked: 1, failed: 1)])
    }
}
