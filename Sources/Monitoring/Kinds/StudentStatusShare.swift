/// `student_status_share`: pupils whose current status is `status` ÷ pupils enrolled (1) or in
/// that status — with `status: 2`, the suspension rate. Parameter: `status` (2, 3 or 4; default 2).
struct StudentStatusShare: IndicatorKind {
    static let name = "student_status_share"
    static let parameterNames = ["status"]

    func query(_ p: IndicatorParameters, schema s: String) -> String {
        let status = p.number("status")
        return """
            SELECT school_code, count(*) FILTER (WHERE status = \(status)) AS numerator, count(*) AS denominator
            FROM \(s).standard_zone
            WHERE record_type = 'student' AND status IN (1, \(status))
            GROUP BY school_code
            """
    }
}
