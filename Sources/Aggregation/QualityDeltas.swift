import HubCore
import Topology

/// One row of `quality_results`: a monitor's units on a school's day.
public struct QualityRowKey: Sendable, Hashable, Comparable {
    public var monitor: String
    public var school: String
    /// Days since 1970-01-01.
    public var day: Int32

    public init(monitor: String, school: String, day: Int32) {
        self.monitor = monitor
        self.school = school
        self.day = day
    }

    public static func < (a: QualityRowKey, b: QualityRowKey) -> Bool {
        (a.monitor, a.school, a.day) < (b.monitor, b.school, b.day)
    }
}

/// A school's current records of one type on one day (the volume monitors' input).
public struct ActivityKey: Sendable, Hashable, Comparable {
    public var recordType: RecordType
    public var school: String
    public var day: Int32

    public init(recordType: RecordType, school: String, day: Int32) {
        self.recordType = recordType
        self.school = school
        self.day = day
    }

    public static func < (a: ActivityKey, b: ActivityKey) -> Bool {
        (a.recordType.rawValue, a.school, a.day) < (b.recordType.rawValue, b.school, b.day)
    }
}

/// The changes one sink batch makes to the quality tables. Per-record results follow the
/// current state like the aggregates do: a replaced version's checked/failed units are
/// retracted and the new version's added, so redelivery and late old versions change nothing.
public struct QualityDeltas: Sendable {
    public struct Change: Sendable, Equatable {
        public var checked: Int64 = 0
        public var failed: Int64 = 0
        /// Pseudonymous keys of units that newly failed (at most a few are kept).
        public var examples: [String] = []

        public init(checked: Int64 = 0, failed: Int64 = 0, examples: [String] = []) {
            self.checked = checked
            self.failed = failed
            self.examples = examples
        }
    }

    public struct Activity: Sendable, Equatable {
        public var records: Int64 = 0
        /// Earliest Kafka timestamp (ms) of a record for the day; 0 when none.
        public var firstArrivalMs: Int64 = 0
    }

    /// Per record type, the monitor name of each mask bit.
    private let monitorNames: [RecordType: [String]]
    public private(set) var rows: [QualityRowKey: Change] = [:]
    public private(set) var activity: [ActivityKey: Activity] = [:]
    static let examplesPerRow = 5

    /// Masks whose bit i is the i-th monitor of the record's stream (as Transform sets them).
    public init(topology: Topology) {
        var names: [RecordType: [String]] = [:]
        for s in topology.streams { names[s.recordType] = s.monitors.map(\.name) }
        monitorNames = names
    }

    /// Masks whose bit i is `monitorNames[type][i]` (empty names: unused bits).
    public init(monitorNames: [RecordType: [String]]) {
        self.monitorNames = monitorNames
    }

    /// Records the replacement of `old` (nil: new entity) by `new` in the current state.
    public mutating func replace(_ old: StandardRecord?, with new: StandardRecord?) {
        if let old { add(old, sign: -1) }
        if let new { add(new, sign: 1) }
    }

    private mutating func add(_ r: StandardRecord, sign: Int64) {
        let day = r.qualityDay
        let activityKey = ActivityKey(recordType: r.type, school: r.schoolCode, day: day)
        activity[activityKey, default: Activity()].records += sign
        guard r.qualityChecked != 0, let names = monitorNames[r.type] else { return }
        var bits = r.qualityChecked
        while bits != 0 {
            let i = bits.trailingZeroBitCount
            bits &= bits - 1
            guard i < names.count, !names[i].isEmpty else { continue }
            let failed = r.qualityFailed & (UInt64(1) << UInt64(i)) != 0
            count(QualityRowKey(monitor: names[i], school: r.schoolCode, day: day), checked: sign,
                  failed: failed ? sign : 0, example: failed && sign > 0 ? r.key.hex : nil)
        }
    }

    /// Notes that a record of `type` for `school` on `day` arrived at `arrivalMs` (Kafka time).
    public mutating func arrived(_ type: RecordType, school: String, day: Int32, arrivalMs: Int64) {
        guard let arrivalMs = MessageTime.known(arrivalMs) else { return }
        let k = ActivityKey(recordType: type, school: school, day: day)
        var a = activity[k, default: Activity()]
        a.firstArrivalMs = a.firstArrivalMs == 0 ? arrivalMs : min(a.firstArrivalMs, arrivalMs)
        activity[k] = a
    }

    public mutating func count(_ key: QualityRowKey, checked: Int64, failed: Int64, example: String? = nil) {
        var c = rows[key, default: Change()]
        c.checked += checked
        c.failed += failed
        if let example, c.examples.count < Self.examplesPerRow, !c.examples.contains(example) { c.examples.append(example) }
        rows[key] = c
    }

    /// Rows with a change, sorted (a fixed lock order for the database).
    public var changedRows: [(key: QualityRowKey, change: Change)] {
        rows.filter { $0.value.checked != 0 || $0.value.failed != 0 || !$0.value.examples.isEmpty }
            .sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    public var changedActivity: [(key: ActivityKey, activity: Activity)] {
        activity.filter { $0.value.records != 0 || $0.value.firstArrivalMs != 0 }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}
