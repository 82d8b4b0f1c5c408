/// The content of an operational monitoring report (运行监测报告) for one region and period:
/// every scenario's value against its threshold, its trend and the change from the previous
/// period, and the sub-regions and schools in warning. Read from `scenario_results`; the
/// renderers turn it into a self-contained HTML page and JSON with the same figures.
public struct MonitoringReport: Sendable, Codable, Equatable {
    /// `zh-CN` or `en`: the language of titles, definitions and page text.
    public var language: String
    public var level: String
    public var region: String
    /// The region's (or school's) name; nil when the hub has none (shown as the code alone).
    public var regionName: String?
    public var period: String
    /// `month` or `term`.
    public var periodKind: String
    /// First and last day, `YYYY-MM-DD`.
    public var periodStart: String
    public var periodEnd: String
    public var previousPeriod: String
    /// The as-of day of the evaluation shown (nil when the period was never evaluated).
    public var asOf: String?
    public var generatedAt: String
    public var summary: MonitoringSummary
    /// One per scenario of the topology, in topology order.
    public var indicators: [IndicatorReport]

    public init(language: String, level: String, region: String, regionName: String?, period: String, periodKind: String,
                periodStart: String, periodEnd: String, previousPeriod: String, asOf: String?, generatedAt: String,
                summary: MonitoringSummary, indicators: [IndicatorReport]) {
        self.language = language
        self.level = level
        self.region = region
        self.regionName = regionName
        self.period = period
        self.periodKind = periodKind
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.previousPeriod = previousPeriod
        self.asOf = asOf
        self.generatedAt = generatedAt
        self.summary = summary
        self.indicators = indicators
    }
}

/// Counts over the whole report.
public struct MonitoringSummary: Sendable, Codable, Equatable {
    public var scenarios: Int
    /// Scenarios whose value for the region is in warning, ok, or not judged.
    public var warnings: Int
    public var ok: Int
    public var noData: Int
    /// Distinct sub-regions (one level down) in warning in at least one scenario.
    public var subRegionsInWarning: Int
    /// Distinct schools of the region in warning in at least one scenario.
    public var schoolsInWarning: Int

    public init(scenarios: Int, warnings: Int, ok: Int, noData: Int, subRegionsInWarning: Int, schoolsInWarning: Int) {
        self.scenarios = scenarios
        self.warnings = warnings
        self.ok = ok
        self.noData = noData
        self.subRegionsInWarning = subRegionsInWarning
        self.schoolsInWarning = schoolsInWarning
    }
}

/// One scenario in the report.
public struct IndicatorReport: Sendable, Codable, Equatable {
    public var scenario: String
    public var title: String
    public var definition: String
    /// A key of the report's unit texts: percent, ratio, per_hundred, pupils, schools, days, …
    public var unit: String
    /// count, ratio, percent, per_hundred or change_percent: how the value follows from
    /// numerator and denominator.
    public var form: String
    public var severity: String
    public var owner: String
    /// above, at_least, below, at_most or outside.
    public var comparison: String
    public var thresholdLower: Double?
    public var thresholdUpper: Double?
    public var value: Double?
    public var numerator: Double?
    public var denominator: Double?
    /// ok, warning, no_data, or not_evaluated when the period has no result.
    public var status: String
    public var previousValue: Double?
    public var previousStatus: String?
    /// value − previous value, when both exist.
    public var change: Double?
    /// The region's value in up to six periods of the same kind, oldest first, ending with this one.
    public var trend: [TrendPoint]
    /// The regions one level down (cities, counties or schools), warnings first.
    public var subRegions: [RegionResult]
    /// Every school of the region in warning.
    public var schoolsInWarning: [RegionResult]

    public init(scenario: String, title: String, definition: String, unit: String, form: String, severity: String, owner: String,
                comparison: String, thresholdLower: Double?, thresholdUpper: Double?, value: Double?, numerator: Double?,
                denominator: Double?, status: String, previousValue: Double?, previousStatus: String?, change: Double?,
                trend: [TrendPoint], subRegions: [RegionResult], schoolsInWarning: [RegionResult]) {
        self.scenario = scenario
        self.title = title
        self.definition = definition
        self.unit = unit
        self.form = form
        self.severity = severity
        self.owner = owner
        self.comparison = comparison
        self.thresholdLower = thresholdLower
        self.thresholdUpper = thresholdUpper
        self.value = value
        self.numerator = numerator
        self.denominator = denominator
        self.status = status
        self.previousValue = previousValue
        self.previousStatus = previousStatus
        self.change = change
        self.trend = trend
        self.subRegions = subRegions
        self.schoolsInWarning = schoolsInWarning
    }
}

/// A region's or school's result for one scenario.
public struct RegionResult: Sendable, Codable, Equatable {
    public var level: String
    public var code: String
    public var name: String?
    /// For schools: their county, and its name.
    public var county: String?
    public var countyName: String?
    public var value: Double?
    /// The unit of the value at this level (a region of a `schools_in_warning` scenario counts schools).
    public var unit: String
    public var comparison: String
    public var thresholdLower: Double?
    public var thresholdUpper: Double?
    public var status: String

    public init(level: String, code: String, name: String?, county: String?, countyName: String?, value: Double?, unit: String,
                comparison: String, thresholdLower: Double?, thresholdUpper: Double?, status: String) {
        self.level = level
        self.code = code
        self.name = name
        self.county = county
        self.countyName = countyName
        self.value = value
        self.unit = unit
        self.comparison = comparison
        self.thresholdLower = thresholdLower
        self.thresholdUpper = thresholdUpper
        self.status = status
    }
}

/// One period's value in a trend.
public struct TrendPoint: Sendable, Codable, Equatable {
    public var period: String
    public var value: Double?
    public var status: String

    public init(period: String, value: Double?, status: String) {
        self.period = period
        self.value = value
        self.status = status
    }
}
