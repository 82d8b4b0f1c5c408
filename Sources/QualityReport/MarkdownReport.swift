/// Builds the GitHub-flavoured Markdown report: the HTML page's sections and figures as tables.
/// Every report text goes through ``ReportFormat/markdown(_:)``.
enum MarkdownReport {
    static func render(_ r: QualityReport) -> String {
        let sections = ReportSection.allCases.filter { $0.isShown(in: r) }.map { section($0, r) }
        return ([header(r)] + sections).joined(separator: "\n\n") + "\n"
    }

    private static func header(_ r: QualityReport) -> String {
        """
        # \(esc(ReportContent.title(r)))

        \(esc(ReportContent.periodLine(r)))

        **Overall score: \(QualityReportRenderer.formatScore(r.overallScore))**
        """
    }

    private static func section(_ s: ReportSection, _ r: QualityReport) -> String {
        (["## \(esc(s.title))"] + content(s, r)).joined(separator: "\n\n")
    }

    private static func content(_ s: ReportSection, _ r: QualityReport) -> [String] {
        switch s {
        case .dimensions: [r.dimensions.isEmpty ? esc(ReportContent.noDimensions) : table(ReportContent.dimensions(r))]
        case .trend: [r.days.isEmpty ? esc(ReportContent.noDays) : table(ReportContent.days(r))]
        case .subRegions: [table(ReportContent.subRegions(r))]
        case .worstSchools: [table(ReportContent.worstSchools(r))]
        case .failingMonitors: failingMonitors(r)
        case .alerts: [table(ReportContent.alerts(r))]
        }
    }

    private static func failingMonitors(_ r: QualityReport) -> [String] {
        let failures = r.failingMonitors.isEmpty ? esc(ReportContent.noFailures) : table(ReportContent.failingMonitors(r))
        return [failures, esc(ReportContent.passedLine(r))]
    }

    private static func table(_ t: ReportTable) -> String {
        let head = row(t.columns.map { esc($0.title) })
        let rule = row(t.columns.map { $0.numeric ? "---:" : "---" })
        let body = t.rows.map { row($0.map(cell)) }
        return ([head, rule] + body).joined(separator: "\n")
    }

    private static func row(_ cells: [String]) -> String {
        "| " + cells.joined(separator: " | ") + " |"
    }

    private static func cell(_ c: ReportCell) -> String {
        switch c.decoration {
        case .none, .scoreBar: esc(c.text)
        case .note(let note): "\(esc(c.text)) — \(esc(note))"
        }
    }

    private static func esc(_ text: String) -> String { ReportFormat.markdown(text) }
}
