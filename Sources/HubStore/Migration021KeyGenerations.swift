/// Person-code key generations (README, "Key rotation"): each std partition's state carries
/// the generation of its codes, and each entity row the std partition it belongs to.
///
/// After a rotation an entity's key no longer says its partition (the transform routes by the
/// generation-1 code, which the stored code does not reveal), so `entity_state` keeps the
/// partition; rows written before this migration have none and still follow from `key_hash`.
/// Adding a nullable column rewrites nothing (instant on PostgreSQL 11 and later).
struct KeyGenerationMigration: Migration {
    let version = 21
    let description = "person-code key generations per std partition; entity_state.std_partition"

    func sql(_ s: HubSchema) -> String {
        let n = s.name
        return """
            ALTER TABLE \(n).entity_state ADD COLUMN std_partition int;
            COMMENT ON COLUMN \(n).entity_state.std_partition IS
                'The std.* partition holding the entity (routed by its generation-1 code); NULL in rows written before key '
                'generations, whose partition follows from key_hash.';

            CREATE TABLE \(n).std_key_generations (
                record_type smallint NOT NULL,
                partition int NOT NULL,
                partitions int NOT NULL CHECK (partitions > 0),
                generation int NOT NULL DEFAULT 1 CHECK (generation >= 1),
                rekeyed_at timestamptz,
                rekeyed_entities bigint NOT NULL DEFAULT 0,
                PRIMARY KEY (record_type, partition));
            COMMENT ON TABLE \(n).std_key_generations IS
                'The person-code key generation of the stored state of each std partition; a sink commit holds its row '
                'FOR SHARE, a re-key FOR UPDATE (hubctl keys rekey, or a sink meeting a newer generation).';
            """
    }
}
