import Foundation
import Testing

/// The truth (`Truth/`) against a clean pipeline: a seeded data set with every format,
/// charset, dialect, registry story and quarantine reason, equal-time ties inside partitions,
/// late older versions and re-sends, compared table by table and row by row — aggregates,
/// quarantine rows and counts, the standard zone's current versions, the quality results.
/// `HUB_TEST_SEED` repeats a run.
@Suite("Truth: a clean run equals the independent expectations", .serialized, .pipeline)
struct TruthPipelineTests {
    @Test func everyPublishedTableEqualsTheTruth() throws {
        let seed = TruthRandom.seed(for: "truth clean run")
        let scenario = try TruthScenario(seed: seed, size: .init(students: 600, teachers: 120, partitions: 3))
        let h = try PipelineHarness("truth", partitions: 3)
        defer { h.stopAll() }
        let run = try TruthRun(scenario, h)
        try run.sendRegistry()
        // Small sink batches, and the data in five slices each committed before the next: an
        // entity's versions then meet in different transactions, so a newer version must
        // retract the stored one (sent at once, most versions would meet inside one batch).
        try h.start(.ingest)
        try h.start(.transform)
        try h.start(.sink, extraEnvironment: ["HUB_BATCH_SIZE": "40"])
        let n = scenario.messages.count
        for k in 0..<5 {
            try run.send(k * n / 5..<(k + 1) * n / 5)
            try h.waitUntilCaughtUp()
        }
        let expected = try run.expectations()
        print(TruthRun.summary(expected))
        let differences = try run.differences(expected)
        if !differences.isEmpty { print("differences (seed \(seed)):\n" + differences.joined(separator: "\n")) }
        #expect(differences.isEmpty, "seed \(seed):\n\(differences.joined(separator: "\n"))")
        // The data set is what it claims to be: every reason, ties and moves happened.
        #expect(Set(expected.quarantineCounts.keys) == ["too_large", "malformed", "missing_field", "invalid_id_number",
                                                        "invalid_code", "unknown_school"])
        #expect(expected.enrollment.count > 50 && expected.quality.count > 50)
        let e = expected.exercised
        #expect(e.tiesByOffset > 0 && e.tiesByRow > 0 && e.subMicrosecondTies > 0 && e.lateOlderVersions > 0, "\(e) (seed \(seed))")
        // A value that deletes a school without being null or empty is logged by Transform.
        let transformLog = h.logs()
        let logged = transformLog.split(separator: "\n").filter { $0.contains("treated as a delete") }.count
        #expect(logged == expected.loggedRegistryDeletes, "registry deletes logged: \(logged)")
    }
}
