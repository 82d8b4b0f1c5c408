import HubCore
import Standardization
import Testing
import Topology

/// A fourth dialect is only YAML: a new entry under `dialects:` and its own code tables.
@Suite("A dialect added in YAML only")
struct FourthDialectTests {
    static let legacyDialect = """
      legacy:
        school_code: SCHOOL
        id_number: PID
        gender:     { from: SEX, codes: gender.legacy }
        birth_date: { from: GEBURT, format: DD.MM.YYYY }
        grade:      { from: STUFE, codes: grade.en }
        class_name: KLASSE
        status:     { from: STATUS, codes: student_status.legacy }
        updated_at: { from: STAND, format: "DD.MM.YYYY hh:mm:ss" }

    """

    static let legacyTables = """

    code_tables:
      gender.legacy: { codes: { m: 1, w: 2 } }
      student_status.legacy: { codes: { aktiv: 1, beurlaubt: 2, abgegangen: 3, entlassen: 4 } }

    """

    static let topology: Topology = {
        let student = TopologyFixtures.edit(TopologyFixtures.shipped("student.yaml"), "\naggregates:\n",
                                            legacyDialect + legacyTables + "\naggregates:\n")
        do {
            return try TopologyLoader.load(sources: TopologyFixtures.sources(replacing: ["student.yaml": student]))
        } catch {
            fatalError("the topology with a legacy dialect does not load: \(error)")
        }
    }()

    static let pseudonymizer = Pseudonymizer(secret: Array("test-secret-0123456789".utf8))
    static let idNumber = "11010519491231002X"

    static var standardizer: Standardizer {
        Standardizer(stream: topology.stream(for: .student)!, pseudonymizer: pseudonymizer)
    }

    static var registry: SchoolRegistry {
        var r = SchoolRegistry()
        r.apply(school: "3133000001", county: "330106", timestampMs: 0, partition: 0, offset: 0)
        return r
    }

    static func run(_ fields: [(String, RawValue)]) throws -> StandardizationOutcome {
        let record = RawRecord(row: 1, fields: fields.map { RawField(name: $0.0, value: $0.1) }, text: [])
        return try standardizer.standardize(record, source: SourcePosition(topic: "raw.student", partition: 0, offset: 3, row: 1),
                                        registryAsOfMs: 1_000, registry: registry)
    }

    let legacy: [(String, RawValue)] = [
        ("SCHOOL", .string("3133000001")), ("PID", .string("11010519491231002x")), ("SEX", .string("w")),
        ("GEBURT", .string("04.03.2010")), ("STUFE", .integer("7")), ("KLASSE", .string(" 7b ")),
        ("STATUS", .string("aktiv")), ("STAND", .string("01.09.2026 08:00:00")),
    ]

    @Test("the topology loads with four student dialects, legacy last")
    func loads() throws {
        let stream = try #require(Self.topology.stream(for: .student))
        #expect(stream.dialects.map(\.name) == ["std", "en", "zh", "legacy"])
        #expect(stream.dialects.last?.schoolField == "SCHOOL")
        #expect(Self.topology.codeTables["gender.legacy"]?.code(for: "w") == 2)
    }

    @Test("a legacy record standardises to the standard codes")
    func legacyRecord() throws {
        guard case .standard(let r) = try Self.run(legacy) else { Issue.record("quarantined: \((try? Self.run(legacy)).map { "\($0)" } ?? "error")"); return }
        #expect(r.schoolCode == "3133000001")
        #expect(r.countyCode == "330106")
        #expect(r.gender == 2)
        #expect(r.grade == 21)
        #expect(r.status == 1)
        #expect(r.className == "7b")
        #expect(r.birthDay == Int32(CalendarDate(year: 2010, month: 3, day: 4)!.daysSinceEpoch))
        // 01.09.2026 08:00:00 Beijing = 2026-09-01T00:00:00Z
        #expect(r.updatedAtMicros == 1_788_220_800_000_000)
        #expect(try r.key == Self.pseudonymizer.personCode(canonicalId: Self.idNumber))
    }

    @Test("legacy values outside its tables are invalid codes, reported by their legacy name")
    func legacyInvalid() throws {
        var fields = legacy
        fields[2] = ("SEX", .string("M"))
        guard case .quarantine(let reason, let field, _, _) = try Self.run(fields) else { Issue.record("passed"); return }
        #expect(reason == .invalidCode)
        #expect(field == "SEX")

        fields = legacy
        fields[7] = ("STAND", .string("2026-09-01 08:00:00"))
        guard case .quarantine(let reason2, let field2, _, _) = try Self.run(fields) else { Issue.record("passed"); return }
        #expect(reason2 == .invalidCode)
        #expect(field2 == "STAND")
    }

    @Test("a std record still standardises as before, to the same person")
    func stdStillWorks() throws {
        let std: [(String, RawValue)] = [
            ("XXBSM", .string("3133000001")), ("XBM", .integer("2")), ("SFZJH", .string(Self.idNumber)),
            ("NJDM", .string("21")), ("XJZT", .string("1")), ("GXSJ", .string("2026-09-01 08:00:00")),
            // Fields of the legacy dialect are ignored extras in a std record.
            ("SEX", .string("m")),
        ]
        guard case .standard(let r) = try Self.run(std) else { Issue.record("quarantined"); return }
        #expect(r.gender == 2)
        #expect(r.grade == 21)
        #expect(r.status == 1)
        #expect(r.updatedAtMicros == 1_788_220_800_000_000)
        #expect(try r.key == Self.pseudonymizer.personCode(canonicalId: Self.idNumber))
    }
}
