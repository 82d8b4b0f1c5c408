import HubCore
import Topology

/// The stream's per-record quality monitors (``RecordRule``s), bound to one dialect's field
/// order. Evaluated in Transform, where the raw values still exist; only the result (two bit
/// masks) leaves it. Bit i is the stream's i-th monitor; each message of the standard zone
/// names its monitors in that order, and the sink moves the bits to the monitors' stable bits.
struct RecordMonitors: Sendable {
    private let checks: [(bit: UInt64, check: any RecordCheck)]

    init(stream: StreamDefinition, fieldNames: [String]) {
        var checks: [(bit: UInt64, check: any RecordCheck)] = []
        for (i, m) in stream.monitors.enumerated() where i < 64 {
            guard let rule = m.rule as? any RecordRule else { continue }
            checks.append((UInt64(1) << UInt64(i), rule.bind(fieldNames: fieldNames)))
        }
        self.checks = checks
    }

    var isEmpty: Bool { checks.isEmpty }

    /// The record's quality masks: the monitors that checked it, and those that failed.
    func evaluate(_ view: MonitorRecordView) -> (checked: UInt64, failed: UInt64) {
        var checked: UInt64 = 0
        var failed: UInt64 = 0
        for (bit, check) in checks {
            guard let ok = check.evaluate(view) else { continue }
            checked |= bit
            if !ok { failed |= bit }
        }
        return (checked, failed)
    }
}
