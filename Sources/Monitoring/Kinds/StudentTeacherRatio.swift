/// `student_teacher_ratio`: enrolled pupils (status 1) ÷ active teachers (status 1).
struct StudentTeacherRatio: IndicatorKind {
    static let name = "student_teacher_ratio"
    static let parameterNames: [String] = []

    func query(_ p: IndicatorParameters, schema s: String) -> String {
        """
        SELECT school_code,
               count(*) FILTER (WHERE record_type = 'student') AS numerator,
               count(*) FILTER (WHERE record_type = 'teacher') AS denominator
        FROM \(s).standard_zone
        WHERE record_type IN ('student', 'teacher') AND status = 1
        GROUP BY school_code
        """
    }
}
