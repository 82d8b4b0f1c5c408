import HubCore

/// `daily_report` (timeliness): every registry school has some record of the stream for each
/// school day (a weekday in `weekdays`, 1 = Monday) that arrived by `deadline` (HH:MM, Beijing
/// time). A day is judged once its deadline has passed.
public struct DailyReportRule: DayRule {
    public static let name = "daily_report"
    public static let kinds = ["timeliness"]
    public static let parameters = ["deadline", "weekdays"]
    public static let example = (recordType: RecordType.attendance, yaml: "deadline: \"10:00\"\nweekdays: [1, 2, 3, 4, 5]")
    public static let stage = MonitorDefinition.Stage.dayEvaluation

    /// Minutes after Beijing midnight.
    public var deadlineMinutes: Int
    public var weekdays: [Int]

    public init(deadlineMinutes: Int, weekdays: [Int]) {
        self.deadlineMinutes = deadlineMinutes
        self.weekdays = weekdays
    }

    public static func parse(_ p: MonitorParameters) -> DailyReportRule? {
        let text = p.string("deadline") ?? "10:00"
        let parts = text.split(separator: ":").compactMap { Int($0) }
        guard parts.count == 2, (0...23).contains(parts[0]), (0...59).contains(parts[1]) else {
            p.issue(at: "deadline", "deadline must be HH:MM (Beijing time)")
            return nil
        }
        return DailyReportRule(deadlineMinutes: parts[0] * 60 + parts[1], weekdays: p.weekdays(default: [1, 2, 3, 4, 5]))
    }

    func deadlineMs(_ day: Int32) -> Int64 { CalendarDate.beijingMidnightMs(day) + Int64(deadlineMinutes) * 60_000 }

    public func window(for day: Int32, nowMs: Int64) -> [Int32]? {
        guard weekdays.contains(CalendarDate.isoWeekday(daysSinceEpoch: Int(day))), nowMs >= deadlineMs(day) else { return nil }
        return [day]
    }

    public func evaluate(day: Int32, window: [Int32], schools: [String], activity: DayActivity) -> [SchoolDayResult] {
        let deadline = deadlineMs(day)
        return schools.map { school in
            let onTime = activity.firstArrivalMs[school]?[day].map { $0 <= deadline } ?? false
            return SchoolDayResult(school: school, day: day, checked: 1, failed: onTime ? 0 : 1)
        }
    }
}
