import Testing
import Topology

/// One deliberate mistake in one shipped file, and where it must be reported.
struct BrokenTopology: Sendable, CustomTestStringConvertible {
    var name: String
    var file: String
    var old: String
    var new: String
    /// Text on the line the issue must point at (in the edited file).
    var lineWith: String
    /// A fragment of the expected message.
    var message: String

    var testDescription: String { name }
}

@Suite("Topology issues: file, line and message")
struct TopologyIssueTests {
    static let cases: [BrokenTopology] = [
        BrokenTopology(name: "YAML syntax error", file: "student.yaml",
                       old: "owner: provincial education data office", new: "owner: provincial: education",
                       lineWith: "owner: provincial: education", message: "YAML syntax"),
        BrokenTopology(name: "unknown top-level key", file: "student.yaml",
                       old: "output_topic: std.student\n", new: "output_topic: std.student\ncolour: red\n",
                       lineWith: "colour: red", message: "unknown key \"colour\""),
        BrokenTopology(name: "unknown field name for the record type", file: "student.yaml",
                       old: "  class_name:  { kind: text, meaning: class }\n",
                       new: "  class_name:  { kind: text, meaning: class }\n  nickname: { kind: text, meaning: x }\n",
                       lineWith: "nickname:", message: "\"nickname\" is not a standard field of student records"),
        BrokenTopology(name: "wrong kind", file: "student.yaml",
                       old: "gender:      { kind: code,", new: "gender:      { kind: text,",
                       lineWith: "gender:      { kind: text,", message: "must be of kind code, not text"),
        BrokenTopology(name: "unknown kind", file: "teacher.yaml",
                       old: "staff_no:    { kind: pseudonym,", new: "staff_no:    { kind: secret,",
                       lineWith: "kind: secret", message: "unknown kind"),
        BrokenTopology(name: "dialect maps an unknown field", file: "student.yaml",
                       old: "    name: XM\n", new: "    name: XM\n    nickname: NC\n",
                       lineWith: "nickname: NC", message: "maps \"nickname\", which is not among the stream's fields"),
        BrokenTopology(name: "dialect misses a required field", file: "student.yaml",
                       old: "    status:     { from: XJZT, codes: student_status.std }\n", new: "",
                       lineWith: "  std:", message: "dialect \"std\" does not map the required field \"status\""),
        BrokenTopology(name: "code field given as a plain name", file: "student.yaml",
                       old: "gender:     { from: XBM, codes: gender.std }", new: "gender: XBM",
                       lineWith: "gender: XBM", message: "is a code field"),
        BrokenTopology(name: "code field without codes:", file: "teacher.yaml",
                       old: "status:     { from: RZZT, codes: teacher_status.std }", new: "status:     { from: RZZT }",
                       lineWith: "{ from: RZZT }", message: "needs `codes: TABLE`"),
        BrokenTopology(name: "unknown code table", file: "attendance.yaml",
                       old: "codes: grade.en }", new: "codes: grade.fr }",
                       lineWith: "grade.fr", message: "unknown code table \"grade.fr\""),
        BrokenTopology(name: "date given as a plain name", file: "student.yaml",
                       old: "birth_date: { from: CSRQ, format: YYYYMMDD }", new: "birth_date: CSRQ",
                       lineWith: "birth_date: CSRQ", message: "needs a layout"),
        BrokenTopology(name: "date without format:", file: "attendance.yaml",
                       old: "date:       { from: RQ, format: YYYYMMDD }", new: "date:       { from: RQ }",
                       lineWith: "{ from: RQ }", message: "needs `format: …`"),
        BrokenTopology(name: "unparsable format", file: "student.yaml",
                       old: "format: YYYY/M/D }", new: "format: YYY/M/D }",
                       lineWith: "YYY/M/D", message: "format \"YYY/M/D\" is not understood"),
        BrokenTopology(name: "format without a day", file: "teacher.yaml",
                       old: "{ from: birth_date, format: YYYY-MM-DD }", new: "{ from: birth_date, format: YYYY-MM }",
                       lineWith: "format: YYYY-MM }", message: "is not understood"),
        BrokenTopology(name: "timestamp format without a time", file: "student.yaml",
                       old: "updated_at: { from: GXSJ, format: \"YYYY-MM-DD hh:mm:ss\" }",
                       new: "updated_at: { from: GXSJ, format: YYYY-MM-DD }",
                       lineWith: "from: GXSJ, format: YYYY-MM-DD", message: "needs hh:mm:ss or iso8601"),
        BrokenTopology(name: "date format with a time", file: "student.yaml",
                       old: "birth_date: { from: CSRQ, format: YYYYMMDD }",
                       new: "birth_date: { from: CSRQ, format: \"YYYYMMDD hh:mm:ss\" }",
                       lineWith: "from: CSRQ", message: "must not have a time"),
        BrokenTopology(name: "format on a code field", file: "student.yaml",
                       old: "{ from: XBM, codes: gender.std }", new: "{ from: XBM, codes: gender.std, format: YYYYMMDD }",
                       lineWith: "from: XBM", message: "format does not apply"),
        BrokenTopology(name: "duplicate key in a dialect", file: "student.yaml",
                       old: "    name: XM\n", new: "    name: XM\n    name: XM2\n",
                       lineWith: "name: XM2", message: "duplicate key \"name\""),
        BrokenTopology(name: "duplicate key in a code table", file: "codes.yaml",
                       old: "gender.en:  { codes: { M: 1, F: 2, U: 9 } }", new: "gender.en:  { codes: { M: 1, F: 2, M: 9 } }",
                       lineWith: "gender.en:", message: "duplicate key \"M\""),
        BrokenTopology(name: "two dialect fields read the same raw field", file: "teacher.yaml",
                       old: "    staff_no: JGH\n", new: "    staff_no: XM\n",
                       lineWith: "    name: XM", message: "reads \"XM\" for both"),
        BrokenTopology(name: "bad integer key in an integer table", file: "codes.yaml",
                       old: "codes: { 1: 11, 2: 12,", new: "codes: { 1: 11, two: 12,",
                       lineWith: "two: 12", message: "key \"two\" of integer table \"grade.en\" must be a non-negative integer"),
        BrokenTopology(name: "code that is not an integer", file: "codes.yaml",
                       old: "gender.en:  { codes: { M: 1,", new: "gender.en:  { codes: { M: one,",
                       lineWith: "M: one", message: "code for \"M\" in \"gender.en\" must be an integer"),
        BrokenTopology(name: "unknown match", file: "codes.yaml",
                       old: "    match: integer\n", new: "    match: numeric\n",
                       lineWith: "match: numeric", message: "match must be"),
        BrokenTopology(name: "sum of a non-count field", file: "attendance.yaml",
                       old: "present: sum(present)", new: "present: sum(grade)",
                       lineWith: "sum(grade)", message: "sum(grade): \"grade\" is not a count field"),
        BrokenTopology(name: "unknown measure", file: "attendance.yaml",
                       old: "present: sum(present)", new: "present: avg(present)",
                       lineWith: "avg(present)", message: "measure must be `count` or `sum(FIELD)`"),
        BrokenTopology(name: "filter on a non-code field", file: "student.yaml",
                       old: "filter: { status: [1] }", new: "filter: { class_name: [1] }",
                       lineWith: "filter: { class_name", message: "filter field \"class_name\" must be a code field"),
        BrokenTopology(name: "filter code that is not an integer", file: "teacher.yaml",
                       old: "filter: { status: [1] }", new: "filter: { status: [active] }",
                       lineWith: "filter: { status: [active]", message: "filter codes must be integers"),
        BrokenTopology(name: "group by a text field", file: "student.yaml",
                       old: "gender_code: gender }", new: "gender_code: class_name }",
                       lineWith: "gender_code: class_name", message: "must be a code or date field"),
        BrokenTopology(name: "bad table identifier", file: "student.yaml",
                       old: "  enrollment_agg:", new: "  Enroll-Agg:",
                       lineWith: "Enroll-Agg:", message: "aggregate table name \"Enroll-Agg\" must be lower-case"),
        BrokenTopology(name: "bad column identifier", file: "student.yaml",
                       old: "measures: { students: count }", new: "measures: { Students: count }",
                       lineWith: "Students: count", message: "column name \"Students\""),
        BrokenTopology(name: "unknown level", file: "teacher.yaml",
                       old: "measures: { teachers: count }", new: "measures: { teachers: count }\n    levels: [province, town]",
                       lineWith: "levels: [province, town]", message: "unknown level"),
        BrokenTopology(name: "unknown key in an aggregate", file: "teacher.yaml",
                       old: "measures: { teachers: count }", new: "measures: { teachers: count }\n    order_by: teachers",
                       lineWith: "order_by:", message: "unknown key \"order_by\""),
        BrokenTopology(name: "missing record_type", file: "student.yaml",
                       old: "record_type: student\n", new: "",
                       lineWith: "stream: student", message: "the stream is missing \"record_type\""),
        BrokenTopology(name: "unknown record_type", file: "student.yaml",
                       old: "record_type: student", new: "record_type: pupil",
                       lineWith: "record_type: pupil", message: "record_type must be one of"),
        BrokenTopology(name: "missing source_topic", file: "teacher.yaml",
                       old: "source_topic: raw.teacher\n", new: "",
                       lineWith: "stream: teacher", message: "missing \"source_topic\""),
        BrokenTopology(name: "required flag that is not a boolean", file: "attendance.yaml",
                       old: "expected:    { kind: count, required: true,", new: "expected:    { kind: count, required: maybe,",
                       lineWith: "required: maybe", message: "required must be true or false"),
        BrokenTopology(name: "stream settings without stream:", file: "codes.yaml",
                       old: "code_tables:\n", new: "owner: someone\ncode_tables:\n",
                       lineWith: "owner: someone", message: "without \"stream: NAME\""),
    ]

    @Test("each mistake is one issue at its file and line", arguments: cases + MonitorTopologyTests.cases + RegionTopologyTests.cases + ScenarioTopologyTests.cases)
    func oneIssue(broken: BrokenTopology) throws {
        let text = TopologyFixtures.edit(TopologyFixtures.shipped(broken.file), broken.old, broken.new)
        let issues = TopologyFixtures.issues(TopologyFixtures.sources(replacing: [broken.file: text]))
        #expect(issues.count == 1, "\(issues)")
        let issue = try #require(issues.first)
        #expect(issue.file == broken.file)
        #expect(issue.line == TopologyFixtures.line(of: broken.lineWith, in: text), "\(issue)")
        #expect(issue.column >= 1)
        #expect(issue.message.contains(broken.message), "\(issue.message)")
        #expect(issue.description.hasPrefix("\(broken.file):\(issue.line):\(issue.column): "))
    }

    @Test("a code table defined in two files is reported in the second, at its key")
    func duplicateCodeTable() throws {
        let extra = "# more tables\ncode_tables:\n  gender.std: { codes: { \"1\": 1 } }\n"
        let issues = TopologyFixtures.issues(TopologyFixtures.sources(adding: [("extra.yaml", extra)]))
        #expect(issues.count == 1)
        let issue = try #require(issues.first)
        #expect(issue.file == "extra.yaml")
        #expect(issue.line == 3)
        #expect(issue.message.contains("code table \"gender.std\" is already defined in codes.yaml"))
    }

    @Test("a source topic used by two streams is reported in the second file, at source_topic")
    func duplicateSourceTopic() throws {
        let teacher = TopologyFixtures.edit(TopologyFixtures.shipped("teacher.yaml"), "source_topic: raw.teacher", "source_topic: raw.student")
        let issues = TopologyFixtures.issues(TopologyFixtures.sources(replacing: ["teacher.yaml": teacher]))
        #expect(issues.count == 1, "\(issues)")
        let issue = try #require(issues.first)
        #expect(issue.file == "teacher.yaml")
        #expect(issue.line == TopologyFixtures.line(of: "source_topic: raw.student", in: teacher))
        #expect(issue.message.contains("source topic \"raw.student\" is also used by student.yaml"))
    }

    @Test("a record type or aggregate table used by two streams is reported where it is written")
    func duplicateRecordTypeAndTable() throws {
        var copy = TopologyFixtures.shipped("student.yaml")
        copy = TopologyFixtures.edit(copy, "stream: student", "stream: student_copy")
        copy = TopologyFixtures.edit(copy, "source_topic: raw.student", "source_topic: raw.student_copy")
        copy = TopologyFixtures.edit(copy, "output_topic: std.student", "output_topic: std.student_copy")
        copy = String(copy[..<copy.range(of: "\nmonitors:")!.lowerBound]) + "\n"
        let issues = TopologyFixtures.issues(TopologyFixtures.sources(adding: [("zz_student_copy.yaml", copy)]))
        #expect(issues.count == 2, "\(issues)")
        #expect(issues.allSatisfy { $0.file == "zz_student_copy.yaml" })
        #expect(issues.map(\.line) == [TopologyFixtures.line(of: "record_type: student", in: copy),
                                       TopologyFixtures.line(of: "enrollment_agg:", in: copy)])
        #expect(issues.first?.message.contains("record type \"student\" is also used by student.yaml") == true)
        #expect(issues.last?.message.contains("aggregate table \"enrollment_agg\" is also defined in student.yaml") == true)
    }

    @Test("all problems of a file are reported at once, in line order")
    func allAtOnce() {
        var text = TopologyFixtures.shipped("student.yaml")
        text = TopologyFixtures.edit(text, "output_topic: std.student\n", "output_topic: std.student\ncolour: red\n")
        text = TopologyFixtures.edit(text, "codes: gender.std }", "codes: gender.xx }")
        text = TopologyFixtures.edit(text, "format: YYYY/M/D }", "format: YYY/M/D }")
        let issues = TopologyFixtures.issues(TopologyFixtures.sources(replacing: ["student.yaml": text]))
        #expect(issues.count == 3, "\(issues)")
        #expect(issues.map(\.line) == [TopologyFixtures.line(of: "colour: red", in: text),
                                       TopologyFixtures.line(of: "gender.xx", in: text),
                                       TopologyFixtures.line(of: "YYY/M/D", in: text)])
        #expect(issues.allSatisfy { $0.file == "student.yaml" })
    }

    @Test("a character YAML does not allow is reported at its line")
    func unreadableCharacter() throws {
        let text = TopologyFixtures.edit(TopologyFixtures.shipped("teacher.yaml"), "owner: provincial", "owner: \u{07}provincial")
        let issues = TopologyFixtures.issues(TopologyFixtures.sources(replacing: ["teacher.yaml": text]))
        #expect(issues.count == 1, "\(issues)")
        let issue = try #require(issues.first)
        #expect(issue.file == "teacher.yaml")
        #expect(issue.line == TopologyFixtures.line(of: "owner: \u{07}", in: text), "\(issue)")
        #expect(issue.column == 8)
        #expect(issue.message.hasPrefix("YAML"))
    }

    @Test("problems in several files are all reported, including a YAML syntax error")
    func severalFiles() {
        let student = TopologyFixtures.edit(TopologyFixtures.shipped("student.yaml"), "codes: gender.std }", "codes: gender.xx }")
        let teacher = TopologyFixtures.edit(TopologyFixtures.shipped("teacher.yaml"), "fields:\n", "fields:\n  [oops\n")
        let issues = TopologyFixtures.issues(TopologyFixtures.sources(replacing: ["student.yaml": student, "teacher.yaml": teacher]))
        #expect(Set(issues.map(\.file)) == ["student.yaml", "teacher.yaml"], "\(issues)")
        #expect(issues.first { $0.file == "teacher.yaml" }?.message.hasPrefix("YAML syntax") == true)
    }

    @Test("the error's description lists every issue")
    func errorDescription() throws {
        let text = TopologyFixtures.edit(TopologyFixtures.shipped("student.yaml"), "codes: gender.std }", "codes: gender.xx }")
        do {
            _ = try TopologyLoader.load(sources: TopologyFixtures.sources(replacing: ["student.yaml": text]))
            Issue.record("loaded")
        } catch {
            #expect(error.description.hasPrefix("invalid topology (1 problem):\n  student.yaml:"))
        }
    }
}
