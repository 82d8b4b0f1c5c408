import QualityReport

/// The monitoring report's page text and layout (``ReportTextFiles``): `monitoring-report.zh-CN.json`,
/// `monitoring-report.en.json` and `monitoring-report.css` in this module's resources.
public struct ReportText: LocalizedReportText {
    public let files: ReportTextFiles

    /// Reads the files of `language` from the first resource directory that has them.
    /// - Throws: ``ReportResourceError`` naming the places looked in.
    public init(_ language: ReportLanguage) throws(ReportResourceError) {
        files = try ReportTextFiles(report: "monitoring-report", title: "the monitoring report's text files",
                                    resources: ReportResources(module: "MonitoringReport", sourceFile: #filePath), language: language)
    }
}
