/// `over_age`: enrolled pupils older than their grade's normal age by more than `tolerance` years.
///
/// Age is in whole years on 1 September of the as-of day's school year (the year starting on
/// the latest 1 September at or before it); the normal age is 6 in primary 1 and one more per
/// grade (junior 1 = 12, senior 1 = 15). Pupils without a birth date are not counted.
/// Numerator: over-age pupils; denominator: enrolled pupils with a birth date and a grade.
/// Parameter: `tolerance` (years, default 1).
struct OverAge: IndicatorKind {
    static let name = "over_age"
    static let parameterNames = ["tolerance"]

    func query(_ p: IndicatorParameters, schema s: String) -> String {
        let septemberFirst = """
            make_date(extract(year FROM period.as_of)::int - CASE WHEN extract(month FROM period.as_of) >= 9 THEN 0 ELSE 1 END, 9, 1)
            """
        return """
            SELECT school_code,
                   count(*) FILTER (WHERE extract(year FROM age(\(septemberFirst), birth_date))
                                          > 5 + \(SQLText.gradeIndex("grade")) + \(p.number("tolerance"))) AS numerator,
                   count(*) AS denominator
            FROM \(s).standard_zone, period
            WHERE record_type = 'student' AND status = 1 AND birth_date IS NOT NULL AND \(SQLText.gradeIndex("grade")) IS NOT NULL
            GROUP BY school_code
            """
    }
}
