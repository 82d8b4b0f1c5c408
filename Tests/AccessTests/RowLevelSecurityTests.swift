import Foundation
import HubStore
import Postgres
import TestSupport
import Testing

/// Roles made by `hubctl access grant` log in and see exactly their region and the regions
/// beneath it in every published table, and nothing of the state, quarantine or raw tables.
@Suite("Per-level access with row-level security", .serialized)
struct RowLevelSecurityTests {
    typealias Row = AccessFixture.Row

    static let forbidden = [
        "hub.current_state", "hub.sink_offsets", "hub.quarantine", "hub.quarantine_counts", "hub.school_regions",
        "hub.access_grants", "hub.audit_log", "hub.standard_zone", "hub_private.quarantine_raw", "hub_private.raw_zone",
    ]

    func visibleRows(_ db: PGConnection, _ table: String) throws -> Set<Row> {
        let r = try db.query("SELECT level, region_code FROM \(table)")
        return Set((0..<r.rowCount).map { Row(r.value($0, 0)!, r.value($0, 1)!) })
    }

    func expectDenied(_ db: PGConnection, _ table: String) {
        do {
            _ = try db.query("SELECT * FROM \(table) LIMIT 1")
            Issue.record("\(table) was readable")
        } catch let error as PGError {
            #expect(error.sqlState == "42501", "\(table): \(error)")
        } catch {
            Issue.record("\(table): unexpected \(error)")
        }
    }

    @Test("county, city, school and province roles see exactly their rows; state, quarantine and raw tables are denied")
    func exactRowsPerRole() throws {
        let f = try AccessFixture("access_rls")
        try f.seed()
        let cases: [(AccessGrant, Set<Row>)] = [
            (try AccessGrant(role: AccessFixture.roleName("county"), level: .county, region: "330106"),
             [Row("county", "330106"), Row("school", "3301060001"), Row("school", "3301060002")]),
            (try AccessGrant(role: AccessFixture.roleName("city"), level: .city, region: "330100"),
             [Row("city", "330100"), Row("county", "330106"), Row("county", "330102"),
              Row("school", "3301060001"), Row("school", "3301060002"), Row("school", "3301020001")]),
            (try AccessGrant(role: AccessFixture.roleName("school"), level: .school, region: "3302120001"),
             [Row("school", "3302120001")]),
            (try AccessGrant(role: AccessFixture.roleName("province"), level: .province, region: "330000"),
             Set(AccessFixture.regions)),
        ]
        for (grant, _) in cases { try AccessControl.grant(grant, password: nil, db: f.db, schema: f.schema, actor: "test") }
        defer { for (grant, _) in cases { try? AccessControl.revoke(role: grant.role, db: f.db, schema: f.schema) } }

        #expect(f.publishedTables.count == 3)
        for (grant, expected) in cases {
            let db = try f.connect(as: grant.role)
            for table in f.publishedTables {
                #expect(try visibleRows(db, table) == expected, "\(grant.role) in \(table)")
            }
            for table in Self.forbidden { expectDenied(db, table) }
            // Writing is not allowed either.
            #expect(throws: PGError.self) { try db.query("DELETE FROM hub.teacher_agg") }
        }

        // Re-running migrations keeps the policies and grants, and publishes a view built on
        // an aggregate table with the same row limits.
        try f.db.execute("CREATE VIEW hub.teacher_totals AS SELECT level, region_code, teachers FROM hub.teacher_agg")
        try f.schema.migrate(f.db, topology: f.topology)
        try f.schema.migrate(f.db, topology: f.topology)
        for (grant, expected) in cases {
            let db = try f.connect(as: grant.role)
            for table in f.publishedTables {
                #expect(try visibleRows(db, table) == expected, "after re-migrating: \(grant.role) in \(table)")
            }
            #expect(try visibleRows(db, "hub.teacher_totals") == expected, "\(grant.role) through a view")
            expectDenied(db, "hub.current_state")
        }
        let forced = try f.db.query("""
            SELECT count(*) FROM pg_class WHERE relnamespace = 'hub'::regnamespace AND relrowsecurity AND relforcerowsecurity
              AND relname = ANY($1::text[])
            """, ["{enrollment_agg,teacher_agg,attendance_agg}"])
        #expect(forced.int(0, 0) == 3)
        let audit = try f.db.query("SELECT count(*) FROM hub.audit_log WHERE action = 'access.grant' AND actor = 'test'")
        #expect(audit.int(0, 0) == cases.count)
    }

    @Test("a non-superuser pipeline login that owns the schema migrates, writes and reads under FORCE row-level security")
    func ownerKeepsWorking() throws {
        let conninfo = try TestServices.createDatabase(prefix: "access_owner")
        let admin = try PGConnection(conninfo: conninfo)
        let pipeline = AccessFixture.roleName("pipeline")
        let database = try #require(conninfo.split(separator: " ").first { $0.hasPrefix("dbname=") }?.dropFirst(7))
        try admin.execute("CREATE ROLE \(pipeline) LOGIN CREATEROLE; GRANT CREATE ON DATABASE \(database) TO \(pipeline)")
        defer {
            try? admin.execute("DROP SCHEMA IF EXISTS hub, hub_private CASCADE; REVOKE ALL ON DATABASE \(database) FROM \(pipeline)")
            try? admin.execute("DROP ROLE IF EXISTS \(pipeline)")
        }
        let db = try PGConnection(conninfo: conninfo + " user=\(pipeline)")
        let schema = HubSchema(name: "hub")
        try schema.migrate(db, topology: AccessFixture.shippedTopology)
        try schema.migrate(db, topology: AccessFixture.shippedTopology)
        try db.execute("INSERT INTO hub.teacher_agg (level, region_code, teachers) VALUES ('county', '330106', 4)")
        #expect(try db.query("SELECT teachers FROM hub.teacher_agg").int(0, 0) == 4)
        #expect(try db.query("SELECT relforcerowsecurity FROM pg_class WHERE oid = 'hub.teacher_agg'::regclass").value(0, 0) == "t")
    }

    @Test("the operator reads the quarantine and private schema; revoking drops the login")
    func operatorAndRevoke() throws {
        let f = try AccessFixture("access_operator")
        try f.seed()
        let op = AccessFixture.roleName("ops")
        try AccessControl.grant(try AccessGrant(role: op, level: .operator, region: nil), password: nil, db: f.db, schema: f.schema)
        let db = try f.connect(as: op)
        for table in ["hub.quarantine", "hub.quarantine_counts", "hub_private.quarantine_raw", "hub_private.raw_zone", "hub.audit_log"] {
            #expect(throws: Never.self, "\(table)") { try db.query("SELECT * FROM \(table) LIMIT 1") }
        }
        #expect(try visibleRows(db, "hub.enrollment_agg") == Set(AccessFixture.regions))
        expectDenied(db, "hub.current_state")
        expectDenied(db, "hub.sink_offsets")

        let listed = try AccessControl.list(db: f.db, schema: f.schema)
        #expect(listed.map(\.grant) == [try AccessGrant(role: op, level: .operator, region: nil)])
        try AccessControl.revoke(role: op, db: f.db, schema: f.schema)
        #expect(try f.db.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [op]).rowCount == 0)
        #expect(throws: PGError.self) { try f.connect(as: op) }
        let actions = try f.db.query("SELECT action FROM hub.audit_log ORDER BY id")
        #expect((0..<actions.rowCount).map { actions.value($0, 0)! } == ["access.grant", "access.revoke"])
    }

    @Test("SQL injection through region codes, role names and levels is refused before any SQL runs")
    func injectionIsRejected() throws {
        let badRegions = ["330106'; DROP TABLE hub.enrollment_agg; --", "330106 OR 1=1", "33010", "3301060", "330100",
                          "33a106", "３３０１０６", "330106\u{0}"]
        for region in badRegions {
            #expect(throws: AccessError.self, "county region \(region)") {
                try AccessGrant(role: "county_ok", level: "county", region: region)
            }
        }
        #expect(throws: AccessError.self) { try AccessGrant(role: "city_ok", level: "city", region: "330000") }
        #expect(throws: AccessError.self) { try AccessGrant(role: "city_ok", level: "city", region: "330106") }
        #expect(throws: AccessError.self) { try AccessGrant(role: "school_ok", level: "school", region: "3301'--001") }
        #expect(throws: AccessError.self) { try AccessGrant(role: "prov_ok", level: "province", region: "330100") }
        let badRoles = ["x\"; DROP ROLE postgres; --", "Robert", "ab", "a b_c", "role;drop", "1abc", "pg_signal", "postgres",
                        "hub_reader", "hub_operator", String(repeating: "a", count: 42), "county_ok'--"]
        for role in badRoles {
            #expect(throws: AccessError.self, "role \(role)") { try AccessGrant(role: role, level: "county", region: "330106") }
        }
        #expect(throws: AccessError.self) { try AccessGrant(role: "county_ok", level: "county' OR '1'='1", region: "330106") }
        #expect(throws: AccessError.self) { try AccessGrant(role: "ops_ok", level: "operator", region: "330106") }

        // Through the command line: a clear error, and nothing changed.
        let f = try AccessFixture("access_injection")
        let env = ["HUB_DATABASE": f.conninfo, "HUB_TOPOLOGY_DIR": AccessFixture.topologyDirectory]
        let region = try AccessFixture.run("hubctl", ["access", "grant", "--level", "county", "--role", "county_inj",
                                                      "--region", "330106'); DROP TABLE hub.teacher_agg; --"], environment: env)
        #expect(region.status != 0)
        #expect(region.error.contains("not valid for level county"), "\(region.error)")
        let role = try AccessFixture.run("hubctl", ["access", "grant", "--level", "county", "--region", "330106",
                                                    "--role", "x\"; DROP TABLE hub.teacher_agg; --"], environment: env)
        #expect(role.status != 0)
        #expect(role.error.contains("role name"), "\(role.error)")
        let revoke = try AccessFixture.run("hubctl", ["access", "revoke", "--role", "postgres; DROP ROLE x"], environment: env)
        #expect(revoke.status != 0)
        #expect(try f.db.query("SELECT to_regclass('hub.teacher_agg') IS NOT NULL").value(0, 0) == "t")
        #expect(try f.db.query("SELECT count(*) FROM hub.access_grants").int(0, 0) == 0)

        // An existing role hubctl did not make (it could be the pipeline's) is never taken over.
        let foreign = AccessFixture.roleName("foreign")
        try f.db.execute("CREATE ROLE \(foreign) LOGIN")
        defer { try? f.db.execute("DROP ROLE IF EXISTS \(foreign)") }
        #expect(throws: AccessError.self) {
            try AccessControl.grant(try AccessGrant(role: foreign, level: .province, region: "330000"), password: nil, db: f.db, schema: f.schema)
        }
        #expect(throws: AccessError.self) { try AccessControl.revoke(role: foreign, db: f.db, schema: f.schema) }
    }

    @Test("hubctl access grant / list / revoke, with a password file")
    func commandLine() throws {
        let f = try AccessFixture("access_cli")
        try f.seed()
        let env = ["HUB_DATABASE": f.conninfo, "HUB_TOPOLOGY_DIR": AccessFixture.topologyDirectory, "USER": "steward"]
        let role = AccessFixture.roleName("cli_county")
        let passwordFile = FileManager.default.temporaryDirectory.appendingPathComponent("pw-\(role)").path
        try Data("s3cret'pass\n".utf8).write(to: URL(fileURLWithPath: passwordFile))
        let grant = try AccessFixture.run("hubctl", ["access", "grant", "--level", "county", "--region", "330212", "--role", role,
                                                     "--password-file", passwordFile], environment: env)
        #expect(grant.status == 0, "\(grant.error)")
        defer { try? AccessControl.revoke(role: role, db: f.db, schema: f.schema) }
        let list = try AccessFixture.run("hubctl", ["access", "list"], environment: env)
        #expect(list.output.contains("\(role)  county  330212"), "\(list.output)")
        let db = try f.connect(as: role)
        #expect(try visibleRows(db, "hub.teacher_agg") == [Row("county", "330212"), Row("school", "3302120001")])
        let revoke = try AccessFixture.run("hubctl", ["access", "revoke", "--role", role], environment: env)
        #expect(revoke.status == 0, "\(revoke.error)")
        let audit = try f.db.query("SELECT actor, action, details->>'region' FROM hub.audit_log ORDER BY id")
        #expect(audit.rowCount == 2)
        #expect(audit.value(0, 0) == "steward" && audit.value(0, 1) == "access.grant" && audit.value(0, 2) == "330212")
        #expect(audit.value(1, 1) == "access.revoke")
    }
}
