import Postgres

/// The views hub-api reads under a client's level role, beyond the aggregate tables (which
/// carry their own row-level security): each filters by the same `region_visible` function
/// the policies use, so the database — not hub-api — decides what a client sees.
///
/// - `standard_zone_published`: the pseudonymous standard zone (no birth date or local ids)
///   for county- and school-level roles (their schools) and operators (everything).
/// - `quality_scores_published`: quality scores of the regions a role may see.
///
/// They are owned by the migrating role and are not `security_invoker`, so readers need no
/// access to the internal tables beneath; `current_user` inside a view is the reader.
public enum DataServiceViews {
    static func apply(_ db: PGConnection, schema: HubSchema, reader: String, operator op: String) throws {
        let s = schema.name
        let qReader = try db.quoteIdentifier(reader)
        let qOperator = try db.quoteIdentifier(op)
        let opLiteral = try db.quoteLiteral(op)
        try db.execute("""
            CREATE OR REPLACE VIEW \(s).standard_zone_published WITH (security_barrier) AS
                SELECT z.record_type, z.entity_key, z.school_code, z.county_code, z.city_code, z.gender, z.grade, z.status,
                       z.day, z.class_name, z.expected, z.present, z.updated_at_us
                FROM \(s).standard_zone z
                WHERE pg_has_role(current_user, \(opLiteral), 'USAGE')
                   OR (EXISTS (SELECT 1 FROM \(s).access_grants g
                               WHERE g.role_name = current_user::text AND g.level IN ('county', 'school'))
                       AND \(s).region_visible('school', z.school_code, current_user));
            COMMENT ON VIEW \(s).standard_zone_published IS
                'Pseudonymous standard-zone records for county- and school-level roles (their schools) and operators.';
            CREATE OR REPLACE VIEW \(s).quality_scores_published WITH (security_barrier) AS
                SELECT q.level, q.region_code, q.day, q.dimension, q.score, q.checked, q.failed, q.monitors
                FROM \(s).quality_scores q
                WHERE pg_has_role(current_user, \(opLiteral), 'USAGE')
                   OR \(s).region_visible(q.level, q.region_code, current_user);
            COMMENT ON VIEW \(s).quality_scores_published IS 'Quality scores of the regions the reading role may see.';
            CREATE OR REPLACE VIEW \(s).quality_rollup_published WITH (security_barrier) AS
                SELECT q.level, q.region_code, q.monitor, q.dimension, q.record_type, q.day, q.checked, q.failed
                FROM \(s).quality_rollup q
                WHERE pg_has_role(current_user, \(opLiteral), 'USAGE')
                   OR \(s).region_visible(q.level, q.region_code, current_user);
            COMMENT ON VIEW \(s).quality_rollup_published IS 'Monitor results of the regions the reading role may see.';
            CREATE OR REPLACE VIEW \(s).quality_alerts_published WITH (security_barrier) AS
                SELECT a.monitor, a.school_code, a.day, a.severity, a.checked, a.failed, a.raised_at
                FROM \(s).quality_alerts a
                WHERE pg_has_role(current_user, \(opLiteral), 'USAGE')
                   OR \(s).region_visible('school', a.school_code, current_user);
            COMMENT ON VIEW \(s).quality_alerts_published IS 'Quality alerts of the schools the reading role may see.';
            GRANT SELECT ON \(s).standard_zone_published, \(s).quality_scores_published, \(s).quality_rollup_published,
                            \(s).quality_alerts_published TO \(qReader), \(qOperator);
            GRANT EXECUTE ON FUNCTION \(s).region_visible(text, text, name) TO \(qOperator);
            GRANT SELECT ON \(s).api_audit, \(s).api_clients TO \(qOperator);
            """)
    }

    /// Before a migration that may replace the tables or views these read.
    static func drop(_ db: PGConnection, schema: HubSchema) throws {
        try db.execute("""
            DROP VIEW IF EXISTS \(schema.name).standard_zone_published;
            DROP VIEW IF EXISTS \(schema.name).quality_scores_published;
            DROP VIEW IF EXISTS \(schema.name).quality_rollup_published;
            DROP VIEW IF EXISTS \(schema.name).quality_alerts_published;
            """)
    }
}
