import HubCore

/// A data-quality monitor declared by data stewards under a stream's `monitors:`.
///
/// Every monitor produces, per (monitor, school, day), a number of units checked and a
/// number that failed. What it checks and where that runs is its rule's (``MonitorRule``, one
/// file per kind in `Monitors/Rules/`):
/// - per-record rules run in Transform, which still sees the raw values, and travel with the
///   standard record as two bit masks, named by the monitors' names in each message; the sink
///   moves them to each monitor's stable bit and counts them against the current state (a
///   newer version retracts the older one's result), so redelivery never changes a count;
/// - `quarantine` counts the stream's quarantined units (exactly once per source position);
/// - uniqueness rules compare persons with each other across the whole current state; they
///   run in bulk in `hubctl quality evaluate` (the scheduler's `quality_report` task), over
///   the state and the sink's log of reports by other schools;
/// - `daily_report` and `baseline` look at whole days and run there too.
public struct MonitorDefinition: Sendable {
    public enum Severity: String, Sendable, CaseIterable { case info, warning, critical }

    /// The quality dimension a monitor scores (README "Quality scores").
    public enum Dimension: String, Sendable, CaseIterable, Comparable {
        case completeness, validity, consistency, referential, timeliness, volume
        public static func < (a: Dimension, b: Dimension) -> Bool {
            (allCases.firstIndex(of: a) ?? 0) < (allCases.firstIndex(of: b) ?? 0)
        }
    }

    /// Where the monitor's rule is evaluated.
    public enum Stage: Sendable { case transform, sinkQuarantine, uniquenessEvaluation, dayEvaluation }

    /// The monitor's id: unique across the topology, the key of its results and alerts.
    public var name: String
    public var description: String
    public var dimension: Dimension
    public var severity: Severity
    /// A (school, day) breaches when failed > 0, failed ≥ `minFailed` and failed / checked > `threshold`.
    public var threshold: Double
    public var minFailed: Int
    public var recordType: RecordType
    public var rule: any MonitorRule
    public var line: Int

    public init(name: String, description: String, dimension: Dimension, severity: Severity, threshold: Double, minFailed: Int,
                recordType: RecordType, rule: any MonitorRule, line: Int) {
        self.name = name
        self.description = description
        self.dimension = dimension
        self.severity = severity
        self.threshold = threshold
        self.minFailed = minFailed
        self.recordType = recordType
        self.rule = rule
        self.line = line
    }

    public var stage: Stage { type(of: rule).stage }

    /// The rule's name as written in the topology.
    public var ruleName: String { type(of: rule).name }

    public func breaches(checked: Int64, failed: Int64) -> Bool {
        guard failed > 0, failed >= Int64(minFailed), checked > 0 else { return false }
        return Double(failed) / Double(checked) > threshold
    }
}

extension Topology {
    /// Every monitor of every stream, in file order.
    public var monitors: [MonitorDefinition] { streams.flatMap(\.monitors) }

    public func monitor(_ name: String) -> MonitorDefinition? { monitors.first { $0.name == name } }
}
