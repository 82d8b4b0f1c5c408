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
        let failures = try check(seedName: "truth clean run", transformReadsRaw: false)
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    /// The deployment without hub-ingest: Transform reads and decodes the raw topics itself
    /// (`--input raw`). Same truth, same tables, row by row.
    @Test func transformReadingTheRawTopicsEqualsTheTruth() throws {
        let failures = try check(seedName: "truth clean run, transform reads raw", transformReadsRaw: true)
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    /// Runs the truth through the pipeline; returns what differs from it (empty when equal).
    private func check(seedName: String, transformReadsRaw: Bool) throws -> [String] {
        let seed = TruthRandom.seed(for: seedName)
        let scenario = try TruthScenario(seed: seed, size: .init(students: 600, teachers: 120, partitions: 3))
        let h = try PipelineHarness(transformReadsRaw ? "truthraw" : "truth", partitions: 3)
        defer { h.stopAll() }
        let run = try TruthRun(scenario, h)
        try run.sendRegistry()
        // Small sink batches, and the data in five slices each committed before the next: an
        // entity's versions then meet in different transactions, so a newer version must
        // retract the stored one (sent at once, most versions would meet inside one batch).
        h.transformReadsRaw = transformReadsRaw
        if !transformReadsRaw { try h.start(.ingest) }
        try h.start(.transform)
        try h.start(.sink, extraEnvironment: ["HUB_BATCH_SIZE": "40"])
        let n = scenario.messages.count
        for k in 0..<5 {
            try run.send(k * n / 5..<(k + 1) * n / 5)
            try h.waitUntilCaughtUp()
        }
        let expected = try run.expectations()
        print(TruthRun.summary(expected))
        var failures: [String] = []
        let differences = try run.differences(expected)
        if !differences.isEmpty { failures.append("seed \(seed):\n" + differences.joined(separator: "\n")) }
        // The data set is what it claims to be: every reason, ties and moves happened.
        let reasons = Set(expected.quarantineCounts.keys)
        if reasons != ["too_large", "malformed", "missing_field", "invalid_id_number", "invalid_code", "unknown_school"] {
            failures.append("reasons in the data set: \(reasons.sorted())")
        }
        if !(expected.enrollment.count > 50 && expected.quality.count > 50) {
            failures.append("only \(expected.enrollment.count) enrollment and \(expected.quality.count) quality rows")
        }
        let e = expected.exercised
        if !(e.tiesByOffset > 0 && e.tiesByRow > 0 && e.subMicrosecondTies > 0 && e.lateOlderVersions > 0) {
            failures.append("not exercised: \(e) (seed \(seed))")
        }
        // A value that deletes a school without being null or empty is logged by Transform.
        let logged = h.logs().split(separator: "\n").filter { $0.contains("treated as a delete") }.count
        if logged != expected.loggedRegistryDeletes {
            failures.append("registry deletes logged: \(logged), expected \(expected.loggedRegistryDeletes)")
        }
        return failures
    }
}
