import Foundation
import QualityReport

/// Renders a ``MonitoringReport`` as one self-contained HTML page (inline style and SVG charts
/// drawn by the quality report's ``SVGCharts``; no script, no external resource) or as JSON.
/// Every text comes from ``ReportText`` or the report itself and is HTML-escaped.
public enum MonitoringReportRenderer {
    public static func html(_ r: MonitoringReport, text t: ReportText) -> String {
        let page = MonitoringPage(report: r, t: t)
        return t.files.page(title: page.title, body: page.body())
    }

    /// Pretty-printed JSON with sorted keys.
    public static func json(_ r: MonitoringReport) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(r), as: UTF8.self)
    }

    /// Writes `monitoring-<level>-<region>-<period>.html` and `.json` into `directory`; returns
    /// the two paths, HTML first.
    public static func write(_ r: MonitoringReport, text: ReportText, directory: String) throws -> [String] {
        try ReportFiles.write([(".html", html(r, text: text)), (".json", try json(r))],
                              base: "monitoring-\(r.level)-\(r.region)-\(r.period)" + text.language.fileSuffix, directory: directory)
    }

    /// A value as the report prints it in `unit`: percentages, ratios and per-hundred figures
    /// with one decimal, counts whole; `—` when missing.
    public static func format(_ value: Double?, unit: String, text t: ReportText, signed: Bool = false) -> String {
        guard let value, value.isFinite else { return t.text("missing") }
        let whole = ["pupils", "teachers", "schools", "days", "classes", "count"].contains(unit) && value == value.rounded()
        let number = ReportFormat.fixed(value, decimals: whole ? 0 : 1)
        return (signed && value > 0 ? "+" : "") + number + t.text("unit.\(unit)")
    }
}

/// The page of one report: header, summary, overview and a section per scenario.
struct MonitoringPage {
    let report: MonitoringReport
    let t: ReportText

    var r: MonitoringReport { report }

    var regionLabel: String { label(name: r.regionName, code: r.region) }

    var title: String { t.text("report.title", ["region": regionLabel, "period": periodLabel]) }

    var periodLabel: String {
        let parts = r.period.split(separator: "-").map(String.init)
        if r.periodKind == "month", parts.count == 2, let m = Int(parts[1]) {
            return t.text("period.month", ["year": parts[0], "monthName": t.text("month.\(m)")])
        }
        if parts.count == 3 { return t.text("period.term", ["first": parts[0], "second": parts[1], "n": parts[2]]) }
        return r.period
    }

    /// A name next to its code, or the code alone when there is no name.
    func label(name: String?, code: String) -> String {
        guard let name, !name.isEmpty else { return code }
        return t.text("label.named", ["name": name, "code": code])
    }

    func body() -> String {
        var parts = [header(), summary()]
        parts.append(overview())
        parts.append("<h2>\(esc(t.text("details.heading")))</h2>")
        parts += r.indicators.map(detail)
        return parts.joined(separator: "\n")
    }

    private func header() -> String {
        var lines = [
            "<header>", "<h1>\(esc(title))</h1>",
            paragraph(t.text("meta.period", ["start": r.periodStart, "end": r.periodEnd]), cssClass: "meta"),
        ]
        if let asOf = r.asOf {
            lines.append(paragraph(t.text("meta.asOf", ["asOf": asOf]), cssClass: "meta"))
        } else {
            lines.append(paragraph(t.text("meta.notEvaluated"), cssClass: "meta"))
        }
        lines.append(paragraph(t.text("meta.previous", ["previous": r.previousPeriod]), cssClass: "meta"))
        lines.append(paragraph(t.text("meta.generated", ["generated": r.generatedAt]), cssClass: "meta"))
        lines.append("</header>")
        return lines.joined(separator: "\n")
    }

    private func summary() -> String {
        let s = r.summary
        let cards: [(String, Int, String)] = [
            ("summary.scenarios", s.scenarios, ""), ("summary.warnings", s.warnings, s.warnings > 0 ? "warning" : "ok"),
            ("summary.ok", s.ok, "ok"), ("summary.noData", s.noData, ""),
            ("summary.subRegions", s.subRegionsInWarning, s.subRegionsInWarning > 0 ? "warning" : "ok"),
            ("summary.schools", s.schoolsInWarning, s.schoolsInWarning > 0 ? "warning" : "ok"),
        ]
        let html = cards.map { key, n, css in
            "<div class=\"card \(css)\"><span class=\"n\">\(n)</span>\(esc(t.text(key)))</div>"
        }.joined()
        let counts = r.indicators.map { i in
            (i.title, Set(i.subRegions.filter { $0.status == "warning" }.map(\.code) + i.schoolsInWarning.map(\.code)).count)
        }
        let bars = counts.map { title, n in
            SVGCharts.Bar(label: title, value: Double(n), valueLabel: String(n), band: n > 0 ? .bad : .good)
        }
        let maximum = Double(counts.map(\.1).max() ?? 0)
        return [
            "<section>", "<h2>\(esc(t.text("summary.heading")))</h2>", "<div class=\"cards\">\(html)</div>",
            SVGCharts.horizontalBars(bars, maximum: max(maximum, 1), title: t.text("chart.warningsPerScenario")), "</section>",
        ].joined(separator: "\n")
    }

    private func overview() -> String {
        let head = ["column.scenario", "column.value", "column.threshold", "column.status", "column.previous", "column.change"]
        let rows = r.indicators.map { i in
            [esc(i.title), num(MonitoringReportRenderer.format(i.value, unit: i.unit, text: t)),
             esc(threshold(i.comparison, i.thresholdLower, i.thresholdUpper, unit: i.unit)), status(i.status),
             num(MonitoringReportRenderer.format(i.previousValue, unit: i.unit, text: t)),
             num(MonitoringReportRenderer.format(i.change, unit: i.unit, text: t, signed: true))]
        }
        return ["<section>", "<h2>\(esc(t.text("overview.heading")))</h2>", table(head, numeric: [1, 4, 5], rows), "</section>"]
            .joined(separator: "\n")
    }

    private func detail(_ i: IndicatorReport) -> String {
        let severity = t.text("severity.\(i.severity)")
        let facts = i.form == "count"
            ? t.text("detail.factsCount", ["owner": i.owner, "severity": severity])
            : t.text("detail.facts", ["owner": i.owner, "severity": severity, "numerator": plain(i.numerator),
                                      "denominator": plain(i.denominator)])
        var parts = [
            "<section class=\"scenario \(i.status == "warning" ? "warning" : "")\">",
            "<h3>\(esc(i.title)) \(status(i.status)) \(esc(MonitoringReportRenderer.format(i.value, unit: i.unit, text: t)))</h3>",
            paragraph(i.definition, cssClass: "definition"),
            paragraph(t.text("detail.line", ["rule": threshold(i.comparison, i.thresholdLower, i.thresholdUpper, unit: i.unit),
                                             "facts": facts]), cssClass: "facts"),
        ]
        if i.trend.count > 1 {
            let values = i.trend.compactMap(\.value) + [i.thresholdLower, i.thresholdUpper].compactMap { $0 }
            let top = max(values.map(abs).max() ?? 0, 1) * 1.1
            let points = i.trend.map {
                SVGCharts.Point(label: $0.period, value: $0.value.map { max($0, 0) },
                                band: $0.status == "warning" ? .bad : $0.status == "ok" ? .good : ScoreBand.none)
            }
            parts.append("<h4>\(esc(t.text("detail.trend")))</h4>")
            parts.append(SVGCharts.trendLine(points, title: t.text("chart.trend", ["title": i.title, "count": String(i.trend.count)]),
                                             maximum: top))
        }
        if r.level != "school" {
            parts.append("<h4>\(esc(t.text("detail.subRegions")))</h4>")
            if i.subRegions.isEmpty {
                parts.append(paragraph(t.text("detail.noSubRegions")))
            } else {
                let bars = i.subRegions.prefix(30).map { s in
                    SVGCharts.Bar(label: label(name: s.name, code: s.code), value: s.value.map { max($0, 0) },
                                  valueLabel: MonitoringReportRenderer.format(s.value, unit: s.unit, text: t),
                                  band: s.status == "warning" ? .bad : s.status == "ok" ? .good : .none)
                }
                let top = max(i.subRegions.compactMap(\.value).map(abs).max() ?? 0, 1)
                parts.append(SVGCharts.horizontalBars(Array(bars), maximum: top, title: t.text("chart.subRegions", ["title": i.title])))
                parts.append(regionTable(i.subRegions))
            }
        }
        parts.append("<h4>\(esc(t.text("detail.schoolsInWarning")))</h4>")
        parts.append(i.schoolsInWarning.isEmpty ? paragraph(t.text("detail.noSchoolsInWarning")) : regionTable(i.schoolsInWarning))
        parts.append("</section>")
        return parts.joined(separator: "\n")
    }

    private func regionTable(_ rows: [RegionResult]) -> String {
        let schools = rows.first?.level == "school"
        var head = [schools ? "column.school" : "column.region"]
        if schools { head.append("column.county") }
        head += ["column.value", "column.threshold", "column.status"]
        let body = rows.map { s -> [String] in
            var cells = [esc(label(name: s.name, code: s.code))]
            if schools { cells.append(esc(s.county.map { label(name: s.countyName, code: $0) } ?? t.text("missing"))) }
            cells += [num(MonitoringReportRenderer.format(s.value, unit: s.unit, text: t)),
                      esc(threshold(s.comparison, s.thresholdLower, s.thresholdUpper, unit: s.unit)), status(s.status)]
            return cells
        }
        return table(head, numeric: schools ? [2] : [1], body)
    }

    private func threshold(_ comparison: String, _ lower: Double?, _ upper: Double?, unit: String) -> String {
        t.text("comparison.\(comparison)", ["lower": MonitoringReportRenderer.format(lower, unit: unit, text: t),
                                            "upper": MonitoringReportRenderer.format(upper, unit: unit, text: t)])
    }

    private func status(_ s: String) -> String {
        "<span class=\"status-\(esc(s))\">\(esc(t.text("status.\(s)")))</span>"
    }

    private func plain(_ v: Double?) -> String {
        guard let v else { return t.text("missing") }
        return ReportFormat.fixed(v, decimals: v == v.rounded() ? 0 : 2)
    }

    private func table(_ head: [String], numeric: Set<Int>, _ rows: [[String]]) -> String {
        let th = head.enumerated().map { i, k in "<th\(numeric.contains(i) ? " class=\"num\"" : "")>\(esc(t.text(k)))</th>" }.joined()
        let trs = rows.map { cells in
            "<tr>" + cells.enumerated().map { i, c in "<td\(numeric.contains(i) ? " class=\"num\"" : "")>\(c)</td>" }.joined() + "</tr>"
        }
        return (["<table>", "<thead><tr>\(th)</tr></thead>", "<tbody>"] + trs + ["</tbody>", "</table>"]).joined(separator: "\n")
    }

    private func num(_ s: String) -> String { esc(s) }

    private func paragraph(_ s: String, cssClass: String? = nil) -> String {
        "<p\(cssClass.map { " class=\"\($0)\"" } ?? "")>\(esc(s))</p>"
    }

    private func esc(_ s: String) -> String { ReportFormat.html(s) }
}
