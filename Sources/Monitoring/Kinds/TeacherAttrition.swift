/// `teacher_attrition`: teachers who left in the period, against the school's teaching staff.
///
/// A leaver is a teacher whose latest status is left (0), updated (Beijing day) in the period
/// up to the as-of day. Numerator: leavers; denominator: active teachers (1) + leavers.
struct TeacherAttrition: IndicatorKind {
    static let name = "teacher_attrition"
    static let parameterNames: [String] = []

    func query(_ p: IndicatorParameters, schema s: String) -> String {
        let day = SQLText.beijingDay("updated_at_us")
        let left = "status = 0 AND \(day) >= period.start_day AND \(day) < period.end_day AND \(day) <= period.as_of"
        return """
            SELECT school_code, count(*) FILTER (WHERE \(left)) AS numerator,
                   count(*) FILTER (WHERE status = 1 OR (\(left))) AS denominator
            FROM \(s).standard_zone, period
            WHERE record_type = 'teacher'
            GROUP BY school_code
            """
    }
}
