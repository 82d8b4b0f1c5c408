/// A store that keeps consumed Kafka offsets in PostgreSQL beside the data they produced
/// (the sink's state, the archive's raw zone), so a consumer resumes from them on assignment.
public protocol StoredOffsetStore: AnyObject {
    /// The stored next offsets of `partitions` for `group`, keyed `topic#partition`
    /// (``StoredOffsets/key(_:_:)``); new partitions start at 0. Also (re)loads whatever
    /// per-partition state the store keeps beside the offsets.
    func loadOffsets(group: String, partitions: [(topic: String, partition: Int32)]) throws -> [String: Int64]
    /// Drops per-partition state of partitions no longer owned.
    func forget(partitions: [(topic: String, partition: Int32)])
    /// Reconnects after a failure.
    func reconnect() throws
}

extension StoredOffsetStore {
    public func forget(partitions: [(topic: String, partition: Int32)]) {}
}

extension RawZoneStore: StoredOffsetStore {}
