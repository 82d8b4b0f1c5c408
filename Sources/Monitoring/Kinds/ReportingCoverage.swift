/// `reporting_coverage`: whether each registered school (current registry, not deleted) has
/// reported: for `student` and `teacher`, any record of that type in the standard zone (any
/// status); for `attendance`, attendance for at least one day of the period up to the as-of
/// day. Numerator 1 or 0, denominator 1: a region's value is its share of schools reporting.
/// Parameter: `record_type`.
struct ReportingCoverage: IndicatorKind {
    static let name = "reporting_coverage"
    static let parameterNames = ["record_type"]

    func query(_ p: IndicatorParameters, schema s: String) -> String {
        let condition: String
        switch p.choice("record_type") {
        case "attendance": condition = "z.record_type = 'attendance' AND \(SQLText.periodDays("z.day"))"
        case "teacher": condition = "z.record_type = 'teacher'"
        default: condition = "z.record_type = 'student'"
        }
        return """
            SELECT k.school_code,
                   CASE WHEN EXISTS (SELECT 1 FROM \(s).standard_zone z, period WHERE z.school_code = k.school_code AND \(condition))
                        THEN 1 ELSE 0 END AS numerator,
                   1 AS denominator
            FROM \(s).schools k
            """
    }
}
