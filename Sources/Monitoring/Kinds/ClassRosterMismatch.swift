/// `class_roster_mismatch`: classes whose expected attendance differs from their roll.
///
/// For each class (school, grade, class name) with attendance in the period up to the as-of
/// day, its latest day's `expected` is compared with the enrolled pupils (status 1) of the same
/// school, grade and class name; a difference over `tolerance` pupils is a mismatch.
/// Numerator: mismatched classes; denominator: classes with attendance. Parameter: `tolerance` (0).
struct ClassRosterMismatch: IndicatorKind {
    static let name = "class_roster_mismatch"
    static let parameterNames = ["tolerance"]

    func query(_ p: IndicatorParameters, schema s: String) -> String {
        """
        WITH latest AS (
            SELECT DISTINCT ON (school_code, grade, class_name) school_code, grade, class_name, expected
            FROM \(s).standard_zone, period
            WHERE record_type = 'attendance' AND \(SQLText.periodDays())
            ORDER BY school_code, grade, class_name, day DESC),
        roll AS (
            SELECT school_code, grade, class_name, count(*) AS pupils
            FROM \(s).standard_zone
            WHERE record_type = 'student' AND status = 1 AND coalesce(class_name, '') <> ''
            GROUP BY school_code, grade, class_name)
        SELECT l.school_code,
               count(*) FILTER (WHERE abs(l.expected - coalesce(r.pupils, 0)) > \(p.number("tolerance"))) AS numerator,
               count(*) AS denominator
        FROM latest l LEFT JOIN roll r USING (school_code, grade, class_name)
        GROUP BY l.school_code
        """
    }
}
