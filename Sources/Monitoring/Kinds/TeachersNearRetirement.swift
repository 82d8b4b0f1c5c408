/// `teachers_near_retirement`: active teachers aged `age` or more (whole years on the as-of
/// day) ÷ active teachers with a birth date. Teachers without a birth date are not counted.
/// Parameter: `age` (default 55).
struct TeachersNearRetirement: IndicatorKind {
    static let name = "teachers_near_retirement"
    static let parameterNames = ["age"]

    func query(_ p: IndicatorParameters, schema s: String) -> String {
        """
        SELECT school_code, count(*) FILTER (WHERE extract(year FROM age(period.as_of, birth_date)) >= \(p.number("age"))) AS numerator,
               count(*) AS denominator
        FROM \(s).standard_zone, period
        WHERE record_type = 'teacher' AND status = 1 AND birth_date IS NOT NULL
        GROUP BY school_code
        """
    }
}
