import Foundation
import TestSupport
import Testing

/// Backpressure and graceful shutdown (issue 4).
@Suite("Resilience", .serialized, .heavy)
struct ResilienceTests {
    static func rssKiB(_ pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        }
        return 0
    }

    /// PostgreSQL goes away while the broker keeps receiving: the sink holds at most a batch
    /// and its prefetch queue, retries with backoff, and catches up exactly when it returns.
    @Test func sinkMemoryStaysBoundedWhilePostgresIsDown() throws {
        let seed = TruthRandom.seed(for: "backpressure")
        let scenario = try TruthScenario(seed: seed, size: .init(students: 8000, teachers: 800, partitions: 3))
        let services = try PrivateServices()
        let h = try PipelineHarness("backpressure", partitions: 3, services: services)
        defer { h.stopAll() }
        let run = try TruthRun(scenario, h)
        try run.sendRegistry()
        try h.startAll()
        let sink = h.workers.first { $0.stage == .sink }!.process
        // The sink is up once it has stored its first offsets (schema migrated, partitions assigned).
        try eventually(timeout: .seconds(60), poll: .milliseconds(200), "sink assigned") {
            (try h.query("SELECT count(*) FROM hub.sink_offsets").int(0, 0) ?? 0) > 0
        }

        try services.stopPostgres()
        try run.sendAll()
        var peak = 0
        for _ in 0..<20 {
            peak = max(peak, Self.rssKiB(sink.pid))
            Thread.sleep(forTimeInterval: 0.5)
        }
        print("sink peak RSS while PostgreSQL was down: \(peak / 1024) MiB")
        #expect(sink.isRunning)
        #expect(peak > 0 && peak < 200 * 1024)

        try services.startPostgres()
        try h.waitUntilCaughtUp(timeout: 300)
        let differences = try run.differences(try run.expectations())
        #expect(differences.isEmpty, "seed \(seed):\n\(differences.joined(separator: "\n"))")
        #expect(try h.hubctl(["reconcile"]).contains("0 differences"))
    }

    /// SIGTERM: every worker finishes its batch, commits and exits 0 promptly; restarted,
    /// the pipeline ends exactly where a clean run does.
    @Test func sigtermDrainsAndLosesNothing() throws {
        let seed = TruthRandom.seed(for: "sigterm")
        let scenario = try TruthScenario(seed: seed, size: .init(students: 1500, teachers: 200, partitions: 3))
        let h = try PipelineHarness("sigterm", partitions: 3)
        defer { h.stopAll() }
        let run = try TruthRun(scenario, h)
        try run.sendRegistry()
        try h.startAll()
        run.startFeeding(perSecond: max(20, scenario.messages.count / 40))
        // Stop the workers while they work: each has its partitions and the sink has committed.
        // (A member stopped while still joining can leave tansu's group stuck for minutes.)
        try eventually(timeout: .seconds(90), poll: .milliseconds(200), "every worker assigned and the sink committing") {
            try h.workers.allSatisfy { $0.process.standardError().contains("partitions assigned") }
                && (h.query("SELECT coalesce(sum(next_offset), 0) FROM hub.sink_offsets").int(0, 0) ?? 0) > 0
        }
        Thread.sleep(forTimeInterval: 1)
        #expect(!run.isDone, "the data must still be flowing when the workers are stopped")
        var stopTimes: [String] = []
        for w in h.workers {
            let started = ContinuousClock.now
            w.process.terminate()
            let status = try w.process.waitForExit(timeout: .seconds(30))
            #expect(status == 0, "\(w.stage) exited \(status)")
            stopTimes.append("\(w.stage.rawValue) \(ContinuousClock.now - started)")
        }
        print("graceful stop times: \(stopTimes.joined(separator: ", "))")
        h.stopAll()
        try h.startAll()
        try run.waitUntilFed()
        try h.waitUntilCaughtUp()
        let differences = try run.differences(try run.expectations())
        #expect(differences.isEmpty, "seed \(seed):\n\(differences.joined(separator: "\n"))")
    }
}
