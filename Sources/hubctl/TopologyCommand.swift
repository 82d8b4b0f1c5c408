import ArgumentParser
import Topology
import WorkerRuntime

struct TopologyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topology", abstract: "Check data stewards' topology files.",
        subcommands: [Validate.self, TopologyTestCommand.self, TopologyGraphCommand.self])

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Validate every topology file and list all problems with file and line.")

        @Option(name: .long, help: "Topology directory. Env HUB_TOPOLOGY_DIR. Default ./Topologies.")
        var topology: String?

        func run() async throws {
            let dir = topology ?? ProcessInfo.processInfo.environment["HUB_TOPOLOGY_DIR"] ?? "Topologies"
            do {
                let t = try TopologyLoader.load(directory: dir)
                say("topology ok: \(t.files.count) files, \(t.streams.count) streams (\(t.streams.map(\.name).joined(separator: ", "))), \(t.codeTables.count) code tables, "
                    + "\(t.scenarios.count) monitoring scenarios, \(t.regions.regions.count) named regions")
            } catch {
                say("\(error)")
                throw ExitCode(1)
            }
        }
    }
}

import Foundation
