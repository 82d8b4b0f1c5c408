import HubStore

/// `reconcile`: recomputes every aggregate from current state (``Reconciliation``) and fails
/// when any maintained row differs.
struct ReconcileTask: TaskExecutor {
    static let typeName = "reconcile"

    func run(_ context: TaskContext) throws -> TaskCompletion {
        let diffs = try Reconciliation(schema: context.hubSchema, topology: context.environment.topology).differences(context.db)
        guard diffs.isEmpty else {
            throw TaskFailure("\(diffs.count) differences:\n" + diffs.prefix(50).map(\.description).joined(separator: "\n"))
        }
        return .succeeded("reconciliation: 0 differences")
    }
}
