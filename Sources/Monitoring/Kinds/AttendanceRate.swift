/// `attendance_rate`: Σ present ÷ Σ expected over the current class attendance records dated
/// in the period, up to the as-of day.
struct AttendanceRate: IndicatorKind {
    static let name = "attendance_rate"
    static let parameterNames: [String] = []

    func query(_ p: IndicatorParameters, schema s: String) -> String {
        """
        SELECT school_code, sum(present) AS numerator, sum(expected) AS denominator
        FROM \(s).standard_zone, period
        WHERE record_type = 'attendance' AND \(SQLText.periodDays())
        GROUP BY school_code
        """
    }
}
