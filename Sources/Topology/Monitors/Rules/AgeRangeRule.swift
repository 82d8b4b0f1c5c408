import HubCore

/// `age_range` (validity, students and teachers): age from the ID number on the record's day
/// lies in `min...max` years.
public struct AgeRangeRule: RecordRule, RecordCheck {
    public static let name = "age_range"
    public static let kinds = ["validity"]
    public static let parameters = ["min", "max"]
    public static let example = (recordType: RecordType.teacher, yaml: "min: 18\nmax: 70")
    public static let stage = MonitorDefinition.Stage.transform

    public var min: Int
    public var max: Int

    public init(min: Int, max: Int) {
        self.min = min
        self.max = max
    }

    public static func parse(_ p: MonitorParameters) -> AgeRangeRule? {
        guard p.recordType != .attendance else {
            p.issue("age_range needs an ID number: student or teacher streams")
            return nil
        }
        guard let lo = p.int("min", required: true), let hi = p.int("max", required: true) else { return nil }
        return AgeRangeRule(min: lo, max: hi)
    }

    public func evaluate(_ v: MonitorRecordView) -> Bool? {
        guard let birth = v.idBirthDate else { return nil }
        let age = birth.wholeYears(to: CalendarDate(daysSinceEpoch: Int(v.record.qualityDay)))
        return age >= min && age <= max
    }
}
