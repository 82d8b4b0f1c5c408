/// `quarantine_replay`: `hubctl quarantine replay --reason R [--school S]` with the worker's
/// settings. A replay keeps original source positions, so running it twice changes nothing.
struct QuarantineReplayTask: TaskExecutor {
    static let typeName = "quarantine_replay"

    func run(_ context: TaskContext) throws -> TaskCompletion {
        var argv = [context.environment.hubctlPath, "quarantine", "replay", "--reason", context.task.text("reason") ?? "unknown_school"]
        if let school = context.task.text("school") { argv += ["--school", school] }
        let result = try ExternalProcess.run(argv, environment: context.environment.commandEnvironment.merging(context.environment.databaseCommandEnvironment) { $1 }, timeoutSeconds: context.remainingSeconds)
        if result.timedOut { throw TaskFailure("replay timed out; killed\n\(result.output)") }
        guard result.status == 0 else { throw TaskFailure("hubctl exit status \(result.status)\n\(result.output)") }
        return .succeeded(result.output)
    }
}
