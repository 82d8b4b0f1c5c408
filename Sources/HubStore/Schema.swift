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
    public func migrate(_ db: PGConnection, topology: Topology) throws {
        try db.transaction { db in
            try db.query("SELECT pg_advisory_xact_lock(hashtext($1))", ["eduhub.migrate.\(name)"])
            try db.execute("""
                CREATE SCHEMA IF NOT EXISTS \(name);
                CREATE SCHEMA IF NOT EXISTS \(privateName);
                REVOKE ALL ON SCHEMA \(privateName) FROM PUBLIC;
                CREATE TABLE IF NOT EXISTS \(name).schema_migrations (
                    version int PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
                """)
            let done = try db.query("SELECT version FROM \(name).schema_migrations")
            let applied = Set((0..<done.rowCount).compactMap { done.int($0, 0) })
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
