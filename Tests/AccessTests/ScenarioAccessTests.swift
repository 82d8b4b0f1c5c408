import Foundation
import HubStore
import Postgres
import TestSupport
import Testing

/// Monitoring results are published like the aggregates: each region login reads its region's
/// rows and those beneath it — schools by their county in `school_regions` or in the registry —
/// and every login reads the scenarios' definitions; the outbox stays closed.
@Suite("Monitoring results: per-level access", .serialized)
struct ScenarioAccessTests {
    typealias Row = AccessFixture.Row

    @Test("county, city, school and province roles see exactly their scenario_results rows; a registered school without records is its county's")
    func rowsPerRole() throws {
        let f = try AccessFixture("access_scenarios")
        try f.seed()
        // A school only the registry knows (it never sent a record).
        try f.db.execute("""
            INSERT INTO hub.school_registry (school_code, valid_from, name, county_code, stage, deleted, src_topic, src_partition, src_offset)
            VALUES ('3301060009', now(), '新学校', '330106', 'primary', false, 'ref.school', 0, 0)
            """)
        let regions = AccessFixture.regions + [Row("school", "3301060009")]
        for r in regions {
            try f.db.query("""
                INSERT INTO hub.scenario_results (scenario, period, level, region_code, period_kind, period_start, period_end, as_of,
                                                  value, comparison, threshold_high, status, severity)
                VALUES ('dropout_risk', '2026-11', $1, $2, 'month', '2026-11-01', '2026-12-01', '2026-11-27', 1, 'at_least', 1,
                        'warning', 'critical')
                """, [r.level, r.region])
        }
        let cases: [(AccessGrant, Set<Row>)] = [
            (try AccessGrant(role: AccessFixture.roleName("county"), level: .county, region: "330106"),
             [Row("county", "330106"), Row("school", "3301060001"), Row("school", "3301060002"), Row("school", "3301060009")]),
            (try AccessGrant(role: AccessFixture.roleName("city"), level: .city, region: "330200"),
             [Row("city", "330200"), Row("county", "330212"), Row("school", "3302120001")]),
            (try AccessGrant(role: AccessFixture.roleName("school"), level: .school, region: "3301020001"), [Row("school", "3301020001")]),
            (try AccessGrant(role: AccessFixture.roleName("province"), level: .province, region: "330000"), Set(regions)),
        ]
        for (grant, _) in cases { try AccessControl.grant(grant, password: nil, db: f.db, schema: f.schema, actor: "test") }
        defer { for (grant, _) in cases { try? AccessControl.revoke(role: grant.role, db: f.db, schema: f.schema) } }
        for (grant, expected) in cases {
            let db = try f.connect(as: grant.role)
            let r = try db.query("SELECT level, region_code FROM hub.scenario_results")
            #expect(Set((0..<r.rowCount).map { Row(r.value($0, 0)!, r.value($0, 1)!) }) == expected, "\(grant.role)")
            #expect(try db.query("SELECT count(*) FROM hub.scenarios").int(0, 0) == f.topology.scenarios.count)
            #expect(throws: PGError.self) { try db.query("SELECT * FROM hub.quality_alerts") }
            #expect(throws: PGError.self) { try db.query("DELETE FROM hub.scenario_results") }
        }
        let forced = try f.db.query("""
            SELECT relrowsecurity AND relforcerowsecurity FROM pg_class WHERE oid = 'hub.scenario_results'::regclass
            """)
        #expect(forced.value(0, 0) == "t")
    }
}
