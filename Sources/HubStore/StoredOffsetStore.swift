/// A store that keeps consumed Kafka offsets in PostgreSQL beside the data they produced
/// (the sink's state, the archive's raw zone), so a consumer resumes from them on assignment.
public protocol StoredOffsetStore: AnyObject {
    /// The stored next offsets of `partitions` for `group`, keyed `topic#partition`; new
    /// partitions start at 0.
    func loadOffsets(group: String, partitions: [(topic: String, partition: Int32)]) throws -> [String: Int64]
    /// Reconnects after a failure.
    func reconnect() throws
}

extension SinkStore: StoredOffsetStore {}
extension RawZoneStore: StoredOffsetStore {}
