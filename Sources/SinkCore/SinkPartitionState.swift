import HubCore
import HubStore
import Postgres

/// What the sink keeps per owned partition, loaded together on assignment: the stored
/// offsets (the fence), the slot maps of the std partitions and the key generation of their
/// codes, read in one snapshot so a map always holds every row stored up to the offsets
/// consumption resumes from, under the generation the commits check (``KeyGenerations``).
public final class SinkPartitionState: StoredOffsetStore, @unchecked Sendable {
    let db: PGConnection
    let schema: HubSchema
    public let slots = EntitySlots()
    /// The person-code key generation of each owned std partition's state, as loaded.
    public private(set) var generations: [KeySlot: Int] = [:]
    /// The record type of each std topic, and each type's pinned partition count.
    let stdTopics: [String: RecordType]
    let partitionCounts: [RecordType: Int32]

    public init(db: PGConnection, schema: HubSchema, stdTopics: [String: RecordType], partitionCounts: [RecordType: Int32]) {
        self.db = db
        self.schema = schema
        self.stdTopics = stdTopics
        self.partitionCounts = partitionCounts
    }

    public func loadOffsets(group: String, partitions: [(topic: String, partition: Int32)]) throws -> [String: Int64] {
        try db.transaction { db in
            try db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            let offsets = try StoredOffsets.load(db, schema: schema, group: group, partitions: partitions)
            let std = partitions.compactMap { p in stdTopics[p.topic].map { (type: $0, partition: p.partition) } }
            try slots.load(db, schema: schema, partitions: std, partitionCounts: partitionCounts)
            let loaded = try KeyGenerations.load(db, schema: schema, slots: std.map { KeySlot(type: $0.type, partition: $0.partition) })
            generations.merge(loaded) { $1 }
            return offsets
        }
    }

    public func forget(partitions: [(topic: String, partition: Int32)]) {
        let std = partitions.compactMap { p in stdTopics[p.topic].map { (type: $0, partition: p.partition) } }
        slots.remove(partitions: std)
        for p in std { generations[KeySlot(type: p.type, partition: p.partition)] = nil }
    }

    public func reconnect() throws { try db.reset() }

    /// Pins each std topic's partition count on first start and refuses to run with another:
    /// an entity's versions must always meet in one partition (its slot map lives there).
    /// Registers each partition's key generation (1 where new).
    public static func pin(_ db: PGConnection, schema: HubSchema, counts: [String: Int32], types: [String: RecordType] = [:]) throws {
        try db.transaction { db in
            for (topic, count) in counts.sorted(by: { $0.key < $1.key }) {
                try db.query("INSERT INTO \(schema.name).std_partitions (topic, partitions) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                             bind: topic, count)
                let pinned: Int32 = try db.query("SELECT partitions FROM \(schema.name).std_partitions WHERE topic = $1", bind: topic)
                    .rows.first.map { try $0.decode("partitions") } ?? count
                guard pinned == count else { throw PartitionCountChanged(topic: topic, pinned: pinned, now: count) }
                if let type = types[topic] { try KeyGenerations.register(db, schema: schema, type: type, partitions: count) }
            }
        }
    }

    /// Records each record type's raw source topic, for the readable views of the state.
    public static func recordSourceTopics(_ db: PGConnection, schema: HubSchema, _ topics: [RecordType: String]) throws {
        for (type, topic) in topics {
            try db.query("UPDATE \(schema.name).entity_types SET source_topic = $2 WHERE record_type = $1 AND source_topic IS DISTINCT FROM $2",
                         bind: Int16(type.wireCode), topic)
        }
    }
}

/// A std topic whose partition count differs from the one the state was built with.
public struct PartitionCountChanged: Error, CustomStringConvertible {
    public var topic: String
    public var pinned: Int32
    public var now: Int32
    public var description: String {
        "topic \(topic) has \(now) partitions but the state was built with \(pinned); an entity's versions would land in "
            + "two partitions. Restore \(pinned) partitions, or rebuild the state (see README, \"Repartitioning\")."
    }
}
