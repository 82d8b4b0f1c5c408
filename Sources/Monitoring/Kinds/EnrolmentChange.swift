/// `enrolment_change`: enrolled pupils (status 1) now, against the previous period.
///
/// Numerator: enrolled pupils. The denominator is not read here: the evaluation takes, at
/// every level, the numerator this scenario stored for the same region in the previous period
/// of the same kind (previous month or term), so the value is the change in percent.
struct EnrolmentChange: IndicatorKind {
    static let name = "enrolment_change"
    static let parameterNames: [String] = []

    func query(_ p: IndicatorParameters, schema s: String) -> String {
        """
        SELECT school_code, count(*) AS numerator, 0 AS denominator
        FROM \(s).standard_zone
        WHERE record_type = 'student' AND status = 1
        GROUP BY school_code
        """
    }
}
