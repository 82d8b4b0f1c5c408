import HubCore

/// `baseline` (volume): a school's number of current records for a day is within `tolerance`
/// (a fraction) of its mean over the previous `days` counted days (weekdays in `weekdays`),
/// when that mean is at least `min_baseline`; a drop to zero is a failure too. A school is
/// judged once its whole window lies on or after its first reported day; a day once it is over.
public struct BaselineRule: DayRule {
    public static let name = "baseline"
    public static let kinds = ["volume"]
    public static let parameters = ["days", "tolerance", "min_baseline", "weekdays"]
    public static let example = (recordType: RecordType.attendance, yaml: "days: 7\ntolerance: 0.5\nmin_baseline: 3\nweekdays: [1, 2, 3, 4, 5]")
    public static let stage = MonitorDefinition.Stage.dayEvaluation

    public var days: Int
    public var tolerance: Double
    public var minBaseline: Double
    public var weekdays: [Int]

    public init(days: Int, tolerance: Double, minBaseline: Double, weekdays: [Int]) {
        self.days = days
        self.tolerance = tolerance
        self.minBaseline = minBaseline
        self.weekdays = weekdays
    }

    public static func parse(_ p: MonitorParameters) -> BaselineRule? {
        let days = p.int("days") ?? 7
        if days < 1 || days > 90 { p.issue(at: "days", "days must be 1…90") }
        return BaselineRule(days: max(1, days), tolerance: p.double("tolerance") ?? 0.5, minBaseline: p.double("min_baseline") ?? 3,
                            weekdays: p.weekdays(default: Array(1...7)))
    }

    /// The day, then the `days` counted days before it (looking back at most 400 days).
    public func window(for day: Int32, nowMs: Int64) -> [Int32]? {
        guard weekdays.contains(CalendarDate.isoWeekday(daysSinceEpoch: Int(day))),
              nowMs >= CalendarDate.beijingMidnightMs(day) + 86_400_000 else { return nil }
        var previous: [Int32] = []
        var d = day - 1
        while previous.count < days && d > day - 400 {
            if weekdays.contains(CalendarDate.isoWeekday(daysSinceEpoch: Int(d))) { previous.append(d) }
            d -= 1
        }
        return [day] + previous
    }

    public func evaluate(day: Int32, window: [Int32], schools: [String], activity: DayActivity) -> [SchoolDayResult] {
        let previous = window.dropFirst()
        guard let windowStart = previous.last else { return [] }
        return schools.compactMap { school in
            guard let first = activity.firstReportedDay[school], first <= windowStart else { return nil }
            let v = activity.records[school] ?? [:]
            let baseline = Double(previous.reduce(0) { $0 + (v[$1] ?? 0) }) / Double(days)
            guard baseline >= minBaseline else { return nil }
            let today = Double(v[day] ?? 0)
            let off = abs(today - baseline) > tolerance * baseline
            return SchoolDayResult(school: school, day: day, checked: 1, failed: off ? 1 : 0)
        }
    }
}
