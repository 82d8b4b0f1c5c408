/// `dropout_risk` (控辍保学): pupils of compulsory grades (11–16, 21–23) whose latest status is
/// suspended (2) or transferred out (3), updated (Beijing day) `days` or more days before the
/// as-of day. A pupil who enrols anywhere again has a newer version (same person code), so
/// still being in such a status means no enrolment at any school since. Counted at the school
/// of that version. Numerator: such pupils; denominator: the school's compulsory-grade pupils
/// enrolled, suspended or transferred out. Parameter: `days` (default 30).
struct DropoutRisk: IndicatorKind {
    static let name = "dropout_risk"
    static let parameterNames = ["days"]

    func query(_ p: IndicatorParameters, schema s: String) -> String {
        """
        SELECT school_code,
               count(*) FILTER (WHERE status IN (2, 3)
                                  AND \(SQLText.beijingDay("updated_at_us")) <= period.as_of - \(p.number("days"))) AS numerator,
               count(*) AS denominator
        FROM \(s).standard_zone, period
        WHERE record_type = 'student' AND status IN (1, 2, 3) AND (grade BETWEEN 11 AND 16 OR grade BETWEEN 21 AND 23)
        GROUP BY school_code
        """
    }
}
