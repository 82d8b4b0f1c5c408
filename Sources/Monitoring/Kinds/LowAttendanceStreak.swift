/// `low_attendance_streak`: the longest run of consecutive low-attendance reporting days.
///
/// A school's day rate is Σ present ÷ Σ expected over its classes that day (a day with
/// nothing expected is not a reporting day); a rate below `min_rate` is a low day. Runs are
/// counted over the school's reporting days in the period up to the as-of day, in order: a
/// day without a report neither breaks nor extends a run. Numerator: the longest run (days);
/// denominator: reporting days. Regions count their schools in warning.
/// Parameter: `min_rate` (0–1, default 0.9).
struct LowAttendanceStreak: IndicatorKind {
    static let name = "low_attendance_streak"
    static let parameterNames = ["min_rate"]

    func query(_ p: IndicatorParameters, schema s: String) -> String {
        """
        WITH days AS (\(SQLText.dailyRates(s))),
        numbered AS (
            SELECT school_code, day, rate < \(p.number("min_rate")) AS low,
                   row_number() OVER (PARTITION BY school_code ORDER BY day)
                   - row_number() OVER (PARTITION BY school_code, rate < \(p.number("min_rate")) ORDER BY day) AS run
            FROM days),
        runs AS (SELECT school_code, count(*) AS length FROM numbered WHERE low GROUP BY school_code, run)
        SELECT d.school_code, coalesce((SELECT max(length) FROM runs r WHERE r.school_code = d.school_code), 0) AS numerator,
               count(*) AS denominator
        FROM days d
        GROUP BY d.school_code
        """
    }
}
