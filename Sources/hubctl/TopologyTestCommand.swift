import ArgumentParser
import Foundation
import Topology
import TopologyTesting

/// `hubctl topology test`: runs the topology over fixture cases without a broker or database
/// and compares with each case's `expected.txt`, like Redpanda Connect's config unit tests.
struct TopologyTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run the topology over fixture cases (DIR/*/case.yaml) and compare with each case's expected.txt.")

    @Option(name: .long, help: "Topology directory. Env HUB_TOPOLOGY_DIR. Default ./Topologies.")
    var topology: String?
    @Option(name: .long, help: "Directory of fixture cases. Default <topology>/tests.")
    var cases: String?
    @Flag(name: .long, help: "Write the actual results as the new expected.txt (review the diff before committing).")
    var update = false

    func run() async throws {
        let dir = topology ?? ProcessInfo.processInfo.environment["HUB_TOPOLOGY_DIR"] ?? "Topologies"
        let loaded: Topology
        do {
            loaded = try TopologyLoader.load(directory: dir)
        } catch {
            say("\(error)")
            throw ExitCode(1)
        }
        let runner = TopologyTestRunner(topology: loaded)
        let all = try TopologyTestCase.all(in: cases ?? dir + "/tests")
        guard !all.isEmpty else { throw ValidationError("no fixture cases (DIR/*/case.yaml) in \(cases ?? dir + "/tests")") }
        var failed = 0
        for c in all {
            if update {
                try (runner.run(c).joined(separator: "\n") + "\n").write(toFile: c.expectedPath, atomically: true, encoding: .utf8)
                say("updated \(c.name)")
                continue
            }
            let diff = runner.check(c)
            if diff.isEmpty {
                say("PASS \(c.name)")
            } else {
                failed += 1
                say("FAIL \(c.name): expected (-) vs actual (+)")
                for line in diff { say("  " + line) }
            }
        }
        if !update { say("\(all.count - failed) passed, \(failed) failed") }
        if failed > 0 { throw ExitCode(1) }
    }
}
