import ArgumentParser
import Foundation
import Monitoring
import MonitoringReport
import WorkerRuntime
import QualityReport

/// `hubctl report monitoring`: the operational monitoring report (运行监测报告) of a region for
/// a month or a term, as a self-contained HTML page and JSON.
struct MonitoringReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitoring",
        abstract: "Write the operational monitoring report for a region and a month or term: self-contained HTML (zh-CN by default) and JSON.")
    @OptionGroup var common: CommonOptions
    @Option(name: .long, help: "province, city, county or school.") var level: String = "province"
    @Option(name: .long, help: "Region code at that level (330000, 33xx00, 33xxxx, or a school code). Default: the province.")
    var region: String?
    @OptionGroup var period: PeriodOptions
    @Option(name: .long, help: "zh-CN (default) or en.") var lang: String = "zh-CN"
    @Option(name: .long, help: "Directory to write into.") var out: String = "reports"

    func run() async throws {
        let (level, region) = try regionArguments(level, region)
        guard let language = ReportLanguage(code: lang) else { throw ValidationError("--lang must be zh-CN or en") }
        let ctx = try Context(common)
        guard let (p, _) = try period.resolve(defaultBoth: false).first else { return }
        let text = try ReportText(language)
        let report = try MonitoringReportBuilder(db: ctx.database(), schema: ctx.schema, topology: ctx.topology)
            .build(level: level, region: region, period: p, language: language, generatedAt: isoNow())
        let paths = try MonitoringReportRenderer.write(report, text: text, directory: out)
        say("monitoring report for \(report.regionName.map { "\($0) " } ?? "")\(region), \(p.id): "
            + "\(report.summary.warnings) of \(report.summary.scenarios) scenario(s) in warning, "
            + "\(report.summary.schoolsInWarning) school(s) in warning")
        for path in paths { say("  \(path)") }
    }
}
