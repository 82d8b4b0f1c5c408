/// Builds the self-contained HTML page in the layout of ``ReportTextFiles/page(title:body:)``:
/// one document with inline CSS and SVG, no script and no external resource. Every report text
/// goes through ``ReportFormat/html(_:)``.
enum HTMLReport {
    static func render(_ r: QualityReport, text t: QualityReportText) -> String {
        let c = ReportContent(r: r, t: t)
        let sections = ReportSection.allCases.filter { $0.isShown(in: r) }.map { section($0, c) }
        let body = ([header(c)] + sections).joined(separator: "\n")
        return t.files.page(title: c.title, body: body)
    }

    private static func header(_ c: ReportContent) -> String {
        let band = ScoreBand(score: c.r.overallScore).cssClass
        return """
            <header>
            <h1>\(esc(c.title))</h1>
            <p class="meta">\(esc(c.periodLine))</p>
            <div class="overall \(band)"><span class="value">\(esc(c.score(c.r.overallScore)))</span> <span>\(esc(c.t.text("overall.label")))</span></div>
            </header>
            """
    }

    private static func section(_ s: ReportSection, _ c: ReportContent) -> String {
        (["<section>", "<h2>\(esc(c.t.text(s.titleKey)))</h2>"] + content(s, c) + ["</section>"]).joined(separator: "\n")
    }

    private static func content(_ s: ReportSection, _ c: ReportContent) -> [String] {
        switch s {
        case .dimensions: dimensions(c)
        case .trend: trend(c)
        case .subRegions: [table(c.subRegions)]
        case .worstSchools: [table(c.worstSchools)]
        case .failingMonitors: failingMonitors(c)
        case .alerts: [table(c.alerts)]
        }
    }

    // MARK: - Sections

    private static func dimensions(_ c: ReportContent) -> [String] {
        guard !c.r.dimensions.isEmpty else { return [paragraph(c.t.text("empty.dimensions"))] }
        let bars = c.r.dimensions.map {
            SVGCharts.Bar(label: c.dimension($0.dimension), value: $0.score, valueLabel: c.score($0.score), band: ScoreBand(score: $0.score))
        }
        return [SVGCharts.horizontalBars(bars, maximum: 100, title: c.t.text("chart.dimensions")), table(c.dimensions)]
    }

    private static func trend(_ c: ReportContent) -> [String] {
        guard !c.r.days.isEmpty else { return [paragraph(c.t.text("empty.days"))] }
        let points = c.r.days.map { SVGCharts.Point(label: $0.day, value: $0.overallScore) }
        return [SVGCharts.trendLine(points, title: c.t.text("chart.trend")), table(c.days)]
    }

    private static func failingMonitors(_ c: ReportContent) -> [String] {
        let passed = paragraph(c.passedLine)
        let failing = c.r.failingMonitors
        guard !failing.isEmpty else { return [paragraph(c.t.text("empty.failures")), passed] }
        let bars = failing.map {
            SVGCharts.Bar(label: $0.monitor, value: Double($0.failed), valueLabel: String($0.failed), band: ScoreBand(score: $0.score))
        }
        let maximum = Double(failing.map(\.failed).max() ?? 0)
        return [table(c.failingMonitors), SVGCharts.horizontalBars(bars, maximum: maximum, title: c.t.text("chart.failed")), passed]
    }

    // MARK: - Markup

    private static func table(_ t: ReportTable) -> String {
        let head = t.columns.map { "<th\(attributes($0))>\(esc($0.title))</th>" }.joined()
        let rows = t.rows.map { cells in
            "<tr>" + zip(t.columns, cells).map { "<td\(attributes($0))>\(cell($1))</td>" }.joined() + "</tr>"
        }
        return (["<table>", "<thead><tr>\(head)</tr></thead>", "<tbody>"] + rows + ["</tbody>", "</table>"])
            .joined(separator: "\n")
    }

    private static func attributes(_ column: ReportColumn) -> String {
        let classes = [column.numeric ? "num" : nil, column.cssClass].compactMap { $0 }
        return classes.isEmpty ? "" : " class=\"\(classes.joined(separator: " "))\""
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
