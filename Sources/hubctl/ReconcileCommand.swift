import ArgumentParser
import HubStore
import WorkerRuntime

/// Recomputes the aggregates from the current-state tables and reports every difference
/// from the incrementally maintained ones; exits 1 when there is any.
struct ReconcileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile", abstract: "Recompute all aggregates from current state and report differences (expect zero).")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let ctx = try Context(common)
        let diffs = try Reconciliation(schema: ctx.schema, topology: ctx.topology).differences(try ctx.database())
        if diffs.isEmpty {
            say("reconciliation: 0 differences")
            return
        }
        say("reconciliation: \(diffs.count) differences")
        for d in diffs.prefix(50) { say("  \(d)") }
        throw ExitCode(1)
    }
}
