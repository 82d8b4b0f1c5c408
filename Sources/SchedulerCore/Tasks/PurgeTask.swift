import Topology

/// `purge`: drops the raw bytes of units quarantined more than `older_than_days` days before
/// the run's interval end (SPEC §4: the `quarantine` rows, and so the counts, stay). The
/// update and the recorded success are one transaction.
struct PurgeTask: TaskExecutor {
    static let typeName = "purge"

    func run(_ context: TaskContext) throws -> TaskCompletion {
        guard let days = context.task.text("older_than_days").flatMap(Int.init), days >= 0 else {
            throw TaskFailure("older_than_days must be a non-negative integer")
        }
        let s = context.hubSchema
        let cutoff = context.interval.end.secondsSinceEpoch - Int64(days) * 86_400
        try context.db.transaction { db in
            try context.holdLease()
            let r = try db.query("""
                UPDATE \(s.privateName).quarantine_raw r SET raw = NULL, record = NULL
                FROM \(s.name).quarantine q
                WHERE q.src_topic = r.src_topic AND q.src_partition = r.src_partition AND q.src_offset = r.src_offset
                  AND q.src_row = r.src_row AND q.quarantined_at < to_timestamp($1)
                  AND (r.raw IS NOT NULL OR r.record IS NOT NULL)
                """, [String(cutoff)])
            try context.recordSuccess(output: "purged the raw bytes of \(r.affectedRows) units quarantined before \(CronTime(secondsSinceEpoch: cutoff))")
        }
        return .recorded
    }
}
