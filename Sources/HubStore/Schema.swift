import Aggregation
import HubCore
import Postgres
import Topology

/// The database layout, created and upgraded by numbered, idempotent migrations.
///
/// Published (downstream-readable): the aggregate tables of the topology and
/// `quarantine_counts` (operators only, see SPEC §5). Internal: `current_state` (the KTable per
/// entity, pseudonymous), `sink_offsets` (the consumed positions, committed with the state),
/// `quarantine` (one row per quarantined unit, no personal data). The raw bytes of quarantined
/// units live in the separate `<schema>_private` schema, closed to everyone but its owner and
/// the operator role.
public struct HubSchema: Sendable {
    public let name: String
    public var privateName: String { name + "_private" }

    public init(name: String) { self.name = name }

    /// Applies what is missing, under an advisory lock so concurrent workers do not race.
    ///
    /// Only the schema's owner migrates (`hubctl db migrate`). A worker logged in with its own
    /// role (``WorkerRole``) owns nothing: for it this only checks that every migration this
    /// build knows has been applied, and says who must run them otherwise.
    ///
    /// The owner's session pins `search_path` to `pg_catalog, pg_temp` for the migration, so no
    /// function or operator another login planted in a schema on the path (PostgreSQL 13/14
    /// let every login create in `public`) runs with the owner's rights; and every run checks
    /// that `public` is closed to creation by everyone (revoking it when it may).
    public func migrate(_ db: PGConnection, topology: Topology) throws {
        if try !ownsOrCreates(db) {
            try requireCurrent(db)
            return
        }
        try db.transaction { db in
            try db.query("SELECT pg_advisory_xact_lock(hashtext($1))", ["eduhub.migrate.\(name)"])
            try db.execute("SET LOCAL search_path = pg_catalog, pg_temp")
            try closePublicSchema(db)
            try db.execute("""
                CREATE SCHEMA IF NOT EXISTS \(name);
                CREATE SCHEMA IF NOT EXISTS \(privateName);
                REVOKE ALL ON SCHEMA \(privateName) FROM PUBLIC;
                CREATE TABLE IF NOT EXISTS \(name).schema_migrations (
                    version int PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
                """)
            let done = try db.query("SELECT version FROM \(name).schema_migrations")
            let applied = Set((0..<done.rowCount).compactMap { done.int($0, 0) })
            if migrations.contains(where: { !applied.contains($0.version) }) {
                // A pending migration may replace what these views read (e.g. the standard zone).
                try DataServiceViews.drop(db, schema: self)
            }
            for m in migrations where !applied.contains(m.version) {
                try db.execute(m.sql(self))
                try db.query("INSERT INTO \(name).schema_migrations (version, description) VALUES ($1, $2)",
                             [String(m.version), m.description])
            }
            for stream in topology.streams {
                for aggregate in stream.aggregates {
                    try db.execute(AggregateTableSQL(schema: name, definition: aggregate, stream: stream).createStatement)
                }
            }
            try QualityStore.syncMonitors(db, schema: self, topology: topology)
            try SchoolRegistryStore.syncRegions(db, schema: self, topology: topology)
            try ScenarioDefinitionsStore.sync(db, schema: self, topology: topology)
            try AccessControl.applyPolicies(db, schema: self, topology: topology)
        }
    }

    /// Whether this login owns the schema (or it does not exist yet, so this login creates it).
    private func ownsOrCreates(_ db: PGConnection) throws -> Bool {
        let r = try db.query("SELECT pg_has_role(nspowner, 'MEMBER') FROM pg_namespace WHERE nspname = $1", [name])
        return r.rowCount == 0 || r.value(0, 0) == "t"
    }

    /// For a login that does not own the schema: every known migration must have been applied.
    private func requireCurrent(_ db: PGConnection) throws {
        let done = try db.query("SELECT version FROM \(name).schema_migrations")
        let applied = Set((0..<done.rowCount).compactMap { done.int($0, 0) })
        let missing = migrations.map(\.version).filter { !applied.contains($0) }
        guard missing.isEmpty else {
            throw AccessError("schema \(name) lacks migrations \(missing.map(String.init).joined(separator: ", ")); "
                              + "run `hubctl db migrate` as the schema's owner (this login owns nothing)")
        }
    }

    /// PostgreSQL 13/14 let every login create objects in `public`, where a planted function or
    /// operator could run with the rights of a session that finds it on its path. Revoke that
    /// when this login may; otherwise refuse to go on while it is open.
    private func closePublicSchema(_ db: PGConnection) throws {
        let r = try db.query("""
            SELECT has_schema_privilege('public', 'public', 'CREATE'), pg_has_role(nspowner, 'MEMBER')
            FROM pg_namespace WHERE nspname = 'public'
            """)
        guard r.rowCount == 1, r.value(0, 0) == "t" else { return }
        guard r.value(0, 1) == "t" else {
            throw AccessError("every login may create objects in schema public (PostgreSQL 13/14 default); "
                              + "run REVOKE CREATE ON SCHEMA public FROM PUBLIC as the database owner, then migrate again")
        }
        try db.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    }

    /// Every migration, in order. Adding one is adding a file and a line here.
    var migrations: [Migration] {
        [
            CurrentStateMigration(),
            AccessMigration(),
            SchedulerMigration(),
            QualityMigration(),
            HeldNumbersMigration(),
            RegistryMigration(),
            ScenarioMigration(),
            EntityStateMigration(),
            SecurityMigration(),
            DAGStateMigration(),
            DataServicesMigration(),
            KeyGenerationMigration(),
            EntitySlotMigration(),
        ]
    }
}

/// One numbered schema change. `sql` runs once, inside the migration transaction.
protocol Migration: Sendable {
    var version: Int { get }
    var description: String { get }
    func sql(_ schema: HubSchema) -> String
}

/// The DDL and merge statement of one published aggregate table.
public struct AggregateTableSQL: Sendable {
    public let schema: String
    public let definition: AggregateDefinition
    public let stream: StreamDefinition

    public init(schema: String, definition: AggregateDefinition, stream: StreamDefinition) {
        self.schema = schema
        self.definition = definition
        self.stream = stream
    }

    public var qualified: String { "\(schema).\(definition.table)" }
    public var keyColumns: [String] { ["level", "region_code"] + definition.groupBy.map(\.column) }

    public func groupType(_ field: String) -> String {
        stream.field(field)?.kind == .date ? "date" : "smallint"
    }

    public var createStatement: String {
        var columns = ["level text NOT NULL", "region_code text NOT NULL"]
        columns += definition.groupBy.map { "\($0.column) \(groupType($0.field)) NOT NULL" }
        columns += definition.measures.map { "\($0.column) bigint NOT NULL DEFAULT 0" }
        columns.append("updated_at timestamptz NOT NULL DEFAULT now()")
        columns.append("PRIMARY KEY (\(keyColumns.joined(separator: ", ")))")
        return "CREATE TABLE IF NOT EXISTS \(qualified) (\n    " + columns.joined(separator: ",\n    ") + ");"
    }

    /// Adds staged deltas, in key order so concurrent sinks lock rows in the same order.
    public func mergeStatement(stage: String) -> String {
        let cols = keyColumns + definition.measures.map(\.column)
        let updates = definition.measures.map { "\($0.column) = t.\($0.column) + EXCLUDED.\($0.column)" } + ["updated_at = now()"]
        return """
            INSERT INTO \(qualified) AS t (\(cols.joined(separator: ", ")))
            SELECT \(cols.joined(separator: ", ")) FROM \(stage) ORDER BY \(keyColumns.joined(separator: ", "))
            ON CONFLICT (\(keyColumns.joined(separator: ", "))) DO UPDATE SET \(updates.joined(separator: ", "))
            """
    }
}
