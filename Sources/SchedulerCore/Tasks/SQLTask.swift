/// `sql`: runs `params.sql` (placeholders substituted, several statements allowed) and records
/// success in the same transaction, under the attempt's lease — so the statements take effect
/// exactly when the instance is recorded successful, never for a deposed leader's attempt.
struct SQLTask: TaskExecutor {
    static let typeName = "sql"

    func run(_ context: TaskContext) throws -> TaskCompletion {
        let sql = context.substitute(context.task.text("sql") ?? "")
        try context.db.transaction { db in
            try context.holdLease()
            try db.execute(sql)
            try context.recordSuccess(output: "ok")
        }
        return .recorded
    }
}
