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
/// | sink | the state, aggregates, quarantine rows, quality tables, offsets; inserts quarantine raw bytes | what it writes, the registry | raw zone, raw bytes once stored, grants, audit, scheduler, catalog, API tables |
/// | archive | raw zone (insert; delete by age), registry versions, its offsets, audit (purges) | registry, offsets, raw-zone positions and ages | raw bytes once stored, state, aggregates |
/// | scheduler | its runs and tasks, aggregates (reconcile), scenario and quality results, alerts outbox, audit, replay marks; empties quarantine raw bytes (purge) | the state, quality and registry tables, offsets; quarantined records (replay; sealed with at-rest keys) | raw bytes (quarantine or raw zone), grants, API tables |
///
/// Every table and view is granted by an allow list (``hubTables``, ``privateColumns``): a table a
/// later migration adds is nobody's until it is listed here with each worker's privileges, or
/// as no worker's; `LeastPrivilegeTests` fails on a table of the migrated schema without a
/// decision. The topology's aggregate tables are the sink's and the scheduler's (reconcile).
public enum WorkerRole: String, Sendable, CaseIterable {
    case sink, archive, scheduler

    /// The group role; `hubctl access worker` logins are its members.
    public func groupRole(_ schema: HubSchema) -> String { "\(schema.name)_worker_\(rawValue)" }

    /// The level recorded in `access_grants` for its logins.
    public var grantLevel: String { "worker_\(rawValue)" }

    private static let read = "SELECT"
    private static let upsert = "SELECT, INSERT, UPDATE"
    private static let write = "SELECT, INSERT, UPDATE, DELETE"

    /// Each table and view of the hub schema → each worker's privileges on it; a worker not
    /// named gets nothing (an empty entry: deliberately no worker's).
    public static let hubTables: [String: [WorkerRole: String]] = [
        // Every worker checks the schema is current.
        "schema_migrations": [.sink: read, .archive: read, .scheduler: read],
        // Administration and hub-api: the owner (hubctl) and the API's roles only.
        "access_grants": [:], "api_clients": [:], "api_audit": [:],
        "standard_zone_published": [:], "quality_scores_published": [:], "quality_rollup_published": [:],
        "quality_alerts_published": [:],
        "audit_log": [.archive: "INSERT", .scheduler: "INSERT"],
        "catalog_datasets": [.scheduler: read], "catalog_fields": [.scheduler: read],
        // Offsets: the sink's and the archive's fences; the scheduler's sensors and purge read them.
        "sink_offsets": [.sink: upsert, .archive: upsert, .scheduler: read],
        // The state (SinkCore's steps), read by reconcile and the uniqueness monitors.
        "entity_state": [.sink: write, .scheduler: read],
        "entity_types": [.sink: "SELECT, UPDATE", .scheduler: read],
        "std_partitions": [.sink: upsert, .scheduler: read],
        // Key generations (README, "Key rotation"): the sink's commits hold them, its re-keys move them.
        "std_key_generations": [.sink: upsert, .scheduler: read],
        "school_claims": [.sink: write, .scheduler: read],
        "school_regions": [.sink: upsert, .archive: read, .scheduler: read],
        "current_state": [.sink: read, .scheduler: read],
        "standard_zone": [.scheduler: read],
        // The quarantine: the sink stores and resolves; a replay (scheduler task) marks replayed_at.
        "quarantine": [.sink: upsert, .scheduler: "SELECT, UPDATE"],
        "quarantine_counts": [.scheduler: read],
        // Quality: the sink counts and raises, the scheduler evaluates, raises and reports.
        "quality_monitors": [.sink: read, .scheduler: read],
        "quality_results": [.sink: upsert, .scheduler: write],
        "quality_activity": [.sink: upsert, .scheduler: read],
        "quality_alerts": [.sink: upsert, .scheduler: upsert],
        "quality_rollup": [.scheduler: read], "quality_scores": [.scheduler: read],
        // Reference data: the archive records registry versions; the owner syncs regions and scenarios.
        "school_registry": [.sink: read, .archive: "SELECT, INSERT", .scheduler: read],
        "schools": [.scheduler: read],
        "regions": [.sink: read, .scheduler: read],
        "scenarios": [.sink: read, .scheduler: read],
        "scenario_results": [.scheduler: write],
        // The scheduler's own tables.
        "dag_runs": [.scheduler: write], "task_instances": [.scheduler: write],
        "scheduler_leadership": [.scheduler: write], "dag_state": [.scheduler: write],
    ]

    /// The topology's aggregate tables: the sink applies deltas, reconcile rewrites them.
    static let aggregateTables: [WorkerRole: String] = [.sink: write, .scheduler: write]

    /// The private schema, column by column (raw bytes are read by operators only).
    public static let privateTables: Set<String> = ["quarantine_raw", "raw_zone"]

    /// Tables and views of the hub schema (of `names`) nobody has decided about: neither listed
    /// in ``hubTables`` nor one of the topology's aggregate tables (`aggregates`).
    public static func undecided(_ names: [String], aggregates: Set<String>) -> [String] {
        names.filter { hubTables[$0] == nil && !aggregates.contains($0) }.sorted()
    }

    /// (Re)grants every worker group; idempotent, run at the end of every migration by the owner.
    static func apply(_ db: PGConnection, schema: HubSchema, aggregates: Set<String>, groups: Set<String>) throws {
        let s = schema.name
        let p = schema.privateName
        let tables = try db.query("""
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relkind IN ('r', 'v', 'p', 'm') ORDER BY 1
            """, [s])
        var names: [String] = []
        for row in tables.rows { names.append(try row.decode("relname")) }
        for worker in WorkerRole.allCases where groups.contains(worker.groupRole(schema)) {
            let g = try db.quoteIdentifier(worker.groupRole(schema))
            var sql = """
                REVOKE ALL ON ALL TABLES IN SCHEMA \(s) FROM \(g);
                REVOKE ALL ON ALL TABLES IN SCHEMA \(p) FROM \(g);
                REVOKE ALL ON ALL SEQUENCES IN SCHEMA \(s) FROM \(g);
                GRANT USAGE ON SCHEMA \(s), \(p) TO \(g);
                GRANT USAGE ON ALL SEQUENCES IN SCHEMA \(s) TO \(g);
                """
            for table in names {
                let privileges = aggregates.contains(table) ? aggregateTables[worker] : hubTables[table]?[worker]
                if let privileges { sql += "\nGRANT \(privileges) ON \(s).\(try db.quoteIdentifier(table)) TO \(g);" }
            }
            switch worker {
            case .sink:
                sql += "\nGRANT INSERT ON \(p).quarantine_raw TO \(g);"
            case .archive:
                sql += """

                    GRANT INSERT, DELETE ON \(p).raw_zone TO \(g);
                    GRANT SELECT (src_topic, src_partition, src_offset, received_at) ON \(p).raw_zone TO \(g);
                    """
            case .scheduler:
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
