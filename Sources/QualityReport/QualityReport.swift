/// The content of a quality evaluation report for one region and period, as read from the
/// quality tables. The renderers turn it into HTML, Markdown and JSON with the same figures.
///
/// Scores are 0–100 (README "Quality scores"): a monitor's pass rate is 1 − failed/checked
/// over the region and period; a dimension's score is 100 × the mean pass rate of its
/// monitors that checked something; the overall score is the mean of the dimension scores.
public struct QualityReport: Sendable, Codable, Equatable {
    public var level: String
    public var region: String
    /// Human-readable region, e.g. "county 330106".
    public var regionLabel: String
    /// The region's name from the registry (`regions`, or `schools` for a school), if known.
    public var regionName: PlaceName?
    /// Inclusive period, `YYYY-MM-DD`.
    public var from: String
    public var to: String
    /// ISO 8601 UTC time the report was made.
    public var generatedAt: String
    public var overallScore: Double?
    public var dimensions: [DimensionScore]
    /// One entry per day of the period that has results, in day order.
    public var days: [DayScore]
    /// The sub-regions one level down (cities of the province, counties of a city, schools of
    /// a county), worst first.
    public var subRegions: [RegionScore]
    /// Schools of the region with the lowest overall score, worst first (at most 10).
    public var worstSchools: [RegionScore]
    /// Every monitor with results in the period, most failures first.
    public var monitors: [MonitorResult]
    /// Threshold breaches in the period, latest day first (at most 50).
    public var alerts: [AlertEntry]

    public init(level: String, region: String, regionLabel: String, regionName: PlaceName? = nil, from: String, to: String,
                generatedAt: String, overallScore: Double?, dimensions: [DimensionScore], days: [DayScore], subRegions: [RegionScore],
                worstSchools: [RegionScore], monitors: [MonitorResult], alerts: [AlertEntry]) {
        self.level = level
        self.region = region
        self.regionLabel = regionLabel
        self.regionName = regionName
        self.from = from
        self.to = to
        self.generatedAt = generatedAt
        self.overallScore = overallScore
        self.dimensions = dimensions
        self.days = days
        self.subRegions = subRegions
        self.worstSchools = worstSchools
        self.monitors = monitors
        self.alerts = alerts
    }
}

public struct DimensionScore: Sendable, Codable, Equatable {
    /// completeness, validity, consistency, referential, timeliness, volume.
    public var dimension: String
    /// nil when none of its monitors checked anything.
    public var score: Double?
    public var checked: Int64
    public var failed: Int64
    public var monitors: Int

    public init(dimension: String, score: Double?, checked: Int64, failed: Int64, monitors: Int) {
        self.dimension = dimension
        self.score = score
        self.checked = checked
        self.failed = failed
        self.monitors = monitors
    }
}

public struct DayScore: Sendable, Codable, Equatable {
    public var day: String
    public var overallScore: Double?
    /// dimension → score, for the dimensions with results that day.
    public var dimensions: [String: Double]
    public var checked: Int64
    public var failed: Int64

    public init(day: String, overallScore: Double?, dimensions: [String: Double], checked: Int64, failed: Int64) {
        self.day = day
        self.overallScore = overallScore
        self.dimensions = dimensions
        self.checked = checked
        self.failed = failed
    }
}

public struct RegionScore: Sendable, Codable, Equatable {
    public var level: String
    public var region: String
    /// The region's or school's name from the registry, if known.
    public var name: PlaceName?
    public var overallScore: Double?
    public var checked: Int64
    public var failed: Int64
    /// The monitor with the most failures there, if any failed.
    public var worstMonitor: String?

    public init(level: String, region: String, name: PlaceName? = nil, overallScore: Double?, checked: Int64, failed: Int64,
                worstMonitor: String?) {
        self.level = level
        self.region = region
        self.name = name
        self.overallScore = overallScore
        self.checked = checked
        self.failed = failed
        self.worstMonitor = worstMonitor
    }
}

public struct MonitorResult: Sendable, Codable, Equatable {
    public var monitor: String
    public var dimension: String
    public var severity: String
    public var recordType: String
    public var description: String
    public var checked: Int64
    public var failed: Int64
    /// (school, day) pairs in breach of the monitor's threshold.
    public var breaches: Int
    /// Pseudonymous examples of failed units (person codes, entity keys), at most 5.
    public var examples: [String]

    public init(monitor: String, dimension: String, severity: String, recordType: String, description: String,
                checked: Int64, failed: Int64, breaches: Int, examples: [String]) {
        self.monitor = monitor
        self.dimension = dimension
        self.severity = severity
        self.recordType = recordType
        self.description = description
        self.checked = checked
        self.failed = failed
        self.breaches = breaches
        self.examples = examples
    }

    /// failed / checked, 0 when nothing was checked.
    public var failureRate: Double { checked > 0 ? Double(failed) / Double(checked) : 0 }
}

public struct AlertEntry: Sendable, Codable, Equatable {
    public var monitor: String
    public var severity: String
    public var school: String
    /// The school's name from the registry, if known.
    public var schoolName: String?
    public var day: String
    public var checked: Int64
    public var failed: Int64

    public init(monitor: String, severity: String, school: String, schoolName: String? = nil, day: String, checked: Int64, failed: Int64) {
        self.monitor = monitor
        self.severity = severity
        self.school = school
        self.schoolName = schoolName
        self.day = day
        self.checked = checked
        self.failed = failed
    }
}

extension QualityReport {
    /// The monitors that failed at least one check, in report order (most failures first).
    public var failingMonitors: [MonitorResult] { monitors.filter { $0.failed > 0 } }

    /// How many monitors had no failures in the period.
    public var passedMonitorCount: Int { monitors.count - failingMonitors.count }
}

extension MonitorResult {
    /// The monitor's pass rate as a 0–100 score, nil when nothing was checked.
    public var score: Double? { checked > 0 ? 100 * (1 - failureRate) : nil }
}

/// A place's name in Chinese and English (a school has one name, given in both).
public struct PlaceName: Sendable, Codable, Equatable {
    public var zh: String
    public var en: String

    public init(zh: String, en: String) {
        self.zh = zh
        self.en = en
    }
}
