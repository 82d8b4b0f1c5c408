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

    /// Per record type, the monitor name of each mask bit, indexed by `RecordType.wireCode`
    /// (no dictionary lookup per record).
    private let namesByCode: [[String]]
    /// Per (record type, school, day): its activity and the per-bit counts of the record
    /// monitors. One dictionary lookup per record instead of two per monitor bit: keyed by
    /// (monitor name, school, day), the student stream's monitors cost the sink ~20
    /// String-keyed lookups per record, 22 % of its commit time in `hubctl bench` (5 % now).
    /// Records come in runs of one school's day, so most find their slot without hashing.
    private var slotKeys = BatchNumbering<ActivityKey>()
    /// By the key's number in `slotKeys`.
    private var slots: [Slot] = []
    /// Rows counted by name (the quarantine monitors).
    private var named: [QualityRowKey: Change] = [:]
    static let examplesPerRow = 5

    /// One school's day of one record type.
    struct Slot: Sendable {
        var activity = Activity()
        /// Bits whose monitor counted something (even if it nets to zero).
        var touched: UInt64 = 0
        var checked: [Int64]
        var failed: [Int64]
        var examples: [[String]]

        init(bits: Int) {
            checked = Array(repeating: 0, count: bits)
            failed = Array(repeating: 0, count: bits)
            examples = Array(repeating: [], count: bits)
        }
    }

    /// The per-record results by row (monitor, school, day), and the quarantine monitors'.
    public var rows: [QualityRowKey: Change] {
        var out = named
        for (k, slot) in zip(slotKeys.keys, slots) where slot.touched != 0 {
            let monitors = names(k.recordType)
            var bits = slot.touched
            while bits != 0 {
                let i = bits.trailingZeroBitCount
                bits &= bits - 1
                guard i < monitors.count, i < slot.checked.count else { continue }
                let key = QualityRowKey(monitor: monitors[i], school: k.school, day: k.day)
                var c = out[key, default: Change()]
                c.checked += slot.checked[i]
                c.failed += slot.failed[i]
                for e in slot.examples[i] where c.examples.count < Self.examplesPerRow && !c.examples.contains(e) { c.examples.append(e) }
                out[key] = c
            }
        }
        return out
    }

    /// Each school's day of records: how many are current, and the first arrival.
    public var activity: [ActivityKey: Activity] {
        Dictionary(zip(slotKeys.keys, slots.map(\.activity)), uniquingKeysWith: { a, _ in a })
    }

    /// Masks whose bit i is the i-th monitor of the record's stream (as Transform sets them).
    public init(topology: Topology) {
        var names: [RecordType: [String]] = [:]
        for s in topology.streams { names[s.recordType] = s.monitors.map(\.name) }
        self.init(monitorNames: names)
    }

    /// Masks whose bit i is `monitorNames[type][i]` (empty names: unused bits).
    public init(monitorNames: [RecordType: [String]]) {
        var byCode = [[String]](repeating: [], count: 4)
        for (type, names) in monitorNames where Int(type.wireCode) < byCode.count { byCode[Int(type.wireCode)] = names }
        namesByCode = byCode
    }

    private func names(_ type: RecordType) -> [String] {
        let code = Int(type.wireCode)
        return code < namesByCode.count ? namesByCode[code] : []
    }

    /// The index of the slot of `type`, `school` and `day`, created when new.
    private mutating func slot(_ type: RecordType, school: String, day: Int32) -> Int {
        let (i, isNew) = slotKeys.number(of: ActivityKey(recordType: type, school: school, day: day))
        if isNew { slots.append(Slot(bits: names(type).count)) }
        return i
    }

    /// Records the replacement of `old` (nil: new entity) by `new` in the current state.
    public mutating func replace(_ old: StandardRecord?, with new: StandardRecord) {
        withUnsafePointer(to: new) { new in
            guard let old else { return replace(nil, with: new) }
            withUnsafePointer(to: old) { replace($0, with: new) }
        }
    }

    /// ``replace(_:with:)`` for versions that lie in the caller's buffers, read where they are
    /// (passed by value, each was copied first).
    public mutating func replace(_ old: UnsafePointer<StandardRecord>?, with new: UnsafePointer<StandardRecord>) {
        if let old { add(old, sign: -1) }
        add(new, sign: 1)
    }

    private mutating func add(_ r: UnsafePointer<StandardRecord>, sign: Int64) {
        let i = slot(r.pointee.type, school: r.pointee.schoolCode, day: r.pointee.qualityDay)
        slots[i].count(r, sign: sign, names: names(r.pointee.type))
    }

    /// Notes that a record of `type` for `school` on `day` arrived at `arrivalMs` (Kafka time).
    public mutating func arrived(_ type: RecordType, school: String, day: Int32, arrivalMs: Int64) {
        guard let arrivalMs = MessageTime.known(arrivalMs) else { return }
        slots[slot(type, school: school, day: day)].activity.arrived(arrivalMs)
    }

    /// Counts a row by its monitor's name (the quarantine monitors).
    public mutating func count(_ key: QualityRowKey, checked: Int64, failed: Int64, example: String? = nil) {
        var c = named[key, default: Change()]
        c.checked += checked
        c.failed += failed
        if let example, c.examples.count < Self.examplesPerRow, !c.examples.contains(example) { c.examples.append(example) }
        named[key] = c
    }

    /// Rows with a change, sorted (a fixed lock order for the database).
    public var changedRows: [(key: QualityRowKey, change: Change)] {
        rows.filter { $0.value.checked != 0 || $0.value.failed != 0 || !$0.value.examples.isEmpty }
            .sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    public var changedActivity: [(key: ActivityKey, activity: Activity)] {
        zip(slotKeys.keys, slots).compactMap { k, slot in
            slot.activity.records != 0 || slot.activity.firstArrivalMs != 0 ? (k, slot.activity) : nil
        }
            .sorted { $0.key < $1.key }
    }
}

extension QualityDeltas.Activity {
    mutating func arrived(_ ms: Int64) {
        firstArrivalMs = firstArrivalMs == 0 ? ms : min(firstArrivalMs, ms)
    }
}

extension QualityDeltas.Slot {
    /// Adds (`sign` 1) or retracts (-1) one record's activity and monitor results.
    mutating func count(_ r: UnsafePointer<StandardRecord>, sign: Int64, names: [String]) {
        activity.records += sign
        var bits = r.pointee.qualityChecked
        while bits != 0 {
            let i = bits.trailingZeroBitCount
            bits &= bits - 1
            guard i < names.count, i < checked.count, !names[i].isEmpty else { continue }
            let failedHere = r.pointee.qualityFailed & (UInt64(1) << UInt64(i)) != 0
            touched |= UInt64(1) << UInt64(i)
            checked[i] += sign
            if failedHere {
                failed[i] += sign
                if sign > 0, examples[i].count < QualityDeltas.examplesPerRow {
                    let example = r.pointee.key.hex
                    if !examples[i].contains(example) { examples[i].append(example) }
                }
            }
        }
    }
}
