/// Data-quality monitoring: each monitor's results per (school, day), the claims the
/// uniqueness monitors compare, each school's daily activity, and the alert outbox.
/// The rollups to county, city and province are views over `school_regions`.
struct QualityMigration: Migration {
    let version = 4
    let description = "quality monitors: results, claims, activity, alerts, rollups"

    /// The statements in order, joined by blank lines: the text is byte-identical to the single
    /// literal it was before the split (`MigrationTextTests` pins its SHA-256), since an applied
    /// migration is never run again.
    func sql(_ s: HubSchema) -> String {
        let n = s.name
        return [resultTables(n), activityAndAlerts(n), rollupViews(n)].joined(separator: "\n\n")
    }

    /// Monitors, their results per school and day, and the claims the uniqueness monitors compare.
    private func resultTables(_ n: String) -> String {
        """
        ALTER TABLE \(n).current_state
            ADD COLUMN q_checked bigint NOT NULL DEFAULT 0,
            ADD COLUMN q_failed bigint NOT NULL DEFAULT 0;

        CREATE TABLE \(n).quality_monitors (
            monitor text PRIMARY KEY,
            record_type text NOT NULL,
            dimension text NOT NULL,
            severity text NOT NULL,
            rule text NOT NULL,
            threshold double precision NOT NULL,
            min_failed int NOT NULL,
            description text NOT NULL DEFAULT '',
            updated_at timestamptz NOT NULL DEFAULT now());
        COMMENT ON TABLE \(n).quality_monitors IS 'The monitors of the topology (kept in step by every migration run).';

        CREATE TABLE \(n).quality_results (
            monitor text NOT NULL,
            school_code text NOT NULL,
            day date NOT NULL,
            checked bigint NOT NULL DEFAULT 0,
            failed bigint NOT NULL DEFAULT 0,
            examples text[] NOT NULL DEFAULT '{}',
            updated_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (monitor, school_code, day));
        CREATE INDEX quality_results_day ON \(n).quality_results (day);
        COMMENT ON TABLE \(n).quality_results IS
            'Units checked and failed per monitor, school and day; examples are pseudonymous keys or source positions.';

        CREATE TABLE \(n).quality_claims (
            monitor text NOT NULL,
            grp text NOT NULL,
            member text NOT NULL,
            school_code text NOT NULL,
            day date NOT NULL,
            active boolean NOT NULL,
            flagged boolean NOT NULL,
            updated_at_us bigint NOT NULL,
            src_partition int NOT NULL,
            src_offset bigint NOT NULL,
            src_row int NOT NULL,
            PRIMARY KEY (monitor, grp, member));
        COMMENT ON TABLE \(n).quality_claims IS
            'What the uniqueness monitors compare: per group (a person, a registry number) its members (schools, persons).';
        """
    }

    /// Daily activity per school and the alert outbox.
    private func activityAndAlerts(_ n: String) -> String {
        """
        CREATE TABLE \(n).quality_activity (
            record_type text NOT NULL,
            school_code text NOT NULL,
            day date NOT NULL,
            records bigint NOT NULL DEFAULT 0,
            first_arrival timestamptz,
            PRIMARY KEY (record_type, school_code, day));
        COMMENT ON TABLE \(n).quality_activity IS
            'Current records per record type, school and day, and when the first of them arrived (Kafka time).';

        CREATE TABLE \(n).quality_alerts (
            monitor text NOT NULL,
            school_code text NOT NULL,
            day date NOT NULL,
            severity text NOT NULL,
            checked bigint NOT NULL,
            failed bigint NOT NULL,
            raised_at timestamptz NOT NULL DEFAULT now(),
            published_at timestamptz,
            PRIMARY KEY (monitor, school_code, day));
        CREATE INDEX quality_alerts_unpublished ON \(n).quality_alerts (raised_at) WHERE published_at IS NULL;
        COMMENT ON TABLE \(n).quality_alerts IS
            'One row per breach of a monitor''s threshold on a (school, day); published to the alerts topic once.';
        """
    }

    /// The rollups to county, city and province, and the scores per dimension.
    private func rollupViews(_ n: String) -> String {
        """
        CREATE VIEW \(n).quality_rollup AS
            WITH r AS (
                SELECT q.monitor, m.dimension, m.record_type, q.school_code, q.day, q.checked, q.failed,
                       sr.county_code
                FROM \(n).quality_results q
                JOIN \(n).quality_monitors m USING (monitor)
                LEFT JOIN \(n).school_regions sr USING (school_code))
            SELECT 'school'::text AS level, school_code AS region_code, monitor, dimension, record_type, day,
                   sum(checked)::bigint AS checked, sum(failed)::bigint AS failed
                FROM r GROUP BY 2, 3, 4, 5, 6
            UNION ALL
            SELECT 'county', county_code, monitor, dimension, record_type, day, sum(checked)::bigint, sum(failed)::bigint
                FROM r WHERE county_code IS NOT NULL GROUP BY 2, 3, 4, 5, 6
            UNION ALL
            SELECT 'city', left(county_code, 4) || '00', monitor, dimension, record_type, day, sum(checked)::bigint,
                   sum(failed)::bigint
                FROM r WHERE county_code IS NOT NULL GROUP BY 2, 3, 4, 5, 6
            UNION ALL
            SELECT 'province', '330000', monitor, dimension, record_type, day, sum(checked)::bigint, sum(failed)::bigint
                FROM r GROUP BY 2, 3, 4, 5, 6;
        COMMENT ON VIEW \(n).quality_rollup IS
            'Monitor results per level, region and day (schools roll up by their county in school_regions).';

        CREATE VIEW \(n).quality_scores AS
            SELECT level, region_code, day, dimension,
                   round(100 * avg(1 - failed::numeric / checked), 2) AS score,
                   sum(checked)::bigint AS checked, sum(failed)::bigint AS failed, count(*)::int AS monitors
            FROM \(n).quality_rollup WHERE checked > 0
            GROUP BY level, region_code, day, dimension;
        COMMENT ON VIEW \(n).quality_scores IS
            'Score per dimension, level, region and day: 100 × the mean pass rate of the dimension''s monitors.';
        """
    }
}
