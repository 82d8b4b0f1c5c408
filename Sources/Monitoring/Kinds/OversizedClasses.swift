/// `oversized_classes`: the share of classes with more enrolled pupils than their stage's limit.
///
/// A class is the enrolled pupils (status 1) sharing a school, grade and class name; pupils
/// without a class name are not in any class. The stage follows the grade: primary 11–16,
/// junior 21–23, senior 31–33. Numerator: classes over their limit; denominator: classes.
/// Parameters: `primary_limit`, `junior_limit`, `senior_limit` (pupils; default 45, 50, 50).
struct OversizedClasses: IndicatorKind {
    static let name = "oversized_classes"
    static let parameterNames = ["primary_limit", "junior_limit", "senior_limit"]

    func query(_ p: IndicatorParameters, schema s: String) -> String {
        """
        SELECT school_code,
               count(*) FILTER (WHERE pupils > CASE WHEN grade < 20 THEN \(p.number("primary_limit"))
                                                    WHEN grade < 30 THEN \(p.number("junior_limit"))
                                                    ELSE \(p.number("senior_limit")) END) AS numerator,
               count(*) AS denominator
        FROM (SELECT school_code, grade, class_name, count(*) AS pupils
              FROM \(s).standard_zone
              WHERE record_type = 'student' AND status = 1 AND grade IS NOT NULL AND coalesce(class_name, '') <> ''
              GROUP BY school_code, grade, class_name) classes
        GROUP BY school_code
        """
    }
}
