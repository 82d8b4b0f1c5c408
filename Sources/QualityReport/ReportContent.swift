/// One column of a report table; numeric columns are right-aligned.
struct ReportColumn: Sendable {
    let title: String
    let numeric: Bool
    /// A class for the HTML cells of the column (e.g. `examples`, which wrap anywhere).
    var cssClass: String? = nil
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

    /// The key of the section heading in the strings files.
    var titleKey: String {
        switch self {
        case .dimensions: "section.dimensions"
        case .trend: "section.trend"
        case .subRegions: "section.subRegions"
        case .worstSchools: "section.worstSchools"
        case .failingMonitors: "section.failingMonitors"
        case .alerts: "section.alerts"
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
/// formats carry the same figures, in the language of `t`.
struct ReportContent {
    let r: QualityReport
    let t: QualityReportText

    /// Pseudonymous examples are shortened to this many characters (they are long hashes).
    static let exampleLength = 12
    /// At most this many examples per monitor are shown.
    static let shownExamples = 3

    /// The region with its name, e.g. "西湖区（330106）".
    var regionLabel: String {
        r.level == "school" ? t.school(r.region, name: r.regionName?.zh) : t.label(r.regionName, code: r.region)
    }

    /// The report's heading.
    var title: String { t.text("report.title", ["region": regionLabel]) }

    /// The lines under the heading: period and generation time.
    var periodLine: String {
        t.text("meta.period", ["from": r.from, "to": r.to]) + " · " + t.text("meta.generated", ["generated": r.generatedAt])
    }

    func score(_ s: Double?) -> String {
        s == nil || !(s ?? 0).isFinite ? t.text("missing") : QualityReportRenderer.formatScore(s)
    }

    /// How many monitors passed, e.g. "1 of 3 monitors passed with no failures."
    var passedLine: String {
        guard !r.monitors.isEmpty else { return t.text("passed.none") }
        return t.text("passed.count", ["passed": String(r.passedMonitorCount), "total": String(r.monitors.count)])
    }

    func column(_ key: String, numeric: Bool = false) -> ReportColumn {
        ReportColumn(title: t.text("column.\(key)"), numeric: numeric)
    }

    func dimension(_ code: String) -> String { t.term("dimension", code) }

    var dimensions: ReportTable {
        ReportTable(
            columns: [column("dimension"), column("score", numeric: true), column("checked", numeric: true),
                      column("failed", numeric: true), column("monitors", numeric: true)],
            rows: r.dimensions.map { [.text(dimension($0.dimension)), .text(score($0.score)), .count($0.checked), .count($0.failed),
                                      .count($0.monitors)] }
        )
    }

    var days: ReportTable {
        ReportTable(
            columns: [column("day"), column("score", numeric: true), column("checked", numeric: true), column("failed", numeric: true)],
            rows: r.days.map { [.text($0.day), .text(score($0.overallScore)), .count($0.checked), .count($0.failed)] }
        )
    }

    func regionCell(_ s: RegionScore) -> String {
        s.level == "school" ? t.school(s.region, name: s.name?.zh) : t.label(s.name, code: s.region)
    }

    var subRegions: ReportTable {
        ReportTable(
            columns: [column("level"), column("region"), column("score", numeric: true), column("checked", numeric: true),
                      column("failed", numeric: true), column("worstMonitor")],
            rows: r.subRegions.map {
                [.text(t.term("level", $0.level)), .text(regionCell($0)), .text(score($0.overallScore)), .count($0.checked),
                 .count($0.failed), .text($0.worstMonitor ?? t.text("none"))]
            }
        )
    }

    var worstSchools: ReportTable {
        ReportTable(
            columns: [column("school"), column("score", numeric: true), column("checked", numeric: true), column("failed", numeric: true),
                      column("worstMonitor")],
            rows: r.worstSchools.map {
                [.text(regionCell($0)), ReportCell(text: score($0.overallScore), decoration: .scoreBar($0.overallScore)),
                 .count($0.checked), .count($0.failed), .text($0.worstMonitor ?? t.text("none"))]
            }
        )
    }

    var failingMonitors: ReportTable {
        ReportTable(
            columns: [column("monitor"), column("dimension"), column("severity"), column("recordType"), column("checked", numeric: true),
                      column("failed", numeric: true), column("failureRate", numeric: true), column("breaches", numeric: true),
                      ReportColumn(title: t.text("column.examples"), numeric: false, cssClass: "examples")],
            rows: r.failingMonitors.map(monitorRow)
        )
    }

    var alerts: ReportTable {
        ReportTable(
            columns: [column("day"), column("school"), column("monitor"), column("severity"), column("failedChecked", numeric: true)],
            rows: r.alerts.map {
                [.text($0.day), .text(t.school($0.school, name: $0.schoolName)), .text($0.monitor), .text(t.term("severity", $0.severity)),
                 .text("\($0.failed)/\($0.checked)")]
            }
        )
    }

    /// Shortened pseudonymous examples: long keys cut to their first characters, at most three shown.
    func examples(_ all: [String]) -> String {
        let shown = all.prefix(Self.shownExamples).map { $0.count > Self.exampleLength + 1 ? $0.prefix(Self.exampleLength) + "…" : $0 }
        var text = shown.joined(separator: ", ")
        if all.count > shown.count { text += " " + t.text("examples.more", ["count": String(all.count)]) }
        return text
    }

    private func monitorRow(_ m: MonitorResult) -> [ReportCell] {
        let name = ReportCell(text: m.monitor, decoration: m.description.isEmpty ? .none : .note(m.description))
        return [name, .text(dimension(m.dimension)), .text(t.term("severity", m.severity)), .text(t.term("recordType", m.recordType)),
                .count(m.checked), .count(m.failed), .text(ReportFormat.percent(m.failureRate)), .count(m.breaches),
                .text(examples(m.examples))]
    }
}
