import Postgres

/// The pipeline's own logins, each with only the grants its statements need (issue 21).
///
/// One NOLOGIN group role per worker and schema, `<schema>_worker_<worker>`; `hubctl access
/// worker` makes a login a member. Migrations run as the schema owner (`hubctl db migrate`),
/// never as a worker: a worker that does not own the schema only checks that the schema is
/// current (``HubSchema/migrate(_:topology:)``). No worker owns a table, so none can drop,
/// alter or truncate one, create anything in the schemas, or grant.
///
/// | worker | writes | reads | never |
/// | --- | --- | --- | --- |
/// | sink | the state, aggregates, quarantine rows, quality tables, offsets; inserts quarantine raw bytes | what it writes, the registry | raw zone, raw bytes once stored, grants, audit, scheduler, catalog |
/// | archive | raw zone (insert; delete by age), registry versions, its offsets, audit (purges) | registry, offsets, raw-zone positions and ages | raw bytes once stored, state, aggregates |
/// | scheduler | its runs and tasks, aggregates (reconcile), scenario and quality results, alerts outbox, audit; empties quarantine raw bytes (purge) | the hub schema | raw bytes (quarantine or raw zone), grants, offsets (read only) |
///
/// The hub schema's tables are granted by a deny list (so a table a later migration adds is the
/// sink's and the scheduler's to write unless listed here); the private schema's by an allow
/// list, column by column.
public enum WorkerRole: String, Sendable, CaseIterable {
    case sink, archive, scheduler

    /// The group role; `hubctl access worker` logins are its members.
    public func groupRole(_ schema: HubSchema) -> String { "\(schema.name)_worker_\(rawValue)" }

    /// The level recorded in `access_grants` for its logins.
    public var grantLevel: String { "worker_\(rawValue)" }

    /// Tables of the hub schema no worker writes (administration, reference data).
    static let administrative: Set<String> = [
        "access_grants", "audit_log", "schema_migrations", "catalog_datasets", "catalog_fields", "regions",
        "api_clients", "api_audit",
    ]
    /// Tables only the scheduler writes.
    static let schedulerOnly: Set<String> = ["dag_runs", "task_instances", "scheduler_leadership", "scenarios", "scenario_results", "dag_state"]

    /// (Re)grants every worker group; idempotent, run at the end of every migration by the owner.
    static func apply(_ db: PGConnection, schema: HubSchema, groups: Set<String>) throws {
        let s = schema.name
        let p = schema.privateName
        let tables = try db.query("""
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relkind IN ('r', 'v', 'p', 'm') ORDER BY 1
            """, [s])
        let names = (0..<tables.rowCount).compactMap { tables.value($0, 0) }
        for worker in WorkerRole.allCases where groups.contains(worker.groupRole(schema)) {
            let g = try db.quoteIdentifier(worker.groupRole(schema))
            var sql = """
                REVOKE ALL ON ALL TABLES IN SCHEMA \(s) FROM \(g);
                REVOKE ALL ON ALL TABLES IN SCHEMA \(p) FROM \(g);
                REVOKE ALL ON ALL SEQUENCES IN SCHEMA \(s) FROM \(g);
                GRANT USAGE ON SCHEMA \(s), \(p) TO \(g);
                GRANT SELECT ON \(s).schema_migrations TO \(g);
                GRANT USAGE ON ALL SEQUENCES IN SCHEMA \(s) TO \(g);
                """
            func grant(_ privileges: String, _ table: String) { sql += "\nGRANT \(privileges) ON \(s).\(table) TO \(g);" }
            switch worker {
            case .sink:
                for t in names where !administrative.contains(t) && !schedulerOnly.contains(t) && t != "school_registry" {
                    grant("SELECT, INSERT, UPDATE, DELETE", t)
                }
                for t in ["school_registry", "regions", "scenarios"] where names.contains(t) { grant("SELECT", t) }
                sql += "\nGRANT INSERT ON \(p).quarantine_raw TO \(g);"
            case .archive:
                grant("SELECT, INSERT, UPDATE", "sink_offsets")
                grant("SELECT, INSERT", "school_registry")
                grant("SELECT", "school_regions")
                grant("INSERT", "audit_log")
                sql += """

                    GRANT INSERT, DELETE ON \(p).raw_zone TO \(g);
                    GRANT SELECT (src_topic, src_partition, src_offset, received_at) ON \(p).raw_zone TO \(g);
                    """
            case .scheduler:
                for t in names where !administrative.contains(t) && t != "sink_offsets" && t != "school_registry" {
                    grant("SELECT, INSERT, UPDATE, DELETE", t)
                }
                for t in ["sink_offsets", "school_registry", "regions", "catalog_datasets", "catalog_fields"] where names.contains(t) {
                    grant("SELECT", t)
                }
                grant("INSERT", "audit_log")
                sql += """

                    GRANT SELECT (src_topic, src_partition, src_offset, src_row, purged_at, record, sealed), UPDATE (raw, record, purged_at)
                        ON \(p).quarantine_raw TO \(g);
                    """
            }
            try db.execute(sql)
        }
    }
}

extension AccessControl {
    /// Creates (or updates) the login `role` for `worker`: a member of the worker's group only,
    /// with a SCRAM verifier computed here when a password is given; audited.
    ///
    /// - Throws: ``AccessError`` when the role exists but was not made by hubctl for a worker,
    ///   or the group is missing (migrate as a role that may create roles first).
    public static func grantWorker(_ worker: WorkerRole, role: String, password: String?, db: PGConnection, schema: HubSchema,
                                   actor: String? = nil) throws {
        try AccessGrant.checkRoleName(role)
        try db.transaction { db in
            try db.query("SELECT pg_advisory_xact_lock(hashtext($1))", ["eduhub.access.\(schema.name)"])
            let quoted = try db.quoteIdentifier(role)
            let exists = try db.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [role]).rowCount == 1
            let recorded = try db.query("SELECT level FROM \(schema.name).access_grants WHERE role_name = $1", [role])
            let managed = recorded.rowCount == 1
            if exists && !(managed && recorded.value(0, 0) == worker.grantLevel) {
                throw AccessError("role \"\(role)\" already exists and is not a \(worker.rawValue) login made by hubctl access worker; choose another name")
            }
            let group = worker.groupRole(schema)
            guard try db.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [group]).rowCount == 1 else {
                throw AccessError("group role \(group) is missing; run `hubctl db migrate` as a role that may create roles")
            }
            let passwordClause = try password.map { " PASSWORD \(try db.quoteLiteral(try db.passwordVerifier($0, role: role)))" } ?? ""
            if exists {
                if !passwordClause.isEmpty { try db.execute("ALTER ROLE \(quoted)\(passwordClause)") }
            } else {
                try db.execute("""
                    CREATE ROLE \(quoted) LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS\(passwordClause)
                    """)
            }
            try db.execute("GRANT \(try db.quoteIdentifier(group)) TO \(quoted)")
            try db.query("""
                INSERT INTO \(schema.name).access_grants (role_name, level, region_code) VALUES ($1, $2, NULL)
                ON CONFLICT (role_name) DO UPDATE SET granted_at = now(), granted_by = current_user
                """, [role, worker.grantLevel])
            try AuditLog.record(db, schema: schema, action: "access.worker", actor: actor, details: [
                "role": role, "worker": worker.rawValue, "password": password == nil ? "none" : "set"])
        }
    }
}
