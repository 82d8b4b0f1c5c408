import ArgumentParser
import WorkerRuntime

/// `hubctl`: the operators' and data stewards' command line.
@main
struct Hubctl: AsyncParsableCommand {
    static func main() async { await CommandLineEntry.main(Self.self) }

    static let configuration = CommandConfiguration(
        commandName: "hubctl",
        abstract: "Operate the education data hub: topologies, topics, sample data, pipeline status, aggregates, quarantine.",
        version: BuildInfo.versionLine,
        subcommands: [TopologyCommand.self, TopicsCommand.self, DatabaseCommand.self, SampleCommand.self,
                      PipelineCommand.self, ShowCommand.self, QuarantineCommand.self, ReconcileCommand.self, DagCommand.self,
                      AccessCommand.self, APICommand.self, CatalogCommand.self, DataSpaceCommand.self, QualityCommand.self, KeysCommand.self, MonitorCommand.self, ReportCommand.self, BenchCommand.self])
}
