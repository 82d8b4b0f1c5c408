import Foundation
@testable import QualityReport
import Testing

/// Issue 18: the quality report is written for Chinese education officials — zh-CN by default,
/// English available, region and school names from the registry next to their codes, the page
/// text in resource files; long pseudonyms do not stretch the page; units without a school code
/// are labelled.
@Suite("Quality report languages")
struct QualityReportLanguageTests {
    static let longPseudonym = "7f3a9c0b21d84e6fa5b0c3d2e1f4a6b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e"

    static let report = QualityReport(
        level: "county", region: "330106", regionLabel: "county 330106", regionName: PlaceName(zh: "西湖区", en: "Xihu District"),
        from: "2026-09-01", to: "2026-09-30", generatedAt: "2026-10-01T00:30:00+08:00", overallScore: 91.2,
        dimensions: [
            DimensionScore(dimension: "completeness", score: 99.0, checked: 1000, failed: 10, monitors: 1),
            DimensionScore(dimension: "timeliness", score: 83.4, checked: 1000, failed: 166, monitors: 1),
        ],
        days: [DayScore(day: "2026-09-01", overallScore: 91.2, dimensions: [:], checked: 2000, failed: 176)],
        subRegions: [
            RegionScore(level: "school", region: "3133001234", name: PlaceName(zh: "杭州市学军小学", en: "杭州市学军小学"),
                        overallScore: 88.0, checked: 1200, failed: 150, worstMonitor: "student_arrival_lag"),
            RegionScore(level: "school", region: "", overallScore: 70.0, checked: 10, failed: 3, worstMonitor: nil),
        ],
        worstSchools: [
            RegionScore(level: "school", region: "", overallScore: 70.0, checked: 10, failed: 3, worstMonitor: nil),
            RegionScore(level: "school", region: "(invalid)", overallScore: 75.0, checked: 4, failed: 1, worstMonitor: nil),
            RegionScore(level: "school", region: "3133001234", name: PlaceName(zh: "杭州市学军小学", en: "杭州市学军小学"),
                        overallScore: 88.0, checked: 1200, failed: 150, worstMonitor: "student_arrival_lag"),
        ],
        monitors: [
            MonitorResult(monitor: "student_arrival_lag", dimension: "timeliness", severity: "warning", recordType: "student",
                          description: "", checked: 1000, failed: 166, breaches: 4,
                          examples: [longPseudonym, "p-2", "p-3", "p-4"]),
        ],
        alerts: [AlertEntry(monitor: "student_arrival_lag", severity: "critical", school: "3133001234", schoolName: "杭州市学军小学",
                            day: "2026-09-02", checked: 40, failed: 30)]
    )

    @Test func chineseIsTheDefaultAndNamesStandNextToCodes() throws {
        let zh = try QualityReportText()
        #expect(zh.language == .chinese)
        let html = QualityReportRenderer.html(Self.report, text: zh)
        #expect(html.contains("<html lang=\"zh-CN\">"))
        #expect(html.contains("<title>西湖区（330106）数据质量报告</title>"))
        #expect(html.contains("<h1>西湖区（330106）数据质量报告</h1>"))
        #expect(html.contains("统计期间：2026-09-01 至 2026-09-30"))
        for heading in ["各维度得分", "每日趋势", "下级区域", "得分最低的学校", "未通过的监测规则", "预警"] {
            #expect(html.contains("<h2>\(heading)</h2>"), "missing \(heading)")
        }
        #expect(html.contains("<td>及时性</td>") && html.contains("<td>完整性</td>"))
        #expect(html.contains("杭州市学军小学（3133001234）"))
        #expect(html.contains("<td>（无学校代码）</td>"), "a unit without a school code is labelled")
        #expect(html.contains("<td>（学校代码无效）</td>"))
        #expect(html.contains("<td>严重</td>") && html.contains("<td>警告</td>") && html.contains("<td>学生学籍</td>"))
        #expect(html.contains("1 条监测规则中，0 条全部通过。"))
        // No key leaked untranslated.
        for prefix in ["column.", "section.", "dimension.", "severity.", "level.", "meta.", "report."] {
            #expect(!html.contains(prefix), "untranslated \(prefix)")
        }
        let md = QualityReportRenderer.markdown(Self.report, text: zh)
        #expect(md.hasPrefix("# 西湖区（330106）数据质量报告\n"))
        #expect(md.contains("| 2026-09-02 | 杭州市学军小学（3133001234） | student_arrival_lag | 严重 | 30/40 |"))
    }

    @Test func englishIsAvailable() throws {
        let en = try QualityReportText(.english)
        let html = QualityReportRenderer.html(Self.report, text: en)
        #expect(html.contains("<html lang=\"en\">"))
        #expect(html.contains("<h1>Data quality report — Xihu District (330106)</h1>"))
        #expect(html.contains("<td>(no school code)</td>") && html.contains("<td>timeliness</td>"))
        #expect(QualityReportFiles.baseName(Self.report, language: .english) == "quality-county-330106-2026-09-01-2026-09-30.en")
        #expect(QualityReportFiles.baseName(Self.report) == "quality-county-330106-2026-09-01-2026-09-30")
    }

    @Test func longPseudonymsAreShortenedAndTheirColumnWraps() throws {
        let html = QualityReportRenderer.html(Self.report, text: try QualityReportText())
        #expect(!html.contains(Self.longPseudonym), "a 64-character pseudonym stretches the table")
        #expect(html.contains("<td class=\"examples\">7f3a9c0b21d8…, p-2, p-3 等 4 例</td>"))
        #expect(html.contains("td.examples{") && html.contains("overflow-wrap:anywhere"))
        // The JSON keeps them whole.
        #expect(try QualityReportRenderer.json(Self.report).contains(Self.longPseudonym))
    }

    @Test func bothLanguagesHaveTheSameKeys() throws {
        let zh = try QualityReportText(.chinese), en = try QualityReportText(.english)
        #expect(zh.keys == en.keys)
        #expect(zh.keys.count >= 50)
    }
}
