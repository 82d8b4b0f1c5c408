import ArgumentParser
import Foundation
import HubCore
import HubStore
import Monitoring
import MonitoringReport
import Topology
import WorkerRuntime
import QualityReport

/// `hubctl monitor …`: the education business monitoring scenarios (list, evaluate, summary).
struct MonitorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor", abstract: "Education business monitoring scenarios: list them, evaluate them for a period, summarise a region.",
        subcommands: [List.self, Evaluate.self, Summary.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the scenarios of the topology with their kind, unit and thresholds.")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let ctx = try Context(common)
            for s in ctx.topology.scenarios {
                say("\(s.name)  \(s.title.zh) / \(s.title.en)")
                say("  kind \(s.kindName), \(s.form.rawValue) (\(s.unit)), rollup \(s.rollup.rawValue), severity \(s.severity.rawValue), owner \(s.owner)")
                let levels = RegionLevel.allCases.map { level in
                    "\(level.rawValue) \(Self.bounds(s.thresholds.bounds(level: level, stage: nil)))"
                }
                let stages = s.thresholds.schoolStages.sorted { $0.key < $1.key }.map { "\($0.key) \(Self.bounds($0.value))" }
                say("  warn when \(s.thresholds.comparison.rawValue): " + (levels + stages).joined(separator: "; "))
            }
            say("\(ctx.topology.scenarios.count) scenario(s)")
        }

        static func bounds(_ b: ThresholdBounds) -> String {
            switch (b.lower, b.upper) {
            case let (lo?, hi?): "[\(lo), \(hi)]"
            case let (lo?, nil): "\(lo)"
            case let (nil, hi?): "\(hi)"
            case (nil, nil): "-"
            }
        }
    }

    struct Evaluate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Evaluate the scenarios for a month and/or a term (default: those holding the as-of day), then publish new warnings.")
        @OptionGroup var common: CommonOptions
        @OptionGroup var period: PeriodOptions
        @Option(name: .long, help: "Only this scenario (repeatable). Default: every scenario.") var scenario: [String] = []

        func run() async throws {
            let ctx = try Context(common)
            let db = try ctx.database()
            var failed = false
            for (p, asOf) in try period.resolve(defaultBoth: true) {
                let summary = try ScenarioEvaluation(db: db, schema: ctx.schema, topology: ctx.topology)
                    .evaluate(period: p, asOf: asOf, scenarios: scenario.isEmpty ? nil : scenario)
                say("evaluated \(summary.scenarios) scenario(s) for \(p.id) as of \(asOf): \(summary.rows) row(s), "
                    + "\(summary.warnings) in warning, \(summary.noData) without data, \(summary.alerts.count) new warning(s)")
                for f in summary.failures {
                    say("  scenario \(f.scenario) failed: \(f.message)")
                    failed = true
                }
            }
            try publishAlerts(ctx, db: db)
            if failed { throw ExitCode(1) }
        }
    }

    struct Summary: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print each scenario's value, threshold and status for a region and period, with its sub-regions and schools in warning.")
        @OptionGroup var common: CommonOptions
        @Option(name: .long, help: "province, city, county or school.") var level: String = "province"
        @Option(name: .long, help: "Region code at that level. Default: the province.") var region: String?
        @OptionGroup var period: PeriodOptions
        @Option(name: .long, help: "zh-CN (default) or en.") var lang: String = "zh-CN"

        func run() async throws {
            let (level, region) = try regionArguments(level, region)
            guard let language = ReportLanguage(code: lang) else { throw ValidationError("--lang must be zh-CN or en") }
            let ctx = try Context(common)
            guard let (p, _) = try period.resolve(defaultBoth: false).first else { return }
            let report = try MonitoringReportBuilder(db: ctx.database(), schema: ctx.schema, topology: ctx.topology)
                .build(level: level, region: region, period: p, language: language, generatedAt: isoNow())
            let text = try ReportText(language)
            say("\(report.regionName.map { "\($0) " } ?? "")\(region) \(p.id): \(report.summary.warnings) of \(report.summary.scenarios) "
                + "scenario(s) in warning, \(report.summary.subRegionsInWarning) sub-region(s) and \(report.summary.schoolsInWarning) school(s) in warning")
            var rows = [["scenario", "title", "value", "threshold", "status", "sub-regions", "schools"]]
            for i in report.indicators {
                let rule = text.text("comparison.\(i.comparison)", [
                    "lower": MonitoringReportRenderer.format(i.thresholdLower, unit: i.unit, text: text),
                    "upper": MonitoringReportRenderer.format(i.thresholdUpper, unit: i.unit, text: text)])
                rows.append([i.scenario, i.title, MonitoringReportRenderer.format(i.value, unit: i.unit, text: text), rule,
                             i.status, String(i.subRegions.filter { $0.status == "warning" }.count), String(i.schoolsInWarning.count)])
            }
            printRows(rows)
        }
    }
}

/// `--month` / `--term` / `--as-of`, shared by the monitoring commands.
struct PeriodOptions: ParsableArguments {
    @Option(name: .long, help: "A month, YYYY-MM.") var month: String?
    @Option(name: .long, help: "A term, YYYY-YYYY-N: term 1 is 1 Sep–31 Jan, term 2 is 1 Feb–31 Aug (e.g. 2026-2027-1).") var term: String?
    @Option(name: .long, help: "The last day counted, YYYY-MM-DD (Beijing), inside the period. Default: today, or the period's last day when it has ended.")
    var asOf: String?

    /// The periods asked for with their as-of days; with neither `--month` nor `--term`, the
    /// month (and, when `defaultBoth`, the term) holding the as-of day or today.
    func resolve(defaultBoth: Bool) throws -> [(ReportingPeriod, CalendarDate)] {
        let today = CalendarDate(daysSinceEpoch: Int(CalendarDate.dayNumber(epochSeconds: Int64(Date().timeIntervalSince1970))))
        let asked = try asOf.map { try parseDay($0, "--as-of") }
        var periods: [ReportingPeriod] = []
        if let month {
            guard let p = ReportingPeriod(id: month), p.kind == .month else { throw ValidationError("--month must be YYYY-MM, not \"\(month)\"") }
            periods.append(p)
        }
        if let term {
            guard let p = ReportingPeriod(id: term), p.kind == .term else {
                throw ValidationError("--term must be YYYY-YYYY-N with N 1 or 2 (e.g. 2026-2027-1), not \"\(term)\"")
            }
            periods.append(p)
        }
        if periods.isEmpty {
            let day = asked ?? today
            periods = defaultBoth ? [.month(containing: day), .term(containing: day)] : [.month(containing: day)]
        }
        return try periods.map { p in
            let day = asked ?? min(today, p.lastDay)
            guard p.contains(day) else {
                throw ValidationError("the as-of day \(day) is not in \(p.id) (\(p.start) … \(p.lastDay)); give --as-of inside it")
            }
            return (p, day)
        }
    }
}

/// `--level` and `--region` checked: the region's shape must fit the level.
func regionArguments(_ level: String, _ region: String?) throws -> (RegionLevel, String) {
    guard let parsed = RegionLevel(rawValue: level) else { throw ValidationError("--level must be province, city, county or school") }
    let code = region ?? Region.province
    guard parsed.accepts(code) else { throw ValidationError("--region \(code) is not a \(parsed.rawValue) code") }
    return (parsed, code)
}

/// Rows as an aligned table (display width: a CJK character takes two columns).
func printRows(_ rows: [[String]]) {
    func width(_ s: String) -> Int { s.unicodeScalars.reduce(0) { $0 + ($1.value >= 0x2E80 ? 2 : 1) } }
    var widths: [Int] = []
    for row in rows { for (i, c) in row.enumerated() { if i < widths.count { widths[i] = max(widths[i], width(c)) } else { widths.append(width(c)) } } }
    for (n, row) in rows.enumerated() {
        say("  " + row.enumerated().map { i, c in c + String(repeating: " ", count: max(0, widths[i] - width(c))) }.joined(separator: "  "))
        if n == 0 { say("  " + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
    }
}
