import HubCore
import Testing
import Topology

@Suite("The shipped topology")
struct ShippedTopologyTests {
    let topology: Topology

    init() throws {
        topology = try TopologyLoader.load(directory: TopologyFixtures.directory)
    }

    @Test("loads three streams from the shipped files")
    func streams() {
        #expect(Set(topology.files.map { String($0.split(separator: "/").last ?? "") })
                == ["attendance.yaml", "codes.yaml", "dags.yaml", "regions.yaml", "scenarios.yaml", "student.yaml", "teacher.yaml"])
        #expect(topology.streams.map(\.name).sorted() == ["attendance", "student", "teacher"])
        #expect(topology.stream(forSourceTopic: "raw.student")?.recordType == .student)
        #expect(topology.stream(forSourceTopic: "raw.teacher")?.outputTopic == "std.teacher")
        #expect(topology.stream(forSourceTopic: "raw.attendance")?.outputTopic == "std.attendance")
        #expect(topology.stream(forSourceTopic: "raw.other") == nil)
        for type in RecordType.allCases {
            #expect(topology.stream(for: type)?.recordType == type)
        }
    }

    @Test("each stream has the dialects std, en and zh, in that order, with their school fields",
          arguments: RecordType.allCases)
    func dialects(type: RecordType) throws {
        let stream = try #require(topology.stream(for: type))
        #expect(stream.dialects.map(\.name) == ["std", "en", "zh"])
        #expect(stream.dialects.map(\.schoolField) == ["XXBSM", "school_code", "学校代码"])
        for dialect in stream.dialects {
            for field in stream.fields where field.required {
                #expect(dialect.mappings[field.name] != nil, "\(dialect.name) maps \(field.name)")
            }
        }
    }

    @Test("student fields in check order, with their kinds and requiredness")
    func studentFields() throws {
        let stream = try #require(topology.stream(for: .student))
        #expect(stream.fields.map(\.name) == ["school_code", "id_number", "name", "gender", "birth_date", "grade",
                                              "class_name", "status", "registry_no", "updated_at", "county_code"])
        #expect(stream.field("county_code")?.kind == .text)
        #expect(stream.fields.filter(\.required).map(\.name) == ["school_code", "id_number", "gender", "grade", "status", "updated_at"])
        #expect(stream.field("id_number")?.kind == .idNumber)
        #expect(stream.field("registry_no")?.kind == .pseudonym)
        #expect(stream.field("name")?.kind == .personal)
    }

    @Test("dialect mappings carry their code tables and layouts")
    func mappings() throws {
        let student = try #require(topology.stream(for: .student))
        let std = try #require(student.dialects.first { $0.name == "std" })
        #expect(std.mappings["gender"]?.from == "XBM")
        #expect(std.mappings["gender"]?.codes?.name == "gender.std")
        #expect(std.mappings["birth_date"]?.format?.description == "YYYYMMDD")
        #expect(std.mappings["updated_at"]?.format?.hasTime == true)
        let en = try #require(student.dialects.first { $0.name == "en" })
        #expect(en.mappings["grade"]?.codes?.match == .integer)
        #expect(en.mappings["grade"]?.codes?.code(for: "07") == 21)
        #expect(en.mappings["grade"]?.codes?.code(for: "10") == 31)
        #expect(en.mappings["updated_at"]?.format?.description == "iso8601")
        let zh = try #require(student.dialects.first { $0.name == "zh" })
        #expect(zh.mappings["grade"]?.codes?.code(for: "初一") == 21)
        #expect(zh.mappings["status"]?.codes?.code(for: "毕业") == 4)
        #expect(zh.mappings["birth_date"]?.format?.date("2010/3/4") == CalendarDate(year: 2010, month: 3, day: 4))
    }

    @Test("code tables from codes.yaml")
    func codeTables() {
        #expect(topology.codeTables.count == 12)
        #expect(topology.codeTables["gender.zh"]?.code(for: "未说明") == 9)
        #expect(topology.codeTables["teacher_status.std"]?.code(for: "0") == 0)
        #expect(topology.codeTables["grade.std"]?.code(for: "011") == nil)
        #expect(topology.codeTables["grade.std"]?.match == .exact)
    }

    @Test("enrollment_agg: enrolled students per grade and gender")
    func enrollment() throws {
        let aggregates = try #require(topology.stream(for: .student)).aggregates
        #expect(aggregates.count == 1)
        let a = try #require(aggregates.first)
        #expect(a.table == "enrollment_agg")
        #expect(a.recordType == .student)
        #expect(a.levels == [.province, .city, .county, .school])
        #expect(a.filter.map(\.field) == ["status"])
        #expect(a.filter.map(\.codes) == [[1]])
        #expect(a.groupBy.map(\.column) == ["grade_code", "gender_code"])
        #expect(a.groupBy.map(\.field) == ["grade", "gender"])
        #expect(a.measures.map(\.column) == ["students"])
        #expect(a.measures.map(\.measure) == [.count])
    }

    @Test("teacher_agg: active teachers per region")
    func teachers() throws {
        let a = try #require(topology.stream(for: .teacher)?.aggregates.first)
        #expect(a.table == "teacher_agg")
        #expect(a.filter.map(\.field) == ["status"])
        #expect(a.filter.map(\.codes) == [[1]])
        #expect(a.groupBy.isEmpty)
        #expect(a.measures.map(\.column) == ["teachers"])
        #expect(a.measures.map(\.measure) == [.count])
    }

    @Test("attendance_agg: expected and present per region and day, unfiltered")
    func attendance() throws {
        let a = try #require(topology.stream(for: .attendance)?.aggregates.first)
        #expect(a.table == "attendance_agg")
        #expect(a.filter.isEmpty)
        #expect(a.groupBy.map(\.column) == ["day"])
        #expect(a.groupBy.map(\.field) == ["date"])
        #expect(a.measures.map(\.column) == ["expected", "present"])
        #expect(a.measures.map(\.measure) == [.sum("expected"), .sum("present")])
    }

    @Test("a missing or empty directory is one issue")
    func badDirectory() {
        #expect(throws: TopologyError.self) { try TopologyLoader.load(directory: "/nonexistent/topologies") }
        #expect(throws: TopologyError.self) { try TopologyLoader.load(directory: TopologyFixtures.directory + "/..//Sources/HubCore") }
    }
}
