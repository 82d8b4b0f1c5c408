import HubCore

/// One row of a published aggregate table: the table, the level and region, and the values
/// of its group-by columns (codes, or a day as days since the epoch), in declared order.
public struct AggregateRowKey: Sendable, Hashable, Comparable {
    public var table: String
    public var level: RegionLevel
    public var region: String
    public var groups: [Int64]

    public init(table: String, level: RegionLevel, region: String, groups: [Int64]) {
        self.table = table
        self.level = level
        self.region = region
        self.groups = groups
    }

    public static func < (a: AggregateRowKey, b: AggregateRowKey) -> Bool {
        if a.table != b.table { return a.table < b.table }
        if a.level != b.level { return a.level.rawValue < b.level.rawValue }
        if a.region != b.region { return a.region < b.region }
        return a.groups.lexicographicallyPrecedes(b.groups)
    }
}
