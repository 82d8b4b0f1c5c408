import Aggregation
import HubCore
import Standardization
import Testing

/// Records that parse but carry what the hub must not store or trust: each gets a defined
/// outcome — accepted, or a quarantine reason with its field — never a crash.
@Suite("Hostile records")
struct HostileRecordTests {
    let student: [(String, RawValue)] = [
        ("XXBSM", .string("3133000001")), ("XM", .string("张三")), ("XBM", .string("1")), ("CSRQ", .string("20100304")),
        ("SFZJH", .string(IDs.a)), ("NJDM", .string("11")), ("BJ", .string("1班")), ("XJZT", .string("1")),
        ("GXSJ", .string("2026-09-01 08:00:00")),
    ]
    let attendance: [(String, RawValue)] = [
        ("XXBSM", .string("3133000001")), ("RQ", .string("20260901")), ("NJDM", .string("11")), ("BJ", .string("1班")),
        ("YDRS", .string("40")), ("SDRS", .string("38")), ("GXSJ", .string("2026-09-01 08:00:00")),
    ]

    func with(_ base: [(String, RawValue)], _ name: String, _ value: RawValue) -> [(String, RawValue)] {
        base.map { $0.0 == name ? (name, value) : $0 }
    }

    func outcome(_ type: RecordType, _ fields: [(String, RawValue)], at ms: Int64 = 1_788_228_000_000) -> String {
        switch Fixtures.run(type, fields, at: ms) {
        case .standard: return "standard"
        case .quarantine(let reason, let field, _, _): return "\(reason.rawValue) \(field ?? "-")"
        }
    }

    @Test("updated at in year 1, with every monitor running, is accepted (a real time)")
    func yearOne() throws {
        let fields = with(student, "GXSJ", .string("0001-01-01 08:00:00"))
        guard case .standard(let r) = Fixtures.run(.student, fields, at: 1_788_228_000_000) else {
            Issue.record("quarantined")
            return
        }
        #expect(CalendarDate(daysSinceEpoch: Int(r.qualityDay)).description == "0001-01-01")
        let en: [(String, RawValue)] = [
            ("school_code", .string("3133000001")), ("gender", .string("M")), ("id_number", .string(IDs.a)),
            ("grade", .integer("1")), ("status", .string("enrolled")), ("updated_at", .string("0001-01-01T00:00:00Z")),
        ]
        #expect(outcome(.student, en) == "standard")
    }

    @Test("a time whose Beijing day falls outside 0001–9999 is invalid_code")
    func timesOutsideTheSupportedDays() {
        let en: [(String, RawValue)] = [
            ("school_code", .string("3133000001")), ("gender", .string("M")), ("id_number", .string(IDs.a)),
            ("grade", .integer("1")), ("status", .string("enrolled")), ("updated_at", .string("0001-01-01T00:00:00+23:59")),
        ]
        #expect(outcome(.student, en) == "invalid_code updated_at")
        let late = en.map { $0.0 == "updated_at" ? ("updated_at", RawValue.string("9999-12-31T23:59:59-23:59")) : $0 }
        #expect(outcome(.student, late) == "invalid_code updated_at")
        let last = en.map { $0.0 == "updated_at" ? ("updated_at", RawValue.string("9999-12-31T15:59:59Z")) : $0 }
        #expect(outcome(.student, last) == "standard")
    }

    @Test("dates of year 1 and 9999 are accepted; year 0 is not a date")
    func edgeDates() {
        #expect(outcome(.attendance, with(attendance, "RQ", .string("00010101"))) == "standard")
        #expect(outcome(.attendance, with(attendance, "RQ", .string("99991231"))) == "standard")
        #expect(outcome(.attendance, with(attendance, "RQ", .string("00000101"))) == "invalid_code RQ")
        #expect(outcome(.student, with(student, "GXSJ", .string("2026-02-29 08:00:00"))) == "invalid_code GXSJ")
    }

    @Test("a count above the topology's plausible maximum (10000) is invalid_code")
    func countMaximum() {
        #expect(outcome(.attendance, with(attendance, "YDRS", .string("10000"))) == "standard")
        #expect(outcome(.attendance, with(attendance, "YDRS", .string("10001"))) == "invalid_code YDRS")
        #expect(outcome(.attendance, with(attendance, "SDRS", .integer("999999999999999999"))) == "invalid_code SDRS")
        #expect(outcome(.attendance, with(attendance, "SDRS", .integer("9223372036854775807"))) == "invalid_code SDRS")
        #expect(outcome(.attendance, with(attendance, "SDRS", .integer("-1"))) == "invalid_code SDRS")
    }

    @Test("a NUL in a stored text field is malformed, with the field named")
    func nulInClassName() {
        #expect(outcome(.attendance, with(attendance, "BJ", .string("1\u{0}班"))) == "malformed BJ")
        // Checked first, as SPEC orders malformed before the other reasons.
        var both = with(attendance, "BJ", .string("\u{0}"))
        both.removeAll { $0.0 == "YDRS" }
        #expect(outcome(.attendance, both) == "malformed BJ")
        // An optional text field with a NUL is treated as absent.
        #expect(outcome(.student, with(student, "BJ", .string("\u{0}"))) == "standard")
    }

    @Test("a stored text field over 256 bytes is malformed; other control characters are kept")
    func longAndControlText() {
        #expect(outcome(.attendance, with(attendance, "BJ", .string(String(repeating: "班", count: 86)))) == "malformed BJ")
        #expect(outcome(.attendance, with(attendance, "BJ", .string(String(repeating: "班", count: 85)))) == "standard")
        guard case .standard(let r) = Fixtures.run(.attendance, with(attendance, "BJ", .string("1\u{1}\t\u{7F}班"))) else {
            Issue.record("quarantined")
            return
        }
        #expect(r.className == "1\u{1}\t\u{7F}班")
    }

    @Test("non-codes in code fields are invalid_code, whatever they hold")
    func nonCodes() {
        #expect(outcome(.student, with(student, "XBM", .string("1\u{0}"))) == "invalid_code XBM")
        #expect(outcome(.student, with(student, "NJDM", .string("１１"))) == "invalid_code NJDM")
        #expect(outcome(.student, with(student, "XJZT", .composite("{\"a\":1}"))) == "invalid_code XJZT")
        #expect(outcome(.student, with(student, "SFZJH", .string("11010519491231002X\u{0}"))) == "invalid_id_number SFZJH")
    }

    /// The kind of a raw value is kept per field beside its text: each check below gives a value
    /// whose text alone would pass, so only the kind can reject it, and only in its own field.
    @Test("number-like raw values are never a code, count, date or time; integer tokens and strings are")
    func numberLikeValues() {
        for kind in [RawValue.number, RawValue.composite] {
            #expect(outcome(.attendance, with(attendance, "NJDM", kind("11"))) == "invalid_code NJDM")
            #expect(outcome(.attendance, with(attendance, "YDRS", kind("40"))) == "invalid_code YDRS")
            #expect(outcome(.attendance, with(attendance, "SDRS", kind("38"))) == "invalid_code SDRS")
            #expect(outcome(.attendance, with(attendance, "RQ", kind("20260901"))) == "invalid_code RQ")
            #expect(outcome(.attendance, with(attendance, "GXSJ", kind("2026-09-01 08:00:00"))) == "invalid_code GXSJ")
            // An optional field is dropped, and the record kept.
            #expect(outcome(.student, with(student, "CSRQ", kind("20100304"))) == "standard")
        }
        #expect(outcome(.attendance, with(attendance, "YDRS", .bool(true))) == "invalid_code YDRS")
        let integers = with(with(with(attendance, "NJDM", .integer("11")), "YDRS", .integer("40")), "RQ", .integer("20260901"))
        #expect(outcome(.attendance, integers) == "standard")
    }

    @Test("an ID number or a name in the school field is unknown_school")
    func personalDataInTheSchoolField() {
        guard case .quarantine(let reason, _, _, let school) = Fixtures.run(.student, with(student, "XXBSM", .string(IDs.a))) else {
            Issue.record("standardised")
            return
        }
        #expect(reason == .unknownSchool)
        // The raw text comes back to the caller, which keeps only a school code (SchoolCode).
        #expect(SchoolCode.dimension(school) == "(invalid)")
    }

    @Test("an aggregate sum that would overflow is refused and leaves the deltas as they were")
    func overflowingSum() throws {
        guard case .standard(var a) = Fixtures.run(.attendance, attendance) else {
            Issue.record("quarantined")
            return
        }
        let definitions = Fixtures.topology.stream(for: .attendance)!.aggregates
        var deltas = AggregateDeltas(definitions: definitions)
        a.expected = Int64.max - 10
        try deltas.replace(nil, with: a)
        let before = Self.rows(deltas)
        #expect(before.count == 4)
        var b = a
        b.key = Digest32.sha256(Array("another class".utf8))
        b.expected = 11
        #expect(throws: AggregateOverflow.self) { try deltas.replace(nil, with: b) }
        #expect(Self.rows(deltas) == before)
        // Retracting Int64.min cannot be negated; the replacement is refused as a whole.
        var c = a
        c.expected = Int64.min
        #expect(throws: AggregateOverflow.self) { try deltas.replace(c, with: a) }
        #expect(Self.rows(deltas) == before)
    }

    @Test("a record whose second aggregate would overflow leaves its first one as it was too")
    func overflowInASecondDefinition() throws {
        guard case .standard(var a) = Fixtures.run(.attendance, attendance) else {
            Issue.record("quarantined")
            return
        }
        // Two aggregates of the same records: the first sums `present`, the second `expected`.
        var first = Fixtures.topology.stream(for: .attendance)!.aggregates[0]
        first.table = "present_agg"
        first.measures = [(column: "present", measure: .sum("present"))]
        var second = first
        second.table = "expected_agg"
        second.measures = [(column: "expected", measure: .sum("expected"))]
        var deltas = AggregateDeltas(definitions: [first, second])
        a.present = 7
        a.expected = Int64.max - 10
        try deltas.replace(nil, with: a)
        let before = Self.rows(deltas)
        #expect(before.count == 8)
        #expect(before.filter { $0.hasPrefix("present_agg|") }.allSatisfy { $0.hasSuffix("|[7]") })
        var b = a
        b.key = Digest32.sha256(Array("another class".utf8))
        b.present = 5
        b.expected = 11
        #expect(throws: AggregateOverflow.self) { try deltas.replace(nil, with: b) }
        #expect(Self.rows(deltas) == before)
    }

    /// Every row of `d` as `table|level|region|groups|deltas`.
    static func rows(_ d: AggregateDeltas) -> [String] {
        d.nonZero.map { "\($0.key.table)|\($0.key.level)|\($0.key.region)|\($0.key.groups)|\($0.deltas)" }
    }
}
