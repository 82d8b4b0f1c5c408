/// Current state, sink offsets and the quarantine (raw bytes in the private schema).
struct CurrentStateMigration: Migration {
    let version = 1
    let description = "current state, sink offsets, quarantine"

    func sql(_ s: HubSchema) -> String {
        """
            CREATE TABLE \(s.name).current_state (
                record_type text NOT NULL,
                entity_key text NOT NULL,
                school_code text NOT NULL,
                county_code text NOT NULL,
                updated_at_us bigint NOT NULL,
                src_topic text NOT NULL,
                src_partition int NOT NULL,
                src_offset bigint NOT NULL,
                src_row int NOT NULL,
                gender smallint,
                grade smallint,
                status smallint,
                day date,
                class_name text,
                expected bigint,
                present bigint,
                birth_date date,
                local_id_code text,
                source_time timestamptz,
                stored_at timestamptz NOT NULL DEFAULT clock_timestamp(),
                PRIMARY KEY (record_type, entity_key));
            CREATE INDEX current_state_school ON \(s.name).current_state (record_type, school_code);
            COMMENT ON TABLE \(s.name).current_state IS
                'Current version per entity (person code, or school/day/grade/class for attendance); pseudonymous.';

            CREATE TABLE \(s.name).sink_offsets (
                consumer_group text NOT NULL,
                topic text NOT NULL,
                partition int NOT NULL,
                next_offset bigint NOT NULL,
                updated_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (consumer_group, topic, partition));
            COMMENT ON TABLE \(s.name).sink_offsets IS
                'Next offset to consume per partition, committed in the same transaction as the state it produced.';

            CREATE TABLE \(s.name).quarantine (
                src_topic text NOT NULL,
                src_partition int NOT NULL,
                src_offset bigint NOT NULL,
                src_row int NOT NULL,
                reason text NOT NULL,
                field text,
                detail text,
                record_type text,
                school_code text,
                message_time timestamptz,
                quarantined_at timestamptz NOT NULL DEFAULT now(),
                replayed_at timestamptz,
                resolved_at timestamptz,
                PRIMARY KEY (src_topic, src_partition, src_offset, src_row));
            CREATE INDEX quarantine_reason_school ON \(s.name).quarantine (reason, school_code);
            COMMENT ON TABLE \(s.name).quarantine IS
                'One row per quarantined unit (distinct source position); raw bytes are in the private schema.';

            CREATE TABLE \(s.privateName).quarantine_raw (
                src_topic text NOT NULL,
                src_partition int NOT NULL,
                src_offset bigint NOT NULL,
                src_row int NOT NULL,
                raw bytea,
                record bytea,
                PRIMARY KEY (src_topic, src_partition, src_offset, src_row));

            CREATE TABLE \(s.name).school_regions (
                school_code text PRIMARY KEY,
                county_code text NOT NULL,
                updated_at timestamptz NOT NULL DEFAULT now());
            COMMENT ON TABLE \(s.name).school_regions IS
                'Each school''s county as of its latest standardised record (for per-region access).';

            CREATE VIEW \(s.name).quarantine_counts AS
                SELECT reason, count(*)::bigint AS records FROM \(s.name).quarantine GROUP BY reason;
            """
    }
}
