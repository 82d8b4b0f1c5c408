/// The score formula (README "Quality scores"), in one place.
///
/// - A monitor's pass rate over a set of (school, day) results is 1 − Σfailed / Σchecked; a
///   monitor that checked nothing has no pass rate.
/// - A dimension's score is 100 × the mean pass rate of its monitors that have one.
/// - The overall score is the mean of the dimension scores that exist.
public enum QualityScoring {
    public struct MonitorTotals: Sendable {
        public var dimension: String
        public var checked: Int64
        public var failed: Int64

        public init(dimension: String, checked: Int64, failed: Int64) {
            self.dimension = dimension
            self.checked = checked
            self.failed = failed
        }
    }

    /// Dimension scores and the overall score of a set of monitors' totals.
    public static func scores(_ monitors: [MonitorTotals]) -> (overall: Double?, dimensions: [String: Double]) {
        var rates: [String: [Double]] = [:]
        for m in monitors where m.checked > 0 {
            rates[m.dimension, default: []].append(1 - Double(m.failed) / Double(m.checked))
        }
        var dimensions: [String: Double] = [:]
        for (d, r) in rates { dimensions[d] = 100 * r.reduce(0, +) / Double(r.count) }
        let overall = dimensions.isEmpty ? nil : dimensions.values.reduce(0, +) / Double(dimensions.count)
        return (overall, dimensions)
    }
}
