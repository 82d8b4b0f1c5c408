import Testing
import Topology

/// The `monitors:` section: what the shipped topology declares, and the mistakes a steward can
/// make in it (each checked by `TopologyIssueTests.oneIssue`: one issue at the right line).
@Suite("Topology: data-quality monitors")
struct MonitorTopologyTests {
    static let cases: [BrokenTopology] = [
        BrokenTopology(name: "unknown monitor kind", file: "student.yaml",
                       old: "    kind: completeness\n", new: "    kind: completenes\n",
                       lineWith: "kind: completenes", message: "unknown monitor kind \"completenes\""),
        BrokenTopology(name: "a rule of another kind", file: "student.yaml",
                       old: "    rule: birth_matches_id\n", new: "    rule: daily_report\n",
                       lineWith: "rule: daily_report", message: "rule \"daily_report\" is not a validity rule"),
        BrokenTopology(name: "a field the stream does not have", file: "attendance.yaml",
                       old: "    than: expected\n", new: "    than: expectd\n",
                       lineWith: "than: expectd", message: "\"expectd\" is not a field of the stream"),
        BrokenTopology(name: "a field of the wrong kind", file: "attendance.yaml",
                       old: "    field: expected\n    min: 1\n", new: "    field: class_name\n    min: 1\n",
                       lineWith: "field: class_name", message: "\"class_name\" is a text field; this rule needs count"),
        BrokenTopology(name: "a pattern that does not compile", file: "student.yaml",
                       old: "    pattern: \"[GL][0-9]{17}[0-9X]\"\n", new: "    pattern: \"[GL\"\n",
                       lineWith: "pattern: \"[GL\"", message: "pattern is not a valid regular expression"),
        BrokenTopology(name: "a threshold that is not a rate", file: "teacher.yaml",
                       old: "    threshold: 0.05\n", new: "    threshold: 5\n",
                       lineWith: "threshold: 5", message: "threshold is a failure rate in [0, 1)"),
        BrokenTopology(name: "an unknown quarantine reason", file: "student.yaml",
                       old: "    reasons: [unknown_school]\n", new: "    reasons: [unknown_scool]\n",
                       lineWith: "reasons: [unknown_scool]", message: "unknown reason"),
        BrokenTopology(name: "an unknown parameter", file: "attendance.yaml",
                       old: "    deadline: \"10:00\"\n", new: "    dedline: \"10:00\"\n",
                       lineWith: "dedline:", message: "unknown key \"dedline\""),
        BrokenTopology(name: "a parameter of another rule", file: "attendance.yaml",
                       old: "    deadline: \"10:00\"\n", new: "    deadline: \"10:00\"\n    pattern: \"[0-9]+\"\n",
                       lineWith: "pattern: \"[0-9]+\"", message: "\"pattern\" is not a parameter of rule \"daily_report\" (its parameters: deadline, weekdays)"),
        BrokenTopology(name: "a deadline that is not HH:MM", file: "attendance.yaml",
                       old: "    deadline: \"10:00\"\n", new: "    deadline: \"25:00\"\n",
                       lineWith: "deadline: \"25:00\"", message: "deadline must be HH:MM"),
    ]

    @Test("a monitor name used in two files is reported in the second")
    func duplicateName() throws {
        let teacher = TopologyFixtures.edit(TopologyFixtures.shipped("teacher.yaml"), "  teacher_age_plausible:\n", "  student_timely:\n")
        let issues = TopologyFixtures.issues(TopologyFixtures.sources(replacing: ["teacher.yaml": teacher]))
        #expect(issues.count == 1, "\(issues)")
        #expect(issues.first?.file == "teacher.yaml")
        #expect(issues.first?.message.contains("monitor \"student_timely\" is also defined in student.yaml") == true)
    }

    @Test("the shipped topology has at least 15 monitors over every record type and dimension")
    func shippedMonitors() throws {
        let topology = try TopologyLoader.load(directory: TopologyFixtures.directory)
        let monitors = topology.monitors
        #expect(monitors.count >= 15)
        #expect(Set(monitors.map(\.name)).count == monitors.count)
        #expect(Set(monitors.map(\.recordType)) == [.student, .teacher, .attendance])
        #expect(Set(monitors.map(\.dimension)) == Set(MonitorDefinition.Dimension.allCases))
        let stages = Dictionary(grouping: monitors, by: \.stage).mapValues(\.count)
        #expect(stages[.transform] ?? 0 >= 10)
        #expect(stages[.sinkQuarantine] == 2)
        #expect(stages[.uniquenessEvaluation] == 4)
        #expect(stages[.dayEvaluation] == 2)
    }

    @Test("a breach needs failures above the threshold and at least min_failed")
    func breachRule() throws {
        let topology = try TopologyLoader.load(directory: TopologyFixtures.directory)
        let profile = try #require(topology.monitor("student_profile_complete"))  // threshold 0.05
        #expect(!profile.breaches(checked: 20, failed: 1))
        #expect(profile.breaches(checked: 19, failed: 1))
        #expect(!profile.breaches(checked: 0, failed: 0))
        let strict = try #require(topology.monitor("student_birth_matches_id"))  // threshold 0
        #expect(strict.breaches(checked: 1000, failed: 1))
        #expect(!strict.breaches(checked: 1000, failed: 0))
    }
}
