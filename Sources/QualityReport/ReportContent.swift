/// One column of a report table; numeric columns are right-aligned.
struct ReportColumn: Sendable {
    let title: String
    let numeric: Bool

    static func text(_ title: String) -> ReportColumn { ReportColumn(title: title, numeric: false) }
    static func number(_ title: String) -> ReportColumn { ReportColumn(title: title, numeric: true) }
}

/// One table cell: its plain text plus what the HTML page shows alongside it.
struct ReportCell: Sendable {
    /// Extra content of a cell. Markdown appends a note after a dash and has no bars.
    enum Decoration: Sendable {
        case none
        /// A secondary line, e.g. a monitor's description.
        case note(String)
        /// A small bar showing a 0–100 score.
        case scoreBar(Double?)
    }

    let text: String
    var decoration: Decoration = .none

    static func text(_ text: String) -> ReportCell { ReportCell(text: text) }
    static func count(_ n: Int64) -> ReportCell { ReportCell(text: String(n)) }
    static func count(_ n: Int) -> ReportCell { ReportCell(text: String(n)) }
    static func score(_ s: Double?) -> ReportCell { ReportCell(text: QualityReportRenderer.formatScore(s)) }
}

/// A table as both renderers show it.
struct ReportTable: Sendable {
    let columns: [ReportColumn]
    let rows: [[ReportCell]]
}

/// The report's sections, in page order.
enum ReportSection: CaseIterable, Sendable {
    case dimensions
    case trend
    case subRegions
    case worstSchools
    case failingMonitors
    case alerts

    /// The section heading.
    var title: String {
        switch self {
        case .dimensions: "Scores per dimension"
        case .trend: "Trend per day"
        case .subRegions: "Sub-regions"
        case .worstSchools: "Worst schools"
        case .failingMonitors: "Failing monitors"
        case .alerts: "Alerts"
        }
    }

    /// Whether the report shows the section: the list sections are left out when empty.
    func isShown(in r: QualityReport) -> Bool {
        switch self {
        case .dimensions, .trend, .failingMonitors: true
        case .subRegions: !r.subRegions.isEmpty
        case .worstSchools: !r.worstSchools.isEmpty
        case .alerts: !r.alerts.isEmpty
        }
    }
}

/// The texts and tables that both the HTML and the Markdown report show, built once so the two
/// formats carry the same figures.
enum ReportContent {
    /// Shown in place of a missing worst monitor.
    static let noValue = "—"

    static let noDimensions = "No dimension has results in the period."
    static let noDays = "No daily results in the period."
    static let noFailures = "No monitor reported failures."

    /// The report's heading.
    static func title(_ r: QualityReport) -> String {
        "Data quality report — \(r.regionLabel)"
    }

    /// The line under the heading: period and generation time.
    static func periodLine(_ r: QualityReport) -> String {
        "Period: \(r.from) to \(r.to) · Generated: \(r.generatedAt)"
    }

    /// How many monitors passed, e.g. "1 of 3 monitors passed with no failures."
    static func passedLine(_ r: QualityReport) -> String {
        guard !r.monitors.isEmpty else { return "No monitor had results in the period." }
        return "\(r.passedMonitorCount) of \(r.monitors.count) monitors passed with no failures."
    }

    static func dimensions(_ r: QualityReport) -> ReportTable {
        ReportTable(
            columns: [.text("dimension"), .number("score"), .number("checked"), .number("failed"), .number("monitors")],
            rows: r.dimensions.map { [.text($0.dimension), .score($0.score), .count($0.checked), .count($0.failed), .count($0.monitors)] }
        )
    }

    static func days(_ r: QualityReport) -> ReportTable {
        ReportTable(
            columns: [.text("day"), .number("score"), .number("checked"), .number("failed")],
            rows: r.days.map { [.text($0.day), .score($0.overallScore), .count($0.checked), .count($0.failed)] }
        )
    }

    static func subRegions(_ r: QualityReport) -> ReportTable {
        ReportTable(
            columns: [.text("level"), .text("region"), .number("score"), .number("checked"), .number("failed"), .text("worst monitor")],
            rows: r.subRegions.map {
                [.text($0.level), .text($0.region), .score($0.overallScore), .count($0.checked), .count($0.failed),
                 .text($0.worstMonitor ?? noValue)]
            }
        )
    }

    static func worstSchools(_ r: QualityReport) -> ReportTable {
        ReportTable(
            columns: [.text("school"), .number("score"), .number("checked"), .number("failed"), .text("worst monitor")],
            rows: r.worstSchools.map {
                [.text($0.region), scoreWithBar($0.overallScore), .count($0.checked), .count($0.failed),
                 .text($0.worstMonitor ?? noValue)]
            }
        )
    }

    static func failingMonitors(_ r: QualityReport) -> ReportTable {
        ReportTable(
            columns: [.text("monitor"), .text("dimension"), .text("severity"), .text("record type"), .number("checked"),
                      .number("failed"), .number("failure rate"), .number("breaches"), .text("examples")],
            rows: r.failingMonitors.map(monitorRow)
        )
    }

    static func alerts(_ r: QualityReport) -> ReportTable {
        ReportTable(
            columns: [.text("day"), .text("school"), .text("monitor"), .text("severity"), .number("failed/checked")],
            rows: r.alerts.map { [.text($0.day), .text($0.school), .text($0.monitor), .text($0.severity), .text("\($0.failed)/\($0.checked)")] }
        )
    }

    private static func scoreWithBar(_ score: Double?) -> ReportCell {
        ReportCell(text: QualityReportRenderer.formatScore(score), decoration: .scoreBar(score))
    }

    private static func monitorRow(_ m: MonitorResult) -> [ReportCell] {
        let name = ReportCell(text: m.monitor, decoration: m.description.isEmpty ? .none : .note(m.description))
        return [name, .text(m.dimension), .text(m.severity), .text(m.recordType), .count(m.checked), .count(m.failed),
                .text(ReportFormat.percent(m.failureRate)), .count(m.breaches), .text(m.examples.joined(separator: ", "))]
    }
}
