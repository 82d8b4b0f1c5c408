/// Builds the GitHub-flavoured Markdown report: the HTML page's sections and figures as tables,
/// in the same language. Every report text goes through ``ReportFormat/markdown(_:)``.
enum MarkdownReport {
    static func render(_ r: QualityReport, text t: QualityReportText) -> String {
        let c = ReportContent(r: r, t: t)
        let sections = ReportSection.allCases.filter { $0.isShown(in: r) }.map { section($0, c) }
        return ([header(c)] + sections).joined(separator: "\n\n") + "\n"
    }

    private static func header(_ c: ReportContent) -> String {
        """
        # \(esc(c.title))

        \(esc(c.periodLine))

        **\(esc(c.t.text("overall.label"))): \(esc(c.score(c.r.overallScore)))**
        """
    }

    private static func section(_ s: ReportSection, _ c: ReportContent) -> String {
        (["## \(esc(c.t.text(s.titleKey)))"] + content(s, c)).joined(separator: "\n\n")
    }

    private static func content(_ s: ReportSection, _ c: ReportContent) -> [String] {
        switch s {
        case .dimensions: [c.r.dimensions.isEmpty ? esc(c.t.text("empty.dimensions")) : table(c.dimensions)]
        case .trend: [c.r.days.isEmpty ? esc(c.t.text("empty.days")) : table(c.days)]
        case .subRegions: [table(c.subRegions)]
        case .worstSchools: [table(c.worstSchools)]
        case .failingMonitors: failingMonitors(c)
        case .alerts: [table(c.alerts)]
        }
    }

    private static func failingMonitors(_ c: ReportContent) -> [String] {
        let failures = c.r.failingMonitors.isEmpty ? esc(c.t.text("empty.failures")) : table(c.failingMonitors)
        return [failures, esc(c.passedLine)]
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
