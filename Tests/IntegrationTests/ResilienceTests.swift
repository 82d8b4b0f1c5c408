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
        let services = try PrivateServices()
        let h = try PipelineHarness("backpressure", partitions: 3, services: services)
        defer { h.stopAll() }
        try h.startAll()
        let sink = h.workers.first { $0.stage == .sink }!.process
        // The sink is up once it has stored its first offsets (schema migrated, partitions assigned).
        try eventually(timeout: .seconds(60), poll: .milliseconds(200), "sink assigned") {
            (try h.query("SELECT count(*) FROM hub.sink_offsets").int(0, 0) ?? 0) > 0
        }

        try services.stopPostgres()
        let truth = FileManager.default.temporaryDirectory.appendingPathComponent("bp-\(UUID().uuidString).json").path
        let producer = try h.hubctl(["sample", "produce", "--students", "8000", "--seed", "6", "--truth-file", truth])
        #expect(producer.contains("produced"))
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
        #expect(try h.hubctl(["show", "--expect", truth]).contains("equal the expected results"))
        #expect(try h.hubctl(["reconcile"]).contains("0 differences"))
    }

    /// SIGTERM: every worker finishes its batch, commits and exits 0 promptly; restarted,
    /// the pipeline ends exactly where a clean run does.
    @Test func sigtermDrainsAndLosesNothing() throws {
        let h = try PipelineHarness("sigterm", partitions: 3)
        defer { h.stopAll() }
        try h.startAll()
        let truth = FileManager.default.temporaryDirectory.appendingPathComponent("term-\(UUID().uuidString).json").path
        let producer = try ManagedProcess(executable: PipelineHarness.binDirectory + "/hubctl",
                                          arguments: ["sample", "produce", "--students", "3000", "--seed", "9",
                                                      "--truth-file", truth, "--rate", "500"],
                                          environment: h.environment("producer"))
        Thread.sleep(forTimeInterval: 4)
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
        _ = try producer.waitForExit(timeout: .seconds(120))
        try h.waitUntilCaughtUp()
        #expect(try h.hubctl(["show", "--expect", truth]).contains("equal the expected results"))
    }
}
