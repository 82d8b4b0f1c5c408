/// Least privilege and data spaces (issue 21).
///
/// - `raw_zone.record_schools`: the school codes the message's records name (read as the
///   standardiser reads them), so a data space owns a message by the registry — the school a
///   record names, registered as of the message's time — never by the producer's Kafka key.
///   NULL for messages archived before this migration (they belong to no space; operators
///   still read them).
/// - `sealed` on the raw zone and the quarantine's raw bytes: the bytes are a sealed value
///   (encryption at rest, `HubCrypto.AtRestKeyring`), opened by hubctl with the key files
///   (NULL in the quarantine means not sealed).
/// - `quarantine_raw.purged_at`: the purge marks what it emptied, so it never reads raw bytes.
/// - `access_grants.level` also records worker logins (`worker_sink`, `worker_archive`,
///   `worker_scheduler`: `hubctl access worker`).
/// - `school_county_as_of(school, time)`: the county of a school's registry version in force at
///   `time` (NULL when unregistered or deleted then), the transform's lookup in SQL.
struct SecurityMigration: Migration {
    let version = 11
    let description = "raw-zone ownership by registry, sealed raw bytes, purge marks, worker logins"

    func sql(_ s: HubSchema) -> String {
        let n = s.name
        let p = s.privateName
        return """
            ALTER TABLE \(p).raw_zone ADD COLUMN record_schools text[];
            ALTER TABLE \(p).raw_zone ADD COLUMN sealed boolean NOT NULL DEFAULT false;
            CREATE INDEX raw_zone_record_schools ON \(p).raw_zone USING gin (record_schools);
            -- Nullable (NULL = not sealed): the sink stages rows with `LIKE quarantine_raw`, which copies
            -- NOT NULL but not defaults.
            ALTER TABLE \(p).quarantine_raw ADD COLUMN sealed boolean;
            ALTER TABLE \(p).quarantine_raw ADD COLUMN purged_at timestamptz;
            UPDATE \(p).quarantine_raw SET purged_at = now() WHERE raw IS NULL AND record IS NULL;

            ALTER TABLE \(n).access_grants DROP CONSTRAINT IF EXISTS access_grants_level_check;
            ALTER TABLE \(n).access_grants ADD CONSTRAINT access_grants_level_check CHECK (level IN (
                'province', 'city', 'county', 'school', 'operator', 'worker_sink', 'worker_archive', 'worker_scheduler'));

            CREATE FUNCTION \(n).school_county_as_of(school text, at timestamptz) RETURNS text
            LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
                SELECT CASE WHEN v.deleted THEN NULL ELSE v.county_code END
                FROM \(n).school_registry v
                WHERE v.school_code = school AND v.valid_from <= coalesce(at, 'epoch'::timestamptz)
                ORDER BY v.valid_from DESC, v.src_partition DESC, v.src_offset DESC
                LIMIT 1
            $fn$;
            """
    }
}
