import FailureIsolation
import HubCore
import Topology

/// A record whose contribution would take an aggregate's change past what 64 bits hold. With
/// the topology's count maximums this needs absurd data; it is refused deterministically
/// (the sink isolates the record) rather than trapping or wrapping around.
public struct AggregateOverflow: ClassifiedFailure, CustomStringConvertible, Sendable {
    public var table: String
    public var failureClass: FailureClass { .deterministic }
    public var description: String { "a change of \(table) would overflow 64-bit integers" }
}

/// Accumulates the changes one batch makes to the published aggregates: when an entity's
/// current version is replaced, the old version's contribution is retracted and the new one's
/// added (the retraction/changelog model of Kafka Streams' KTable aggregations).
///
/// Built for the sink's hot path: each definition is compiled once (fields as small enums, at
/// most three group-by columns and four measures inline), a record touches one dictionary
/// entry per definition at school level, and the roll-up to county, city and province happens
/// once per school when the rows are read. Sums use checked arithmetic: a record whose
/// contribution would overflow is refused whole (``AggregateOverflow``), never trapped on or
/// wrapped around.
public struct AggregateDeltas: Sendable {
    public let definitions: [AggregateDefinition]
    private let compiled: [Compiled]
    private var schools: [SchoolKey: Measures] = [:]
    /// The (school, county) pairs of the batch, numbered: keys hash integers, not codes.
    private var places = BatchNumbering<Place>()

    public init(definitions: [AggregateDefinition]) {
        self.definitions = definitions
        self.compiled = definitions.enumerated().map { Compiled($0.element, index: $0.offset) }
    }

    /// Records the replacement of `old` (nil: new entity) by `new`. All or nothing: when a
    /// sum would overflow, nothing is recorded and the error is thrown.
    public mutating func replace(_ old: StandardRecord?, with new: StandardRecord) throws(AggregateOverflow) {
        try withUnsafePointer(to: new) { new throws(AggregateOverflow) in
            guard let old else { return try replace(nil, with: new) }
            try withUnsafePointer(to: old) { old throws(AggregateOverflow) in try replace(old, with: new) }
        }
    }

    /// ``replace(_:with:)`` for versions that lie in the caller's buffers, read where they are:
    /// a record passed by value from an array into this module was copied first (memcpy and a
    /// retain per string, for every changed entity of a batch).
    public mutating func replace(_ old: UnsafePointer<StandardRecord>?, with new: UnsafePointer<StandardRecord>)
        throws(AggregateOverflow) {
        if let old { try add(old, sign: -1) }
        do {
            try add(new, sign: 1)
        } catch {
            // Restores the values from before the retraction, so it cannot overflow.
            if let old { try? add(old, sign: 1) }
            throw error
        }
    }

    /// Adds (`sign` 1) or retracts (-1) a record's contribution; all or nothing.
    private mutating func add(_ r: UnsafePointer<StandardRecord>, sign: Int64) throws(AggregateOverflow) {
        // Each update goes into its row at once (one lookup); if a later definition's would
        // overflow, the earlier ones are taken back. Most records feed one definition, so the
        // first update waits in a variable and only further ones take an array.
        var first: (SchoolKey, Measures)?
        var more: [(SchoolKey, Measures)] = []
        var place: Int32 = -1
        for def in compiled where def.recordType == r.pointee.type {
            guard def.passes(r), let groups = def.groups(r) else { continue }
            var m = Measures()
            var overflow = false
            for (i, measure) in def.measures.enumerated() {
                switch measure {
                case .count: m[i] = sign
                case .sum(let field):
                    let (p, o) = (field.value(r) ?? 0).multipliedReportingOverflow(by: sign)
                    overflow = overflow || o
                    m[i] = p
                }
            }
            if place < 0 {
                place = Int32(truncatingIfNeeded: places.number(of: Place(school: r.pointee.schoolCode, county: r.pointee.countyCode)).number)
            }
            let key = SchoolKey(definition: UInt8(truncatingIfNeeded: def.index), place: place, groups: groups)
            if !overflow, schools[key, default: Measures()].add(m, count: def.measures.count) {
                if first == nil { first = (key, m) } else { more.append((key, m)) }
                continue
            }
            // Take back this definition's (wrapped) update, if made, and the earlier ones.
            if !overflow { schools[key]?.subtract(m, count: def.measures.count) }
            for (k, taken) in more { schools[k]?.subtract(taken, count: 4) }
            if let (k, taken) = first { schools[k]?.subtract(taken, count: 4) }
            throw AggregateOverflow(table: def.table)
        }
    }

    /// The rows with a non-zero change at every level each definition publishes, sorted (a
    /// fixed lock order for the database).
    public var nonZero: [(key: AggregateRowKey, deltas: [Int64])] {
        // Rolled-up sums cannot overflow where every school-level sum fits: counts are bounded
        // by the topology's maxima (a sum over all schools stays far below Int64.max).
        var rows: [AggregateRowKey: Measures] = [:]
        for (k, m) in schools {
            let def = compiled[Int(k.definition)]
            let place = places.keys[Int(k.place)]
            let groups = Array([k.groups.0, k.groups.1, k.groups.2].prefix(def.groupCount))
            for (level, region) in Region.path(school: place.school, county: place.county) where def.levels.contains(level) {
                let key = AggregateRowKey(table: def.table, level: level, region: region, groups: groups)
                if var existing = rows[key] {
                    _ = existing.add(m, count: def.measures.count)
                    rows[key] = existing
                } else {
                    rows[key] = m
                }
            }
        }
        return rows.compactMap { k, m -> (key: AggregateRowKey, deltas: [Int64])? in
            let n = compiled.first { $0.table == k.table }?.measures.count ?? 0
            let deltas = (0..<n).map { m[$0] }
            return deltas.contains { $0 != 0 } ? (k, deltas) : nil
        }.sorted { $0.key < $1.key }
    }

    public var isEmpty: Bool { schools.isEmpty }

    public mutating func removeAll() {
        schools.removeAll(keepingCapacity: true)
        places.removeAll()
    }

    static func passes(_ r: StandardRecord, _ def: AggregateDefinition) -> Bool {
        withUnsafePointer(to: r) { Compiled(def, index: 0).passes($0) }
    }

    // MARK: compiled definitions

    /// A numeric standard field, resolved once instead of by name per record.
    enum NumberField: Sendable {
        case gender, grade, status, day, birthDay, expected, present, unknown

        init(_ name: String) {
            switch name {
            case "gender": self = .gender
            case "grade": self = .grade
            case "status": self = .status
            case "date": self = .day
            case "birth_date": self = .birthDay
            case "expected": self = .expected
            case "present": self = .present
            default: self = .unknown
            }
        }

        @inline(__always)
        func value(_ r: UnsafePointer<StandardRecord>) -> Int64? {
            switch self {
            case .gender: return r.pointee.gender.map(Int64.init)
            case .grade: return r.pointee.grade.map(Int64.init)
            case .status: return r.pointee.status.map(Int64.init)
            case .day: return r.pointee.day.map(Int64.init)
            case .birthDay: return r.pointee.birthDay.map(Int64.init)
            case .expected: return r.pointee.expected
            case .present: return r.pointee.present
            case .unknown: return nil
            }
        }
    }

    enum CompiledMeasure: Sendable {
        case count
        case sum(NumberField)
    }

    struct Compiled: Sendable {
        let index: Int
        let table: String
        let recordType: RecordType
        let levels: [RegionLevel]
        let filter: [(field: NumberField, codes: [Int16])]
        let groupFields: [NumberField]
        let measures: [CompiledMeasure]
        var groupCount: Int { groupFields.count }

        init(_ d: AggregateDefinition, index: Int) {
            self.index = index
            table = d.table
            recordType = d.recordType
            levels = d.levels
            filter = d.filter.map { (NumberField($0.field), $0.codes) }
            groupFields = d.groupBy.prefix(3).map { NumberField($0.field) }
            measures = d.measures.prefix(4).map { m in
                switch m.measure {
                case .count: return .count
                case .sum(let f): return .sum(NumberField(f))
                }
            }
        }

        @inline(__always)
        func passes(_ r: UnsafePointer<StandardRecord>) -> Bool {
            for f in filter {
                guard let v = f.field.value(r), let code = Int16(exactly: v), f.codes.contains(code) else { return false }
            }
            return true
        }

        /// The group-by values, or nil when one is missing (the record does not count).
        @inline(__always)
        func groups(_ r: UnsafePointer<StandardRecord>) -> (Int64, Int64, Int64)? {
            var g: (Int64, Int64, Int64) = (0, 0, 0)
            for (i, f) in groupFields.enumerated() {
                guard let v = f.value(r) else { return nil }
                switch i {
                case 0: g.0 = v
                case 1: g.1 = v
                default: g.2 = v
                }
            }
            return g
        }
    }

    struct Place: Hashable, Sendable {
        var school: String
        var county: String
    }

    struct SchoolKey: Hashable, Sendable {
        var definition: UInt8
        /// The place's number in `places`.
        var place: Int32
        var groups: (Int64, Int64, Int64)

        static func == (a: SchoolKey, b: SchoolKey) -> Bool {
            a.definition == b.definition && a.place == b.place && a.groups == b.groups
        }

        func hash(into h: inout Hasher) {
            h.combine(definition)
            h.combine(place)
            h.combine(groups.0)
            h.combine(groups.1)
            h.combine(groups.2)
        }
    }

    /// Up to four measure deltas, inline.
    struct Measures: Sendable {
        var v: (Int64, Int64, Int64, Int64) = (0, 0, 0, 0)

        subscript(i: Int) -> Int64 {
            get {
                switch i {
                case 0: return v.0
                case 1: return v.1
                case 2: return v.2
                default: return v.3
                }
            }
            set {
                switch i {
                case 0: v.0 = newValue
                case 1: v.1 = newValue
                case 2: v.2 = newValue
                default: v.3 = newValue
                }
            }
        }

        /// Takes back what ``add(_:count:)`` added, wrapped or not: the exact values before it.
        mutating func subtract(_ other: Measures, count: Int) {
            for i in 0..<min(count, 4) { self[i] = self[i] &- other[i] }
        }

        /// Adds `other`'s first `count` measures (wrapping around on overflow); false on overflow.
        mutating func add(_ other: Measures, count: Int) -> Bool {
            var ok = true
            for i in 0..<min(count, 4) {
                let (s, o) = self[i].addingReportingOverflow(other[i])
                if o { ok = false }
                self[i] = s
            }
            return ok
        }
    }
}
