import HubCore
import HubStore
import Topology

/// One scenario's rows for one period, computed from its schools' figures: a row per
/// registered school, per county and city with registered schools, and the province.
///
/// A region's numerator and denominator are the sums over its schools (rollup `sum`), or the
/// number of its schools in warning out of those judged (`schools_in_warning`); a scenario
/// comparing with the previous period takes as denominator, at every level, the numerator the
/// same region had then. The value follows by the scenario's form; a value that cannot be
/// judged (no or too small a denominator) is `no_data`.
struct ScenarioRows {
    let scenario: ScenarioDefinition
    let schools: [RegisteredSchool]
    /// "level|region" → numerator stored for the previous period.
    let previous: [String: Double]

    func rows(perSchool: [String: SchoolFigures], period: ReportingPeriod, asOf: CalendarDate) -> [ScenarioResultRow] {
        var out: [ScenarioResultRow] = []
        func row(_ level: RegionLevel, _ region: String, stage: String?, numerator: Double, denominator: Double?,
                 form: ScenarioValueForm) -> ScenarioResultRow {
            let bounds = scenario.thresholds.bounds(level: level, stage: stage)
            let value = denominator.flatMap { form.value(numerator: numerator, denominator: $0, minDenominator: scenario.minDenominator) }
                ?? (form == .count ? numerator : nil)
            let status: ScenarioStatus = value.map { scenario.thresholds.comparison.breached($0, bounds) ? .warning : .ok } ?? .noData
            return ScenarioResultRow(
                scenario: scenario.name, period: period, asOf: asOf, level: level, region: region, stage: stage,
                numerator: numerator, denominator: denominator, value: value, comparison: scenario.thresholds.comparison,
                threshold: bounds, status: status, severity: scenario.severity.rawValue)
        }
        func denominator(_ level: RegionLevel, _ region: String, own: Double) -> Double? {
            scenario.comparesPreviousPeriod ? previous["\(level.rawValue)|\(region)"] : own
        }

        var schoolRows: [String: ScenarioResultRow] = [:]
        for s in schools {
            let f = perSchool[s.code] ?? SchoolFigures(numerator: 0, denominator: 0)
            let r = row(.school, s.code, stage: s.stage.isEmpty ? nil : s.stage, numerator: f.numerator,
                        denominator: denominator(.school, s.code, own: f.denominator), form: scenario.form)
            schoolRows[s.code] = r
            out.append(r)
        }
        let regions: [(RegionLevel, (RegisteredSchool) -> String)] = [
            (.county, { $0.county }), (.city, { $0.city }), (.province, { _ in Region.province }),
        ]
        for (level, regionOf) in regions {
            var members: [String: [RegisteredSchool]] = [:]
            for s in schools { members[regionOf(s), default: []].append(s) }
            if level == .province, members.isEmpty { members[Region.province] = [] }
            for (region, inRegion) in members.sorted(by: { $0.key < $1.key }) {
                switch scenario.rollup {
                case .sum:
                    let figures = inRegion.map { perSchool[$0.code] ?? SchoolFigures(numerator: 0, denominator: 0) }
                    let n = figures.reduce(0) { $0 + $1.numerator }, d = figures.reduce(0) { $0 + $1.denominator }
                    out.append(row(level, region, stage: nil, numerator: n, denominator: denominator(level, region, own: d),
                                   form: scenario.form))
                case .schoolsInWarning:
                    let judged = inRegion.compactMap { schoolRows[$0.code] }.filter { $0.status != .noData }
                    let warned = judged.filter { $0.status == .warning }.count
                    out.append(row(level, region, stage: nil, numerator: Double(warned), denominator: Double(judged.count), form: .count))
                }
            }
        }
        return out
    }
}
