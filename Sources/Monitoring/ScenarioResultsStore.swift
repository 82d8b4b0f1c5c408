import HubCore
import HubStore
import Postgres
import Topology

/// Whether a result breaches its threshold.
public enum ScenarioStatus: String, Sendable, Codable, CaseIterable {
    case ok
    case warning
    /// Nothing to judge: no denominator, or one below the scenario's minimum.
    case noData = "no_data"
}

/// One row of `scenario_results`.
public struct ScenarioResultRow: Sendable, Equatable {
    public var scenario: String
    public var period: ReportingPeriod
    public var asOf: CalendarDate
    public var level: RegionLevel
    public var region: String
    /// The school's registered stage (school rows only).
    public var stage: String?
    public var numerator: Double
    /// nil when a previous period's figure was needed and is missing.
    public var denominator: Double?
    public var value: Double?
    public var comparison: ThresholdComparison
    public var threshold: ThresholdBounds
    public var status: ScenarioStatus
    public var severity: String

    var key: String { "\(level.rawValue)|\(region)" }
}

/// Writes one evaluation's rows and raises the warnings that are new.
struct ScenarioResultsStore {
    let db: PGConnection
    let schema: HubSchema

    /// Replaces the rows of `scenarios` for `period` with `rows` (inside the caller's
    /// transaction): upserts, keeping `evaluated_at` where nothing changed, and deletes rows of
    /// regions that are gone. Returns the warnings raised for the first time.
    func replace(_ rows: [ScenarioResultRow], scenarios: [String], period: ReportingPeriod, asOf: CalendarDate) throws -> [ScenarioAlert] {
        let s = schema.name
        for chunk in stride(from: 0, to: rows.count, by: 2_000).map({ Array(rows[$0..<min($0 + 2_000, rows.count)]) }) {
            try db.query("""
                INSERT INTO \(s).scenario_results AS t (scenario, period, level, region_code, period_kind, period_start, period_end,
                    as_of, stage, numerator, denominator, value, comparison, threshold_low, threshold_high, status, severity)
                SELECT scenario, $2, level, region, $3, $4::date, $5::date, $6::date, nullif(stage, ''), numerator, denominator,
                       value, comparison, low, high, status, severity
                FROM unnest($1::text[], $7::text[], $8::text[], $9::text[], $10::float8[], $11::float8[], $12::float8[],
                            $13::text[], $14::float8[], $15::float8[], $16::text[], $17::text[])
                    AS r(scenario, level, region, stage, numerator, denominator, value, comparison, low, high, status, severity)
                ORDER BY scenario, level, region
                ON CONFLICT (scenario, period, level, region_code) DO UPDATE SET
                    period_kind = EXCLUDED.period_kind, period_start = EXCLUDED.period_start, period_end = EXCLUDED.period_end,
                    as_of = EXCLUDED.as_of, stage = EXCLUDED.stage, numerator = EXCLUDED.numerator,
                    denominator = EXCLUDED.denominator, value = EXCLUDED.value, comparison = EXCLUDED.comparison,
                    threshold_low = EXCLUDED.threshold_low, threshold_high = EXCLUDED.threshold_high, status = EXCLUDED.status,
                    severity = EXCLUDED.severity, evaluated_at = now()
                WHERE (t.as_of, t.stage, t.numerator, t.denominator, t.value, t.comparison, t.threshold_low, t.threshold_high,
                       t.status, t.severity)
                      IS DISTINCT FROM (EXCLUDED.as_of, EXCLUDED.stage, EXCLUDED.numerator, EXCLUDED.denominator, EXCLUDED.value,
                       EXCLUDED.comparison, EXCLUDED.threshold_low, EXCLUDED.threshold_high, EXCLUDED.status, EXCLUDED.severity)
                """, [
                    PGArrayLiteral.text(chunk.map(\.scenario)), period.id, period.kind.rawValue, period.start.description,
                    period.end.description, asOf.description,
                    PGArrayLiteral.text(chunk.map(\.level.rawValue)), PGArrayLiteral.text(chunk.map(\.region)),
                    PGArrayLiteral.text(chunk.map { $0.stage ?? "" }), Self.doubles(chunk.map(\.numerator)),
                    Self.doubles(chunk.map(\.denominator)), Self.doubles(chunk.map(\.value)),
                    PGArrayLiteral.text(chunk.map(\.comparison.rawValue)), Self.doubles(chunk.map(\.threshold.lower)),
                    Self.doubles(chunk.map(\.threshold.upper)), PGArrayLiteral.text(chunk.map(\.status.rawValue)),
                    PGArrayLiteral.text(chunk.map(\.severity)),
                ])
        }
        for scenario in scenarios {
            let keep = rows.filter { $0.scenario == scenario }.map(\.key)
            try db.query("""
                DELETE FROM \(s).scenario_results WHERE scenario = $1 AND period = $2 AND NOT (level || '|' || region_code = ANY($3::text[]))
                """, [scenario, period.id, PGArrayLiteral.text(keep)])
        }
        let warnings = rows.filter { $0.status == .warning }.map { r in
            ScenarioAlert(scenario: r.scenario, severity: r.severity, level: r.level.rawValue, region: r.region, period: r.period.id,
                          periodStart: r.period.start.description, value: r.value ?? 0, comparison: r.comparison.rawValue,
                          thresholdLower: r.threshold.lower, thresholdUpper: r.threshold.upper)
        }
        return try QualityAlerts.raise(db, schema: schema, scenarioWarnings: warnings)
    }

    /// A `float8[]` literal; nil and non-finite values are NULL.
    static func doubles(_ values: [Double?]) -> String {
        "{" + values.map { v in v.flatMap { $0.isFinite ? String($0) : nil } ?? "NULL" }.joined(separator: ",") + "}"
    }
}

extension PGResult {
    /// A `float8` (or any number) column as a Double; nil for NULL.
    func double(_ row: Int, _ column: Int) -> Double? {
        value(row, column).flatMap(Double.init)
    }
}
