/// `command`: runs `params.argv` with the pipeline's non-secret settings in its environment
/// plus `HUB_TASK_INSTANCE` (stable across attempts), `HUB_TASK_ATTEMPT`, `HUB_INTERVAL_START`,
/// `HUB_INTERVAL_END`; killed at the timeout. A child gets only what its task declares under
/// `needs:` — `database` adds `HUB_DATABASE` (no password) and `HUB_DATABASE_PASSWORD_FILE`;
/// nothing of the scheduler's own environment is inherited beyond PATH, locale, time zone and
/// HOME. An external effect cannot share the scheduler's transaction, so a retry after a
/// crash may run the command again: commands make their effect idempotent with
/// `HUB_TASK_INSTANCE`.
struct CommandTask: TaskExecutor {
    static let typeName = "command"
    /// What a command may declare under `needs:`.
    static let needs: Set<String> = ["database"]

    func run(_ context: TaskContext) throws -> TaskCompletion {
        let argv = (context.task.list("argv") ?? []).map(context.substitute)
        let needs = context.task.list("needs") ?? []
        if let unknown = needs.first(where: { !Self.needs.contains($0) }) {
            throw TaskFailure("needs: unknown \"\(unknown)\"; a command may need: \(Self.needs.sorted().joined(separator: ", "))")
        }
        var env = context.environment.commandEnvironment
        if needs.contains("database") { env.merge(context.environment.databaseCommandEnvironment) { $1 } }
        env["HUB_TASK_INSTANCE"] = context.instanceKey
        env["HUB_TASK_ATTEMPT"] = String(context.attempt)
        env["HUB_INTERVAL_START"] = context.interval.start.description
        env["HUB_INTERVAL_END"] = context.interval.end.description
        let result = try ExternalProcess.run(argv, environment: env, timeoutSeconds: context.remainingSeconds)
        if result.timedOut { throw TaskFailure("timed out after \(context.task.timeoutSeconds) s; killed\n\(result.output)") }
        guard result.status == 0 else { throw TaskFailure("exit status \(result.status)\n\(result.output)") }
        return .succeeded(result.output)
    }
}
