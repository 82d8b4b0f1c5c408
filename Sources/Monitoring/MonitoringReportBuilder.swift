import HubCore
import HubStore
import MonitoringReport
import Postgres
import Topology
import QualityReport

/// Reads `scenario_results` for one region and period into a ``MonitoringReport``: per
/// scenario the region's row, its previous period's row and up to six periods of trend, the
/// regions one level down and the region's schools in warning, with names from `regions` and
/// `schools` (a code without a name stays a code).
public struct MonitoringReportBuilder: HubTablesReader {
    public let tables: HubTables

    public init(tables: HubTables) { self.tables = tables }

    /// One stored result.
    struct Result {
        var scenario: String
        var period: String
        var level: String
        var region: String
        var value: Double?
        var numerator: Double?
        var denominator: Double?
        var comparison: String
        var lower: Double?
        var upper: Double?
        var status: String
        var asOf: String
    }

    public func build(level: RegionLevel, region: String, period: ReportingPeriod, language: ReportLanguage,
                      generatedAt: String) throws -> MonitoringReport {
        let s = schema.name
        let columns = """
            scenario, period, level, region_code, value, numerator, denominator, comparison, threshold_low, threshold_high,
            status, as_of::text AS as_of
            """
        // The region's own rows in this and earlier periods of the same kind (trend, previous).
        let own = try results("""
            SELECT \(columns) FROM \(s).scenario_results
            WHERE level = $1 AND region_code = $2 AND period_kind = $3 AND period_start <= $4::date
            ORDER BY period_start
            """, level.rawValue, region, period.kind.rawValue, period.start.description)
        // Rows of this period beneath the region: one level down, and its schools.
        let below = try results("""
            SELECT \(columns) FROM \(s).scenario_results WHERE period = $1 AND level <> 'province' AND level <> $2
            """, period.id, level.rawValue)
        let scope = Scope(level: level, region: region, period: period, english: language.isEnglish,
                          names: try regionNames(), schools: try schoolDirectory(), own: own, below: below)
        let indicators = topology.scenarios.map(scope.indicator)
        // As of the evaluation of the last scenario (in topology order) that has a row for the period.
        let asOf = topology.scenarios.compactMap { scenario in
            own.first { $0.scenario == scenario.name && $0.period == period.id }?.asOf
        }.last
        let subRegionsInWarning = Set(indicators.flatMap { $0.subRegions.filter { $0.status == "warning" }.map(\.code) })
        let schoolsInWarning = Set(indicators.flatMap { $0.schoolsInWarning.map(\.code) })
        let statuses = indicators.map(\.status)
        let name = level == .school ? scope.schools[region]?.name : scope.names[region]?.text(english: scope.english)
        return MonitoringReport(
            language: language.rawValue, level: level.rawValue, region: region, regionName: name, period: period.id,
            periodKind: period.kind.rawValue, periodStart: period.start.description, periodEnd: period.lastDay.description,
            previousPeriod: period.previous.id, asOf: asOf, generatedAt: generatedAt,
            summary: MonitoringSummary(scenarios: indicators.count, warnings: statuses.filter { $0 == "warning" }.count,
                                       ok: statuses.filter { $0 == "ok" }.count,
                                       noData: statuses.filter { $0 == "no_data" || $0 == "not_evaluated" }.count,
                                       subRegionsInWarning: subRegionsInWarning.count, schoolsInWarning: schoolsInWarning.count),
            indicators: indicators)
    }

    /// What one report covers, with the rows read for it: turns each scenario into its
    /// indicator (current, previous, trend, the regions one level down, schools in warning).
    struct Scope {
        var level: RegionLevel
        var region: String
        var period: ReportingPeriod
        var english: Bool
        var names: [String: LocalizedText]
        var schools: [String: (name: String?, county: String, stage: String?)]
        var own: [Result]
        var below: [Result]

        var childLevel: String? { [.province: "city", .city: "county", .county: "school"][level] }

        func county(ofSchool code: String) -> String? { schools[code]?.county }

        func inRegion(_ r: Result) -> Bool {
            switch (level, r.level) {
            case (.province, _): return true
            case (.city, "county"): return Region.city(ofCounty: r.region) == region
            case (.city, "school"): return county(ofSchool: r.region).map { Region.city(ofCounty: $0) == region } ?? false
            case (.county, "school"): return county(ofSchool: r.region) == region
            default: return false
            }
        }

        func regionResult(_ r: Result, _ scenario: ScenarioDefinition) -> RegionResult {
            let unitBelow = scenario.rollup == .schoolsInWarning ? "schools" : scenario.unit
            let countyCode = r.level == "school" ? county(ofSchool: r.region) : nil
            let name = r.level == "school" ? schools[r.region]?.name : names[r.region]?.text(english: english)
            return RegionResult(level: r.level, code: r.region, name: name, county: countyCode,
                                countyName: countyCode.flatMap { names[$0]?.text(english: english) }, value: r.value,
                                unit: r.level == "school" ? scenario.unit : unitBelow, comparison: r.comparison,
                                thresholdLower: r.lower, thresholdUpper: r.upper, status: r.status)
        }

        func indicator(_ scenario: ScenarioDefinition) -> IndicatorReport {
            let mine = own.filter { $0.scenario == scenario.name }
            let current = mine.first { $0.period == period.id }
            let previous = mine.first { $0.period == period.previous.id }
            let trend = mine.suffix(6).map { TrendPoint(period: $0.period, value: $0.value, status: $0.status) }
            let unitBelow = scenario.rollup == .schoolsInWarning ? "schools" : scenario.unit
            let scoped = below.filter { $0.scenario == scenario.name && inRegion($0) }
            let sub = scoped.filter { $0.level == childLevel }.sorted { a, b in
                (a.status == "warning" ? 0 : 1, a.region) < (b.status == "warning" ? 0 : 1, b.region)
            }.map { regionResult($0, scenario) }
            let warnedSchools = scoped.filter { $0.level == "school" && $0.status == "warning" }.sorted { $0.region < $1.region }
                .map { regionResult($0, scenario) }
            let bounds = current.map { ThresholdBounds(lower: $0.lower, upper: $0.upper) }
                ?? scenario.thresholds.bounds(level: level, stage: level == .school ? schools[region]?.stage : nil)
            return IndicatorReport(
                scenario: scenario.name, title: scenario.title.text(english: english),
                definition: scenario.definition.text(english: english),
                unit: level == .school ? scenario.unit : unitBelow, form: level == .school || scenario.rollup == .sum ? scenario.form.rawValue : "count",
                severity: scenario.severity.rawValue, owner: scenario.owner, comparison: scenario.thresholds.comparison.rawValue,
                thresholdLower: bounds.lower, thresholdUpper: bounds.upper, value: current?.value, numerator: current?.numerator,
                denominator: current?.denominator, status: current?.status ?? "not_evaluated", previousValue: previous?.value,
                previousStatus: previous?.status,
                change: current?.value.flatMap { v in previous?.value.map { v - $0 } },
                trend: Array(trend), subRegions: sub, schoolsInWarning: warnedSchools)
        }
    }

    private func results(_ sql: String, _ binds: any PGBindable...) throws -> [Result] {
        try db.query(sql, binds: binds).rows.map { row in
            Result(scenario: try row.decode("scenario"), period: try row.decode("period"), level: try row.decode("level"),
                   region: try row.decode("region_code"), value: try row.decodeIfPresent("value"),
                   numerator: try row.decodeIfPresent("numerator"), denominator: try row.decodeIfPresent("denominator"),
                   comparison: try row.decode("comparison"), lower: try row.decodeIfPresent("threshold_low"),
                   upper: try row.decodeIfPresent("threshold_high"), status: try row.decode("status"), asOf: try row.decode("as_of"))
        }
    }

    /// Region names from the database (what `hubctl db migrate` synced from the topology).
    private func regionNames() throws -> [String: LocalizedText] {
        let r = try db.query("SELECT code, name_zh, name_en FROM \(schema.name).regions")
        return Dictionary(try r.rows.map { row in
            (try row.decode("code", as: String.self), LocalizedText(zh: try row.decode("name_zh"), en: try row.decode("name_en")))
        }, uniquingKeysWith: { first, _ in first })
    }

    /// The current registry: each school's name, county and stage.
    private func schoolDirectory() throws -> [String: (name: String?, county: String, stage: String?)] {
        let r = try db.query("SELECT school_code, name, county_code, stage FROM \(schema.name).schools")
        return Dictionary(try r.rows.map { row in
            (try row.decode("school_code", as: String.self),
             (name: try row.decodeIfPresent("name", as: String.self), county: try row.decode("county_code", as: String.self),
              stage: try row.decodeIfPresent("stage", as: String.self)))
        }, uniquingKeysWith: { first, _ in first })
    }
}
