/// School and region names in PostgreSQL.
///
/// `school_registry` keeps every `ref.school` message as one version, keyed by its position
/// (so a redelivered message changes nothing), valid from its Kafka timestamp — the same
/// versions the transform standardises against. hub-archive writes it in the transaction that
/// advances its offsets. The view `schools` is each school's current version (latest
/// timestamp, then partition and offset, as the transform orders them) unless that version
/// deletes it. `regions` holds the names of the province, cities and counties from the
/// topology's `regions:` section, replaced at every migration run.
struct RegistryMigration: Migration {
    let version = 7
    let description = "school registry versions, current schools, region names"

    func sql(_ s: HubSchema) -> String {
        let n = s.name
        return """
            CREATE TABLE \(n).school_registry (
                school_code text NOT NULL,
                valid_from timestamptz NOT NULL,
                name text,
                county_code text,
                stage text,
                deleted boolean NOT NULL,
                src_topic text NOT NULL,
                src_partition int NOT NULL,
                src_offset bigint NOT NULL,
                recorded_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (src_topic, src_partition, src_offset),
                CHECK (deleted OR county_code IS NOT NULL));
            CREATE INDEX school_registry_school ON \(n).school_registry (school_code, valid_from);
            COMMENT ON TABLE \(n).school_registry IS
                'Every ref.school message as a version of its school, valid from its Kafka timestamp (written by hub-archive, exactly once).';

            CREATE VIEW \(n).schools AS
                SELECT school_code, name, county_code, left(county_code, 4) || '00' AS city_code, stage, valid_from
                FROM (SELECT DISTINCT ON (school_code) *
                      FROM \(n).school_registry
                      ORDER BY school_code, valid_from DESC, src_partition DESC, src_offset DESC) latest
                WHERE NOT deleted;
            COMMENT ON VIEW \(n).schools IS
                'Each registered school''s current version: name, county, city and stage (deleted schools are absent).';

            CREATE TABLE \(n).regions (
                code text PRIMARY KEY,
                level text NOT NULL CHECK (level IN ('province', 'city', 'county')),
                parent_code text,
                name_zh text NOT NULL,
                name_en text NOT NULL);
            COMMENT ON TABLE \(n).regions IS
                'Names of the province, its cities and counties (GB/T 2260), from the topology''s regions section.';
            """
    }
}
