import Foundation
import HubCore
import Testing
import Topology

/// The `scenarios:` section: what the shipped topology declares, and the mistakes a steward can
/// make in it (each checked by `TopologyIssueTests.oneIssue`: one issue at the right line).
@Suite("Topology: monitoring scenarios")
struct ScenarioTopologyTests {
    static let cases: [BrokenTopology] = [
        BrokenTopology(name: "an unknown indicator kind", file: "scenarios.yaml",
                       old: "indicator: { kind: student_teacher_ratio }", new: "indicator: { kind: student_teacher_ratios }",
                       lineWith: "kind: student_teacher_ratios", message: "unknown indicator kind \"student_teacher_ratios\""),
        BrokenTopology(name: "a parameter the kind does not take", file: "scenarios.yaml",
                       old: "indicator: { kind: dropout_risk, days: 30 }", new: "indicator: { kind: dropout_risk, weeks: 4 }",
                       lineWith: "kind: dropout_risk, weeks", message: "unknown parameter \"weeks\" of kind dropout_risk (known: days)"),
        BrokenTopology(name: "a parameter out of range", file: "scenarios.yaml",
                       old: "indicator: { kind: low_attendance_streak, min_rate: 0.9 }",
                       new: "indicator: { kind: low_attendance_streak, min_rate: 90 }",
                       lineWith: "min_rate: 90", message: "min_rate must be a number 0.0…1.0"),
        BrokenTopology(name: "a required parameter missing", file: "scenarios.yaml",
                       old: "indicator: { kind: schools_without, record_type: teacher }", new: "indicator: { kind: schools_without }",
                       lineWith: "indicator: { kind: schools_without }", message: "kind schools_without needs the parameter \"record_type\""),
        BrokenTopology(name: "an unknown warn_when", file: "scenarios.yaml",
                       old: "    warn_when: below\n    thresholds:\n      school: 90\n",
                       new: "    warn_when: under\n    thresholds:\n      school: 90\n",
                       lineWith: "warn_when: under", message: "warn_when must be one of: above, at_least, below, at_most, outside"),
        BrokenTopology(name: "outside without a range", file: "scenarios.yaml",
                       old: "      school: [80, 130]\n", new: "      school: 130\n",
                       lineWith: "school: 130", message: "warn_when: outside takes [low, high]"),
        BrokenTopology(name: "a threshold for an undeclared stage", file: "scenarios.yaml",
                       old: "school: { default: 2, senior: 3 }", new: "school: { default: 2, vocational: 3 }",
                       lineWith: "vocational: 3", message: "\"vocational\" is not a school stage"),
        BrokenTopology(name: "a level without a threshold", file: "scenarios.yaml",
                       old: "      school: 3\n      default: 1\n", new: "      school: 3   # streak\n      county: 1\n",
                       lineWith: "school: 3   # streak", message: "give no value for province (add province: or default:)"),
        BrokenTopology(name: "a definition without its English text", file: "scenarios.yaml",
                       old: "en: Average class size = enrolled pupils with a class name ÷ classes (classes as for oversized classes).",
                       new: "",
                       lineWith: "zh: 平均班额 =", message: "definition of scenario \"average_class_size\" is missing \"en\""),
        BrokenTopology(name: "an sql indicator with two statements", file: "scenarios.yaml",
                       old: "        GROUP BY school_code\n      value: ratio", new: "        GROUP BY school_code; DELETE FROM x\n      value: ratio",
                       lineWith: "sql: |", message: "sql must be one query (no ;)"),
        BrokenTopology(name: "an sql indicator without a value form", file: "scenarios.yaml",
                       old: "      value: ratio\n", new: "",
                       lineWith: "sql: |", message: "an sql indicator is missing \"value\""),
        BrokenTopology(name: "an unknown scenario key", file: "scenarios.yaml",
                       old: "    severity: critical\n    owner: 人事处 personnel division\n\n  schools_without_pupils:",
                       new: "    severity: critical\n    colour: red\n    owner: 人事处 personnel division\n\n  schools_without_pupils:",
                       lineWith: "colour: red", message: "unknown key \"colour\""),
    ]

    let topology: Topology

    init() throws {
        topology = try TopologyLoader.load(directory: TopologyFixtures.directory)
    }

    @Test("at least 15 scenarios ship, every built-in kind is used, each has zh and en text, an owner and every level's threshold")
    func shipped() {
        #expect(topology.scenarios.count >= 15)
        let kinds = Set(topology.scenarios.map(\.kindName))
        #expect(kinds.isSuperset(of: ScenarioKinds.names) && kinds.contains("sql"))
        for s in topology.scenarios {
            #expect(!s.title.zh.isEmpty && !s.title.en.isEmpty && !s.definition.zh.isEmpty && !s.definition.en.isEmpty, "\(s.name)")
            #expect(!s.owner.isEmpty)
            for level in RegionLevel.allCases {
                let b = s.thresholds.bounds(level: level, stage: nil)
                #expect(b.lower != nil || b.upper != nil, "\(s.name) \(level)")
            }
        }
        #expect(Set(topology.schoolStages.map(\.code)).isSuperset(of: ["primary", "junior", "senior", "nine_year"]))
    }

    @Test("thresholds follow the level and, for schools, the registered stage")
    func thresholdsPerLevelAndStage() throws {
        let ratio = try #require(topology.scenario("student_teacher_ratio"))
        #expect(ratio.thresholds.comparison == .above)
        #expect(ratio.thresholds.bounds(level: .school, stage: "junior").upper == 13.5)
        #expect(ratio.thresholds.bounds(level: .school, stage: "primary").upper == 19)
        #expect(ratio.thresholds.bounds(level: .school, stage: "unknown_stage").upper == 19)
        #expect(ratio.thresholds.bounds(level: .county, stage: "junior").upper == 17)
        let gender = try #require(topology.scenario("gender_ratio"))
        #expect(gender.thresholds.bounds(level: .school, stage: nil) == ThresholdBounds(lower: 80, upper: 130))
        #expect(gender.minDenominator == 20 && gender.form == .perHundred)
        let attendance = try #require(topology.scenario("attendance_rate"))
        #expect(attendance.thresholds.bounds(level: .county, stage: nil).lower == 93)
        #expect(attendance.thresholds.bounds(level: .city, stage: nil).lower == 95)
        let streak = try #require(topology.scenario("low_attendance_streak"))
        #expect(streak.rollup == .schoolsInWarning)
        guard case .builtIn(_, let p) = streak.indicator else { Issue.record("built-in"); return }
        #expect(p["min_rate"] == .number(0.9))
        guard case .builtIn(_, let defaults) = try #require(topology.scenario("over_age_pupils")).indicator else { return }
        #expect(defaults["tolerance"] == .number(1))
    }

    @Test("a scenario defined in two files is reported in the second")
    func definedTwice() throws {
        let text = TopologyFixtures.shipped("scenarios.yaml")
        let start = try #require(text.range(of: "  dropout_risk:"))
        let end = try #require(text.range(of: "  suspension_rate:"))
        let extra = "scenarios:\n" + text[start.lowerBound..<end.lowerBound]
        let issues = TopologyFixtures.issues(TopologyFixtures.sources(adding: [("zz_more.yaml", extra)]))
        #expect(issues.count == 1 && issues.first?.file == "zz_more.yaml", "\(issues)")
        #expect(issues.first?.message.contains("scenario \"dropout_risk\" is also defined in scenarios.yaml") == true)
    }

    @Test("the README documents every shipped scenario with its Chinese title")
    func documented() throws {
        let readme = try String(contentsOfFile: TopologyFixtures.directory + "/../README.md", encoding: .utf8)
        for s in topology.scenarios {
            #expect(readme.contains("`\(s.name)`") && readme.contains(s.title.zh), "\(s.name)")
        }
    }
}
