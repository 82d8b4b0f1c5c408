/// `gender_ratio`: enrolled boys per 100 enrolled girls (gender 9, unspecified, not counted),
/// optionally only in some grades. Numerator: boys; denominator: girls.
/// Parameter: `grades` (standard grade codes; default every grade).
struct GenderRatio: IndicatorKind {
    static let name = "gender_ratio"
    static let parameterNames = ["grades"]

    func query(_ p: IndicatorParameters, schema s: String) -> String {
        let grades = p.grades("grades").map { " AND grade = ANY(\($0))" } ?? ""
        return """
            SELECT school_code, count(*) FILTER (WHERE gender = 1) AS numerator, count(*) FILTER (WHERE gender = 2) AS denominator
            FROM \(s).standard_zone
            WHERE record_type = 'student' AND status = 1\(grades)
            GROUP BY school_code
            """
    }
}
