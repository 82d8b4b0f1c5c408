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
public struct MonitoringReportBuilder {
    let db: PGConnection
    let schema: HubSchema
    let topology: Topology

    public init(db: PGConnection, schema: HubSchema, topology: Topology) {
        self.db = db
        self.schema = schema
        self.topology = topology
    }

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
        let names = try regionNames()
        let schools = try schoolDirectory()
        let columns = """
            scenario, period, level, region_code, value, numerator, denominator, comparison, threshold_low, threshold_high,
            status, as_of::text
            """
        // The region's own rows in this and earlier periods of the same kind (trend, previous).
        let own = try results("""
            SELECT \(columns) FROM \(s).scenario_results
            WHERE level = $1 AND region_code = $2 AND period_kind = $3 AND period_start <= $4::date
            ORDER BY period_start
            """, [level.rawValue, region, period.kind.rawValue, period.start.description])
        // Rows of this period beneath the region: one level down, and its schools.
        let below = try results("""
            SELECT \(columns) FROM \(s).scenario_results WHERE period = $1 AND level <> 'province' AND level <> $2
            """, [period.id, level.rawValue])

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
        let childLevel: String? = [.province: "city", .city: "county", .county: "school"][level]
        let english = language.isEnglish

        var indicators: [IndicatorReport] = []
        var subRegionsInWarning: Set<String> = []
        var schoolsInWarning: Set<String> = []
        var asOf: String?
        for scenario in topology.scenarios {
            let mine = own.filter { $0.scenario == scenario.name }
            let current = mine.first { $0.period == period.id }
            let previous = mine.first { $0.period == period.previous.id }
            if let current { asOf = current.asOf }
            let trend = mine.suffix(6).map { TrendPoint(period: $0.period, value: $0.value, status: $0.status) }
            let unitBelow = scenario.rollup == .schoolsInWarning ? "schools" : scenario.unit
            func regionResult(_ r: Result) -> RegionResult {
                let countyCode = r.level == "school" ? county(ofSchool: r.region) : nil
                let name = r.level == "school" ? schools[r.region]?.name : names[r.region]?.text(english: english)
                return RegionResult(level: r.level, code: r.region, name: name, county: countyCode,
                                    countyName: countyCode.flatMap { names[$0]?.text(english: english) }, value: r.value,
                                    unit: r.level == "school" ? scenario.unit : unitBelow, comparison: r.comparison,
                                    thresholdLower: r.lower, thresholdUpper: r.upper, status: r.status)
            }
            let scoped = below.filter { $0.scenario == scenario.name && inRegion($0) }
            let sub = scoped.filter { $0.level == childLevel }.sorted { a, b in
                (a.status == "warning" ? 0 : 1, a.region) < (b.status == "warning" ? 0 : 1, b.region)
            }.map(regionResult)
            let warnedSchools = scoped.filter { $0.level == "school" && $0.status == "warning" }.sorted { $0.region < $1.region }
                .map(regionResult)
            subRegionsInWarning.formUnion(sub.filter { $0.status == "warning" }.map(\.code))
            schoolsInWarning.formUnion(warnedSchools.map(\.code))
            let bounds = current.map { ThresholdBounds(lower: $0.lower, upper: $0.upper) }
                ?? scenario.thresholds.bounds(level: level, stage: level == .school ? schools[region]?.stage : nil)
            indicators.append(IndicatorReport(
                scenario: scenario.name, title: scenario.title.text(english: english),
                definition: scenario.definition.text(english: english),
                unit: level == .school ? scenario.unit : unitBelow, form: level == .school || scenario.rollup == .sum ? scenario.form.rawValue : "count",
                severity: scenario.severity.rawValue, owner: scenario.owner, comparison: scenario.thresholds.comparison.rawValue,
                thresholdLower: bounds.lower, thresholdUpper: bounds.upper, value: current?.value, numerator: current?.numerator,
                denominator: current?.denominator, status: current?.status ?? "not_evaluated", previousValue: previous?.value,
                previousStatus: previous?.status,
                change: current?.value.flatMap { v in previous?.value.map { v - $0 } },
                trend: Array(trend), subRegions: sub, schoolsInWarning: warnedSchools))
        }
        let statuses = indicators.map(\.status)
        let name = level == .school ? schools[region]?.name : names[region]?.text(english: english)
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

    private func results(_ sql: String, _ params: [String?]) throws -> [Result] {
        let r = try db.query(sql, params)
        return (0..<r.rowCount).map { i in
            Result(scenario: r.value(i, 0) ?? "", period: r.value(i, 1) ?? "", level: r.value(i, 2) ?? "", region: r.value(i, 3) ?? "",
                   value: r.double(i, 4), numerator: r.double(i, 5), denominator: r.double(i, 6), comparison: r.value(i, 7) ?? "",
                   lower: r.double(i, 8), upper: r.double(i, 9), status: r.value(i, 10) ?? "", asOf: r.value(i, 11) ?? "")
        }
    }

    /// Region names from the database (what `hubctl db migrate` synced from the topology).
    private func regionNames() throws -> [String: LocalizedText] {
        let r = try db.query("SELECT code, name_zh, name_en FROM \(schema.name).regions")
        var out: [String: LocalizedText] = [:]
        for i in 0..<r.rowCount {
            if let code = r.value(i, 0) { out[code] = LocalizedText(zh: r.value(i, 1) ?? code, en: r.value(i, 2) ?? code) }
        }
        return out
    }

    /// The current registry: each school's name, county and stage.
    private func schoolDirectory() throws -> [String: (name: String?, county: String, stage: String?)] {
        let r = try db.query("SELECT school_code, name, county_code, stage FROM \(schema.name).schools")
        var out: [String: (name: String?, county: String, stage: String?)] = [:]
        for i in 0..<r.rowCount {
            if let code = r.value(i, 0) { out[code] = (r.value(i, 1), r.value(i, 2) ?? "", r.value(i, 3)) }
        }
        return out
    }
}
