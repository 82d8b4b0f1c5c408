import HubCore
import HubStore
import Postgres
import Topology

/// Evaluates the monitoring scenarios for one period: every registered school, the counties and
/// cities that have registered schools, and the province get one row per scenario in
/// `scenario_results` with the value, the threshold it was judged against and its status.
///
/// Three steps, so that re-running gives the same rows:
/// 1. read, in one read-only repeatable-read transaction: the current registry (`schools`),
///    each scenario's per-school numerator and denominator, and — for scenarios comparing with
///    the previous period — that period's stored numerators;
/// 2. compute every level's rows in memory (``ScenarioRows``);
/// 3. write, in one transaction: upsert the rows (a row whose figures did not change keeps its
///    `evaluated_at`), delete the period's rows of regions no longer present, and put a warning
///    into the alert outbox the first time a (scenario, level, region, period) breaches.
public struct ScenarioEvaluation: HubTablesReader {
    public let tables: HubTables

    public init(tables: HubTables) { self.tables = tables }

    /// What one evaluation did.
    public struct Summary: Sendable {
        public var period: ReportingPeriod
        public var asOf: CalendarDate
        public var scenarios = 0
        public var rows = 0
        public var warnings = 0
        public var noData = 0
        /// Warnings raised for the first time, now in the outbox.
        public var alerts: [ScenarioAlert] = []
        /// Scenarios whose indicator query failed (their rows were left as they were).
        public var failures: [(scenario: String, message: String)] = []
    }

    /// Evaluates `scenarios` (default: all) for `period` as of `asOf` (a day of the period).
    ///
    /// - Parameter inWriteTransaction: runs inside the write transaction after the rows (with the
    ///   summary so far), so a caller's own record (a scheduler task's success) commits with them.
    public func evaluate(period: ReportingPeriod, asOf: CalendarDate, scenarios names: [String]? = nil,
                         inWriteTransaction: ((PGConnection, Summary) throws -> Void)? = nil) throws -> Summary {
        guard period.contains(asOf) else {
            throw MonitoringError("the as-of day \(asOf) is not in the period \(period.id) (\(period.start) … \(period.lastDay))")
        }
        let scenarios = try selected(names)
        var summary = Summary(period: period, asOf: asOf)
        let input = try read(scenarios, period: period, asOf: asOf, summary: &summary)
        var rows: [ScenarioResultRow] = []
        for scenario in scenarios {
            guard let perSchool = input.indicators[scenario.name] else { continue }
            rows += ScenarioRows(scenario: scenario, schools: input.schools, previous: input.previous[scenario.name] ?? [:])
                .rows(perSchool: perSchool, period: period, asOf: asOf)
            summary.scenarios += 1
        }
        summary.rows = rows.count
        summary.warnings = rows.filter { $0.status == .warning }.count
        summary.noData = rows.filter { $0.status == .noData }.count
        let evaluated = scenarios.map(\.name).filter { input.indicators[$0] != nil }
        return try db.transaction { db in
            var written = summary
            written.alerts = try ScenarioResultsStore(db: db, schema: schema).replace(rows, scenarios: evaluated, period: period, asOf: asOf)
            try inWriteTransaction?(db, written)
            return written
        }
    }

    private func selected(_ names: [String]?) throws -> [ScenarioDefinition] {
        guard let names else { return topology.scenarios }
        return try names.map { name in
            guard let s = topology.scenario(name) else {
                throw MonitoringError("unknown scenario \"\(name)\"; known: " + topology.scenarios.map(\.name).joined(separator: ", "))
            }
            return s
        }
    }

    private struct Input {
        var schools: [RegisteredSchool] = []
        var indicators: [String: [String: SchoolFigures]] = [:]
        /// scenario → "level|region" → numerator stored for the previous period.
        var previous: [String: [String: Double]] = [:]
    }

    private func read(_ scenarios: [ScenarioDefinition], period: ReportingPeriod, asOf: CalendarDate,
                      summary: inout Summary) throws -> Input {
        let s = schema.name
        var input = Input()
        var failures: [(String, String)] = []
        try db.transaction { db in
            try db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            // A school without a stage has stage "" (coalesce); a current school always has a county.
            let r = try db.query("SELECT school_code, county_code, coalesce(stage, '') AS stage FROM \(s).schools ORDER BY school_code")
            input.schools = try r.rows.map { row in
                RegisteredSchool(code: try row.decode("school_code"), county: try row.decode("county_code"), stage: try row.decode("stage"))
            }
            let params = [period.start.description, period.end.description, asOf.description]
            for scenario in scenarios {
                let sql = indicatorSQL(scenario)
                do {
                    let rows = try db.transaction { db in
                        try db.query("""
                            WITH period AS (SELECT $1::date AS start_day, $2::date AS end_day, $3::date AS as_of)
                            SELECT school_code::text AS school_code, coalesce(numerator, 0)::float8 AS numerator,
                                   coalesce(denominator, 0)::float8 AS denominator
                            FROM (\(sql)) indicator WHERE school_code IS NOT NULL
                            """, params)
                    }
                    var figures: [String: SchoolFigures] = [:]
                    // Never NULL: the school code is filtered, the figures coalesced.
                    for row in rows.rows {
                        let code: String = try row.decode("school_code")
                        let f = figures[code] ?? SchoolFigures(numerator: 0, denominator: 0)
                        figures[code] = SchoolFigures(numerator: f.numerator + (try row.decode("numerator")),
                                                      denominator: f.denominator + (try row.decode("denominator")))
                    }
                    input.indicators[scenario.name] = figures
                } catch {
                    failures.append((scenario.name, "\(scenario.file):\(scenario.line): \(error)"))
                }
                if scenario.comparesPreviousPeriod {
                    let p = try db.query("""
                        SELECT level, region_code, numerator FROM \(s).scenario_results
                        WHERE scenario = $1 AND period = $2 AND numerator IS NOT NULL
                        """, bind: scenario.name, period.previous.id)
                    var previous: [String: Double] = [:]
                    for row in p.rows {
                        previous["\(try row.decode("level", as: String.self))|\(try row.decode("region_code", as: String.self))"] =
                            try row.decode("numerator", as: Double.self)
                    }
                    input.previous[scenario.name] = previous
                }
            }
        }
        summary.failures = failures
        return input
    }

    /// The scenario's query over this schema.
    func indicatorSQL(_ scenario: ScenarioDefinition) -> String {
        switch scenario.indicator {
        case .builtIn(let kind, let parameters):
            return IndicatorKindRegistry.kinds[kind]?.query(IndicatorParameters(parameters), schema: schema.name)
                ?? "SELECT NULL::text AS school_code, 0 AS numerator, 0 AS denominator WHERE false"
        case .sql(let query):
            return query.replacingOccurrences(of: "{schema}", with: schema.name)
        }
    }
}

/// A school of the current registry, as the evaluation places it.
struct RegisteredSchool: Sendable {
    var code: String
    var county: String
    var stage: String
    var city: String { Region.city(ofCounty: county) }
}

/// One school's figures from an indicator query.
struct SchoolFigures: Sendable, Equatable {
    var numerator: Double
    var denominator: Double
}

/// A monitoring failure with the reason in words (a bad period, an unknown scenario).
public struct MonitoringError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
