import HubCore
import Standardization
import Testing

@Suite("Students in every dialect")
struct StudentStandardizationTests {
    let std: [(String, RawValue)] = [
        ("XXBSM", .string("3133000001")), ("XJH", .string("G1")), ("XM", .string("张三")), ("XBM", .integer("2")),
        ("CSRQ", .string("20100304")), ("SFZJH", .string("11010519491231002x")), ("NJDM", .string("21")),
        ("BJ", .string(" 1班 ")), ("XJZT", .string("1")), ("GXSJ", .string("2026-09-01 08:00:00")),
    ]

    @Test func stdDialect() throws {
        guard case .standard(let r) = Fixtures.run(.student, std) else { Issue.record("quarantined"); return }
        #expect(r.schoolCode == "3133000001")
        #expect(r.countyCode == "330106")
        #expect(r.gender == 2)
        #expect(r.grade == 21)
        #expect(r.status == 1)
        #expect(r.className == "1班")
        #expect(try r.key == Fixtures.pseudonymizer.personCode(canonicalId: IDs.a))
        // 2026-09-01 08:00:00 Beijing = 2026-09-01T00:00:00Z
        #expect(r.updatedAtMicros == 1_788_220_800_000_000)
    }

    @Test func enDialectWithIntegerGrade() throws {
        let en: [(String, RawValue)] = [
            ("school_code", .string("3133000001")), ("gender", .string("F")), ("id_number", .string(IDs.a)),
            ("grade", .integer("7")), ("status", .string("enrolled")), ("updated_at", .string("2026-09-01T00:00:00.5Z")),
        ]
        guard case .standard(let r) = Fixtures.run(.student, en) else { Issue.record("quarantined"); return }
        #expect(r.grade == 21)
        #expect(r.gender == 2)
        #expect(r.updatedAtMicros == 1_788_220_800_500_000)
        #expect(try r.key == Fixtures.pseudonymizer.personCode(canonicalId: IDs.a))
    }

    @Test func zhDialectUnpadded() throws {
        let zh: [(String, RawValue)] = [
            ("学校代码", .string("3133000001")), ("性别", .string("女")), ("身份证号", .string(IDs.a)),
            ("年级", .string("初一")), ("学籍状态", .string("在读")), ("更新时间", .string("2026-9-1 8:0:0")),
        ]
        guard case .standard(let r) = Fixtures.run(.student, zh) else { Issue.record("quarantined"); return }
        #expect(r.grade == 21)
        #expect(r.updatedAtMicros == 1_788_220_800_000_000)
    }

    @Test func checkOrder() {
        var fields = std
        fields.removeAll { $0.0 == "XBM" }
        fields = fields.map { $0.0 == "SFZJH" ? ($0.0, .string("110105194912310021")) : $0 }
        guard case .quarantine(let reason, let field, _, _) = Fixtures.run(.student, fields) else { Issue.record("passed"); return }
        #expect(reason == .missingField)
        #expect(field == "XBM")
    }

    @Test func reasons() {
        func reason(_ change: (inout [(String, RawValue)]) -> Void) -> QuarantineReason? {
            var f = std
            change(&f)
            if case .quarantine(let r, _, _, _) = Fixtures.run(.student, f) { return r }
            return nil
        }
        func set(_ name: String, _ v: RawValue) -> (inout [(String, RawValue)]) -> Void {
            { f in f = f.map { $0.0 == name ? (name, v) : $0 } }
        }
        #expect(reason(set("SFZJH", .string("110105194912310021"))) == .invalidIdNumber)
        #expect(reason(set("SFZJH", .string("110105194902301234"))) == .invalidIdNumber)
        #expect(reason(set("XBM", .string("3"))) == .invalidCode)
        #expect(reason(set("XBM", .number("1.0"))) == .invalidCode)
        #expect(reason(set("XBM", .null)) == .missingField)
        #expect(reason(set("XBM", .string("   "))) == .missingField)
        #expect(reason(set("NJDM", .string("17"))) == .invalidCode)
        #expect(reason(set("GXSJ", .string("2026-02-30 08:00:00"))) == .invalidCode)
        #expect(reason(set("XXBSM", .string("3133999999"))) == .unknownSchool)
        #expect(reason(set("CSRQ", .string("notadate"))) == nil)  // optional: treated as absent
    }

    @Test func registryAsOfTime() {
        var registry = Fixtures.registry([:])
        registry.apply(school: "3133000001", county: "330106", timestampMs: 1_000, partition: 0, offset: 0)
        registry.apply(school: "3133000001", county: "330212", timestampMs: 2_000, partition: 0, offset: 1)
        registry.apply(school: "3133000001", county: nil, timestampMs: 3_000, partition: 0, offset: 2)
        func county(_ ms: Int64) -> String? {
            if case .standard(let r) = Fixtures.run(.student, std, at: ms, registry: registry) { return r.countyCode }
            return nil
        }
        #expect(county(999) == nil)
        #expect(county(1_000) == "330106")
        #expect(county(1_999) == "330106")
        #expect(county(2_500) == "330212")
        #expect(county(3_000) == nil)
    }
}
