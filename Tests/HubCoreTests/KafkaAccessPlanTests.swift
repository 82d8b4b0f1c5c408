import HubCore
import Testing

/// The ACLs of each principal, written out by hand from what each worker's code reads and
/// writes (README, "Kafka ACLs"): the plan must give exactly these — nothing missing (the worker
/// would fail) and nothing more (least privilege).
@Suite struct KafkaAccessPlanTests {
    let plan = KafkaAccessPlan(topics: .init(
        raw: ["p.raw.student", "p.raw.teacher"], registry: "p.ref.school", ingested: "p.hub.ingested",
        quarantine: "p.hub.quarantine", alerts: "p.quality.alerts", standardZone: ["p.std.student", "p.std.teacher"],
        groups: [.ingest: "g-ingest", .transform: "g-transform", .sink: "g-sink", .archive: "g-archive"]),
        principals: Dictionary(uniqueKeysWithValues: KafkaAccessPlan.Principal.allCases.map { ($0, "User:\($0.rawValue)") }))

    func lines(_ principal: String) -> Set<String> {
        Set(plan.rules(for: "User:\(principal)").map { "\($0.operation.rawValue) \($0.resourceType.rawValue) \($0.resource)" })
    }

    @Test func eachWorkerGetsExactlyWhatItUses() {
        #expect(lines("ingest") == [
            "Read Topic p.raw.student", "Read Topic p.raw.teacher", "Write Topic p.hub.ingested", "Write Topic p.hub.quarantine",
            "Read Group g-ingest",
        ])
        #expect(lines("transform") == [
            "Read Topic p.hub.ingested", "Read Topic p.ref.school", "Write Topic p.std.student", "Write Topic p.std.teacher",
            "Write Topic p.hub.quarantine", "Read Group g-transform",
        ])
        #expect(lines("sink") == [
            "Read Topic p.std.student", "Read Topic p.std.teacher", "Read Topic p.hub.quarantine", "Write Topic p.quality.alerts",
            "Read Group g-sink",
        ])
        #expect(lines("archive") == [
            "Read Topic p.raw.student", "Read Topic p.raw.teacher", "Read Topic p.ref.school", "Read Group g-archive",
        ])
        #expect(lines("scheduler") == [
            "Describe Topic p.raw.student", "Describe Topic p.raw.teacher", "Describe Topic p.hub.ingested",
            "Describe Topic p.std.student", "Describe Topic p.std.teacher", "Describe Topic p.hub.quarantine",
            "Write Topic p.hub.ingested", "Delete Topic p.hub.quarantine", "Describe Group g-ingest", "Describe Group g-transform",
        ])
        #expect(lines("registry-publisher") == ["Write Topic p.ref.school"])
        #expect(lines("school-producer") == ["Write Topic p.raw.student", "Write Topic p.raw.teacher"])
        #expect(plan.rules.count == 5 + 6 + 5 + 4 + 10 + 1 + 2)
    }

    /// Transform reading the raw topics itself (`--input raw`): it reads them too; ingest, which
    /// does not run, gets nothing, and the scheduler no longer looks at ingest's group.
    @Test func transformReadingRawTopicsReplacesIngest() {
        let fused = KafkaAccessPlan(topics: .init(
            raw: ["p.raw.student", "p.raw.teacher"], registry: "p.ref.school", ingested: "p.hub.ingested",
            quarantine: "p.hub.quarantine", alerts: "p.quality.alerts", standardZone: ["p.std.student", "p.std.teacher"],
            groups: [.ingest: "g-ingest", .transform: "g-transform", .sink: "g-sink", .archive: "g-archive"]),
            principals: Dictionary(uniqueKeysWithValues: KafkaAccessPlan.Principal.allCases.map { ($0, "User:\($0.rawValue)") }),
            transformReadsRaw: true)
        let lines = { (p: String) in
            Set(fused.rules(for: "User:\(p)").map { "\($0.operation.rawValue) \($0.resourceType.rawValue) \($0.resource)" })
        }
        #expect(lines("ingest").isEmpty)
        #expect(lines("transform") == [
            "Read Topic p.raw.student", "Read Topic p.raw.teacher", "Read Topic p.hub.ingested", "Read Topic p.ref.school",
            "Write Topic p.std.student", "Write Topic p.std.teacher", "Write Topic p.hub.quarantine", "Read Group g-transform",
        ])
        #expect(lines("scheduler") == [
            "Describe Topic p.raw.student", "Describe Topic p.raw.teacher", "Describe Topic p.hub.ingested",
            "Describe Topic p.std.student", "Describe Topic p.std.teacher", "Describe Topic p.hub.quarantine",
            "Write Topic p.hub.ingested", "Delete Topic p.hub.quarantine", "Describe Group g-transform",
        ])
        #expect(fused.rules.count == 0 + 8 + 5 + 4 + 9 + 1 + 2)
    }

    /// The writes that decide what row-level security shows: the registry and the standard zone.
    @Test func onlyTheirOwnersWriteTheRegistryAndTheStandardZone() {
        let writers = { (topic: String) in Set(plan.rules.filter { $0.operation == .write && $0.resource == topic }.map(\.principal)) }
        #expect(writers("p.ref.school") == ["User:registry-publisher"])
        #expect(writers("p.std.student") == ["User:transform"])
        #expect(writers("p.hub.ingested") == ["User:ingest", "User:scheduler"])
        // Raw personal data (hub.ingested, the dead letters) is read only by the stage that consumes it.
        let readers = { (topic: String) in Set(plan.rules.filter { $0.operation == .read && $0.resource == topic }.map(\.principal)) }
        #expect(readers("p.hub.ingested") == ["User:transform"])
        #expect(readers("p.hub.quarantine") == ["User:sink"])
    }

    @Test func kafkaAclsCommandsOnePerRule() {
        let commands = plan.kafkaAclsCommands(bootstrap: "kafka:9093")
        #expect(commands.count == plan.rules.count)
        #expect(commands.contains("kafka-acls.sh --bootstrap-server kafka:9093 --add --allow-principal User:sink --operation Read --group g-sink --resource-pattern-type literal"))
    }
}
