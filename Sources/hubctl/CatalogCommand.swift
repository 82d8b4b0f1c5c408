import ArgumentParser
import Foundation
import HubStore
import WorkerRuntime

/// `hubctl catalog`: the data catalog generated from the topology (the same one `db migrate`
/// stores in `catalog_datasets` / `catalog_fields`).
struct CatalogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog",
        abstract: "Print the data catalog: datasets, fields, meanings, code tables, classification, owner and lineage.")
    @OptionGroup var common: CommonOptions
    @Flag(name: .long, help: "Print JSON.") var json = false

    func run() async throws {
        let ctx = try Context(common)
        let catalog = Catalog(topology: ctx.topology, schema: ctx.schema)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            say(String(decoding: try encoder.encode(catalog), as: UTF8.self))
            return
        }
        for d in catalog.datasets {
            say("\(d.name)  [\(d.classification.rawValue), \(d.zone) zone, \(d.kind)]  owner: \(d.owner)")
            say("  \(d.description)")
            say("  stored in: \(d.location)")
            say("  lineage: \(d.lineage)")
            for f in d.fields {
                var line = "    \(f.name) (\(f.kind), \(f.classification.rawValue)): \(f.meaning)"
                if !f.codeTables.isEmpty { line += "; codes " + f.codeTables.joined(separator: ", ") }
                if !f.sources.isEmpty { line += "; from " + f.sources.joined(separator: ", ") }
                say(line)
            }
            say("")
        }
    }
}
