import Foundation
import HubCore
import Monitoring
import MonitoringReport
import Testing
import Topology
import QualityReport

/// The indicator kinds' registry against the topology's schema, reporting periods, value forms
/// and thresholds, and the report's text files.
@Suite("Monitoring: kinds, periods, values, report text")
struct MonitoringUnitTests {
    @Test("the registry implements exactly the kinds the topology accepts, with the same parameters")
    func registryMatchesTheTopologySchema() {
        #expect(Set(IndicatorKindRegistry.kinds.keys) == Set(ScenarioKinds.names))
        for (name, spec) in ScenarioKinds.specs {
            #expect(IndicatorKindRegistry.parameterNames[name].map(Set.init) == Set(spec.parameters.map(\.name)), "\(name)")
        }
    }

    @Test("months and terms: ids, bounds, the previous period, the period holding a day")
    func periods() throws {
        let sept = try #require(ReportingPeriod(id: "2026-09"))
        #expect(sept.kind == .month && sept.start.description == "2026-09-01" && sept.lastDay.description == "2026-09-30")
        #expect(sept.previous.id == "2026-08")
        #expect(ReportingPeriod(id: "2026-01")?.previous.id == "2025-12")
        #expect(ReportingPeriod(id: "2026-12")?.end.description == "2027-01-01")
        let t1 = try #require(ReportingPeriod(id: "2026-2027-1"))
        #expect(t1.start.description == "2026-09-01" && t1.lastDay.description == "2027-01-31")
        #expect(t1.previous.id == "2025-2026-2")
        let t2 = try #require(ReportingPeriod(id: "2026-2027-2"))
        #expect(t2.start.description == "2027-02-01" && t2.lastDay.description == "2027-08-31" && t2.previous.id == "2026-2027-1")
        for (day, term) in [("2026-09-01", "2026-2027-1"), ("2027-01-31", "2026-2027-1"), ("2027-02-01", "2026-2027-2"),
                            ("2027-08-31", "2026-2027-2"), ("2028-02-29", "2027-2028-2")] {
            #expect(ReportingPeriod.term(containing: try #require(CalendarDate(iso: day))).id == term, "\(day)")
        }
        for bad in ["2026-13", "2026-9", "2026-2028-1", "2026-2027-3", "26-09", "2026-09-01", "", "２０２６-09", "2026-2027-"] {
            #expect(ReportingPeriod(id: bad) == nil, "\(bad)")
        }
    }

    @Test("values follow the form; ratios below the minimum denominator are not judged")
    func valueForms() {
        #expect(ScenarioValueForm.count.value(numerator: 3, denominator: 0, minDenominator: 1) == 3)
        #expect(ScenarioValueForm.ratio.value(numerator: 21, denominator: 5, minDenominator: 1) == 4.2)
        #expect(ScenarioValueForm.percent.value(numerator: 1, denominator: 4, minDenominator: 1) == 25)
        #expect(ScenarioValueForm.perHundred.value(numerator: 98, denominator: 60, minDenominator: 20).map { ($0 * 1e6).rounded() } == 163_333_333)
        #expect(ScenarioValueForm.perHundred.value(numerator: 10, denominator: 19, minDenominator: 20) == nil)
        #expect(ScenarioValueForm.changePercent.value(numerator: 158, denominator: 130, minDenominator: 1).map { ($0 * 1e6).rounded() } == 21_538_462)
        #expect(ScenarioValueForm.percent.value(numerator: 0, denominator: 0, minDenominator: 0) == nil)
    }

    @Test("breaches: above and at_least against the upper bound, below against the lower, outside both")
    func comparisons() {
        let up = ThresholdBounds(lower: nil, upper: 5), low = ThresholdBounds(lower: 90, upper: nil), both = ThresholdBounds(lower: 95, upper: 120)
        #expect(!ThresholdComparison.above.breached(5, up) && ThresholdComparison.above.breached(5.01, up))
        #expect(ThresholdComparison.atLeast.breached(5, up) && !ThresholdComparison.atLeast.breached(4.99, up))
        #expect(ThresholdComparison.below.breached(89.9, low) && !ThresholdComparison.below.breached(90, low))
        #expect(ThresholdComparison.atMost.breached(90, low))
        #expect(ThresholdComparison.outside.breached(94, both) && ThresholdComparison.outside.breached(121, both)
                && !ThresholdComparison.outside.breached(95, both) && !ThresholdComparison.outside.breached(120, both))
    }

    @Test("both languages' text files have the same keys, and the report renders self-contained, escaped, zh-CN first")
    func reportText() throws {
        let zh = try ReportText(.chinese), en = try ReportText(.english)
        #expect(zh.keys == en.keys)
        #expect(ReportLanguage(code: "ZH") == .chinese && ReportLanguage(code: "en-GB") == .english && ReportLanguage(code: "fr") == nil)
        let report = MonitoringReport(
            language: "zh-CN", level: "county", region: "330199", regionName: nil, period: "2026-09", periodKind: "month",
            periodStart: "2026-09-01", periodEnd: "2026-09-30", previousPeriod: "2026-08", asOf: "2026-09-30",
            generatedAt: "2026-10-01T00:00:00Z",
            summary: MonitoringSummary(scenarios: 1, warnings: 1, ok: 0, noData: 0, subRegionsInWarning: 0, schoolsInWarning: 1),
            indicators: [IndicatorReport(
                scenario: "x", title: "<b>大班额</b>", definition: "a & b", unit: "percent", form: "percent", severity: "warning",
                owner: "o", comparison: "above", thresholdLower: nil, thresholdUpper: 5, value: 12.345, numerator: 1, denominator: 8,
                status: "warning", previousValue: 10, previousStatus: "warning", change: 2.345,
                trend: [TrendPoint(period: "2026-08", value: 10, status: "warning"), TrendPoint(period: "2026-09", value: 12.345, status: "warning")],
                subRegions: [RegionResult(level: "school", code: "3301990001", name: "某某学校", county: "330199", countyName: nil, value: 12.345,
                                          unit: "percent", comparison: "above", thresholdLower: nil, thresholdUpper: 5, status: "warning")],
                schoolsInWarning: [])])
        let html = MonitoringReportRenderer.html(report, text: zh)
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("<html lang=\"zh-CN\">") && html.contains("<svg"))
        #expect(!html.contains("<b>大班额") && html.contains("&lt;b&gt;大班额") && html.contains("a &amp; b"))
        #expect(html.contains("330199") && !html.contains("（330199）"), "an unnamed county shows as its code alone")
        #expect(html.contains("某某学校（3301990001）") && html.contains("12.3%") && html.contains("+2.3%") && html.contains("2026年9月"))
        #expect(!html.contains("<script") && !html.contains("http"))
        let english = MonitoringReportRenderer.html(report, text: en)
        #expect(english.contains("<html lang=\"en\">") && english.contains("September 2026") && english.contains("某某学校 (3301990001)"))
        let json = try MonitoringReportRenderer.json(report)
        #expect(try JSONDecoder().decode(MonitoringReport.self, from: Data(json.utf8)) == report)
    }
}
