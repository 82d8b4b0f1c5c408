import Foundation
import HubStore
import Postgres
import SchedulerCore
import Testing
import Topology

/// The `monitor_evaluate` task type: one run evaluates the month and the term of its day (in
/// the DAG's zone), as of that day, records its success with the rows, and a second run over the
/// same interval changes nothing.
@Suite("Scheduler task monitor_evaluate")
struct MonitorEvaluateTaskTests {
    static let topology = """
        school_stages:
          primary: { zh: 小学, en: primary school }
        scenarios:
          no_teachers:
            title: { zh: 无在职教师学校, en: Schools without teachers }
            definition: { zh: 没有在职教师记录的学校, en: Registered schools with no active teacher }
            indicator: { kind: schools_without, record_type: teacher }
            warn_when: at_least
            thresholds: { default: 1 }
            severity: critical
            owner: test
        dags:
          monitoring:
            tasks:
              evaluate: { type: monitor_evaluate, params: { periods: [month, term] } }
        """

    @Test func evaluatesTheMonthAndTermOfItsDayOnce() throws {
        let f = try EngineFixture(Self.topology, at: "2026-11-28T00:00:00Z")
        try HubSchema(name: "hub").migrate(f.db, topology: f.topology)
        try f.db.execute("""
            INSERT INTO hub.school_registry (school_code, valid_from, name, county_code, stage, deleted, src_topic, src_partition, src_offset)
            VALUES ('3301060001', '2026-08-01', 'A', '330106', 'primary', false, 'ref.school', 0, 0),
                   ('3302120001', '2026-08-01', 'B', '330212', 'primary', false, 'ref.school', 0, 1)
            """)
        // 2026-11-27 00:00 to 2026-11-28 00:00 in Beijing.
        let run = try f.trigger("monitoring", "2026-11-26T16:00:00Z", "2026-11-27T16:00:00Z")
        try f.drive("run finished") { try f.runState(run)?.isFinished == true }
        #expect(try f.runState(run) == .success)
        let output = try #require(try f.instance(run, "evaluate")?.output)
        #expect(output.contains("2026-11 as of 2026-11-27") && output.contains("2026-2027-1 as of 2026-11-27"), "\(output)")

        func rows() throws -> [String] {
            let r = try f.db.query("""
                SELECT period, level, region_code, value::text, status, as_of::text, evaluated_at::text FROM hub.scenario_results ORDER BY 1, 2, 3
                """)
            return (0..<r.rowCount).map { i in (0..<7).map { r.value(i, $0) ?? "" }.joined(separator: "|") }
        }
        let first = try rows()
        // Per period: 2 schools, 2 counties, 2 cities, the province; no teacher anywhere.
        let expected = ["city|330100|1", "city|330200|1", "county|330106|1", "county|330212|1", "province|330000|2",
                        "school|3301060001|1", "school|3302120001|1"]
        for period in ["2026-11", "2026-2027-1"] {
            let these = first.filter { $0.hasPrefix(period + "|") }.map { $0.split(separator: "|").map(String.init) }
            #expect(these.map { "\($0[1])|\($0[2])|\($0[3])" } == expected, "\(period)")
            #expect(these.allSatisfy { $0[4] == "warning" && $0[5] == "2026-11-27" })
        }
        #expect(try f.count("SELECT count(*) FROM hub.quality_alerts WHERE source = 'scenario' AND published_at IS NULL") == 14)

        // The same interval again (a backfill): the same rows, evaluated_at included, no new alert.
        let again = try #require(try f.store.createRun(dag: "monitoring", interval: DataInterval(start: f.time("2026-11-26T16:00:00Z"),
                                                       end: f.time("2026-11-27T16:00:00Z")), kind: .backfill, now: f.clock.now()))
        try f.drive("second run finished") { try f.runState(again)?.isFinished == true }
        #expect(try f.runState(again) == .success)
        #expect(try rows() == first)
        #expect(try f.count("SELECT count(*) FROM hub.quality_alerts WHERE source = 'scenario'") == 14)
    }
}
