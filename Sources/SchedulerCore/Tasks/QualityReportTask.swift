import Foundation
import HubCore
import HubStore
import QualityReport

/// `quality_report`: evaluates the day-level quality monitors (report deadline, volume
/// baseline) for the run's days, then writes the province quality report for those days
/// (HTML, Markdown, JSON) into `directory`. Alerts the evaluation raises wait in the outbox,
/// which the sink publishes. Params: `directory` (default `reports`), `level` and `region`
/// (default the province), `language` (`zh-CN`, the default, or `en`).
struct QualityReportTask: TaskExecutor {
    static let typeName = "quality_report"

    func run(_ context: TaskContext) throws -> TaskCompletion {
        let env = context.environment
        let zone = context.dag.timeZone
        func day(_ seconds: Int64) -> Int32 {
            CalendarDate.dayNumber(epochSeconds: seconds, utcOffsetSeconds: zone.offsetSeconds(at: seconds))
        }
        let first = day(context.interval.start.secondsSinceEpoch)
        let last = max(first, day(context.interval.end.secondsSinceEpoch) - 1)
        let evaluation = try QualityEvaluation(db: context.db, schema: context.hubSchema, topology: env.topology)
            .evaluate(from: first, to: last, nowMs: Int64(Date().timeIntervalSince1970 * 1000))
        let level = RegionLevel(rawValue: context.task.text("level") ?? "province") ?? .province
        let region = context.task.text("region") ?? "330000"
        let report = try QualityReportBuilder(db: context.db, schema: context.hubSchema, topology: env.topology).build(
            level: level, region: region, from: CalendarDate(daysSinceEpoch: Int(first)), to: CalendarDate(daysSinceEpoch: Int(last)),
            generatedAt: context.interval.end.description)
        let directory = env.resolve(context.substitute(context.task.text("directory") ?? "reports"))
        guard let language = ReportLanguage(code: context.task.text("language") ?? ReportLanguage.default.rawValue) else {
            throw TaskFailure("language must be zh-CN or en")
        }
        let paths = try QualityReportFiles.write(report, text: try QualityReportText(language), directory: directory)
        let postponed = evaluation.postponed.isEmpty ? "" : "postponed during a re-key: \(evaluation.postponed.joined(separator: ", ")); "
        return .succeeded("day-level monitors: \(evaluation.checked) checked, \(evaluation.failed) failed, \(evaluation.alerts.count) alerts; "
                          + postponed + "overall score \(QualityReportRenderer.formatScore(report.overallScore)); wrote \(paths.joined(separator: ", "))")
    }
}
