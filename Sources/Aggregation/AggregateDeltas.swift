import HubCore
import Topology

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
    public mutating func replace(_ old: StandardRecord?, with new: StandardRecord?) {
        if let old { add(old, sign: -1) }
        if let new { add(new, sign: 1) }
    }

    public mutating func add(_ record: StandardRecord, sign: Int64) {
        definitions: for def in definitions where def.recordType == record.type {
            guard Self.passes(record, def) else { continue }
            var groups: [Int64] = []
            groups.reserveCapacity(def.groupBy.count)
            for g in def.groupBy {
                guard let v = record.number(g.field) else { continue definitions }
                groups.append(v)
            }
            let measures = def.measures.map { m -> Int64 in
                switch m.measure {
                case .count: return sign
                case .sum(let field): return sign * (record.number(field) ?? 0)
                }
            }
            for (level, region) in Region.path(school: record.schoolCode, county: record.countyCode) where def.levels.contains(level) {
                let key = AggregateRowKey(table: def.table, level: level, region: region, groups: groups)
                if var existing = rows[key] {
                    for i in existing.indices { existing[i] += measures[i] }
                    rows[key] = existing
                } else {
                    rows[key] = measures
                }
            }
        }
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
