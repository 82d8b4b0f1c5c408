/// Entity slots (issue 19, `docs/throughput.md`, twelfth pass): every `entity_state` row gets
/// a number, its *slot*, which the sink draws in write order from blocks of a sequence, and
/// the table's only index moves from the key hash to the slot.
///
/// Why: the `key_hash` b-tree took ~40 % of PostgreSQL's CPU in the pipeline (a random insert
/// per row, 2.4–2.7 µs per record). Inserts in slot order land at the index's right edge: on
/// a separate cluster (1M rows, 80,000 new per round) the slot index cost a third of the
/// key-hash one. The sink finds a stored key's row through its own exact map of key hash →
/// slot per partition (`EntitySlots`), loaded on assignment like the key filters it replaces.
///
/// Slots are unique, so the index skips deduplication (a leaf that fills up would otherwise be
/// searched for duplicates before every split). Existing rows are numbered 1…n; the sequence then starts past them (a block is 2^20
/// slots: block b holds b·2^20 … b·2^20 + 2^20 − 1). The maximum keeps b·2^20 within bigint.
struct EntitySlotMigration: Migration {
    let version = 22
    let description = "entity_state.slot (drawn in write order by the sink), indexed in place of key_hash"

    func sql(_ s: HubSchema) -> String {
        let n = s.name
        return """
            CREATE SEQUENCE \(n).entity_slot_blocks AS bigint MINVALUE 1 MAXVALUE 8796093022207;
            COMMENT ON SEQUENCE \(n).entity_slot_blocks IS
                'Blocks of entity_state slots: the sink draws one per batch it writes (2^20 slots each), never reused.';
            ALTER TABLE \(n).entity_state ADD COLUMN slot bigint;
            UPDATE \(n).entity_state SET slot = nextval('\(n).entity_slot_blocks');
            SELECT setval('\(n).entity_slot_blocks', (SELECT (coalesce(max(slot), 0) >> 20) + 1 FROM \(n).entity_state), false);
            ALTER TABLE \(n).entity_state ALTER COLUMN slot SET NOT NULL;
            CREATE INDEX entity_state_slot ON \(n).entity_state (slot) WITH (deduplicate_items = off);
            DROP INDEX \(n).entity_state_key_hash;
            COMMENT ON COLUMN \(n).entity_state.slot IS
                'The row''s number, drawn by hub-sink in write order (a new one for every version); the sink finds '
                'an entity''s row by it through its own key-hash → slot map, so the index grows at its right edge.';
            """
    }
}
