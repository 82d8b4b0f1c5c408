import HubCore
import Topology

/// The stream's per-record quality monitors (``RecordRule``s), bound to one dialect's field
/// order. Evaluated in Transform, where the raw values still exist; only the result (two bit
/// masks) leaves it. Bit i is the stream's i-th monitor; each message of the standard zone
/// names its monitors in that order, and the sink moves the bits to the monitors' stable bits.
struct RecordMonitors: Sendable {
    /// Each check and its bit, in two arrays: iterating (bit, check) pairs copied every
    /// existential out of the array for every record (a fifth of the monitors' time).
    private let checks: [any RecordCheck]
    private let bits: [UInt64]

    init(stream: StreamDefinition, fieldNames: [String]) {
        var checks: [any RecordCheck] = []
        var bits: [UInt64] = []
        for (i, m) in stream.monitors.enumerated() where i < 64 {
            guard let rule = m.rule as? any RecordRule else { continue }
            checks.append(rule.bind(fieldNames: fieldNames))
            bits.append(UInt64(1) << UInt64(i))
        }
        self.checks = checks
        self.bits = bits
    }

    var isEmpty: Bool { checks.isEmpty }

    /// The record's quality masks: the monitors that checked it, and those that failed.
    func evaluate(_ view: MonitorRecordView) -> (checked: UInt64, failed: UInt64) {
        var checked: UInt64 = 0
        var failed: UInt64 = 0
        for (i, bit) in bits.enumerated() {
            guard let ok = checks[i].evaluate(view) else { continue }
            checked |= bit
            if !ok { failed |= bit }
        }
        return (checked, failed)
    }
}
