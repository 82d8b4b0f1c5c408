/// Access grants, the audit log, the raw zone, the data catalog and the standard-zone view.
///
/// Grants, row-level security policies and the catalog's contents depend on the topology's
/// aggregate tables, which exist only after the numbered migrations; they are (re)applied by
/// ``AccessControl/applyPolicies(_:schema:topology:)`` at the end of every migration run.
struct AccessMigration: Migration {
    let version = 2
    let description = "access grants, audit log, raw zone, data catalog"

    func sql(_ s: HubSchema) -> String {
        """
            CREATE TABLE \(s.name).access_grants (
                role_name text PRIMARY KEY,
                level text NOT NULL CHECK (level IN ('province', 'city', 'county', 'school', 'operator')),
                region_code text,
                granted_at timestamptz NOT NULL DEFAULT now(),
                granted_by text NOT NULL DEFAULT current_user);
            COMMENT ON TABLE \(s.name).access_grants IS
                'Login roles made by hubctl access grant, with the level and region whose rows they may read.';

            CREATE TABLE \(s.name).audit_log (
                id bigserial PRIMARY KEY,
                at timestamptz NOT NULL DEFAULT now(),
                actor text NOT NULL,
                db_user text NOT NULL DEFAULT current_user,
                action text NOT NULL,
                details jsonb NOT NULL DEFAULT '{}');
            CREATE INDEX audit_log_at ON \(s.name).audit_log (at);
            COMMENT ON TABLE \(s.name).audit_log IS
                'Administrative actions (grants, revokes, replays, exports, purges, backfills): who, what, when.';

            CREATE TABLE \(s.privateName).raw_zone (
                src_topic text NOT NULL,
                src_partition int NOT NULL,
                src_offset bigint NOT NULL,
                message_key text,
                school_code text,
                county_code text,
                received_at timestamptz NOT NULL DEFAULT now(),
                message_time timestamptz,
                bytes bytea,
                original_size int,
                headers jsonb NOT NULL DEFAULT '[]',
                PRIMARY KEY (src_topic, src_partition, src_offset));
            CREATE INDEX raw_zone_school ON \(s.privateName).raw_zone (school_code);
            CREATE INDEX raw_zone_county ON \(s.privateName).raw_zone (county_code);
            CREATE INDEX raw_zone_received ON \(s.privateName).raw_zone (received_at);
            COMMENT ON TABLE \(s.privateName).raw_zone IS
                'Own zone: every raw message as received (value zstd-compressed), keyed by position; operators only.';

            CREATE TABLE \(s.name).catalog_datasets (
                dataset text PRIMARY KEY,
                kind text NOT NULL,
                zone text NOT NULL,
                classification text NOT NULL CHECK (classification IN ('public', 'internal', 'sensitive')),
                owner text NOT NULL,
                description text NOT NULL,
                location text NOT NULL,
                stream text,
                upstream text[] NOT NULL DEFAULT '{}',
                lineage text NOT NULL);
            CREATE TABLE \(s.name).catalog_fields (
                dataset text NOT NULL REFERENCES \(s.name).catalog_datasets ON DELETE CASCADE,
                position int NOT NULL,
                field text NOT NULL,
                kind text NOT NULL,
                meaning text NOT NULL,
                classification text NOT NULL,
                code_tables text[] NOT NULL DEFAULT '{}',
                sources text[] NOT NULL DEFAULT '{}',
                PRIMARY KEY (dataset, field));
            COMMENT ON TABLE \(s.name).catalog_datasets IS 'Data catalog, generated from the topology at every migration.';

            CREATE VIEW \(s.name).standard_zone AS
                SELECT cs.*, left(cs.county_code, 4) || '00' AS city_code FROM \(s.name).current_state cs;
            COMMENT ON VIEW \(s.name).standard_zone IS
                'Standard zone: the pseudonymous current state per entity, with its county and city (internal).';
            """
    }
}
