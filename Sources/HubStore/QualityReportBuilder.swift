import HubCore
import Postgres
import QualityReport
import Topology

/// Reads the quality tables for one region and period into a `QualityReport`.
public struct QualityReportBuilder: HubTablesReader {
    public let tables: HubTables

    public init(tables: HubTables) { self.tables = tables }

    /// One result row: a monitor on a school's day, with the school's county.
    struct Row {
        var monitor: String
        var dimension: String
        var school: String
        var county: String
        var day: String
        var checked: Int64
        var failed: Int64
        var examples: [String]
    }

    /// SQL condition selecting the schools of `level`/`region`, for a query joined `USING
    /// (school_code)` with `school_regions sr`. Every level mentions the parameter, so that
    /// PostgreSQL can type it; the province takes every school.
    static func regionCondition(_ level: RegionLevel, parameter: String) -> String {
        switch level {
        case .province: return "\(parameter)::text = \(parameter)::text"
        case .city: return "left(sr.county_code, 4) || '00' = \(parameter)"
        case .county: return "sr.county_code = \(parameter)"
        case .school: return "school_code = \(parameter)"
        }
    }

    public func build(level: RegionLevel, region: String, from: CalendarDate, to: CalendarDate, generatedAt: String) throws -> QualityReport {
        let s = schema.name
        let condition = Self.regionCondition(level, parameter: "$3")
        let r = try db.query("""
            SELECT q.monitor, coalesce(m.dimension, '') AS dimension, q.school_code, coalesce(sr.county_code, '') AS county_code,
                   q.day::text AS day, q.checked, q.failed, array_to_string(q.examples, chr(30)) AS examples
            FROM \(s).quality_results q
            LEFT JOIN \(s).quality_monitors m USING (monitor)
            LEFT JOIN \(s).school_regions sr USING (school_code)
            WHERE q.day BETWEEN $1::date AND $2::date AND \(condition)
            ORDER BY q.day, q.monitor, q.school_code
            """, [from.description, to.description, region])
        // A monitor no longer in the topology has no dimension, a school not yet seen no county: '' on purpose (coalesce).
        let rows = try r.rows.map { row in
            Row(monitor: try row.decode("monitor"), dimension: try row.decode("dimension"), school: try row.decode("school_code"),
                county: try row.decode("county_code"), day: try row.decode("day"), checked: try row.decode("checked"),
                failed: try row.decode("failed"),
                examples: try row.decode("examples", as: String.self).split(separator: "\u{1E}").map(String.init))
        }
        let a = try db.query("""
            SELECT a.monitor, a.severity, a.school_code, a.day::text AS day, a.checked, a.failed
            FROM \(s).quality_alerts a LEFT JOIN \(s).school_regions sr USING (school_code)
            WHERE a.source = 'quality' AND a.day BETWEEN $1::date AND $2::date AND \(condition)
            ORDER BY a.day DESC, a.monitor, a.school_code
            """, [from.description, to.description, region])
        let alerts = try a.rows.map { row in
            AlertEntry(monitor: try row.decode("monitor"), severity: try row.decode("severity"), school: try row.decode("school_code"),
                       day: try row.decode("day"), checked: try row.decode("checked"), failed: try row.decode("failed"))
        }
        return try withNames(assemble(level: level, region: region, from: from, to: to, generatedAt: generatedAt, rows: rows, alerts: alerts))
    }

    /// Puts the registry's names next to the codes: regions from `regions` (Chinese and English),
    /// schools from `schools` (their one registered name). A code without a name keeps none.
    func withNames(_ report: QualityReport) throws -> QualityReport {
        var r = report
        let s = schema.name
        let regions = try db.query("SELECT code, name_zh, name_en FROM \(s).regions")
        var regionNames: [String: PlaceName] = [:]
        for i in 0..<regions.rowCount {
            guard let code = regions.value(i, 0), let zh = regions.value(i, 1), let en = regions.value(i, 2) else { continue }
            regionNames[code] = PlaceName(zh: zh, en: en)
        }
        var schoolCodes = Set(r.subRegions.filter { $0.level == "school" }.map(\.region) + r.worstSchools.map(\.region) + r.alerts.map(\.school))
        if r.level == "school" { schoolCodes.insert(r.region) }
        var schoolNames: [String: String] = [:]
        let codes = schoolCodes.filter { $0.count == 10 }.sorted()
        if !codes.isEmpty {
            let schools = try db.query("SELECT school_code, name FROM \(s).schools WHERE school_code = ANY($1::text[]) AND name IS NOT NULL",
                                       [PGArrayLiteral.codes(codes)])
            for i in 0..<schools.rowCount {
                if let code = schools.value(i, 0), let name = schools.value(i, 1), !name.isEmpty { schoolNames[code] = name }
            }
        }
        func name(level: String, code: String) -> PlaceName? {
            level == "school" ? schoolNames[code].map { PlaceName(zh: $0, en: $0) } : regionNames[code]
        }
        r.regionName = name(level: r.level, code: r.region)
        for i in r.subRegions.indices { r.subRegions[i].name = name(level: r.subRegions[i].level, code: r.subRegions[i].region) }
        for i in r.worstSchools.indices { r.worstSchools[i].name = name(level: "school", code: r.worstSchools[i].region) }
        for i in r.alerts.indices { r.alerts[i].schoolName = schoolNames[r.alerts[i].school] }
        return r
    }

    func assemble(level: RegionLevel, region: String, from: CalendarDate, to: CalendarDate, generatedAt: String,
                  rows: [Row], alerts: [AlertEntry]) -> QualityReport {
        func totals(_ rows: [Row]) -> [String: (dimension: String, checked: Int64, failed: Int64)] {
            var out: [String: (dimension: String, checked: Int64, failed: Int64)] = [:]
            for r in rows {
                var t = out[r.monitor] ?? (r.dimension, 0, 0)
                t.checked += r.checked
                t.failed += r.failed
                out[r.monitor] = t
            }
            return out
        }
        func scores(_ t: [String: (dimension: String, checked: Int64, failed: Int64)]) -> (overall: Double?, dimensions: [String: Double]) {
            QualityScoring.scores(t.values.map { QualityScoring.MonitorTotals(dimension: $0.dimension, checked: $0.checked, failed: $0.failed) })
        }
        func regionScore(_ level: String, _ region: String, _ rows: [Row]) -> RegionScore {
            let t = totals(rows)
            let worst = t.filter { $0.value.failed > 0 }.max { ($0.value.failed, $1.key) < ($1.value.failed, $0.key) }?.key
            return RegionScore(level: level, region: region, overallScore: scores(t).overall,
                               checked: t.values.reduce(0) { $0 + $1.checked }, failed: t.values.reduce(0) { $0 + $1.failed },
                               worstMonitor: worst)
        }
        func worstFirst(_ a: RegionScore, _ b: RegionScore) -> Bool {
            ((a.overallScore ?? 101), a.region) < ((b.overallScore ?? 101), b.region)
        }

        let all = totals(rows)
        let (overall, dimensionScores) = scores(all)
        let dimensions = MonitorDefinition.Dimension.allCases.compactMap { d -> DimensionScore? in
            let ms = all.filter { $0.value.dimension == d.rawValue }
            guard !ms.isEmpty else { return nil }
            return DimensionScore(dimension: d.rawValue, score: dimensionScores[d.rawValue],
                                  checked: ms.values.reduce(0) { $0 + $1.checked }, failed: ms.values.reduce(0) { $0 + $1.failed },
                                  monitors: ms.count)
        }
        let days = Dictionary(grouping: rows, by: \.day).sorted { $0.key < $1.key }.map { day, rows in
            let t = totals(rows)
            let sc = scores(t)
            return DayScore(day: day, overallScore: sc.overall, dimensions: sc.dimensions,
                            checked: t.values.reduce(0) { $0 + $1.checked }, failed: t.values.reduce(0) { $0 + $1.failed })
        }
        var subRegions: [RegionScore] = []
        switch level {
        case .province:
            subRegions = Dictionary(grouping: rows.filter { !$0.county.isEmpty }) { String($0.county.prefix(4)) + "00" }
                .map { regionScore("city", $0.key, $0.value) }
        case .city:
            subRegions = Dictionary(grouping: rows, by: \.county).map { regionScore("county", $0.key, $0.value) }
        case .county:
            subRegions = Dictionary(grouping: rows, by: \.school).map { regionScore("school", $0.key, $0.value) }
        case .school:
            break
        }
        let schools = Dictionary(grouping: rows, by: \.school).map { regionScore("school", $0.key, $0.value) }.sorted(by: worstFirst)
        var breaches: [String: Int] = [:]
        for a in alerts { breaches[a.monitor, default: 0] += 1 }
        let monitors = all.map { name, t -> MonitorResult in
            let m = topology.monitor(name)
            var examples: [String] = []
            for r in rows where r.monitor == name && r.failed > 0 {
                for e in r.examples where examples.count < 5 && !examples.contains(e) { examples.append(e) }
            }
            return MonitorResult(monitor: name, dimension: t.dimension, severity: m?.severity.rawValue ?? "",
                                 recordType: m?.recordType.rawValue ?? "", description: m?.description ?? "",
                                 checked: t.checked, failed: t.failed, breaches: breaches[name] ?? 0, examples: examples)
        }.sorted { ($1.failed, $0.monitor) < ($0.failed, $1.monitor) }
        return QualityReport(
            level: level.rawValue, region: region, regionLabel: "\(level.rawValue) \(region)", from: from.description, to: to.description,
            generatedAt: generatedAt, overallScore: overall, dimensions: dimensions, days: days,
            subRegions: subRegions.sorted(by: worstFirst), worstSchools: Array(schools.prefix(10)), monitors: monitors,
            alerts: Array(alerts.prefix(50)))
    }
}
