/// `schools_without`: registered schools (current registry, not deleted) without any active
/// teacher (`record_type: teacher`) or enrolled pupil (`student`) — status 1 — in the standard
/// zone. Numerator 1 for such a school, else 0; denominator 1. Parameter: `record_type`.
struct SchoolsWithout: IndicatorKind {
    static let name = "schools_without"
    static let parameterNames = ["record_type"]

    func query(_ p: IndicatorParameters, schema s: String) -> String {
        let type = p.choice("record_type") == "teacher" ? "teacher" : "student"
        return """
            SELECT k.school_code,
                   CASE WHEN EXISTS (SELECT 1 FROM \(s).standard_zone z
                                     WHERE z.record_type = '\(type)' AND z.status = 1 AND z.school_code = k.school_code)
                        THEN 0 ELSE 1 END AS numerator,
                   1 AS denominator
            FROM \(s).schools k
            """
    }
}
