/// Where a unit came from: the raw message's topic, partition and offset, and the line/row
/// within its value (0 for a whole value or a single JSON object).
///
/// Positions order versions with equal *updated at* (SPEC §4) and identify quarantined units,
/// so a redelivered or replayed unit is recognised as the same unit.
public struct SourcePosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var row: Int32

    public init(topic: String, partition: Int32, offset: Int64, row: Int32) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.row = row
    }

    public static func < (a: SourcePosition, b: SourcePosition) -> Bool {
        (a.topic, a.partition, a.offset, a.row) < (b.topic, b.partition, b.offset, b.row)
    }

    public var description: String { "\(topic)/\(partition)@\(offset)#\(row)" }
}
