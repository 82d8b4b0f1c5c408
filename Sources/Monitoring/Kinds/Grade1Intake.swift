/// `grade1_intake`: enrolled primary-1 pupils against the previous two years' intake, taken
/// as the mean of the enrolled primary-2 and primary-3 pupils (those cohorts now one and two
/// grades up). Numerator: grade 11; denominator: (grade 12 + grade 13) ÷ 2.
struct Grade1Intake: IndicatorKind {
    static let name = "grade1_intake"
    static let parameterNames: [String] = []

    func query(_ p: IndicatorParameters, schema s: String) -> String {
        """
        SELECT school_code, count(*) FILTER (WHERE grade = 11) AS numerator,
               count(*) FILTER (WHERE grade IN (12, 13)) / 2.0 AS denominator
        FROM \(s).standard_zone
        WHERE record_type = 'student' AND status = 1 AND grade IN (11, 12, 13)
        GROUP BY school_code
        """
    }
}
