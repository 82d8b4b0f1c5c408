import Postgres

/// Another consumer has advanced a partition's stored offset: this instance no longer owns
/// it and must not apply the batch (a zombie after a rebalance).
public struct FencedError: Error, CustomStringConvertible, Sendable {
    public init() {}
    public var description: String { "stored offsets moved on: another instance owns these partitions" }
}

/// A consumed partition's move from the stored next offset (`expected`, the fence) to `next`.
public struct OffsetAdvance: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    public var expected: Int64
    public var next: Int64

    public init(topic: String, partition: Int32, expected: Int64, next: Int64) {
        self.topic = topic
        self.partition = partition
        self.expected = expected
        self.next = next
    }
}

/// Consumed Kafka offsets kept in PostgreSQL (`sink_offsets`) beside the results they
/// produced, for every consumer whose output is a database transaction (the sink, the
/// archive): loaded on assignment, and advanced by compare-and-set inside the transaction
/// that stores the results, so a batch is applied once and a zombie is refused.
public enum StoredOffsets {
    /// The stored next offsets of `partitions` for `group`, keyed `topic#partition`; rows
    /// are created at 0 for partitions seen for the first time.
    public static func load(_ db: PGConnection, schema: HubSchema, group: String,
                            partitions: [(topic: String, partition: Int32)]) throws -> [String: Int64] {
        guard !partitions.isEmpty else { return [:] }
        let topics = PGArray.text(partitions.map(\.topic))
        let numbers = PGArray.integers(partitions.map(\.partition))
        try db.query("""
            INSERT INTO \(schema.name).sink_offsets (consumer_group, topic, partition, next_offset)
            SELECT $1, t, p, 0 FROM unnest($2::text[], $3::int[]) AS x(t, p) ORDER BY 2, 3 ON CONFLICT DO NOTHING
            """, bind: group, topics, numbers)
        let r = try db.query("""
            SELECT o.topic, o.partition, o.next_offset FROM \(schema.name).sink_offsets o
            JOIN unnest($2::text[], $3::int[]) AS x(t, p) ON o.topic = x.t AND o.partition = x.p
            WHERE o.consumer_group = $1
            """, bind: group, topics, numbers)
        var out: [String: Int64] = [:]
        for row in r.rows {
            let topic: String = try row.decode("topic")
            let partition: Int32 = try row.decode("partition")
            out[key(topic, partition)] = try row.decode("next_offset")
        }
        return out
    }

    /// The key of a partition in ``load(_:schema:group:partitions:)``'s result.
    public static func key(_ topic: String, _ partition: Int32) -> String { "\(topic)#\(partition)" }

    /// Moves every partition from `expected` to `next` in one statement, inside the caller's
    /// transaction. Throws ``FencedError`` (and the caller rolls back) when any partition's
    /// stored offset is not `expected` any more. Concurrent owners serialise on the offset
    /// rows: the second waits for the first to commit and then finds its expectation stale.
    public static func advance(_ db: PGConnection, schema: HubSchema, group: String, _ offsets: [OffsetAdvance]) throws {
        guard !offsets.isEmpty else { return }
        let sorted = offsets.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
        let r = try db.query("""
            UPDATE \(schema.name).sink_offsets o SET next_offset = f.next, updated_at = now()
            FROM unnest($2::text[], $3::int[], $4::bigint[], $5::bigint[]) AS f(topic, partition, expected, next)
            WHERE o.consumer_group = $1 AND o.topic = f.topic AND o.partition = f.partition AND o.next_offset = f.expected
            """, bind: group, PGArray.text(sorted.map(\.topic)), PGArray.integers(sorted.map(\.partition)),
                 PGArray.integers(sorted.map(\.expected)), PGArray.integers(sorted.map(\.next)))
        if r.affectedRows != offsets.count { throw FencedError() }
    }
}
