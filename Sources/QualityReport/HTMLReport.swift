/// Builds the self-contained HTML page: one document with inline CSS and SVG, no script and no
/// external resource. Every report text goes through ``ReportFormat/html(_:)``.
enum HTMLReport {
    static func render(_ r: QualityReport) -> String {
        let sections = ReportSection.allCases.filter { $0.isShown(in: r) }.map { section($0, r) }
        return page(title: ReportContent.title(r), body: [header(r)] + sections)
    }

    // MARK: - Page

    private static func page(title: String, body: [String]) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(esc(title))</title>
        <style>
        \(style)
        </style>
        </head>
        <body>
        <main>
        \(body.joined(separator: "\n"))
        </main>
        </body>
        </html>

        """
    }

    private static let style = """
        body{margin:0;background:#f5f7fa;color:#1f2933;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
        main{max-width:1000px;margin:0 auto;padding:24px}
        h1{font-size:1.6rem;margin:0 0 4px}
        h2{font-size:1.2rem;margin:32px 0 8px;padding-bottom:4px;border-bottom:1px solid #d9dee3}
        .meta{color:#52606d;margin:0 0 16px}
        .overall{display:inline-flex;align-items:baseline;gap:12px;padding:12px 20px;background:#fff;border-left:8px solid #9aa5b1;border-radius:6px}
        .overall .value{font-size:3rem;font-weight:700}
        .overall.good{border-left-color:#2e7d32}
        .overall.warn{border-left-color:#e09b00}
        .overall.bad{border-left-color:#c62828}
        table{width:100%;border-collapse:collapse;background:#fff;margin:8px 0;font-size:.9rem}
        th,td{padding:6px 8px;border-bottom:1px solid #e4e7eb;text-align:left;vertical-align:top}
        th{background:#eef1f4}
        th.num,td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
        .desc{color:#52606d;font-size:.8rem}
        svg.chart{display:block;width:100%;max-width:720px;height:auto;background:#fff;margin:8px 0}
        svg text{font-size:11px;fill:#323f4b}
        .inline-bar{vertical-align:middle;margin-right:6px}
        .good{fill:#2e7d32}
        .warn{fill:#e09b00}
        .bad{fill:#c62828}
        .none{fill:#9aa5b1}
        .track{fill:#e4e7eb}
        .axis{stroke:#9aa5b1;stroke-width:1}
        .grid{stroke:#e4e7eb;stroke-width:1}
        .trend{fill:none;stroke:#3e4c59;stroke-width:2}
        """

    private static func header(_ r: QualityReport) -> String {
        let band = ScoreBand(score: r.overallScore).cssClass
        return """
            <header>
            <h1>\(esc(ReportContent.title(r)))</h1>
            <p class="meta">\(esc(ReportContent.periodLine(r)))</p>
            <div class="overall \(band)"><span class="value">\(esc(QualityReportRenderer.formatScore(r.overallScore)))</span> <span>overall score</span></div>
            </header>
            """
    }

    private static func section(_ s: ReportSection, _ r: QualityReport) -> String {
        (["<section>", "<h2>\(esc(s.title))</h2>"] + content(s, r) + ["</section>"]).joined(separator: "\n")
    }

    private static func content(_ s: ReportSection, _ r: QualityReport) -> [String] {
        switch s {
        case .dimensions: dimensions(r)
        case .trend: trend(r)
        case .subRegions: [table(ReportContent.subRegions(r))]
        case .worstSchools: [table(ReportContent.worstSchools(r))]
        case .failingMonitors: failingMonitors(r)
        case .alerts: [table(ReportContent.alerts(r))]
        }
    }

    // MARK: - Sections

    private static func dimensions(_ r: QualityReport) -> [String] {
        guard !r.dimensions.isEmpty else { return [paragraph(ReportContent.noDimensions)] }
        let bars = r.dimensions.map {
            SVGCharts.Bar(label: $0.dimension, value: $0.score, valueLabel: QualityReportRenderer.formatScore($0.score),
                          band: ScoreBand(score: $0.score))
        }
        return [SVGCharts.horizontalBars(bars, maximum: 100, title: "Score per dimension (0–100)"),
                table(ReportContent.dimensions(r))]
    }

    private static func trend(_ r: QualityReport) -> [String] {
        guard !r.days.isEmpty else { return [paragraph(ReportContent.noDays)] }
        let points = r.days.map { SVGCharts.Point(label: $0.day, value: $0.overallScore) }
        return [SVGCharts.trendLine(points, title: "Overall score per day (0–100)"), table(ReportContent.days(r))]
    }

    private static func failingMonitors(_ r: QualityReport) -> [String] {
        let passed = paragraph(ReportContent.passedLine(r))
        let failing = r.failingMonitors
        guard !failing.isEmpty else { return [paragraph(ReportContent.noFailures), passed] }
        let bars = failing.map {
            SVGCharts.Bar(label: $0.monitor, value: Double($0.failed), valueLabel: String($0.failed), band: ScoreBand(score: $0.score))
        }
        let maximum = Double(failing.map(\.failed).max() ?? 0)
        return [table(ReportContent.failingMonitors(r)),
                SVGCharts.horizontalBars(bars, maximum: maximum, title: "Failed checks per monitor"),
                passed]
    }

    // MARK: - Markup

    private static func table(_ t: ReportTable) -> String {
        let head = t.columns.map { "<th\(alignment($0))>\(esc($0.title))</th>" }.joined()
        let rows = t.rows.map { cells in
            "<tr>" + zip(t.columns, cells).map { "<td\(alignment($0))>\(cell($1))</td>" }.joined() + "</tr>"
        }
        return (["<table>", "<thead><tr>\(head)</tr></thead>", "<tbody>"] + rows + ["</tbody>", "</table>"])
            .joined(separator: "\n")
    }

    private static func alignment(_ column: ReportColumn) -> String {
        column.numeric ? " class=\"num\"" : ""
    }

    private static func cell(_ c: ReportCell) -> String {
        switch c.decoration {
        case .none: esc(c.text)
        case .note(let note): "\(esc(c.text))<div class=\"desc\">\(esc(note))</div>"
        case .scoreBar(let score): SVGCharts.inlineBar(score: score) + esc(c.text)
        }
    }

    private static func paragraph(_ text: String) -> String {
        "<p>\(esc(text))</p>"
    }

    private static func esc(_ text: String) -> String { ReportFormat.html(text) }
}
