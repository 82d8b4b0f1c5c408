import Foundation
import HubStore
import Postgres
import TestSupport
import Testing

/// Per-worker roles, SCRAM verifiers and the search-path plant (issue 21), against the real
/// PostgreSQL with logins made by `hubctl access worker` / `AccessControl.grantWorker`.
@Suite("Least privilege in PostgreSQL", .serialized)
struct LeastPrivilegeTests {
    /// Runs `sql` as `login` and returns the SQLSTATE it failed with, nil when it succeeded.
    static func attempt(_ conninfo: String, _ login: String, _ sql: String) throws -> String? {
        let db = try PGConnection(conninfo: conninfo + " user=\(login)")
        do {
            try db.execute(sql)
            return nil
        } catch let error as PGError {
            return error.sqlState ?? "no-sqlstate"
        }
    }

    @Test("each worker's login does what its worker does and fails on anything outside its grants")
    func workerRolesAreMinimal() throws {
        let f = try AccessFixture("access_workers")
        try f.seed()
        try f.db.execute("""
            INSERT INTO hub.quarantine (src_topic, src_partition, src_offset, src_row, reason) VALUES ('raw.student', 0, 0, 0, 'malformed');
            INSERT INTO hub_private.quarantine_raw (src_topic, src_partition, src_offset, src_row, raw) VALUES ('raw.student', 0, 0, 0, '\\x41');
            INSERT INTO hub_private.raw_zone (src_topic, src_partition, src_offset, bytes) VALUES ('raw.student', 0, 0, '\\x41');
            """)
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        var logins: [WorkerRole: String] = [:]
        for worker in WorkerRole.allCases {
            let login = "t_\(worker.rawValue)_\(suffix)"
            try AccessControl.grantWorker(worker, role: login, password: nil, db: f.db, schema: f.schema)
            logins[worker] = login
        }
        defer { for login in logins.values { try? AccessControl.revoke(role: login, db: f.db, schema: f.schema) } }
        let c = f.conninfo
        let sink = try #require(logins[.sink]), archive = try #require(logins[.archive]), scheduler = try #require(logins[.scheduler])

        // What each worker does succeeds.
        let allowed: [(String, String)] = [
            (sink, "INSERT INTO hub.sink_offsets (consumer_group, topic, partition, next_offset) VALUES ('g', 't', 0, 1)"),
            (sink, "UPDATE hub.enrollment_agg SET students = students + 1 WHERE level = 'province'"),
            (sink, "INSERT INTO hub_private.quarantine_raw (src_topic, src_partition, src_offset, src_row, raw) VALUES ('raw.student', 0, 1, 0, '\\x42') ON CONFLICT DO NOTHING"),
            (sink, "SELECT count(*) FROM hub.current_state"),
            (archive, "INSERT INTO hub_private.raw_zone (src_topic, src_partition, src_offset, bytes) VALUES ('raw.student', 0, 1, '\\x42') ON CONFLICT DO NOTHING"),
            (archive, "DELETE FROM hub_private.raw_zone WHERE received_at < now() - interval '400 days'"),
            (archive, "INSERT INTO hub.school_registry (school_code, valid_from, county_code, deleted, src_topic, src_partition, src_offset) VALUES ('3301060009', now(), '330106', false, 'ref.school', 0, 9) ON CONFLICT DO NOTHING"),
            (scheduler, "UPDATE hub_private.quarantine_raw SET raw = NULL, record = NULL, purged_at = now() WHERE src_offset = 0 AND purged_at IS NULL"),
            (scheduler, "UPDATE hub.enrollment_agg SET students = students WHERE level = 'county'"),
            (scheduler, "SELECT count(*) FROM hub.quarantine"),
            // quarantine_replay's hubctl reads the parsed records (sealed when at-rest keys are set), never the raw bytes.
            (scheduler, "SELECT record, sealed FROM hub_private.quarantine_raw"),
        ]
        for (login, sql) in allowed {
            #expect(try Self.attempt(c, login, sql) == nil, "\(login): \(sql)")
        }
        let sinkSees = try PGConnection(conninfo: c + " user=\(sink)").query("SELECT count(*) FROM hub.enrollment_agg").int(0, 0)
        #expect(sinkSees == AccessFixture.regions.count, "row-level security lets the sink see every aggregate row")

        // Anything else fails with insufficient_privilege (42501), the owner's rights included.
        let denied: [(String, String)] = [
            (sink, "DROP TABLE hub.enrollment_agg"),
            (sink, "TRUNCATE hub.entity_state"),
            (sink, "ALTER TABLE hub.quarantine ADD COLUMN x int"),
            (sink, "CREATE TABLE hub.planted (a int)"),
            (sink, "SELECT bytes FROM hub_private.raw_zone"),
            (sink, "SELECT raw FROM hub_private.quarantine_raw"),
            (sink, "INSERT INTO hub.access_grants (role_name, level) VALUES ('x', 'operator')"),
            (sink, "DELETE FROM hub.audit_log"),
            (sink, "INSERT INTO hub.school_registry (school_code, valid_from, county_code, deleted, src_topic, src_partition, src_offset) VALUES ('3301060009', now(), '330212', false, 'ref.school', 0, 10)"),
            (sink, "UPDATE hub.task_instances SET output = ''"),
            (archive, "SELECT bytes FROM hub_private.raw_zone"),
            (archive, "SELECT * FROM hub.current_state"),
            (archive, "UPDATE hub.enrollment_agg SET students = 0"),
            (archive, "SELECT raw FROM hub_private.quarantine_raw"),
            (archive, "DROP TABLE hub_private.raw_zone"),
            (scheduler, "SELECT raw FROM hub_private.quarantine_raw"),
            (scheduler, "SELECT bytes FROM hub_private.raw_zone"),
            (scheduler, "UPDATE hub.sink_offsets SET next_offset = 0"),
            (scheduler, "INSERT INTO hub.access_grants (role_name, level) VALUES ('x', 'province')"),
            (scheduler, "DROP TABLE hub.dag_runs"),
            // Outside the allow list (the deny list granted these).
            (sink, "SELECT count(*) FROM hub.dag_runs"),
            (sink, "DELETE FROM hub.scenario_results"),
            (sink, "SELECT count(*) FROM hub.api_clients"),
            (sink, "DELETE FROM hub.quarantine"),
            (sink, "UPDATE hub.quality_monitors SET bit = bit"),
            (scheduler, "DELETE FROM hub.entity_state"),
            (scheduler, "UPDATE hub.std_partitions SET partitions = partitions"),
            (scheduler, "DELETE FROM hub.school_claims"),
            (scheduler, "SELECT count(*) FROM hub.api_clients"),
            (scheduler, "DELETE FROM hub.quarantine"),
            (archive, "SELECT count(*) FROM hub.quarantine"),
        ]
        for (login, sql) in denied {
            #expect(try Self.attempt(c, login, sql) == "42501", "\(login) must not: \(sql)")
        }

        // A table a later migration adds is nobody's until WorkerRole lists it: the grants
        // re-applied by the migration leave it out, and the decision check names it.
        try f.db.execute("CREATE TABLE hub.later_table (a int)")
        try HubSchema(name: "hub").migrate(f.db, topology: f.topology)
        for login in [sink, scheduler, archive] {
            #expect(try Self.attempt(c, login, "INSERT INTO hub.later_table VALUES (1)") == "42501", "\(login)")
            #expect(try Self.attempt(c, login, "SELECT * FROM hub.later_table") == "42501", "\(login)")
        }
        #expect(try Self.undecidedTables(f) == ["later_table"])
        try f.db.execute("DROP TABLE hub.later_table")

        // A worker owns nothing, so it never migrates: it only checks the schema is current.
        try HubSchema(name: "hub").migrate(try PGConnection(conninfo: c + " user=\(sink)"), topology: f.topology)
        try f.db.execute("DELETE FROM hub.schema_migrations WHERE version = 11")
        #expect(throws: AccessError.self) {
            try HubSchema(name: "hub").migrate(try PGConnection(conninfo: c + " user=\(scheduler)"), topology: f.topology)
        }
        try f.db.execute("INSERT INTO hub.schema_migrations (version, description) VALUES (11, 'restored')")

        // hubctl lists region grants only; worker logins are recorded with their worker.
        let recorded = try f.db.query("SELECT level FROM hub.access_grants WHERE role_name = $1", [sink])
        #expect(recorded.value(0, 0) == "worker_sink")
        #expect(try AccessControl.list(db: f.db, schema: f.schema).allSatisfy { !$0.grant.role.hasPrefix("t_") })
    }

    /// Tables and views of the migrated hub schema with no grant decision in ``WorkerRole``.
    static func undecidedTables(_ f: AccessFixture) throws -> [String] {
        let r = try f.db.query("""
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'hub' AND c.relkind IN ('r', 'v', 'p', 'm') ORDER BY 1
            """)
        let names = try r.rows.map { row throws in try row.decode("relname", as: String.self) }
        return WorkerRole.undecided(names, aggregates: Set(f.topology.streams.flatMap(\.aggregates).map(\.table)))
    }

    @Test("every table of the migrated schema is granted to each worker by decision (allow list), none by default")
    func everyTableHasAGrantDecision() throws {
        let f = try AccessFixture("access_decisions")
        #expect(try Self.undecidedTables(f) == [], "add each new table to WorkerRole.hubTables, with no worker if none needs it")
        let relations = try f.db.query("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'hub' AND c.relkind IN ('r', 'v')")
        #expect((relations.int(0, 0) ?? 0) >= 35, "the check saw the migrated schema")
        let privateTables = try f.db.query("""
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'hub_private' AND c.relkind IN ('r', 'v', 'p', 'm') ORDER BY 1
            """)
        let privateNames = try privateTables.rows.map { row throws in try row.decode("relname", as: String.self) }
        #expect(Set(privateNames) == WorkerRole.privateTables, "the private schema is granted column by column in WorkerRole.apply")
        // What a worker group holds is exactly what the list says: no table outside it.
        let held = try f.db.query("""
            SELECT DISTINCT table_name FROM information_schema.role_table_grants
            WHERE grantee = 'hub_worker_sink' AND table_schema = 'hub' ORDER BY 1
            """)
        let sinkTables = try held.rows.map { row throws in try row.decode("table_name", as: String.self) }
        let aggregates = Set(f.topology.streams.flatMap(\.aggregates).map(\.table))
        let listed = WorkerRole.hubTables.filter { $0.value[.sink] != nil }.map(\.key)
        #expect(Set(sinkTables) == Set(listed).union(aggregates))
    }

    @Test("hubctl access grant and worker send a SCRAM verifier, never the clear password (pg_stat_statements)")
    func grantsSendNoClearPassword() throws {
        let f = try AccessFixture("access_scram")
        try f.db.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        _ = try f.db.query("SELECT pg_stat_statements_reset()")
        let password = "Clear-Text-Pw-\(UInt32.random(in: 100_000...999_999))"
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scram-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try (password + "\n").write(to: dir.appendingPathComponent("pw"), atomically: true, encoding: .utf8)
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let reader = "t_reader_\(suffix)", worker = "t_sinklogin_\(suffix)"
        defer {
            try? AccessControl.revoke(role: reader, db: f.db, schema: f.schema)
            try? AccessControl.revoke(role: worker, db: f.db, schema: f.schema)
        }
        let env = ["HUB_DATABASE": f.conninfo, "HUB_TOPOLOGY_DIR": AccessFixture.topologyDirectory]
        let grant = try AccessFixture.run("hubctl", ["access", "grant", "--level", "county", "--region", "330106", "--role", reader,
                                                     "--password-file", dir.appendingPathComponent("pw").path], environment: env)
        #expect(grant.status == 0, "\(grant.error)")
        let workerGrant = try AccessFixture.run("hubctl", ["access", "worker", "--worker", "sink", "--role", worker,
                                                           "--password-file", dir.appendingPathComponent("pw").path], environment: env)
        #expect(workerGrant.status == 0, "\(workerGrant.error)")

        let clear = try f.db.query("SELECT count(*) FROM pg_stat_statements WHERE query LIKE '%' || $1 || '%'", [password])
        #expect(clear.int(0, 0) == 0, "the clear password reached the server")
        // The statements were recorded, with verifiers (so the check above could have failed).
        let verifiers = try f.db.query("""
            SELECT count(*) FROM pg_stat_statements WHERE query LIKE 'CREATE ROLE%PASSWORD ''SCRAM-SHA-256$4096:%'
            """)
        #expect(verifiers.int(0, 0) == 2)
        let stored = try f.db.query("SELECT rolname FROM pg_authid WHERE rolname = ANY($1::text[]) AND rolpassword LIKE 'SCRAM-SHA-256$4096:%' ORDER BY 1",
                                    [PGArrayLiteral.text([reader, worker])])
        #expect((0..<stored.rowCount).map { stored.value($0, 0) } == [reader, worker].sorted())
    }

    @Test("an operator planted in public (PostgreSQL 13/14 default) has no effect on owner sessions; migrate closes public")
    func plantedOperatorHasNoEffect() throws {
        let f = try AccessFixture("access_plant")
        // PostgreSQL 13/14: every login may create in public.
        try f.db.execute("GRANT CREATE ON SCHEMA public TO PUBLIC")
        let reader = "t_planter_\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
        try AccessControl.grant(try AccessGrant(role: reader, level: "county", region: "330106"), password: nil, db: f.db, schema: f.schema)
        defer { try? AccessControl.revoke(role: reader, db: f.db, schema: f.schema) }
        let plant = """
            CREATE TABLE public.plant_log (at timestamptz);
            GRANT INSERT ON public.plant_log TO PUBLIC;
            CREATE FUNCTION public.plant(a text[], b text[]) RETURNS text[] LANGUAGE plpgsql AS $$
                BEGIN INSERT INTO public.plant_log VALUES (now()); RETURN pg_catalog.array_cat(a, b); END $$;
            CREATE OPERATOR public.|| (LEFTARG = text[], RIGHTARG = text[], FUNCTION = public.plant);
            """
        #expect(try Self.attempt(f.conninfo, reader, plant) == nil, "the PostgreSQL 14 default lets a reader plant")
        let concat = "SELECT ARRAY['a']::text[] || ARRAY['b']::text[]"
        func planted() throws -> Int { try f.db.query("SELECT count(*) FROM public.plant_log").int(0, 0) ?? -1 }

        // A session with the default search path runs the plant (so this test can fail) …
        _ = try PGConnection(conninfo: f.conninfo).query(concat)
        #expect(try planted() == 1)
        // … a pinned one (workers, hubctl, migrations) does not, and gets the built-in result.
        let pinned = try PGConnection(conninfo: f.conninfo, pinnedSearchPath: true)
        #expect(try pinned.query(concat).value(0, 0) == "{a,b}")
        #expect(try planted() == 1)

        // Migrating closes public again; the reader can plant nothing more.
        let migrate = try AccessFixture.run("hubctl", ["db", "migrate"], environment: [
            "HUB_DATABASE": f.conninfo, "HUB_TOPOLOGY_DIR": AccessFixture.topologyDirectory])
        #expect(migrate.status == 0, "\(migrate.error)")
        #expect(try f.db.query("SELECT has_schema_privilege('public', 'public', 'CREATE')").value(0, 0) == "f")
        #expect(try planted() == 1, "nothing in the migration ran the plant")
        #expect(try Self.attempt(f.conninfo, reader, "CREATE FUNCTION public.plant2() RETURNS int LANGUAGE sql AS 'SELECT 1'") == "42501")
    }
}
