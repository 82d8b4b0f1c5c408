import HubCore

/// `age_for_grade` (validity, students): age from the ID number on 1 September of the record's
/// school year fits the grade — primary 1 is 6 years old, each grade one more — within
/// ± `tolerance` years.
public struct AgeForGradeRule: RecordRule, RecordCheck {
    public static let name = "age_for_grade"
    public static let kinds = ["validity"]
    public static let parameters = ["tolerance"]
    public static let example = (recordType: RecordType.student, yaml: "tolerance: 2")
    public static let stage = MonitorDefinition.Stage.transform

    public var tolerance: Int

    public init(tolerance: Int) { self.tolerance = tolerance }

    public static func parse(_ p: MonitorParameters) -> AgeForGradeRule? {
        guard p.recordType == .student else {
            p.issue("age_for_grade applies to student streams")
            return nil
        }
        return AgeForGradeRule(tolerance: p.int("tolerance") ?? 1)
    }

    public func evaluate(_ v: MonitorRecordView) -> Bool? {
        // Fields read in place: copying the record retained and released all its strings.
        guard let grade = v.record.grade, let ordinal = Self.gradeOrdinal(grade), let birth = v.idBirthDate else { return nil }
        let today = CalendarDate(daysSinceEpoch: Int(v.record.qualityDay))
        let schoolYear = today.month >= 9 ? today.year : today.year - 1
        // A record of year 1 has no previous school year: the rule does not apply.
        guard let schoolStart = CalendarDate(year: schoolYear, month: 9, day: 1) else { return nil }
        return abs(birth.wholeYears(to: schoolStart) - (ordinal + 5)) <= tolerance
    }

    /// 11–16 → 1–6, 21–23 → 7–9, 31–33 → 10–12.
    static func gradeOrdinal(_ code: Int16) -> Int? {
        switch code {
        case 11...16: return Int(code) - 10
        case 21...23: return Int(code) - 14
        case 31...33: return Int(code) - 21
        default: return nil
        }
    }
}
