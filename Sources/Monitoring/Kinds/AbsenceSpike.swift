/// `absence_spike`: days whose absence jumps above the school's own recent baseline.
///
/// A school's day absence rate is 1 − Σ present ÷ Σ expected (reporting days only). Its
/// baseline on a day is the mean absence rate of its previous `baseline_days` reporting days
/// within 180 days before it; with fewer than `min_baseline_days` of them there is none. A day
/// of the period (up to the as-of day) is a spike when absence ≥ `factor` × baseline and
/// absence − baseline ≥ `min_increase`. Numerator: spike days; denominator: reporting days of
/// the period. Regions count their schools in warning. Parameters: `baseline_days` (10),
/// `min_baseline_days` (5), `factor` (2), `min_increase` (0.05, a rate).
struct AbsenceSpike: IndicatorKind {
    static let name = "absence_spike"
    static let parameterNames = ["baseline_days", "min_baseline_days", "factor", "min_increase"]

    func query(_ p: IndicatorParameters, schema s: String) -> String {
        let window = "PARTITION BY school_code ORDER BY day ROWS BETWEEN \(p.number("baseline_days")) PRECEDING AND 1 PRECEDING"
        return """
            WITH days AS (\(SQLText.dailyRates(s, from: "period.start_day - 180"))),
            judged AS (
                SELECT school_code, day, 1 - rate AS absence,
                       avg(1 - rate) OVER (\(window)) AS baseline,
                       count(*) OVER (\(window)) AS history
                FROM days)
            SELECT j.school_code,
                   count(*) FILTER (WHERE j.history >= \(p.number("min_baseline_days"))
                                      AND j.absence >= \(p.number("factor")) * j.baseline
                                      AND j.absence - j.baseline >= \(p.number("min_increase"))) AS numerator,
                   count(*) AS denominator
            FROM judged j, period
            WHERE j.day >= period.start_day
            GROUP BY j.school_code
            """
    }
}
