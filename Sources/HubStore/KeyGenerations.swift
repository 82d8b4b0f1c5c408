import Foundation
import HubCore
import Postgres

/// One std partition of one record type: where an entity's state lives.
public struct KeySlot: Hashable, Sendable, CustomStringConvertible {
    public var type: RecordType
    public var partition: Int32

    public init(type: RecordType, partition: Int32) {
        self.type = type
        self.partition = partition
    }

    public var description: String { "\(type.rawValue)/\(partition)" }
}

/// The person-code key generation of each std partition's stored state
/// (`std_key_generations`), and the re-key that moves a partition to a newer one (README,
/// "Key rotation").
///
/// Serialisation: a sink commit holds its partitions' rows `FOR SHARE` from right after its
/// offset fence until COMMIT, and checks the generation it loaded (with its offsets and slot
/// maps, in one snapshot) is still the stored one; a re-key holds the row `FOR UPDATE`.
/// So a re-key waits for a running commit of that partition, and the partition's next commit
/// waits for the re-key and is then fenced: the sink rewinds and reloads its slot maps from
/// the re-keyed state. The re-key reads the partition's rows only after taking the lock
/// (READ COMMITTED: each statement sees what committed before it), so nothing a sink wrote is
/// missed, and it bumps the generation in the same transaction, so running it twice, or from
/// two places at once (`hubctl keys rekey` and a sink), re-keys a partition exactly once.
public enum KeyGenerations {
    /// The SQL partition of an `entity_state` row with `$count` partitions: its stored
    /// `std_partition`, or for rows written before key generations its key hash's.
    public static func partitionSQL(count: String) -> String {
        "coalesce(std_partition, (((key_hash >> 32) & 4294967295) % \(count))::int)"
    }

    /// Creates the rows of `type`'s `partitions` partitions at generation 1 where missing (a
    /// sink's start, after the partition count is pinned).
    public static func register(_ db: PGConnection, schema: HubSchema, type: RecordType, partitions: Int32) throws {
        try db.query("""
            INSERT INTO \(schema.name).std_key_generations (record_type, partition, partitions)
            SELECT $1, p, $2 FROM generate_series(0, $2 - 1) p ON CONFLICT DO NOTHING
            """, bind: Int16(type.wireCode), partitions)
    }

    /// The stored generation of each of `slots` (1 for a slot without a row).
    public static func load(_ db: PGConnection, schema: HubSchema, slots: [KeySlot]) throws -> [KeySlot: Int] {
        try read(db, schema: schema, slots: slots, lock: "")
    }

    /// The same, holding the rows `FOR SHARE` until the caller's transaction ends (a sink commit).
    public static func lockShared(_ db: PGConnection, schema: HubSchema, slots: [KeySlot]) throws -> [KeySlot: Int] {
        try read(db, schema: schema, slots: slots, lock: "FOR SHARE")
    }

    /// Inside a sink commit: throws ``FencedError`` unless every slot is still at `expected`.
    public static func fence(_ db: PGConnection, schema: HubSchema, expected: [KeySlot: Int]) throws {
        guard !expected.isEmpty else { return }
        let now = try lockShared(db, schema: schema, slots: Array(expected.keys))
        for (slot, g) in expected where (now[slot] ?? 1) != g { throw FencedError() }
    }

    private static func read(_ db: PGConnection, schema: HubSchema, slots: [KeySlot], lock: String) throws -> [KeySlot: Int] {
        guard !slots.isEmpty else { return [:] }
        let sorted = slots.sorted { ($0.type.wireCode, $0.partition) < ($1.type.wireCode, $1.partition) }
        let r = try db.query("""
            SELECT g.record_type, g.partition, g.generation FROM \(schema.name).std_key_generations g
            JOIN unnest($1::smallint[], $2::int[]) AS s(t, p) ON g.record_type = s.t AND g.partition = s.p
            ORDER BY 1, 2 \(lock.isEmpty ? "" : lock + " OF g")
            """, bind: PGArray.integers(sorted.map { Int16($0.type.wireCode) }), PGArray.integers(sorted.map(\.partition)))
        var out: [KeySlot: Int] = [:]
        for s in slots { out[s] = 1 }
        for row in r.rows {
            let code: Int16 = try row.decode("record_type")
            guard let type = RecordType(wireCode: UInt8(truncatingIfNeeded: code)) else { continue }
            out[KeySlot(type: type, partition: try row.decode("partition"))] = try row.decode("generation")
        }
        return out
    }

    /// Every registered slot with its generation and partition count.
    public static func all(_ db: PGConnection, schema: HubSchema) throws -> [(slot: KeySlot, generation: Int, partitions: Int32)] {
        let r = try db.query("SELECT record_type, partition, partitions, generation FROM \(schema.name).std_key_generations ORDER BY 1, 2")
        return try r.rows.compactMap { row in
            let code: Int16 = try row.decode("record_type")
            guard let type = RecordType(wireCode: UInt8(truncatingIfNeeded: code)) else { return nil }
            return (KeySlot(type: type, partition: try row.decode("partition")), try row.decode("generation"),
                    try row.decode("partitions"))
        }
    }

    /// What a re-key of one partition did.
    public struct RekeyOutcome: Sendable {
        public var slot: KeySlot
        /// The generation found; the partition was left alone when it was already at the target.
        public var from: Int
        public var to: Int
        public var entities: Int
        public var claims: Int
        public var qualityRows: Int
        public var seconds: Double
        public var skipped: Bool { from >= to }
    }

    /// Moves every stored code of `slot` from its generation to `target`, in one transaction:
    /// `entity_state` keys (students, teachers) and held-number pseudonyms (`local_id`), the
    /// `school_claims` log, and the person codes shown as examples in `quality_results`. A
    /// slot already at `target` or beyond is left alone.
    ///
    /// - Throws: ``HubCore/KeyringError`` when `keyring` lacks a key between the two
    ///   generations; `RekeyError` for a slot no sink has registered.
    public static func rekey(_ db: PGConnection, schema: HubSchema, slot: KeySlot, to target: Int,
                             keyring: PersonCodeKeyring) throws -> RekeyOutcome {
        let started = ContinuousClock.now
        let s = schema.name
        let type = Int16(slot.type.wireCode)
        return try db.transaction { db in
            let head = try db.query("""
                SELECT partitions, generation FROM \(s).std_key_generations WHERE record_type = $1 AND partition = $2 FOR UPDATE
                """, bind: type, slot.partition)
            guard let row = head.rows.first else { throw RekeyError("partition \(slot) is not registered (no sink has started for it)") }
            let partitions: Int32 = try row.decode("partitions")
            let from: Int = try row.decode("generation")
            var outcome = RekeyOutcome(slot: slot, from: from, to: target, entities: 0, claims: 0, qualityRows: 0, seconds: 0)
            guard from < target else { return outcome }
            guard keyring.canChain(from: from, to: target) else {
                throw KeyringError("re-keying \(slot) from generation \(from) to \(target) needs the keys of generations "
                                   + "\(from + 1)…\(target) (HUB_PERSON_CODE_KEY_FILES)")
            }
            outcome.entities = try moveEntities(db, schema: schema, slot: slot, partitions: partitions, from: from, to: target,
                                                keyring: keyring)
            if slot.type.hasPersonCode { (outcome.claims, outcome.qualityRows) = try moveReferences(db, schema: schema, type: type) }
            try db.query("""
                UPDATE \(s).std_key_generations SET generation = $3, rekeyed_at = now(), rekeyed_entities = $4
                WHERE record_type = $1 AND partition = $2
                """, bind: type, slot.partition, target, outcome.entities)
            outcome.seconds = (ContinuousClock.now - started) / .seconds(1)
            return outcome
        }
    }

    /// Rewrites the slot's `entity_state` rows (keys of students and teachers, held-number
    /// pseudonyms of all) and leaves the old → new map in the temporary table `rekey_map`.
    private static func moveEntities(_ db: PGConnection, schema: HubSchema, slot: KeySlot, partitions: Int32, from: Int, to target: Int,
                                     keyring: PersonCodeKeyring) throws -> Int {
        let s = schema.name
        let type = Int16(slot.type.wireCode)
        let rows = try db.queryBinary("""
            SELECT entity_key, local_id FROM \(s).entity_state
            WHERE record_type = $1 AND \(partitionSQL(count: "$3")) = $2
            """, bind: type, slot.partition, Int64(partitions))
        let keyColumn = try rows.column("entity_key")
        let localColumn = try rows.column("local_id")
        try db.execute("""
            CREATE TEMP TABLE IF NOT EXISTS rekey_map (old_key bytea, old_hash bigint, new_key bytea, new_hash bigint,
                                                       new_local bytea) ON COMMIT DROP
            """)
        try db.copyInBinary("COPY rekey_map FROM STDIN WITH (FORMAT binary)") { w in
            for i in 0..<rows.rowCount {
                guard let bytes = rows.bytes(i, keyColumn), let old = Digest32(bytes: bytes) else {
                    throw RekeyError("entity_state holds a key that is not 32 bytes (\(slot))")
                }
                let new = slot.type.hasPersonCode ? try keyring.chain(old, from: from, to: target) : old
                let local = try rows.bytes(i, localColumn).flatMap { Digest32(bytes: $0) }
                    .map { try keyring.chain($0, from: from, to: target) }
                w.beginRow(fields: 5)
                w.bytes(old.bytes)
                w.int64(old.prefix64)
                w.bytes(new.bytes)
                w.int64(new.prefix64)
                if let local { w.bytes(local.bytes) } else { w.null() }
            }
        }
        let moved = try db.query("""
            UPDATE \(s).entity_state e SET entity_key = m.new_key, key_hash = m.new_hash, local_id = m.new_local, std_partition = $2
            FROM rekey_map m WHERE e.record_type = $1 AND e.key_hash = m.old_hash AND e.entity_key = m.old_key
            """, bind: type, slot.partition).affectedRows
        guard moved == rows.rowCount else {
            throw RekeyError("re-keying \(slot): \(rows.rowCount) entities read but \(moved) rewritten")
        }
        return moved
    }

    /// Rewrites the person codes `rekey_map` moved where they appear outside the state: the
    /// claims log, and the examples of quality results (hex codes, or source positions, which
    /// match no code). Returns the rows changed in each.
    private static func moveReferences(_ db: PGConnection, schema: HubSchema, type: Int16) throws -> (claims: Int, quality: Int) {
        let s = schema.name
        let claims = try db.query("""
            UPDATE \(s).school_claims c SET entity_key = m.new_key
            FROM rekey_map m WHERE c.record_type = $1 AND c.entity_key = m.old_key
            """, bind: type).affectedRows
        let quality = try db.query("""
            UPDATE \(s).quality_results q SET examples = x.examples
            FROM (SELECT q2.monitor, q2.school_code, q2.day,
                         array_agg(coalesce(encode(m.new_key, 'hex'), e.x) ORDER BY e.i) AS examples,
                         bool_or(m.new_key IS NOT NULL) AS hit
                  FROM \(s).quality_results q2
                  CROSS JOIN LATERAL unnest(q2.examples) WITH ORDINALITY AS e(x, i)
                  LEFT JOIN rekey_map m ON m.old_key = CASE WHEN e.x ~ '^[0-9a-f]{64}$' THEN decode(e.x, 'hex') END
                  WHERE cardinality(q2.examples) > 0
                  GROUP BY 1, 2, 3) x
            WHERE x.hit AND q.monitor = x.monitor AND q.school_code = x.school_code AND q.day = x.day
            """).affectedRows
        return (claims, quality)
    }
}

/// A re-key that cannot be done.
public struct RekeyError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
