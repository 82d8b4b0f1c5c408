/// Education business monitoring: the scenarios of the topology, their results per (scenario,
/// period, level, region), and warnings through the quality alerts outbox.
///
/// `quality_alerts` gains a `source` (`quality` or `scenario`) and, for scenario warnings, the
/// level, period, value and threshold; a scenario warning keeps its region code in
/// `school_code` and its period's first day in `day`. One outbox, one topic, one publisher.
struct ScenarioMigration: Migration {
    let version = 71
    let description = "monitoring scenarios: definitions, results per period and region, warnings in the alert outbox"

    func sql(_ s: HubSchema) -> String {
        let n = s.name
        return """
            CREATE TABLE \(n).scenarios (
                scenario text PRIMARY KEY,
                kind text NOT NULL,
                title_zh text NOT NULL,
                title_en text NOT NULL,
                definition_zh text NOT NULL,
                definition_en text NOT NULL,
                unit text NOT NULL,
                value_form text NOT NULL,
                rollup text NOT NULL,
                comparison text NOT NULL,
                thresholds jsonb NOT NULL,
                min_denominator double precision NOT NULL,
                severity text NOT NULL,
                owner text NOT NULL,
                updated_at timestamptz NOT NULL DEFAULT now());
            COMMENT ON TABLE \(n).scenarios IS 'The monitoring scenarios of the topology (kept in step by every migration run).';

            CREATE TABLE \(n).scenario_results (
                scenario text NOT NULL,
                period text NOT NULL,
                level text NOT NULL CHECK (level IN ('province', 'city', 'county', 'school')),
                region_code text NOT NULL,
                period_kind text NOT NULL CHECK (period_kind IN ('month', 'term')),
                period_start date NOT NULL,
                period_end date NOT NULL,
                as_of date NOT NULL,
                stage text,
                numerator double precision,
                denominator double precision,
                value double precision,
                comparison text NOT NULL,
                threshold_low double precision,
                threshold_high double precision,
                status text NOT NULL CHECK (status IN ('ok', 'warning', 'no_data')),
                severity text NOT NULL,
                evaluated_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (scenario, period, level, region_code));
            CREATE INDEX scenario_results_region ON \(n).scenario_results (level, region_code, period);
            COMMENT ON TABLE \(n).scenario_results IS
                'Each scenario''s value per period and region (school, county, city, province), its threshold and status.';

            ALTER TABLE \(n).quality_alerts
                ADD COLUMN source text NOT NULL DEFAULT 'quality' CHECK (source IN ('quality', 'scenario')),
                ADD COLUMN level text NOT NULL DEFAULT 'school',
                ADD COLUMN period text NOT NULL DEFAULT '',
                ADD COLUMN value double precision,
                ADD COLUMN comparison text,
                ADD COLUMN threshold_low double precision,
                ADD COLUMN threshold_high double precision;
            ALTER TABLE \(n).quality_alerts DROP CONSTRAINT quality_alerts_pkey;
            ALTER TABLE \(n).quality_alerts ADD PRIMARY KEY (source, monitor, school_code, day, period);
            COMMENT ON TABLE \(n).quality_alerts IS
                'Alert outbox, one row per breach, published to the alerts topic once: quality monitors per (school, day), '
                'monitoring scenarios per (level, region in school_code, period starting on day).';
            """
    }
}
