import Foundation

/// A monitoring scenario's breach: one (scenario, level, region, period).
public struct ScenarioAlert: Sendable, Equatable {
    public var scenario: String
    public var severity: String
    public var level: String
    public var region: String
    /// `YYYY-MM` or `YYYY-YYYY-N`.
    public var period: String
    /// The period's first day, `YYYY-MM-DD`.
    public var periodStart: String
    public var value: Double
    /// above, at_least, below, at_most or outside.
    public var comparison: String
    public var thresholdLower: Double?
    public var thresholdUpper: Double?

    public init(scenario: String, severity: String, level: String, region: String, period: String, periodStart: String,
                value: Double, comparison: String, thresholdLower: Double?, thresholdUpper: Double?) {
        self.scenario = scenario
        self.severity = severity
        self.level = level
        self.region = region
        self.period = period
        self.periodStart = periodStart
        self.value = value
        self.comparison = comparison
        self.thresholdLower = thresholdLower
        self.thresholdUpper = thresholdUpper
    }

    /// The alerts topic's message key: one breach, one key.
    public var key: String { "scenario|\(scenario)|\(level)|\(region)|\(period)" }

    /// The alerts topic's JSON value (codes and figures only).
    public var json: [UInt8] {
        struct Payload: Encodable {
            var source = "scenario"
            var scenario: String
            var severity: String
            var level: String
            var region_code: String
            var period: String
            var period_start: String
            var value: Double
            var warn_when: String
            var threshold_lower: Double?
            var threshold_upper: Double?
        }
        return AlertJSON.encode(Payload(scenario: scenario, severity: severity, level: level, region_code: region, period: period,
                                        period_start: periodStart, value: value.isFinite ? value : 0, warn_when: comparison,
                                        threshold_lower: thresholdLower.flatMap { $0.isFinite ? $0 : nil },
                                        threshold_upper: thresholdUpper.flatMap { $0.isFinite ? $0 : nil }))
    }
}

/// Alert values are built by an encoder, never by interpolation: names and codes are escaped.
enum AlertJSON {
    /// Sorted keys; "{}" only if a value cannot be encoded (a non-finite number, which the
    /// callers never pass).
    static func encode(_ value: some Encodable) -> [UInt8] {
        (try? Array(JSONEncoder.sorted.encode(value))) ?? Array("{}".utf8)
    }
}
