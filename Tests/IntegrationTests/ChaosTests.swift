import Foundation
import Postgres
import TestSupport
import Testing

/// Issue 4's proof, against the independent truth (`Truth/`, issue 20): while a seeded data
/// set with updates, transfers, equal-time ties, late older versions, re-sends and every
/// quarantine reason flows in, the workers stop themselves at the test kill points (inside
/// the sink's open transaction, right after its COMMIT, after Ingest's or Transform's output
/// is acknowledged but before their offsets are), are SIGKILLed at random moments too, a
/// second sink joins and dies (rebalances), PostgreSQL stops and the broker pauses. Every
/// published table must then equal the truth row by row, and the logs must show that the
/// crashes really made the pipeline read and apply data again. `HUB_TEST_SEED` repeats a run.
@Suite("Exactly once under chaos", .serialized, .heavy)
struct ChaosTests {
    static let size = TruthScenario.Size(students: 3000, teachers: 400, partitions: 4, hostileInput: true)

    /// One fault of the schedule.
    enum Fault: CustomStringConvertible {
        case killPoint(KillPoint, Int)
        /// The sink loses its database connection at the point (it keeps running).
        case connectionLost(KillPoint, Int)
        case randomKill(PipelineHarness.Stage)
        case secondSinkJoins, secondSinkDies, postgresOutage, brokerPause

        var description: String {
            switch self {
            case .killPoint(let p, let n): return "\(p.rawValue):\(n)"
            case .connectionLost(let p, let n): return "\(p.rawValue):\(n):lose-connection"
            case .randomKill(let s): return "SIGKILL \(s.rawValue) at a random moment"
            case .secondSinkJoins: return "a second sink joins"
            case .secondSinkDies: return "the second sink is SIGKILLed"
            case .postgresOutage: return "PostgreSQL stopped for 4 s"
            case .brokerPause: return "broker paused for 3 s"
            }
        }
    }

    /// Eight kill points (each kind twice), two lost connections around the sink's COMMIT,
    /// four random kills, a rebalance and two outages, in a seeded order.
    static func schedule(_ random: inout TruthRandom) -> [Fault] {
        var points: [Fault] = []
        for p in KillPoint.allCases { for _ in 0..<2 { points.append(.killPoint(p, random.int(1, 3))) } }
        // A connection lost inside the transaction, and one lost with the COMMIT's reply.
        for p in [KillPoint.sinkBeforeCommit, .sinkAfterCommit] { points.append(.connectionLost(p, random.int(1, 3))) }
        var others: [Fault] = [.randomKill(.sink), .randomKill(.ingest), .randomKill(.transform), .randomKill(random.pick([.ingest, .transform, .sink])),
                               .postgresOutage, .brokerPause]
        var out: [Fault] = []
        while !points.isEmpty || !others.isEmpty {
            if !points.isEmpty && (others.isEmpty || random.chance(0.6)) {
                out.append(points.remove(at: random.int(points.count)))
            } else {
                out.append(others.remove(at: random.int(others.count)))
            }
        }
        out.insert(.secondSinkJoins, at: min(3, out.count))
        out.insert(.secondSinkDies, at: min(7, out.count))
        return out
    }

    @Test func killPointsKillsOutagesAndRebalancesConvergeToTheTruth() throws {
        let seed = TruthRandom.seed(for: "chaos")
        var random = TruthRandom(seed: seed ^ 0xC4A0_5C4A_05)
        let scenario = try TruthScenario(seed: seed, size: Self.size)
        let services = try PrivateServices()
        let h = try PipelineHarness("chaos", partitions: Self.size.partitions, services: services)
        defer { h.stopAll() }
        let run = try TruthRun(scenario, h)
        try run.sendRegistry()

        let batch = ["HUB_BATCH_SIZE": "500"]
        var current: [PipelineHarness.Stage: ManagedProcess] = [:]
        for stage in PipelineHarness.Stage.allCases {
            current[stage] = try h.start(stage, extraEnvironment: batch.merging(["PGAPPNAME": "hub-sink-a"]) { $1 })
        }
        // The data flows while the faults happen: a slice before each fault, and more while an
        // armed worker waits for the batches that bring it to its kill point.
        let slice = max(10, scenario.messages.count / 40)

        var log: [String] = []
        var fired: [KillPoint.Fired] = []
        var firedAt: [(KillPoint.Fired, PipelineHarness.SinkAssignmentMark)] = []  // with the sink assignments logged by then
        var secondSink: ManagedProcess?
        var connectionsLost: [KillPoint] = []
        var randomKillsInOpenTransaction = 0
        for fault in Self.schedule(&random) {
            switch fault {
            case .killPoint(let point, let n):
                // Restart the stage armed (the SIGKILL that ends the unarmed one is a crash too).
                current[point.stage]?.kill()
                _ = try current[point.stage]?.waitForExit(timeout: .seconds(10))
                let p = try h.start(point.stage, extraEnvironment: batch.merging(point.environment(n)) { $1 }
                    .merging(["PGAPPNAME": "hub-sink-a"]) { $1 })
                current[point.stage] = p
                var reached = false
                let deadline = ContinuousClock.now + .seconds(90)
                while !reached && ContinuousClock.now < deadline {
                    // Once every message is sent, earlier ones are sent again: a point always fires.
                    if try !run.feed(slice / 8) { try run.feedAgain(slice / 8) }
                    reached = (try? eventually(timeout: .milliseconds(700), poll: .milliseconds(50), "\(fault)") { !p.isRunning }) != nil
                }
                if reached, let f = KillPoint.fired(in: p) {
                    fired.append(f)
                    firedAt.append((f, h.sinkAssignmentMark()))
                    log.append("\(fault) fired: \(f.detail)")
                } else {
                    log.append("\(fault) did not fire (\(p.isRunning ? "still running" : "exited \(p.exitStatus ?? -1)"))")
                    p.kill()
                    _ = try p.waitForExit(timeout: .seconds(10))
                }
                current[point.stage] = try h.start(point.stage, extraEnvironment: batch.merging(["PGAPPNAME": "hub-sink-a"]) { $1 })
            case .connectionLost(let point, let n):
                current[point.stage]?.kill()
                _ = try current[point.stage]?.waitForExit(timeout: .seconds(10))
                let p = try h.start(point.stage, extraEnvironment: batch.merging(point.losingConnection(n)) { $1 }
                    .merging(["PGAPPNAME": "hub-sink-a"]) { $1 })
                current[point.stage] = p
                var lost = false
                let deadline = ContinuousClock.now + .seconds(90)
                while !lost && ContinuousClock.now < deadline {
                    if try !run.feed(slice / 8) { try run.feedAgain(slice / 8) }
                    lost = (try? eventually(timeout: .milliseconds(700), poll: .milliseconds(50), "\(fault)") {
                        p.standardError().contains("database connection lost")
                    }) != nil
                }
                #expect(p.isRunning, "the sink exited after \(fault) (seed \(seed))")
                if lost { connectionsLost.append(point) }
                log.append("\(fault) \(lost ? "fired" : "did not fire")")
            case .randomKill(let stage):
                try run.feed(slice)
                Thread.sleep(forTimeInterval: random.seconds(0.2, 2.0))
                var open = false
                if stage == .sink { open = try Self.sinkTransactionOpen(h.database, application: "hub-sink-a") }
                current[stage]?.kill()
                _ = try current[stage]?.waitForExit(timeout: .seconds(10))
                if open { randomKillsInOpenTransaction += 1 }
                log.append("\(fault)\(open ? " (inside an open transaction)" : "")")
                Thread.sleep(forTimeInterval: random.seconds(0.2, 1.5))
                current[stage] = try h.start(stage, extraEnvironment: batch.merging(["PGAPPNAME": "hub-sink-a"]) { $1 })
            case .secondSinkJoins:
                try run.feed(slice)
                secondSink = try h.start(.sink, extraEnvironment: batch.merging(["PGAPPNAME": "hub-sink-b"]) { $1 })
                log.append("\(fault)")
                Thread.sleep(forTimeInterval: 4)
            case .secondSinkDies:
                secondSink?.kill()
                log.append("\(fault)")
            case .postgresOutage:
                try run.feed(slice)
                try services.stopPostgres()
                Thread.sleep(forTimeInterval: 4)
                try services.startPostgres()
                log.append("\(fault)")
            case .brokerPause:
                try run.feed(slice)
                services.pauseBroker()
                Thread.sleep(forTimeInterval: 3)
                services.resumeBroker()
                log.append("\(fault)")
            }
            Thread.sleep(forTimeInterval: random.seconds(0.3, 1.5))
        }
        print("chaos (seed \(seed)):\n" + log.joined(separator: "\n"))
        while try run.feed(slice) {}
        try h.waitUntilCaughtUp(timeout: 400)

        // Every table equals the truth, row by row.
        let expected = try run.expectations()
        print(TruthRun.summary(expected))
        let differences = try run.differences(expected)
        #expect(differences.isEmpty, "seed \(seed):\n\(differences.joined(separator: "\n"))")
        #expect(try h.hubctl(["reconcile"]).contains("0 differences"))

        // The faults really happened, and really made the pipeline read data again.
        for point in KillPoint.allCases {
            #expect(fired.contains { $0.point == point }, "\(point.rawValue) never fired (seed \(seed))")
        }
        #expect(fired.count == 8, "only \(fired.count) of 8 kill points fired (seed \(seed))")
        #expect(Set(connectionsLost) == [.sinkBeforeCommit, .sinkAfterCommit], "connections lost: \(connectionsLost) (seed \(seed))")
        // A lost connection leaves the outcome unknown: the sink read the stored offsets again.
        #expect(h.workers.contains { $0.stage == .sink && $0.process.standardError().contains("commit outcome unknown") },
                "no sink reloaded its offsets after losing its connection (seed \(seed))")
        for (f, mark) in firedAt where f.point == .sinkBeforeCommit {
            // The batch in flight was not committed: a sink assigned later (a restarted one, or
            // the second sink taking the partitions over) started from its first offsets.
            let later = h.sinkAssignments(after: mark)
            for (partition, range) in f.offsetRanges {
                #expect(later.contains { $0[partition] == range.expected },
                        "\(partition) \(range.expected)..\(range.next) was not read again after \(f) (seed \(seed))")
            }
        }
        // Ingest and Transform re-sent what they had produced before their offsets were
        // committed: the sinks found those copies already applied.
        if fired.contains(where: { $0.point == .ingestAfterProduce || $0.point == .transformAfterProduce }) {
            #expect(h.sinkCopiesLogged() > 0, "no sink saw a redelivered copy (seed \(seed))")
        }
        print("random kills of a sink inside an open transaction: \(randomKillsInOpenTransaction)")
    }

    /// Waits briefly until the sink has a transaction open, so that the kill lands inside it.
    static func sinkTransactionOpen(_ database: String, application: String) throws -> Bool {
        guard let monitor = try? PGConnection(conninfo: database) else { return false }
        let deadline = ContinuousClock.now + .seconds(4)
        while ContinuousClock.now < deadline {
            let r = try? monitor.query(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND xact_start IS NOT NULL", [application])
            if (r?.int(0, 0) ?? 0) > 0 { return true }
            Thread.sleep(forTimeInterval: 0.002)
        }
        return false
    }
}
