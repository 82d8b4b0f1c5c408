import Foundation
import TestSupport
import Testing

/// Issue 7: the workers' endpoints during a real run, and scaling a stage out.
@Suite("Observability and scale-out", .serialized, .pipeline)
struct ObservabilityTests {
    let a = "3133000001", b = "3133000002"

    @Test func metricsMatchWhatWasProducedAndQuarantined() throws {
        let h = try PipelineHarness("metrics")
        defer { h.stopAll() }
        try h.register(school: a, county: "330106")
        try h.register(school: b, county: "330212")
        try h.flush()
        var ports: [PipelineHarness.Stage: Int] = [:]
        for stage in PipelineHarness.Stage.allCases {
            ports[stage] = HTTPProbe.freePort()
            try h.start(stage, extraEnvironment: ["HUB_HTTP_PORT": String(ports[stage]!)])
        }
        let t = "2026-09-01 08:00:00"
        // 5 raw messages → 8 records reach Transform → 6 standard records, 2 quarantined there;
        // 3 malformed units quarantined by Ingest (1 ndjson line, 2 whole values).
        try h.send("raw.student", key: a, text: Raw.stdStudent(school: a, id: Raw.id(1), gender: "1", grade: "11", status: "1", time: t))
        let ndjson = [
            Raw.enStudent(school: a, id: Raw.id(2), gender: "M", grade: "#1", status: "enrolled", time: "2026-09-01T08:00:00+08:00"),
            Raw.enStudent(school: a, id: Raw.id(3), gender: "F", grade: "2", status: "enrolled", time: "2026-09-01T08:00:00+08:00"),
            Raw.enStudent(school: b, id: Raw.id(4), gender: "U", grade: "#12", status: "enrolled", time: "2026-09-01T08:00:00+08:00"),
            "{\"broken\": ",
            Raw.json([("学校代码", a), ("身份证号", Raw.id(5)), ("年级", "一年级"), ("学籍状态", "在读"), ("更新时间", "2026-9-1 8:0:0")]),
        ].joined(separator: "\n")
        try h.send("raw.student", key: a, text: ndjson, headers: [("content-type", "application/x-ndjson")])
        let csv = "XXBSM,SFZJH,XBM,NJDM,XJZT,GXSJ\r\n"
            + "\(b),\(Raw.id(6)),2,21,1,\(t)\r\n\(b),\(Raw.id(7)),1,31,1,\(t)\r\n\(b),\(Raw.id(8)),7,31,1,\(t)\r\n"
        try h.send("raw.student", key: b, text: csv, headers: [("content-type", "text/csv")])
        try h.send("raw.student", key: b, value: nil)
        try h.send("raw.student", key: b, text: "{}", headers: [("content-type", "application/yaml")])
        try h.flush()
        try h.waitUntilCaughtUp()

        func metrics(_ stage: PipelineHarness.Stage) throws -> [String: Double] {
            let w = h.workers.first { $0.stage == stage }!.process
            guard let port = HTTPProbe.port(fromLog: w.standardError()) ?? ports[stage] else { throw HarnessError("no port for \(stage)") }
            #expect(try HTTPProbe.get(port: port, path: "/healthz").status == 200)
            #expect(try HTTPProbe.get(port: port, path: "/readyz").status == 200)
            #expect(try HTTPProbe.get(port: port, path: "/nope").status == 404)
            return HTTPProbe.samples(try HTTPProbe.get(port: port, path: "/metrics").body)
        }
        let ingest = try metrics(.ingest)
        #expect(ingest["hub_messages_consumed_total{stage=\"ingest\"}"] == 5)
        #expect(ingest["hub_records_produced_total{stage=\"ingest\",topic=\"\(h.prefix)hub.ingested\"}"] == 8)
        #expect(ingest["hub_quarantined_units_total{reason=\"malformed\",stage=\"ingest\"}"] == 3)
        #expect(ingest["hub_batch_messages_sum{stage=\"ingest\"}"] == 5)
        let transform = try metrics(.transform)
        #expect(transform["hub_records_consumed_total{stage=\"transform\"}"] == 8)
        #expect(transform["hub_records_produced_total{stage=\"transform\",topic=\"\(h.prefix)std.student\"}"] == 6)
        #expect(transform["hub_quarantined_units_total{reason=\"missing_field\",stage=\"transform\"}"] == 1)
        #expect(transform["hub_quarantined_units_total{reason=\"invalid_code\",stage=\"transform\"}"] == 1)
        let sink = try metrics(.sink)
        #expect(sink["hub_records_consumed_total{stage=\"sink\"}"] == 11)
        #expect(sink.keys.contains { $0.hasPrefix("hub_consumer_lag_messages{") })
        #expect(sink.keys.contains { $0.hasPrefix("hub_pg_transaction_duration_seconds_bucket{") })
        let now = Date().timeIntervalSince1970
        #expect((sink["hub_last_commit_timestamp_seconds{stage=\"sink\"}"] ?? 0) > now - 600)
        #expect(try h.quarantineCounts() == ["malformed": 3, "missing_field": 1, "invalid_code": 1])
        #expect(try h.enrollment().values.reduce(0, +) == 6 * 4)
    }

    @Test func aSecondTransformInstanceTakesPartitionsAndResultsStayExact() throws {
        let seed = TruthRandom.seed(for: "scale-out")
        let scenario = try TruthScenario(seed: seed, size: .init(students: 1500, teachers: 200, partitions: 4))
        let h = try PipelineHarness("scaleout", partitions: 4)
        defer { h.stopAll() }
        let run = try TruthRun(scenario, h)
        try run.sendRegistry()
        try h.startAll()
        run.startFeeding(perSecond: max(20, scenario.messages.count / 20))
        Thread.sleep(forTimeInterval: 3)
        let second = try h.start(.transform)
        try run.waitUntilFed()
        try h.waitUntilCaughtUp()
        let first = h.workers.first { $0.stage == .transform }!.process
        func lastAssignment(_ log: String) -> String? {
            log.split(separator: "\n").last { $0.contains("partitions assigned") }.map(String.init)
        }
        let firstLast = lastAssignment(first.standardError()) ?? ""
        let secondLast = lastAssignment(second.standardError()) ?? ""
        #expect(firstLast.contains("hub.ingested["), "first transform: \(firstLast)")
        #expect(secondLast.contains("hub.ingested["), "second transform: \(secondLast)")
        let differences = try run.differences(try run.expectations())
        #expect(differences.isEmpty, "seed \(seed):\n\(differences.joined(separator: "\n"))")
    }
}
