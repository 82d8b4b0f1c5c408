import Foundation
import TestSupport
import Testing

/// Redelivery forced, not hoped for (SPEC §4 "Exactly once"): each worker stops itself at a
/// test kill point — Ingest and Transform after their output is acknowledged but before
/// their offsets are committed, the sink inside its open transaction and right after its
/// COMMIT — and is restarted. The sink's own account shows what was read or applied again;
/// every table still equals the independent truth.
@Suite("Redelivery at every kill point", .serialized, .pipeline)
struct RedeliveryTests {
    @Test func everyKillPointRedeliversAndChangesNothing() throws {
        let seed = TruthRandom.seed(for: "redelivery")
        // One version per entity: every copy of a standardised record is then recognisable.
        let scenario = try TruthScenario(seed: seed, size: .init(students: 240, teachers: 40, partitions: 2, singleVersions: true))
        let h = try PipelineHarness("redelivery", partitions: 2)
        defer { h.stopAll() }
        let run = try TruthRun(scenario, h)
        try run.sendRegistry()
        let n = scenario.messages.count
        let parts = [0..<n / 4, n / 4..<n / 2, n / 2..<3 * n / 4, 3 * n / 4..<n]
        try h.start(.transform)
        try h.start(.sink)

        // Ingest: its first batch is produced, then it dies; restarted, it sends the batch
        // again, and the sink finds every unit of it already applied.
        try run.send(parts[0])
        let ingest = try h.runUntilKillPoint(.ingestAfterProduce)
        try h.start(.ingest)
        try h.waitUntilCaughtUp()
        let ingestCopies = try #require(ingest.count("records")) + (try #require(ingest.count("quarantined")))
        #expect(ingestCopies > 0, "\(ingest)")
        #expect(h.sinkCopiesLogged() == ingestCopies, "after \(ingest)")

        // Transform: the same one stage further.
        #expect(try h.stop(.transform).allSatisfy { $0 == 0 }, "transform did not stop cleanly")
        try run.send(parts[1])
        let transform = try h.runUntilKillPoint(.transformAfterProduce)
        try h.start(.transform)
        try h.waitUntilCaughtUp()
        let transformCopies = try #require(transform.count("records"))
        #expect(transformCopies > 0, "\(transform)")
        #expect(h.sinkCopiesLogged() == ingestCopies + transformCopies, "after \(transform)")

        // Sink, inside its transaction: nothing of the batch is applied; the next sink starts
        // again at the batch's first offsets, and nothing it applies is a copy.
        #expect(try h.stop(.sink).allSatisfy { $0 == 0 }, "sink did not stop cleanly")
        try run.send(parts[2])
        let before = try h.runUntilKillPoint(.sinkBeforeCommit)
        var mark = h.sinkAssignmentMark()
        #expect(!before.offsetRanges.isEmpty, "\(before)")
        try h.start(.sink)
        try h.waitUntilCaughtUp()
        let restartedAt = h.sinkAssignments(after: mark)
        for (partition, range) in before.offsetRanges {
            #expect(restartedAt.contains { $0[partition] == range.expected }, "\(partition) not read again from \(range.expected)")
        }
        #expect(h.sinkCopiesLogged() == ingestCopies + transformCopies, "after \(before)")

        // Sink, right after COMMIT: the batch is kept; the next sink starts after it.
        #expect(try h.stop(.sink).allSatisfy { $0 == 0 }, "sink did not stop cleanly")
        try run.send(parts[3])
        let after = try h.runUntilKillPoint(.sinkAfterCommit)
        mark = h.sinkAssignmentMark()
        try h.start(.sink)
        try h.waitUntilCaughtUp()
        // Nothing was left to read: wait for the new sink's assignment itself.
        try eventually(timeout: .seconds(60), poll: .milliseconds(100), "the restarted sink assigned") {
            !h.sinkAssignments(after: mark).isEmpty
        }
        let resumedAt = h.sinkAssignments(after: mark)
        for (partition, range) in after.offsetRanges {
            #expect(resumedAt.contains { $0[partition] == range.next }, "\(partition) not resumed at \(range.next)")
        }
        #expect(h.sinkCopiesLogged() == ingestCopies + transformCopies, "after \(after)")

        let expected = try run.expectations()
        let differences = try run.differences(expected)
        #expect(differences.isEmpty, "seed \(seed):\n\(differences.joined(separator: "\n"))")
    }

    /// The deployment without hub-ingest (`--input raw`): Transform reads and decodes the raw
    /// topics, and dies after its output is acknowledged but before its raw offsets are
    /// committed. Restarted, it sends that batch again — its records and the units it
    /// quarantined while decoding — and the sink finds every one of them applied already.
    @Test func transformReadingRawRedeliversAndChangesNothing() throws {
        let seed = TruthRandom.seed(for: "redelivery, transform reads raw")
        let scenario = try TruthScenario(seed: seed, size: .init(students: 240, teachers: 40, partitions: 2, singleVersions: true))
        let h = try PipelineHarness("redeliveryraw", partitions: 2)
        defer { h.stopAll() }
        h.transformReadsRaw = true
        let run = try TruthRun(scenario, h)
        try run.sendRegistry()
        let n = scenario.messages.count
        try h.start(.sink)
        try run.send(0..<n / 2)
        let transform = try h.runUntilKillPoint(.transformAfterProduce)
        try h.start(.transform)
        try run.send(n / 2..<n)
        try h.waitUntilCaughtUp()
        let copies = try #require(transform.count("records")) + (try #require(transform.count("quarantined")))
        #expect(copies > 0, "\(transform)")
        #expect(h.sinkCopiesLogged() == copies, "after \(transform)")
        let expected = try run.expectations()
        let differences = try run.differences(expected)
        #expect(differences.isEmpty, "seed \(seed):\n\(differences.joined(separator: "\n"))")
    }
}
