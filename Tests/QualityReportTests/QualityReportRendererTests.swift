import Foundation
@testable import QualityReport
import Testing

@Suite("Quality report renderers")
struct QualityReportRendererTests {
    static let dangerous = "Student has an ID number <script>&\"'"

    /// 2 scored dimensions and a nil one, 3 days, 2 schools, 3 monitors (2 failing), 1 alert.
    static let sample = QualityReport(
        level: "county", region: "330106", regionLabel: "county 330106",
        from: "2025-03-01", to: "2025-03-03", generatedAt: "2025-03-04T06:00:00Z",
        overallScore: 89.9,
        dimensions: [
            DimensionScore(dimension: "completeness", score: 97.5, checked: 4000, failed: 100, monitors: 2),
            DimensionScore(dimension: "validity", score: 82.4, checked: 1500, failed: 264, monitors: 1),
            DimensionScore(dimension: "timeliness", score: nil, checked: 0, failed: 0, monitors: 1),
        ],
        days: [
            DayScore(day: "2025-03-01", overallScore: 93.1, dimensions: ["completeness": 98.0], checked: 1800, failed: 110),
            DayScore(day: "2025-03-02", overallScore: 88.0, dimensions: ["validity": 76.0], checked: 1900, failed: 170),
            DayScore(day: "2025-03-03", overallScore: 89.6, dimensions: [:], checked: 1800, failed: 84),
        ],
        subRegions: [
            RegionScore(level: "school", region: "3133001234", overallScore: 85.3, checked: 3000, failed: 300,
                        worstMonitor: "validity.enrolment.date_range"),
            RegionScore(level: "school", region: "3133005678", overallScore: 96.0, checked: 2500, failed: 64, worstMonitor: nil),
        ],
        worstSchools: [
            RegionScore(level: "school", region: "3133001234", overallScore: 85.3, checked: 3000, failed: 300,
                        worstMonitor: "validity.enrolment.date_range"),
            RegionScore(level: "school", region: "3133005678", overallScore: 96.0, checked: 2500, failed: 64, worstMonitor: nil),
        ],
        monitors: [
            MonitorResult(monitor: "validity.enrolment.date_range", dimension: "validity", severity: "warning",
                          recordType: "enrolment", description: "Enrolment date within the school year",
                          checked: 1500, failed: 264, breaches: 1, examples: ["e-9"]),
            MonitorResult(monitor: "completeness.student.id_present", dimension: "completeness", severity: "error",
                          recordType: "student", description: dangerous,
                          checked: 2000, failed: 50, breaches: 3, examples: ["p-001", "p|003"]),
            MonitorResult(monitor: "completeness.school.name_present", dimension: "completeness", severity: "info",
                          recordType: "school", description: "School has a name",
                          checked: 2000, failed: 0, breaches: 0, examples: []),
        ],
        alerts: [
            AlertEntry(monitor: "validity.enrolment.date_range", severity: "warning", school: "3133001234",
                       day: "2025-03-02", checked: 600, failed: 150),
        ]
    )

    /// No days, no dimensions, no monitors and no lists.
    static let empty = QualityReport(
        level: "school", region: "3133009999", regionLabel: "school 3133009999",
        from: "2025-03-01", to: "2025-03-01", generatedAt: "2025-03-02T06:00:00Z",
        overallScore: nil, dimensions: [], days: [], subRegions: [], worstSchools: [], monitors: [], alerts: []
    )

    // The English edition: the figures tests below were written for it.
    static let en: QualityReportText = {
        do { return try QualityReportText(.english) } catch { fatalError("\(error)") }
    }()

    static func occurrences(of needle: String, in text: String) -> Int {
        text.ranges(of: needle).count
    }

    /// How many `<` in Markdown are not backslash-escaped, i.e. could open raw HTML.
    static func unescapedAngleBrackets(in markdown: String) -> Int {
        zip(["\n"] + markdown, markdown).filter { $1 == "<" && $0 != "\\" }.count
    }

    static func position(of needle: String, in text: String) -> String.Index? {
        text.firstRange(of: needle)?.lowerBound
    }

    // MARK: - Formatting

    @Test("scores have one decimal, half away from zero, and n/a when missing")
    func formatScore() {
        #expect(QualityReportRenderer.formatScore(97.5) == "97.5")
        #expect(QualityReportRenderer.formatScore(88) == "88.0")
        #expect(QualityReportRenderer.formatScore(100) == "100.0")
        #expect(QualityReportRenderer.formatScore(0) == "0.0")
        #expect(QualityReportRenderer.formatScore(97.46) == "97.5")
        #expect(QualityReportRenderer.formatScore(99.96) == "100.0")
        #expect(QualityReportRenderer.formatScore(0.04) == "0.0")
        #expect(QualityReportRenderer.formatScore(nil) == "n/a")
        #expect(QualityReportRenderer.formatScore(.nan) == "n/a")
        #expect(QualityReportRenderer.formatScore(.infinity) == "n/a")
    }

    @Test("fixed-point and percent formatting")
    func fixedAndPercent() {
        #expect(ReportFormat.fixed(-2.25, decimals: 1) == "-2.3")
        #expect(ReportFormat.fixed(-0.04, decimals: 1) == "0.0")
        #expect(ReportFormat.fixed(3.14159, decimals: 0) == "3")
        #expect(ReportFormat.fixed(1.005, decimals: 3) == "1.005")
        #expect(ReportFormat.percent(0.025) == "2.50%")
        #expect(ReportFormat.percent(264.0 / 1500) == "17.60%")
        #expect(ReportFormat.percent(0) == "0.00%")
    }

    @Test("colour bands: at least 95 green, at least 80 amber, else red")
    func bands() {
        #expect(ScoreBand(score: 95) == .good)
        #expect(ScoreBand(score: 94.99) == .warn)
        #expect(ScoreBand(score: 80) == .warn)
        #expect(ScoreBand(score: 79.9) == .bad)
        #expect(ScoreBand(score: nil) == .none)
    }

    @Test("HTML escaping covers all five characters, even before a combining mark")
    func htmlEscaping() {
        #expect(ReportFormat.html("a & b <c> \"d\" 'e'") == "a &amp; b &lt;c&gt; &quot;d&quot; &#39;e&#39;")
        #expect(ReportFormat.html("<\u{301}script>") == "&lt;\u{301}script&gt;")
    }

    @Test("Markdown escaping keeps cells whole and blocks raw HTML")
    func markdownEscaping() {
        #expect(ReportFormat.markdown("a|b") == "a\\|b")
        #expect(ReportFormat.markdown("<b>\\") == "\\<b\\>\\\\")
        #expect(ReportFormat.markdown("line\none") == "line one")
        #expect(Self.unescapedAngleBrackets(in: "a <b") == 1)
        #expect(Self.unescapedAngleBrackets(in: ReportFormat.markdown("a <b>")) == 0)
    }

    // MARK: - HTML

    @Test("HTML is one self-contained file without script or external references")
    func htmlSelfContained() {
        let html = QualityReportRenderer.html(Self.sample, text: Self.en)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<style>"))
        #expect(html.contains("<svg"))
        for forbidden in ["<script", "http://", "https://", "src=", "<link", "url(", "@import"] {
            #expect(!html.contains(forbidden), "found \(forbidden)")
        }
    }

    @Test("HTML escapes the dangerous monitor description")
    func htmlEscapesDescription() {
        let html = QualityReportRenderer.html(Self.sample, text: Self.en)
        #expect(html.contains("Student has an ID number &lt;script&gt;&amp;&quot;&#39;"))
        #expect(!html.contains(Self.dangerous))
    }

    @Test("HTML shows the header, every score and every count")
    func htmlFigures() {
        let html = QualityReportRenderer.html(Self.sample, text: Self.en)
        #expect(html.contains("Data quality report — 330106"))
        #expect(html.contains("Period: 2025-03-01 to 2025-03-03 · Generated: 2025-03-04T06:00:00Z"))
        #expect(html.contains("<span class=\"value\">89.9</span>"))
        for figure in ["97.5", "82.4", "n/a", "93.1", "88.0", "89.6", "85.3", "96.0", "4000", "1500"] {
            #expect(html.contains(figure), "missing \(figure)")
        }
        #expect(html.contains("<td class=\"num\">264</td>"))
        #expect(html.contains("<td class=\"num\">50</td>"))
        #expect(html.contains("2.50%"))
        #expect(html.contains("17.60%"))
        #expect(html.contains("p-001, p|003"))
        #expect(html.contains("150/600"))
        #expect(html.contains("1 of 3 monitors passed with no failures."))
    }

    @Test("HTML sections come in order")
    func htmlSectionOrder() throws {
        let html = QualityReportRenderer.html(Self.sample, text: Self.en)
        let titles = ["Scores per dimension", "Trend per day", "Sub-regions", "Worst schools", "Failing monitors", "Alerts"]
        let positions = try titles.map { try #require(Self.position(of: "<h2>\($0)</h2>", in: html)) }
        #expect(positions == positions.sorted())
    }

    @Test("HTML charts: coloured dimension bars, n/a label, trend tooltips and failure bars")
    func htmlCharts() {
        let html = QualityReportRenderer.html(Self.sample, text: Self.en)
        #expect(html.contains("<rect class=\"good\""))
        #expect(html.contains("<rect class=\"warn\""))
        #expect(html.contains("<title>timeliness: n/a</title>"))
        #expect(html.contains("<title>2025-03-01: 93.1</title>"))
        #expect(html.contains("<title>2025-03-03: 89.6</title>"))
        #expect(Self.occurrences(of: "<circle", in: html) == 3)
        #expect(Self.occurrences(of: "<polyline", in: html) == 1)
        #expect(html.contains("<title>validity.enrolment.date_range: 264</title>"))
        #expect(html.contains("<title>completeness.student.id_present: 50</title>"))
        #expect(Self.occurrences(of: "class=\"inline-bar\"", in: html) == 2)
    }

    @Test("only failing monitors are listed")
    func htmlFailingOnly() {
        let html = QualityReportRenderer.html(Self.sample, text: Self.en)
        #expect(!html.contains("School has a name"))
    }

    // MARK: - Markdown

    @Test("Markdown has the same sections, tables and figures")
    func markdownTables() {
        let md = QualityReportRenderer.markdown(Self.sample, text: Self.en)
        #expect(md.hasPrefix("# Data quality report — 330106\n"))
        #expect(md.contains("**overall score: 89.9**"))
        #expect(md.contains("| dimension | score | checked | failed | monitors |\n| --- | ---: | ---: | ---: | ---: |"))
        #expect(md.contains("| completeness | 97.5 | 4000 | 100 | 2 |"))
        #expect(md.contains("| validity | 82.4 | 1500 | 264 | 1 |"))
        #expect(md.contains("| timeliness | n/a | 0 | 0 | 1 |"))
        #expect(md.contains("| 2025-03-02 | 88.0 | 1900 | 170 |"))
        #expect(md.contains("| school | 3133001234 | 85.3 | 3000 | 300 | validity.enrolment.date_range |"))
        #expect(md.contains("| 3133005678 | 96.0 | 2500 | 64 | — |"))
        #expect(md.contains("| 2025-03-02 | 3133001234 | validity.enrolment.date_range | warning | 150/600 |"))
        #expect(md.contains("1 of 3 monitors passed with no failures."))
        #expect(!md.contains("<svg"))
    }

    @Test("Markdown monitor rows escape pipes and HTML")
    func markdownMonitors() {
        let md = QualityReportRenderer.markdown(Self.sample, text: Self.en)
        let row = "| completeness.student.id_present — Student has an ID number \\<script\\>&\"' | completeness | error "
            + "| student | 2000 | 50 | 2.50% | 3 | p-001, p\\|003 |"
        #expect(md.contains(row))
        #expect(md.contains("| 1500 | 264 | 17.60% | 1 | e-9 |"))
        #expect(Self.unescapedAngleBrackets(in: md) == 0)
    }

    @Test("Markdown sections come in the HTML order")
    func markdownSectionOrder() throws {
        let md = QualityReportRenderer.markdown(Self.sample, text: Self.en)
        let titles = ["Scores per dimension", "Trend per day", "Sub-regions", "Worst schools", "Failing monitors", "Alerts"]
        let positions = try titles.map { try #require(Self.position(of: "## \($0)\n", in: md)) }
        #expect(positions == positions.sorted())
    }

    // MARK: - JSON

    @Test("JSON is pretty, sorted and decodes back to an equal report")
    func jsonRoundTrip() throws {
        let json = try QualityReportRenderer.json(Self.sample)
        #expect(json.contains("\n  \"alerts\" : ["))
        let alerts = try #require(Self.position(of: "\"alerts\"", in: json))
        let worstSchools = try #require(Self.position(of: "\"worstSchools\"", in: json))
        #expect(alerts < worstSchools)
        let decoded = try JSONDecoder().decode(QualityReport.self, from: Data(json.utf8))
        #expect(decoded == Self.sample)
    }

    // MARK: - Edge cases

    @Test("an empty report renders in every format and leaves out the empty lists")
    func emptyReport() throws {
        let html = QualityReportRenderer.html(Self.empty, text: Self.en)
        #expect(html.contains("<span class=\"value\">n/a</span>"))
        #expect(html.contains("No daily results in the period."))
        #expect(html.contains("No monitor had results in the period."))
        for omitted in ["Sub-regions", "Worst schools", "<h2>Alerts</h2>", "<script"] {
            #expect(!html.contains(omitted), "found \(omitted)")
        }
        let md = QualityReportRenderer.markdown(Self.empty, text: Self.en)
        #expect(md.contains("**overall score: n/a**"))
        #expect(md.contains("No dimension has results in the period."))
        #expect(!md.contains("## Alerts"))
        let decoded = try JSONDecoder().decode(QualityReport.self, from: Data(try QualityReportRenderer.json(Self.empty).utf8))
        #expect(decoded == Self.empty)
    }

    @Test("a single day is one point in the middle, without a line")
    func singleDay() {
        var report = Self.sample
        report.days = [Self.sample.days[0]]
        let html = QualityReportRenderer.html(report, text: Self.en)
        #expect(Self.occurrences(of: "<circle", in: html) == 1)
        #expect(Self.occurrences(of: "<polyline", in: html) == 0)
        #expect(html.contains("cx=\"320.0\""))
        #expect(html.contains("<title>2025-03-01: 93.1</title>"))
    }

    @Test("a day without a score breaks the trend line")
    func gapInTrend() {
        let points = ["a": 90.0, "b": 91.0, "c": nil, "d": 92.0, "e": 93.0]
            .sorted { $0.key < $1.key }
            .map { SVGCharts.Point(label: $0.key, value: $0.value) }
        let svg = SVGCharts.trendLine(points, title: "trend")
        #expect(Self.occurrences(of: "<polyline", in: svg) == 2)
        #expect(Self.occurrences(of: "<circle", in: svg) == 4)
    }

    @Test("charts without data draw no marks and divide by nothing")
    func emptyCharts() {
        let trend = SVGCharts.trendLine([], title: "trend")
        #expect(trend.hasPrefix("<svg"))
        #expect(!trend.contains("<circle"))
        #expect(!trend.contains("nan"))
        let bars = SVGCharts.horizontalBars(
            [SVGCharts.Bar(label: "m", value: 0, valueLabel: "0", band: .none)], maximum: 0, title: "bars")
        #expect(!bars.contains("<rect"))
        #expect(!bars.contains("nan"))
    }

    @Test("x-axis labels are evenly spaced and include both ends")
    func labelIndices() {
        #expect(SVGCharts.labelIndices(count: 0, maxLabels: 6) == [])
        #expect(SVGCharts.labelIndices(count: 1, maxLabels: 6) == [0])
        #expect(SVGCharts.labelIndices(count: 4, maxLabels: 6) == [0, 1, 2, 3])
        #expect(SVGCharts.labelIndices(count: 31, maxLabels: 6) == [0, 6, 12, 18, 24, 30])
    }
}
