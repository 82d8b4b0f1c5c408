import HubCore
import Standardization
import Testing

/// The standardiser looks each raw field up starting after the last match (records mostly
/// carry a dialect's fields in one order). Whatever the order, extras and repeats, the outcome
/// must be the one of the record written once, in order, with each repeated name's last value.
@Suite("Raw fields in any order")
struct FieldOrderTests {
    /// A valid std-dialect student and a valid en-dialect one.
    static let records: [[(String, RawValue)]] = [
        [("XXBSM", .string("3133000001")), ("XJH", .string("G1")), ("XM", .string("张三")), ("XBM", .integer("2")),
         ("CSRQ", .string("20100304")), ("SFZJH", .string("11010519491231002x")), ("NJDM", .string("21")),
         ("BJ", .string(" 1班 ")), ("XJZT", .string("1")), ("GXSJ", .string("2026-09-01 08:00:00"))],
        [("school_code", .string("3133000002")), ("gender", .string("M")), ("id_number", .string(IDs.a)),
         ("grade", .integer("7")), ("class_name", .string("7-2")), ("status", .string("enrolled")),
         ("updated_at", .string("2026-09-01T00:00:00.5Z"))],
    ]

    /// Values a repeated name may carry before its last one: valid, invalid and blank.
    static let decoys: [RawValue] = [.string("9"), .string("not a value"), .null, .string("  "), .integer("33")]

    @Test func orderExtrasAndRepeatsDoNotChangeTheOutcome() {
        var rng = SplitMix64(seed: 0x5EED_0F_F1E1D)
        for i in 0..<400 {
            let canonical = Self.records[i % Self.records.count]
            var fields = canonical
            fields.shuffle(using: &rng)
            // Names of no dialect, and of the other dialect, in between.
            for extra in ["remark", "school_code_old", "XXBSM2", "性别备注", ""] where Bool.random(using: &rng) {
                fields.insert((extra, .string("x")), at: Int.random(in: 0...fields.count, using: &rng))
            }
            // A repeated name: an earlier decoy, so the canonical value stays the last.
            if let pick = canonical.randomElement(using: &rng), let decoy = Self.decoys.randomElement(using: &rng),
               let last = fields.lastIndex(where: { $0.0 == pick.0 }) {
                fields.insert((pick.0, decoy), at: Int.random(in: 0...last, using: &rng))
            }
            let expected = Fixtures.run(.student, canonical)
            let got = Fixtures.run(.student, fields)
            guard case .standard(let want) = expected, case .standard(let have) = got else {
                Issue.record("case \(i): expected a standard record both times, got \(expected) and \(got)")
                continue
            }
            #expect(have == want, "case \(i): \(fields.map(\.0))")
        }
    }

    @Test func theLastOfARepeatedNameCounts() {
        var fields = Self.records[0]
        fields.append(("NJDM", .string("31")))  // grade 31 after 21
        guard case .standard(let r) = Fixtures.run(.student, fields) else { Issue.record("quarantined"); return }
        #expect(r.grade == 31)
        fields.append(("NJDM", .string("99")))  // an invalid code last: the required grade is invalid
        guard case .quarantine(let reason, let field, _, _) = Fixtures.run(.student, fields) else {
            Issue.record("not quarantined")
            return
        }
        #expect(reason == .invalidCode)
        #expect(field == "NJDM")
    }
}
