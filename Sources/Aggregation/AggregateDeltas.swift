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
public struct AggregateDeltas: Sendable {
    public let definitions: [AggregateDefinition]
    /// Measure deltas per row, in each definition's measure order. Rows whose deltas all
    /// cancel out are dropped by `nonZero`.
    public private(set) var rows: [AggregateRowKey: [Int64]] = [:]

    public init(definitions: [AggregateDefinition]) {
        self.definitions = definitions
    }

    /// Records the replacement of `old` (nil: new entity) by `new` (nil: entity removed).
    /// All or nothing: when a sum would overflow, nothing is recorded and the error is thrown.
    public mutating func replace(_ old: StandardRecord?, with new: StandardRecord?) throws(AggregateOverflow) {
        if let old { try add(old, sign: -1) }
        guard let new else { return }
        do {
            try add(new, sign: 1)
        } catch {
            // Restores the values from before the retraction, so it cannot overflow.
            if let old { try? add(old, sign: 1) }
            throw error
        }
    }

    /// Adds (`sign` 1) or retracts (-1) a record's contribution; all or nothing.
    public mutating func add(_ record: StandardRecord, sign: Int64) throws(AggregateOverflow) {
        var updates: [(AggregateRowKey, [Int64])] = []
        definitions: for def in definitions where def.recordType == record.type {
            guard Self.passes(record, def) else { continue }
            var groups: [Int64] = []
            groups.reserveCapacity(def.groupBy.count)
            for g in def.groupBy {
                guard let v = record.number(g.field) else { continue definitions }
                groups.append(v)
            }
            var measures: [Int64] = []
            measures.reserveCapacity(def.measures.count)
            for m in def.measures {
                switch m.measure {
                case .count: measures.append(sign)
                case .sum(let field):
                    let (v, overflow) = sign.multipliedReportingOverflow(by: record.number(field) ?? 0)
                    guard !overflow else { throw AggregateOverflow(table: def.table) }
                    measures.append(v)
                }
            }
            for (level, region) in Region.path(school: record.schoolCode, county: record.countyCode) where def.levels.contains(level) {
                let key = AggregateRowKey(table: def.table, level: level, region: region, groups: groups)
                guard var existing = rows[key] else {
                    updates.append((key, measures))
                    continue
                }
                for i in existing.indices {
                    let (v, overflow) = existing[i].addingReportingOverflow(measures[i])
                    guard !overflow else { throw AggregateOverflow(table: def.table) }
                    existing[i] = v
                }
                updates.append((key, existing))
            }
        }
        for (key, values) in updates { rows[key] = values }
    }

    /// The rows with a non-zero change, sorted (a fixed lock order for the database).
    public var nonZero: [(key: AggregateRowKey, deltas: [Int64])] {
        rows.filter { $0.value.contains { $0 != 0 } }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    public mutating func removeAll() { rows.removeAll(keepingCapacity: true) }

    static func passes(_ r: StandardRecord, _ def: AggregateDefinition) -> Bool {
        for f in def.filter {
            guard let v = r.number(f.field), f.codes.contains(Int16(truncatingIfNeeded: v)) else { return false }
        }
        return true
    }
}
