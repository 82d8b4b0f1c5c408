import HubCore
import HubStore
import Postgres

/// Where the stored entities of this instance's partitions are: per (record type, std
/// partition), each key's hash → the slot of its `entity_state` row. Slots are numbered by
/// the sink from blocks of the `entity_slot_blocks` sequence, so rows are indexed in the order
/// they are written (inserts at the right edge of the `slot` b-tree) and no index on keys is
/// needed at all (`docs/throughput.md`, twelfth pass).
///
/// The map is exact in one direction, which is all exactness needs: **every (hash, slot) pair
/// stored in the partition's committed state is in it.** It is loaded on assignment in the
/// snapshot of the stored offsets, and afterwards
/// - a pair is added as soon as a commit writes its row (before COMMIT: if the commit fails,
///   the pair names a slot that never existed, which a probe finds absent);
/// - a pair is removed only once it is known to be gone from the committed state: the
///   replaced version's slot after the commit that deleted it, or a slot the first probe of a
///   committed transaction did not find. Slots are never reused (the sequence is not
///   transactional), so a slot once absent stays absent.
///
/// A key with no pair is new and needs no read; that is the Bloom filter's role of earlier
/// passes, now without false positives. A partition without a loaded table (the record's
/// partition unknown) is probed by key hash, which scans the table: correct, only slow.
public final class EntitySlots: @unchecked Sendable {
    struct Part: Hashable, Sendable {
        var type: RecordType
        var partition: Int32
    }

    /// A pair known to be gone once the commit that found it succeeds.
    struct Retired: Sendable {
        var part: Part
        var hash: UInt64
        var slot: Int64
    }

    private var tables: [Part: SlotTable] = [:]

    public init() {}

    /// Calls `body` with every slot that may hold `key` of `type` in `partition`; false when
    /// the partition is not loaded (nothing is known about it).
    func slots(_ type: RecordType, partition: Int32, _ key: Digest32, _ body: (Int64) -> Void) -> Bool {
        guard let table = tables[Part(type: type, partition: partition)] else { return false }
        table.forEachSlot(key.w0, body)
        return true
    }

    /// Whether `key` of `type` may be stored in `partition` (true when not loaded).
    public func mightContain(_ type: RecordType, partition: Int32, _ key: Digest32) -> Bool {
        tables[Part(type: type, partition: partition)]?.contains(key.w0) ?? true
    }

    /// Notes the slot of a row written for `partition` (before COMMIT is fine: see above);
    /// nothing when the partition is not loaded.
    func insert(_ type: RecordType, partition: Int32, _ key: Digest32, slot: Int64) {
        tables[Part(type: type, partition: partition)]?.insert(key.w0, slot)
    }

    /// Forgets pairs a committed transaction proved gone.
    func retire(_ retired: [Retired]) {
        for r in retired { tables[r.part]?.remove(r.hash, r.slot) }
    }

    /// Forgets the tables of partitions no longer owned.
    public func remove(partitions: [(type: RecordType, partition: Int32)]) {
        for p in partitions { tables[Part(type: p.type, partition: p.partition)] = nil }
    }

    /// Pairs held and bytes used, for metrics and logs.
    public var summary: (keys: Int, bytes: Int) {
        tables.values.reduce((0, 0)) { ($0.0 + $1.count, $0.1 + $1.byteCount) }
    }

    /// Rows read per round trip while loading: bounds the result held at once (~70 bytes a
    /// row in libpq) however large the partition.
    static let loadChunk = 65_536

    /// Rebuilds the tables of `partitions` from the stored state, inside the caller's
    /// transaction; `partitionCounts` is each type's pinned partition count. Run it in the
    /// same snapshot as loading the stored offsets, or after: a table must hold every row
    /// stored up to the offsets the consumer resumes from.
    public func load(_ db: PGConnection, schema: HubSchema, partitions: [(type: RecordType, partition: Int32)],
                     partitionCounts: [RecordType: Int32]) throws {
        let byType = Dictionary(grouping: partitions, by: \.type)
        for (type, parts) in byType.sorted(by: { $0.key.wireCode < $1.key.wireCode }) {
            guard let count = partitionCounts[type] else { continue }
            let wanted = Array(Set(parts.map(\.partition))).sorted()
            // Tables grow as the rows come (a doubling moves each entry once more, far cheaper
            // than a second scan of the table to count them first).
            var fresh: [Int32: SlotTable] = [:]
            for p in wanted { fresh[p] = SlotTable(expected: 1024) }
            // After a key rotation a key no longer says its partition: rows keep it (std_partition).
            let partition = KeyGenerations.partitionSQL(count: "\(count)")
            try db.execute("""
                DECLARE entity_slots_load NO SCROLL CURSOR FOR
                SELECT \(partition)::bigint AS partition, slot, entity_key FROM \(schema.name).entity_state
                WHERE record_type = \(type.wireCode) AND \(partition) = ANY('\(PGArrayLiteral.integers(wanted))'::int[])
                """)
            while true {
                let r = try db.queryBinary("FETCH \(Self.loadChunk) FROM entity_slots_load")
                let (pc, sc, kc) = (try r.column("partition"), try r.column("slot"), try r.column("entity_key"))
                for i in 0..<r.rowCount {
                    let p = Int32(truncatingIfNeeded: try r.requiredInteger(i, pc))
                    guard let bytes = r.bytes(i, kc), let key = Digest32(bytes: bytes) else {
                        // A table that misses a stored key would let a duplicate in: refuse.
                        throw PGError(message: "entity_state holds a key that is not 32 bytes (record type \(type))")
                    }
                    fresh[p]?.insert(key.w0, try r.requiredInteger(i, sc))
                }
                if r.rowCount < Self.loadChunk { break }
            }
            try db.execute("CLOSE entity_slots_load")
            for (p, t) in fresh { tables[Part(type: type, partition: p)] = t }
        }
    }
}
