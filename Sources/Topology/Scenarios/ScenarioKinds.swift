/// The built-in indicator kinds a scenario may name, with their parameters, value form, rollup
/// and unit: the topology's schema of them. Each kind is implemented in one file of the
/// Monitoring module and registered there by name; a test checks that the registry and this
/// schema list the same kinds with the same parameters.
public enum ScenarioKinds {
    public static let specs: [String: ScenarioKindSpec] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    public static var names: [String] { specs.keys.sorted() }

    static let all: [ScenarioKindSpec] = [
        ScenarioKindSpec("oversized_classes", form: .percent, unit: "percent", parameters: [
            .integer("primary_limit", 1...200, default: 45), .integer("junior_limit", 1...200, default: 50),
            .integer("senior_limit", 1...200, default: 50),
        ]),
        ScenarioKindSpec("student_teacher_ratio", form: .ratio, unit: "ratio"),
        ScenarioKindSpec("dropout_risk", form: .count, unit: "pupils", parameters: [.integer("days", 1...365, default: 30)]),
        ScenarioKindSpec("student_status_share", form: .percent, unit: "percent", parameters: [.integer("status", 2...4, default: 2)]),
        ScenarioKindSpec("attendance_rate", form: .percent, unit: "percent"),
        ScenarioKindSpec("low_attendance_streak", form: .count, rollup: .schoolsInWarning, unit: "days", parameters: [
            .number("min_rate", 0...1, default: 0.9),
        ]),
        ScenarioKindSpec("absence_spike", form: .count, rollup: .schoolsInWarning, unit: "days", parameters: [
            .integer("baseline_days", 1...60, default: 10), .integer("min_baseline_days", 1...60, default: 5),
            .number("factor", 1...100, default: 2), .number("min_increase", 0...1, default: 0.05),
        ]),
        ScenarioKindSpec("class_roster_mismatch", form: .percent, unit: "percent", parameters: [.integer("tolerance", 0...100, default: 0)]),
        ScenarioKindSpec("over_age", form: .percent, unit: "percent", parameters: [.integer("tolerance", 0...10, default: 1)]),
        ScenarioKindSpec("gender_ratio", form: .perHundred, unit: "per_hundred", parameters: [.grades("grades")]),
        ScenarioKindSpec("enrolment_change", form: .changePercent, unit: "percent", comparesPreviousPeriod: true),
        ScenarioKindSpec("grade1_intake", form: .changePercent, unit: "percent"),
        ScenarioKindSpec("teacher_attrition", form: .percent, unit: "percent"),
        ScenarioKindSpec("teachers_near_retirement", form: .percent, unit: "percent", parameters: [.integer("age", 18...80, default: 55)]),
        ScenarioKindSpec("schools_without", form: .count, unit: "schools", parameters: [.choice("record_type", ["teacher", "student"])]),
        ScenarioKindSpec("reporting_coverage", form: .percent, unit: "percent", parameters: [
            .choice("record_type", ["student", "teacher", "attendance"]),
        ]),
    ]

    /// Units a value may be shown in (the report has a text for each).
    public static let units: Set<String> = ["percent", "ratio", "per_hundred", "pupils", "teachers", "classes", "schools", "days", "count"]
}

/// One built-in kind as the topology sees it.
public struct ScenarioKindSpec: Sendable {
    public var name: String
    public var form: ScenarioValueForm
    public var rollup: ScenarioRollup
    public var unit: String
    public var comparesPreviousPeriod: Bool
    public var parameters: [ScenarioParameterSpec]

    init(_ name: String, form: ScenarioValueForm, rollup: ScenarioRollup = .sum, unit: String, comparesPreviousPeriod: Bool = false,
         parameters: [ScenarioParameterSpec] = []) {
        self.name = name
        self.form = form
        self.rollup = rollup
        self.unit = unit
        self.comparesPreviousPeriod = comparesPreviousPeriod
        self.parameters = parameters
    }
}

/// A kind parameter: its name, what values it takes and its default (none: required).
public struct ScenarioParameterSpec: Sendable {
    public enum ValueType: Sendable {
        case integer(ClosedRange<Int>)
        case number(ClosedRange<Double>)
        case choice([String])
        /// A list of standard grade codes (11–16, 21–23, 31–33); empty means every grade.
        case grades
    }

    public var name: String
    public var type: ValueType
    public var defaultValue: ScenarioParameterValue?

    static func integer(_ name: String, _ range: ClosedRange<Int>, default value: Int) -> Self {
        Self(name: name, type: .integer(range), defaultValue: .number(Double(value)))
    }

    static func number(_ name: String, _ range: ClosedRange<Double>, default value: Double) -> Self {
        Self(name: name, type: .number(range), defaultValue: .number(value))
    }

    static func choice(_ name: String, _ values: [String]) -> Self {
        Self(name: name, type: .choice(values), defaultValue: nil)
    }

    static func grades(_ name: String) -> Self {
        Self(name: name, type: .grades, defaultValue: .numbers([]))
    }
}
