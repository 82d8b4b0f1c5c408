import Foundation
import Kafka
import TestSupport
import Testing

/// `hubctl pipeline switch-input` (deploy/README, "Without hub-ingest"): a running pipeline is
/// switched from the split deployment to `hub-transform --input raw` and back. Each switch
/// hands the raw topics' committed offsets to the group that reads them next, so nothing is
/// read twice (the sink sees no copy: every entity has one version) and nothing is skipped
/// (every table equals the truth).
@Suite("Switching between the two deployments", .serialized, .pipeline)
struct SwitchInputTests {
    @Test func switchingToRawAndBackReadsNothingTwiceAndSkipsNothing() throws {
        let seed = TruthRandom.seed(for: "switch-input")
        let scenario = try TruthScenario(seed: seed, size: .init(students: 240, teachers: 40, partitions: 2, singleVersions: true))
        let h = try PipelineHarness("switchinput", partitions: 2)
        defer { h.stopAll() }
        let run = try TruthRun(scenario, h)
        try run.sendRegistry()
        let n = scenario.messages.count
        let (ingestGroup, transformGroup) = ("\(h.prefix)hub-ingest", "\(h.prefix)hub-transform")
        let groups = ["--ingest-group", ingestGroup, "--transform-group", transformGroup]
        let raw = ["raw.attendance", "raw.student", "raw.teacher"].flatMap { topic in
            (0..<Int32(2)).map { TopicPartition(topic: h.prefix + topic, partition: $0) }
        }
        let config = KafkaConfig(["bootstrap.servers": h.brokers])
        /// The group's committed offsets, 0 where it committed nothing (as the high watermark
        /// of a partition nobody wrote to).
        func committed(_ group: String) throws -> [TopicPartition: Int64] {
            var c = config
            c["group.id"] = group
            let consumer = try KafkaConsumer(config: c)
            defer { consumer.close() }
            return Dictionary(uniqueKeysWithValues: try consumer.committed(raw, timeout: .seconds(10)).map { ($0.topicPartition, max(0, $0.offset)) })
        }

        // The split deployment reads the first third.
        try h.startAll()
        try run.send(0..<n / 3)
        try h.waitUntilCaughtUp()
        let highs = try KafkaWatermarks.high(config: config, raw, timeout: .seconds(10))
        #expect(try committed(ingestGroup) == highs)

        // Refused while a member of the target group runs.
        #expect(try h.stop(.ingest).allSatisfy { $0 == 0 }, "ingest did not stop cleanly")
        let refusal = #expect(throws: HarnessError.self) { try h.hubctl(["pipeline", "switch-input", "--to", "raw"] + groups) }
        #expect(refusal?.description.contains("stop every worker of groups \(ingestGroup) and \(transformGroup) first") == true,
                "\(refusal.map(String.init(describing:)) ?? "accepted")")
        #expect(try h.stop(.transform).allSatisfy { $0 == 0 }, "transform did not stop cleanly")

        // To raw: a dry run commits nothing; the switch gives the transform group exactly the
        // ingest group's offsets.
        let dry = try h.hubctl(["pipeline", "switch-input", "--to", "raw", "--dry-run"] + groups)
        #expect(dry.split(separator: "\n").filter { $0.contains(" → ") }.count == raw.filter { (highs[$0] ?? 0) > 0 }.count, "\(dry)")
        #expect(try committed(transformGroup).values.allSatisfy { $0 == 0 })
        try h.hubctl(["pipeline", "switch-input", "--to", "raw"] + groups)
        #expect(try committed(transformGroup) == committed(ingestGroup))

        h.transformReadsRaw = true
        try h.start(.transform)
        try run.send(n / 3..<2 * n / 3)
        try h.waitUntilCaughtUp()
        #expect(h.sinkCopiesLogged() == 0, "the transform read raw messages the ingest had read")

        // And back: the ingest group continues where the transform stopped.
        #expect(try h.stop(.transform).allSatisfy { $0 == 0 }, "transform did not stop cleanly")
        try h.hubctl(["pipeline", "switch-input", "--to", "ingested"] + groups)
        #expect(try committed(ingestGroup) == KafkaWatermarks.high(config: config, raw, timeout: .seconds(10)))
        h.transformReadsRaw = false
        try h.start(.ingest)
        try h.start(.transform)
        try run.send(2 * n / 3..<n)
        try h.waitUntilCaughtUp()
        #expect(h.sinkCopiesLogged() == 0, "the ingest read raw messages the transform had read")

        let expected = try run.expectations()
        let differences = try run.differences(expected)
        #expect(differences.isEmpty, "seed \(seed):\n\(differences.joined(separator: "\n"))")
    }
}
