/// Hooks into a group consumer's rebalances, e.g. to start partitions from offsets kept in a
/// database together with the results they produced (exactly-once processing).
///
/// Both methods run synchronously on the thread calling ``KafkaConsumer/poll(maxMessages:timeout:)``
/// (or ``KafkaConsumer/close()``), inside that call. The consumer uses the eager protocol:
/// every rebalance revokes the whole assignment and then assigns a new one.
public protocol KafkaRebalanceListener: AnyObject, Sendable {
    /// The group has given this consumer `partitions`; fetching starts when this returns.
    ///
    /// Return where to start reading (the next offset to read) for any of the partitions;
    /// partitions left out, or a nil result, start from the group's committed offset or,
    /// without one, from `auto.offset.reset`.
    func partitionsAssigned(_ partitions: [TopicPartition]) -> [TopicPartitionOffset]?

    /// `partitions` are about to be taken away: finish or abandon work on them now (flush,
    /// commit). After this returns the consumer gives them up; messages of these partitions
    /// already returned by `poll` may be redelivered to another group member.
    func partitionsRevoked(_ partitions: [TopicPartition])
}
