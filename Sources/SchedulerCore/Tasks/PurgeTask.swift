import HubStore
import Kafka
import Postgres
import Topology

/// `purge`: drops the raw bytes of units quarantined more than `older_than_days` days before
/// the run's interval end (SPEC §4: the `quarantine` rows, and so the counts, stay). The
/// update and the recorded success are one transaction. It never reads the bytes (the
/// scheduler's login may not): `purged_at` marks what it emptied.
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
                UPDATE \(s.privateName).quarantine_raw r SET raw = NULL, record = NULL, purged_at = now()
                FROM \(s.name).quarantine q
                WHERE q.src_topic = r.src_topic AND q.src_partition = r.src_partition AND q.src_offset = r.src_offset
                  AND q.src_row = r.src_row AND q.quarantined_at < to_timestamp($1)
                  AND r.purged_at IS NULL
                """, [String(cutoff)])
            let topic = try purgeDeadLetters(context, db)
            try context.recordSuccess(output: "purged the raw bytes of \(r.affectedRows) units quarantined before \(CronTime(secondsSinceEpoch: cutoff))"
                                      + topic)
        }
        return .recorded
    }

    /// The dead-letter topic is transport: a unit is in PostgreSQL once the sink's stored offset
    /// has passed it (replays read PostgreSQL), so everything before those offsets is deleted
    /// from the topic (DeleteRecords; repeating it changes nothing). The topic's own
    /// `retention.ms` (14 days from `hubctl topics create`) bounds the rest. `dead_letters: keep`
    /// leaves the topic to that retention (a broker without DeleteRecords, like the development
    /// broker tansu 0.6, whose memory storage does not implement it).
    private func purgeDeadLetters(_ context: TaskContext, _ db: PGConnection) throws -> String {
        let env = context.environment
        let mode = context.task.text("dead_letters") ?? "delete"
        guard mode == "delete" || mode == "keep" else { throw TaskFailure("dead_letters must be delete or keep, not \"\(mode)\"") }
        guard mode == "delete" else { return "; dead-letter topic left to its retention.ms" }
        guard let topic = env.quarantineTopic, let kafka = env.kafka else { return "; dead-letter topic: no broker configured" }
        let before = try DeadLetterRetention.storedOffsets(db, schema: context.hubSchema, group: env.sinkGroup, topic: topic)
        do {
            try KafkaAdmin.deleteRecords(config: kafka, before: before, timeout: .seconds(30))
        } catch {
            throw TaskFailure("deleting stored dead letters from \(topic): \(error)")
        }
        return "; dead-letter topic \(topic): records before the sink's offsets deleted on \(before.count) partitions ("
            + before.map { "\($0.partition):\($0.offset)" }.joined(separator: " ") + ")"
    }
}

/// What of the dead-letter topic may go: every record before the sink's stored offset of its
/// partition (the sink has written it to PostgreSQL in the transaction that stored the offset).
public enum DeadLetterRetention {
    public static func storedOffsets(_ db: PGConnection, schema: HubSchema, group: String, topic: String) throws -> [TopicPartitionOffset] {
        let r = try db.query("""
            SELECT partition, next_offset FROM \(schema.name).sink_offsets
            WHERE consumer_group = $1 AND topic = $2 AND next_offset > 0 ORDER BY partition
            """, bind: group, topic)
        return try r.rows.map { row in
            TopicPartitionOffset(topic: topic, partition: try row.decode("partition"), offset: try row.decode("next_offset"))
        }
    }
}
