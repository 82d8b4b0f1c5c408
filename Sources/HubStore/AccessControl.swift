import Foundation
import Postgres
import Topology

/// Per-level read access in PostgreSQL.
///
/// Two group roles per schema: `<schema>_reader` (every role made by `hubctl access grant`
/// for a region) may read the published datasets of the catalog — the aggregate tables, the
/// monitoring scenarios' results and views built only on aggregates — and row-level security
/// limits each login to its region and the regions beneath it; `<schema>_operator` (NOLOGIN, granted to operator logins) reads the
/// quarantine, the private schema (raw bytes) and every aggregate row. Both read the reference
/// data: region names (`regions`) and the current school registry (`schools`). Neither reads
/// the state, the offsets or `school_regions`. The policies ask `region_visible`, a security-definer
/// function, which grant the session's login has, so readers need no access to the grants or
/// to `school_regions` themselves.
public enum AccessControl {
    public static func readerRole(_ schema: HubSchema) -> String { schema.name + "_reader" }
    public static func operatorRole(_ schema: HubSchema) -> String { schema.name + "_operator" }

    /// (Re)applies the catalog, the group roles, grants and row-level security policies.
    /// Idempotent; runs at the end of every migration, after the aggregate tables exist, so
    /// tables added to the topology are covered and re-running migrations keeps the policies.
    /// Without the right to create roles (a plain pipeline login), missing group roles are
    /// skipped: row-level security is still enabled, so nobody else sees any row.
    public static func applyPolicies(_ db: PGConnection, schema: HubSchema, topology: Topology) throws {
        let s = schema.name
        let aggregateTables = topology.streams.flatMap(\.aggregates).map { "\(s).\($0.table)" }
        // A worker logged in as a role that does not own the tables (the owner ran
        // `hubctl db migrate`) leaves the catalog, policies and grants to the owner.
        let owned = try db.query("""
            SELECT coalesce(bool_and(pg_has_role(relowner, 'MEMBER')), false) AS owned FROM pg_class WHERE oid = ANY($1::regclass[])
            """, bind: PGArray.text(aggregateTables + ["\(s).catalog_datasets", "\(s).catalog_fields", "\(s).access_grants"]))
        guard try owned.firstRow().decode("owned", as: Bool.self) else { return }
        let catalog = Catalog(topology: topology, schema: schema)
        try catalog.store(db, schema: schema)
        try db.execute(regionVisibleFunction(schema))

        let reader = readerRole(schema)
        let op = operatorRole(schema)
        let workerGroups = WorkerRole.allCases.map { $0.groupRole(schema) }
        let roles = try ensureGroupRoles(db, [reader, op] + workerGroups)
        // Tables with a (level, region_code) row per region: each login reads its region and beneath.
        let regionTables = aggregateTables + ["\(s).scenario_results"]
        for table in regionTables {
            try applyRegionPolicies(db, table: table, schema: schema, roles: roles)
        }
        // The two-argument version (before viewers could be level roles set by hub-api).
        try db.execute("DROP FUNCTION IF EXISTS \(s).region_visible(text, text)")

        if roles.contains(reader) {
            try grantReader(db, schema: schema, catalog: catalog, aggregateTables: aggregateTables)
        }
        if roles.contains(op) {
            try grantOperator(db, schema: schema, regionTables: regionTables)
        }
        try WorkerRole.apply(db, schema: schema, aggregates: Set(topology.streams.flatMap(\.aggregates).map(\.table)), groups: roles)
        if roles.contains(reader) && roles.contains(op) {
            try DataServiceViews.apply(db, schema: schema, reader: reader, operator: op)
        }
    }

    /// Row-level security on one region table: its owner and the writers (sink, scheduler:
    /// aggregates, reconcile, scenario results) see everything, the reader its region and
    /// beneath, the operator every row. Policies of groups that do not exist are left out.
    private static func applyRegionPolicies(_ db: PGConnection, table: String, schema: HubSchema, roles: Set<String>) throws {
        let reader = readerRole(schema)
        let op = operatorRole(schema)
        let writers = try [WorkerRole.sink, .scheduler].map { $0.groupRole(schema) }.filter(roles.contains).map(db.quoteIdentifier)
        let owner = try db.query("SELECT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE oid = $1::regclass", bind: table)
            .firstRow().decode("owner", as: String.self)
        var sql = """
            ALTER TABLE \(table) ENABLE ROW LEVEL SECURITY;
            ALTER TABLE \(table) FORCE ROW LEVEL SECURITY;
            DROP POLICY IF EXISTS owner_all ON \(table);
            DROP POLICY IF EXISTS region_scope ON \(table);
            DROP POLICY IF EXISTS operator_all ON \(table);
            DROP POLICY IF EXISTS worker_all ON \(table);
            CREATE POLICY owner_all ON \(table) FOR ALL TO \(try db.quoteIdentifier(owner)) USING (true) WITH CHECK (true);
            """
        if roles.contains(reader) {
            sql += "\nCREATE POLICY region_scope ON \(table) FOR SELECT TO \(try db.quoteIdentifier(reader)) USING (\(schema.name).region_visible(level, region_code, current_user));"
        }
        if !writers.isEmpty {
            sql += "\nCREATE POLICY worker_all ON \(table) FOR ALL TO \(writers.joined(separator: ", ")) USING (true) WITH CHECK (true);"
        }
        if roles.contains(op) {
            sql += "\nCREATE POLICY operator_all ON \(table) FOR SELECT TO \(try db.quoteIdentifier(op)) USING (true);"
        }
        try db.execute(sql)
    }

    /// The reader's grants, from nothing, so a dataset that stops being public is closed again:
    /// the catalog, the region names, public tables and the published views.
    private static func grantReader(_ db: PGConnection, schema: HubSchema, catalog: Catalog, aggregateTables: [String]) throws {
        let s = schema.name
        let qReader = try db.quoteIdentifier(readerRole(schema))
        var sql = """
            REVOKE ALL ON ALL TABLES IN SCHEMA \(s) FROM \(qReader);
            REVOKE ALL ON SCHEMA \(schema.privateName) FROM \(qReader);
            GRANT USAGE ON SCHEMA \(s) TO \(qReader);
            REVOKE EXECUTE ON FUNCTION \(s).region_visible(text, text, name) FROM PUBLIC;
            GRANT EXECUTE ON FUNCTION \(s).region_visible(text, text, name) TO \(qReader);
            GRANT SELECT ON \(s).catalog_datasets, \(s).catalog_fields TO \(qReader);
            GRANT SELECT ON \(s).regions, \(s).schools TO \(qReader);
            """
        for d in catalog.datasets where d.classification == .public && d.kind == "table" {
            sql += "\nGRANT SELECT ON \(d.name) TO \(qReader);"
        }
        for view in try publishedViews(db, schema: schema, tables: aggregateTables) {
            sql += "\nALTER VIEW \(view) SET (security_invoker = true);\nGRANT SELECT ON \(view) TO \(qReader);"
        }
        try db.execute(sql)
    }

    /// The operator's read access: quarantine, audit, access and quality tables, the private
    /// schema and every region table.
    private static func grantOperator(_ db: PGConnection, schema: HubSchema, regionTables: [String]) throws {
        let s = schema.name
        let qOperator = try db.quoteIdentifier(operatorRole(schema))
        var sql = """
            GRANT USAGE ON SCHEMA \(s), \(schema.privateName) TO \(qOperator);
            GRANT SELECT ON ALL TABLES IN SCHEMA \(schema.privateName) TO \(qOperator);
            GRANT SELECT ON \(s).quarantine, \(s).quarantine_counts, \(s).audit_log, \(s).access_grants,
                            \(s).catalog_datasets, \(s).catalog_fields TO \(qOperator);
            GRANT SELECT ON \(s).quality_monitors, \(s).quality_results, \(s).quality_alerts, \(s).quality_activity,
                            \(s).quality_rollup, \(s).quality_scores, \(s).school_regions TO \(qOperator);
            GRANT SELECT ON \(s).regions, \(s).schools, \(s).school_registry TO \(qOperator);
            GRANT SELECT ON \(s).scenarios TO \(qOperator);
            """
        for table in regionTables { sql += "\nGRANT SELECT ON \(table) TO \(qOperator);" }
        try db.execute(sql)
    }

    /// Creates `login` (or updates a login hubctl made before), makes it a member of the
    /// reader or operator group and records its level and region; audited.
    ///
    /// - Throws: ``AccessError`` when the role exists but was not made by hubctl (it may be a
    ///   pipeline or superuser role), or when the group roles are missing.
    ///
    /// `login: false` makes a NOLOGIN role instead: the level role of hub-api's clients, which
    /// hub-api takes on per request with `SET LOCAL ROLE` (see ``APIClients``).
    public static func grant(_ grant: AccessGrant, password: String?, db: PGConnection, schema: HubSchema,
                             actor: String? = nil, login: Bool = true) throws {
        try db.transaction { db in
            try db.query("SELECT pg_advisory_xact_lock(hashtext($1))", ["eduhub.access.\(schema.name)"])
            let role = try db.quoteIdentifier(grant.role)
            let exists = try db.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [grant.role]).rowCount == 1
            let managed = try db.query("SELECT level FROM \(schema.name).access_grants WHERE role_name = $1", [grant.role]).rowCount == 1
            if exists && !managed {
                throw AccessError("role \"\(grant.role)\" already exists and was not created by hubctl access; choose another name")
            }
            let group = grant.level == .operator ? operatorRole(schema) : readerRole(schema)
            guard try db.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [group]).rowCount == 1 else {
                throw AccessError("group role \(group) is missing; run `hubctl db migrate` as a role that may create roles")
            }
            // A SCRAM verifier computed here: the clear password never leaves this process.
            let passwordClause = try password.map { " PASSWORD \(try db.quoteLiteral(try db.passwordVerifier($0, role: grant.role)))" } ?? ""
            if exists {
                try db.execute("""
                    REVOKE \(try db.quoteIdentifier(readerRole(schema))), \(try db.quoteIdentifier(operatorRole(schema))) FROM \(role)
                    """)
                if !passwordClause.isEmpty { try db.execute("ALTER ROLE \(role)\(passwordClause)") }
            } else {
                try db.execute("""
                    CREATE ROLE \(role) \(login ? "LOGIN" : "NOLOGIN") INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS\(passwordClause)
                    """)
            }
            try db.execute("GRANT \(try db.quoteIdentifier(group)) TO \(role)")
            try db.query("""
                INSERT INTO \(schema.name).access_grants (role_name, level, region_code) VALUES ($1, $2, $3)
                ON CONFLICT (role_name) DO UPDATE SET level = EXCLUDED.level, region_code = EXCLUDED.region_code,
                    granted_at = now(), granted_by = current_user
                """, [grant.role, grant.level.rawValue, grant.region])
            try AuditLog.record(db, schema: schema, action: "access.grant", actor: actor, details: [
                "role": grant.role, "level": grant.level.rawValue, "region": grant.region ?? "",
                "password": password == nil ? "none" : "set", "replaced": managed ? "true" : "false"])
        }
    }

    /// Drops a login made by ``grant(_:password:db:schema:actor:)`` and its grant; audited.
    public static func revoke(role: String, db: PGConnection, schema: HubSchema, actor: String? = nil) throws {
        try AccessGrant.checkRoleName(role)
        try db.transaction { db in
            try db.query("SELECT pg_advisory_xact_lock(hashtext($1))", ["eduhub.access.\(schema.name)"])
            let deleted = try db.query("DELETE FROM \(schema.name).access_grants WHERE role_name = $1 RETURNING level, region_code", bind: role)
            guard deleted.rowCount == 1 else {
                throw AccessError("role \"\(role)\" has no grant made by hubctl access; nothing revoked")
            }
            try db.execute("DROP ROLE IF EXISTS \(try db.quoteIdentifier(role))")
            try AuditLog.record(db, schema: schema, action: "access.revoke", actor: actor, details: [
                "role": role, "level": try deleted.firstRow().decode("level", as: String.self),
                "region": try deleted.firstRow().decodeIfPresent("region_code", as: String.self) ?? ""])
        }
    }

    /// Every recorded grant, by role name.
    public static func list(db: PGConnection, schema: HubSchema) throws -> [(grant: AccessGrant, grantedAt: String, grantedBy: String)] {
        let r = try db.query("""
            SELECT role_name, level, region_code, granted_at::text AS granted_at, granted_by FROM \(schema.name).access_grants
            WHERE level NOT LIKE 'worker\\_%' ORDER BY role_name
            """)
        return try r.rows.map { row in
            (try AccessGrant(role: row.decode("role_name"), level: row.decode("level", as: String.self),
                             region: row.decodeIfPresent("region_code")),
             try row.decode("granted_at"), try row.decode("granted_by"))
        }
    }

    // MARK: pieces

    /// Whether `viewer` may see a row at (`level`, `region`): province sees all; a city its
    /// row, its counties (same first 4 digits) and their schools; a county its row and its
    /// schools; a school its own rows. A school belongs to the county of its latest
    /// standardised record (`school_regions`) and to its county in the registry (`schools`),
    /// so a registered school that never sent a record is still its county's.
    ///
    /// Policies pass `current_user` as the viewer: a login reading directly, or the level role
    /// hub-api set with `SET LOCAL ROLE` (inside this security-definer function `current_user`
    /// would be the owner, and `session_user` is hub-api's own login). A session may only ask
    /// about a role it is a member of, so the function tells nobody about other roles' grants.
    static func regionVisibleFunction(_ schema: HubSchema) -> String {
        let s = schema.name
        return """
            CREATE OR REPLACE FUNCTION \(s).region_visible(row_level text, row_region text, viewer name) RETURNS boolean
            LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
                SELECT pg_has_role(session_user, viewer, 'MEMBER') AND EXISTS (
                    SELECT 1 FROM \(s).access_grants g
                    WHERE g.role_name = viewer::text AND (
                        g.level = 'province'
                        OR (g.level = row_level AND g.region_code = row_region)
                        OR (g.level = 'city' AND row_level = 'county' AND left(row_region, 4) = left(g.region_code, 4))
                        OR (row_level = 'school' AND g.level IN ('city', 'county') AND EXISTS (
                            SELECT 1 FROM (SELECT r.county_code FROM \(s).school_regions r WHERE r.school_code = row_region
                                           UNION ALL
                                           SELECT k.county_code FROM \(s).schools k WHERE k.school_code = row_region) c
                            WHERE CASE g.level WHEN 'city' THEN left(c.county_code, 4) = left(g.region_code, 4)
                                               ELSE c.county_code = g.region_code END))))
            $fn$;
            """
    }

    /// Creates the NOLOGIN group roles when allowed; returns those that exist afterwards.
    /// Roles are cluster-wide, so another database's migration may create one concurrently.
    private static func ensureGroupRoles(_ db: PGConnection, _ names: [String]) throws -> Set<String> {
        let canCreate = try db.query("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user").scalar(Bool.self)
        if canCreate {
            for name in names {
                try db.execute("""
                    DO $do$ BEGIN
                        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = \(try db.quoteLiteral(name))) THEN
                            CREATE ROLE \(try db.quoteIdentifier(name)) NOLOGIN;
                        END IF;
                    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
                    END $do$;
                    """)
            }
        }
        let r = try db.query("SELECT rolname::text AS rolname FROM pg_roles WHERE rolname = ANY($1::text[])", bind: PGArray.text(names))
        return Set(try r.rows.map { try $0.decode("rolname", as: String.self) })
    }

    /// Views of the schema that read only aggregate tables: they run as the invoker
    /// (PostgreSQL 15+), so the tables' row-level security applies through them.
    private static func publishedViews(_ db: PGConnection, schema: HubSchema, tables: [String]) throws -> [String] {
        guard try db.query("SELECT current_setting('server_version_num')::int").scalar(Int.self) >= 150_000 else { return [] }
        let names = tables.map { String($0.split(separator: ".").last ?? "") }
        let r = try db.query("""
            SELECT view_name FROM information_schema.view_table_usage
            WHERE view_schema = $1 GROUP BY view_name
            HAVING bool_and(table_schema = $1 AND table_name = ANY($2::text[]))
            ORDER BY view_name
            """, bind: schema.name, PGArray.text(names))
        return try r.rows.map { "\(schema.name).\(try db.quoteIdentifier(try $0.decode("view_name", as: String.self)))" }
    }
}
