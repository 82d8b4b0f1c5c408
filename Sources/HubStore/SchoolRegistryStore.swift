import Foundation
import HubCore
import Postgres
import Topology

/// One `ref.school` message as a registry version: the school it names, what it says (a
/// county, name and stage, or a delete) and where it came from.
public struct SchoolRegistryVersion: Sendable, Hashable {
    public var school: String
    /// nil: the message deletes the school.
    public var county: String?
    public var name: String?
    public var stage: String?
    public var timestampMs: Int64
    public var topic: String
    public var partition: Int32
    public var offset: Int64

    public init(school: String, county: String?, name: String?, stage: String?, timestampMs: Int64,
                topic: String, partition: Int32, offset: Int64) {
        self.school = school
        self.county = county
        self.name = name
        self.stage = stage
        self.timestampMs = timestampMs
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }
}

/// Writes registry versions and region names.
public enum SchoolRegistryStore {
    /// Stores `versions` inside the caller's transaction; a position already stored (a
    /// redelivered message) changes nothing. Returns the rows newly stored.
    @discardableResult
    public static func insert(_ db: PGConnection, schema: HubSchema, _ versions: [SchoolRegistryVersion]) throws -> Int {
        guard !versions.isEmpty else { return 0 }
        // PostgreSQL text cannot hold NUL, which a JSON string may spell as \u0000.
        func text(_ s: String?) -> String { (s ?? "").filter { $0 != "\u{0}" } }
        let r = try db.query("""
            INSERT INTO \(schema.name).school_registry
                (school_code, valid_from, name, county_code, stage, deleted, src_topic, src_partition, src_offset)
            SELECT school, to_timestamp(ms / 1000.0), nullif(name, ''), nullif(county, ''), nullif(stage, ''), county = '',
                   topic, part, pos
            FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::bigint[])
                AS v(school, ms, name, county, stage, topic, part, pos)
            ORDER BY topic, part, pos
            ON CONFLICT (src_topic, src_partition, src_offset) DO NOTHING
            """, [
                PGArrayLiteral.text(versions.map { text($0.school) }),
                // valid_from holds what a timestamptz can: a Kafka time past year 9999 (the
                // transform still orders it as it is) is kept as the last known instant.
                PGArrayLiteral.integers(versions.map { min(max($0.timestampMs, 0), MessageTime.latestKnownMs) }),
                PGArrayLiteral.text(versions.map { text($0.name) }),
                PGArrayLiteral.text(versions.map { text($0.county) }),
                PGArrayLiteral.text(versions.map { text($0.stage) }),
                PGArrayLiteral.text(versions.map { text($0.topic) }),
                PGArrayLiteral.integers(versions.map { Int64($0.partition) }),
                PGArrayLiteral.integers(versions.map(\.offset)),
            ])
        return r.affectedRows
    }

    /// Replaces `regions` with the topology's region names (inside the migration transaction).
    static func syncRegions(_ db: PGConnection, schema: HubSchema, topology: Topology) throws {
        let regions = topology.regions.regions
        try db.execute("DELETE FROM \(schema.name).regions")
        guard !regions.isEmpty else { return }
        try db.query("""
            INSERT INTO \(schema.name).regions (code, level, parent_code, name_zh, name_en)
            SELECT code, level, nullif(parent, ''), zh, en
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS r(code, level, parent, zh, en)
            """, [
                PGArrayLiteral.text(regions.map(\.code)), PGArrayLiteral.text(regions.map(\.level.rawValue)),
                PGArrayLiteral.text(regions.map { $0.parent ?? "" }),
                PGArrayLiteral.text(regions.map(\.zh)), PGArrayLiteral.text(regions.map(\.en)),
            ])
    }
}
