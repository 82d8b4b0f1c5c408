import Topology

/// One built-in indicator kind: the query that yields each school's numerator and denominator.
///
/// The evaluation runs the query as a subquery with the CTE `period (start_day, end_day,
/// as_of)` in scope — the period's first day, the day after its last, and the as-of day (the
/// last day counted) — inside one read-only, repeatable-read transaction, so every scenario
/// sees the same snapshot. A school the query does not return has numerator and denominator
/// 0. Parameters come validated from the topology (``ScenarioKinds``), so numbers and choices
/// are safe to write into the SQL.
public protocol IndicatorKind: Sendable {
    /// The `kind:` name in topology files.
    static var name: String { get }
    /// The parameters it reads; ``ScenarioKinds`` must list the same (a test checks).
    static var parameterNames: [String] { get }
    init()
    /// `SELECT school_code, numerator, denominator …` over the schema `s`.
    func query(_ parameters: IndicatorParameters, schema s: String) -> String
}

/// A kind's parameter values, defaults already filled in by the topology parser.
public struct IndicatorParameters: Sendable {
    let values: [String: ScenarioParameterValue]

    public init(_ values: [String: ScenarioParameterValue]) { self.values = values }

    /// A numeric parameter as an SQL literal.
    func number(_ name: String) -> String {
        guard case .number(let v)? = values[name] else { return "0" }
        return SQLText.number(v)
    }

    /// A choice parameter (one of the values the topology allows).
    func choice(_ name: String) -> String {
        guard case .text(let v)? = values[name] else { return "" }
        return v
    }

    /// A list of grade codes as an SQL array literal; nil when empty (every grade).
    func grades(_ name: String) -> String? {
        guard case .numbers(let v)? = values[name], !v.isEmpty else { return nil }
        return "ARRAY[" + v.map { SQLText.number($0) }.joined(separator: ", ") + "]::smallint[]"
    }
}

/// SQL fragments the kinds share, so each definition is written once.
enum SQLText {
    /// A finite number as a literal: integers without a fraction.
    static func number(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }

    /// The Beijing calendar day of a version's *updated at* (microseconds since the epoch).
    static func beijingDay(_ column: String) -> String {
        "((to_timestamp(\(column) / 1000000.0) AT TIME ZONE 'Asia/Shanghai')::date)"
    }

    /// Attendance days counted for the period: in it, and not after the as-of day.
    static func periodDays(_ column: String = "day") -> String {
        "\(column) >= period.start_day AND \(column) < period.end_day AND \(column) <= period.as_of"
    }

    /// The grade's position 1–12 (primary 1 = 1, junior 1 = 7, senior 1 = 10).
    static func gradeIndex(_ column: String) -> String {
        "(CASE WHEN \(column) BETWEEN 11 AND 16 THEN \(column) - 10 WHEN \(column) BETWEEN 21 AND 23 THEN \(column) - 14 "
            + "WHEN \(column) BETWEEN 31 AND 33 THEN \(column) - 21 END)"
    }

    /// Each school's attendance rate per reported day of the period (days with nothing expected left out).
    static func dailyRates(_ s: String, from: String = "period.start_day") -> String {
        """
        SELECT school_code, day, sum(present)::numeric / sum(expected) AS rate
        FROM \(s).standard_zone, period
        WHERE record_type = 'attendance' AND day >= \(from) AND day < period.end_day AND day <= period.as_of
        GROUP BY school_code, day HAVING sum(expected) > 0
        """
    }
}
