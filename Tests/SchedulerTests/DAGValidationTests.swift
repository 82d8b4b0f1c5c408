import Foundation
import Testing
import Topology

@Suite("DAG definitions")
struct DAGValidationTests {
    func issues(_ yaml: String) -> [TopologyIssue] {
        do {
            _ = try TopologyLoader.load(sources: [("dags.yaml", yaml)])
            return []
        } catch {
            return error.issues
        }
    }

    @Test func parsesEverySetting() throws {
        let topology = try TopologyLoader.load(sources: [("dags.yaml", """
            dags:
              nightly:
                description: test
                schedule: "0 2 * * *"
                timezone: UTC
                catchup: true
                max_active_runs: 3
                concurrency: 4
                tasks:
                  load:
                    type: sql
                    params: { sql: "SELECT 1" }
                    retries: 2
                    retry_backoff: 30
                    timeout: 90
                  run:
                    type: command
                    depends_on: [load]
                    params: { argv: [echo, hi] }
            """)])
        let dag = try #require(topology.dag("nightly"))
        #expect(dag.schedule?.expression == "0 2 * * *" && dag.timeZone == .utc && dag.catchup)
        #expect(dag.maxActiveRuns == 3 && dag.concurrency == 4)
        let load = try #require(dag.task("load"))
        #expect(load.retries == 2 && load.timeoutSeconds == 90 && load.backoff(afterAttempt: 1) == 30 && load.backoff(afterAttempt: 3) == 120)
        #expect(dag.task("run")?.list("argv") == ["echo", "hi"])
        #expect(dag.topologicalOrder == ["load", "run"])
    }

    @Test func defaultsToShanghaiWithoutCatchup() throws {
        let dag = try #require(try TopologyLoader.load(sources: [("d.yaml", """
            dags:
              d:
                schedule: "30 0 * * *"
                tasks: { t: { type: reconcile } }
            """)]).dag("d"))
        #expect(dag.timeZone == .shanghai && !dag.catchup && dag.maxActiveRuns == 1)
    }

    @Test func reportsCycleAtItsLine() {
        let found = issues("""
            dags:
              d:
                tasks:
                  a: { type: reconcile, depends_on: [c] }
                  b: { type: reconcile, depends_on: [a] }
                  c: { type: reconcile, depends_on: [b] }
            """)
        #expect(found.count == 1)
        #expect(found.first?.line == 5, "reported where the task closing the cycle is written")
        #expect(found.first?.message.contains("dependency cycle: a → c → b → a") == true, "\(found)")
    }

    @Test func reportsUnknownDependencyTypeAndCronWithLines() {
        let found = issues("""
            dags:
              d:
                schedule: "61 * * * *"
                timezone: Mars/Olympus
                tasks:
                  a: { type: reconcile, depends_on: [ghost] }
                  b: { type: teleport }
                  c: { type: sql }
            """)
        let byLine = Dictionary(grouping: found, by: \.line)
        #expect(byLine[3]?.first?.message.contains("minute value \"61\"") == true, "\(found)")
        #expect(byLine[4]?.first?.message.contains("unknown time zone") == true, "\(found)")
        #expect(byLine[6]?.first?.message.contains("unknown task \"ghost\"") == true, "\(found)")
        #expect(byLine[7]?.first?.message.contains("unknown task type \"teleport\"") == true, "\(found)")
        #expect(byLine[8]?.first?.message.contains("needs the parameter \"sql\"") == true, "\(found)")
        #expect(found.allSatisfy { $0.file == "dags.yaml" })
    }

    @Test func shippedTopologyHasTheDailyPublicationDAG() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let topology = try TopologyLoader.load(directory: root.appendingPathComponent("Topologies").path)
        let dag = try #require(topology.dag("daily_publication"))
        #expect(dag.topologicalOrder == ["watermark_sensor", "reconcile", "quality_report", "monitor_evaluate", "snapshot_export"])
        #expect(dag.schedule?.expression == "30 0 * * *" && dag.timeZone == .shanghai)
    }
}
