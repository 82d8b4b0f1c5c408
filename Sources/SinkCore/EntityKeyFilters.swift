import HubCore
import HubStore
import Postgres

/// The key filters of the partitions this sink instance owns, one per (record type,
/// partition). A partition without a loaded filter answers "maybe" for every key, so its
/// records are always probed: safe, only slower.
public final class EntityKeyFilters: @unchecked Sendable {
    struct Slot: Hashable {
        var type: RecordType
        var partition: Int32
    }

    private var filters: [Slot: KeyFilter] = [:]

    public init() {}

    /// False when `key` of `type` was certainly never stored for `partition`.
    public func mightContain(_ type: RecordType, partition: Int32, _ key: Digest32) -> Bool {
        filters[Slot(type: type, partition: partition)]?.mightContain(key) ?? true
    }

    /// Notes a key stored for `partition` (before or after the commit: an extra key only
    /// costs a probe).
    public func insert(_ type: RecordType, partition: Int32, _ key: Digest32) {
        let slot = Slot(type: type, partition: partition)
        guard filters[slot] != nil else { return }
        filters[slot]?.insert(key)
    }

    /// Forgets the filters of partitions no longer owned.
    public func remove(partitions: [(type: RecordType, partition: Int32)]) {
        for p in partitions { filters[Slot(type: p.type, partition: p.partition)] = nil }
    }

    public func removeAll() { filters.removeAll() }

    /// Keys held and bytes used, for metrics and logs.
    public var summary: (keys: Int, bytes: Int) {
        filters.values.reduce((0, 0)) { ($0.0 + $1.count, $0.1 + $1.byteCount) }
    }

    /// Rebuilds the filters of `partitions` from the stored state (one scan), inside the
    /// caller's transaction; `partitionCounts` is each type's pinned partition count. Run it
    /// in the same snapshot as loading the stored offsets, or after: a filter must hold every
    /// key stored up to the offsets the consumer resumes from.
    public func load(_ db: PGConnection, schema: HubSchema, partitions: [(type: RecordType, partition: Int32)],
                     partitionCounts: [RecordType: Int32]) throws {
        let byType = Dictionary(grouping: partitions, by: \.type)
        for (type, slots) in byType {
            guard let count = partitionCounts[type] else { continue }
            let wanted = Set(slots.map(\.partition))
            // After a key rotation a key no longer says its partition: rows keep it (std_partition).
            let partition = KeyGenerations.partitionSQL(count: "$2")
            let r = try db.queryBinary("""
                SELECT \(partition)::bigint AS partition, entity_key FROM \(schema.name).entity_state
                WHERE record_type = $1 AND \(partition) = ANY($3::int[])
                """, bind: Int16(type.wireCode), Int64(count), PGArray.integers(Array(wanted)))
            var fresh: [Int32: KeyFilter] = [:]
            var sizes: [Int32: Int] = [:]
            let pc = try r.column("partition")
            let kc = try r.column("entity_key")
            for i in 0..<r.rowCount { sizes[Int32(truncatingIfNeeded: try r.requiredInteger(i, pc)), default: 0] += 1 }
            for p in wanted { fresh[p] = KeyFilter(expected: 2 * (sizes[p] ?? 0)) }
            for i in 0..<r.rowCount {
                let p = Int32(truncatingIfNeeded: try r.requiredInteger(i, pc))
                guard let bytes = r.bytes(i, kc), let key = Digest32(bytes: bytes) else {
                    // A filter that misses a stored key would let a duplicate in: refuse.
                    throw PGError(message: "entity_state holds a key that is not 32 bytes (record type \(type))")
                }
                fresh[p]?.insert(key)
            }
            for (p, f) in fresh { filters[Slot(type: type, partition: p)] = f }
        }
    }
}
