@testable import HubStore
import Postgres
import TestSupport
import Testing

/// Migration 22 on a table that already holds rows: every row gets its own slot, the
/// sequence's first block starts past them, and the index moves from the key hash to the slot.
@Suite("Migration 22: entity slots", .serialized)
struct EntitySlotMigrationTests {
    /// A schema `m22` whose `entity_state` is shaped as before migration 22 (the columns it
    /// touches) with `rows` rows, migrated.
    static func migrated(prefix: String, rows: Int) throws -> PGConnection {
        let db = try PGConnection(conninfo: try TestServices.createDatabase(prefix: prefix))
        try db.execute("""
            CREATE SCHEMA m22;
            CREATE TABLE m22.entity_state (record_type smallint NOT NULL, key_hash bigint NOT NULL, entity_key bytea NOT NULL);
            CREATE INDEX entity_state_key_hash ON m22.entity_state (key_hash);
            INSERT INTO m22.entity_state SELECT 1, g, int8send(g) FROM generate_series(1, \(rows)) g;
            """)
        try db.transaction { db in try db.execute(EntitySlotMigration().sql(HubSchema(name: "m22"))) }
        return db
    }

    @Test("rows stored before the migration are numbered 1…n; the first block drawn after lies past them")
    func backfill() throws {
        // 5,000 rows: numbered 1…5000, inside block 0, so block 1 (slots from 2^20) comes next.
        let db = try Self.migrated(prefix: "slot_migration", rows: 5000)
        let r = try db.query("""
            SELECT count(*), count(DISTINCT slot), min(slot), max(slot), count(*) FILTER (WHERE slot IS NULL) FROM m22.entity_state
            """)
        #expect((0..<5).map { r.value(0, $0) } == ["5000", "5000", "1", "5000", "0"])
        #expect(try db.query("SELECT nextval('m22.entity_slot_blocks')").value(0, 0) == "1")
        let indexes = try db.query("SELECT indexdef FROM pg_indexes WHERE schemaname = 'm22' ORDER BY 1")
        #expect((0..<indexes.rowCount).map { indexes.value($0, 0) ?? "" }
                == ["CREATE INDEX entity_state_slot ON m22.entity_state USING btree (slot) WITH (deduplicate_items=off)"])
    }

    @Test("on an empty table the first block is 1 too")
    func empty() throws {
        let db = try Self.migrated(prefix: "slot_migration_empty", rows: 0)
        #expect(try db.query("SELECT nextval('m22.entity_slot_blocks')").value(0, 0) == "1")
    }
}
