import Kafka
import Logging

/// For stages that keep their offsets in Kafka: logs every assignment and revocation and
/// reports `assigned` readiness, so operators (and tests) see how a group split its partitions.
public final class AssignmentLogger: KafkaRebalanceListener, @unchecked Sendable {
    // Called only on the polling thread, inside poll().
    private let logger: Logger
    private let health: HealthState

    /// Not ready until the group has assigned partitions.
    public init(logger: Logger, health: HealthState) {
        self.logger = logger
        self.health = health
        health.set("assigned", false)
    }

    public func partitionsAssigned(_ partitions: [TopicPartition]) -> [TopicPartitionOffset]? {
        logger.info("partitions assigned", metadata: ["partitions": "\(partitions.map(\.description).sorted())"])
        health.set("assigned", !partitions.isEmpty)
        return nil
    }

    public func partitionsRevoked(_ partitions: [TopicPartition]) {
        logger.info("partitions revoked", metadata: ["partitions": "\(partitions.map(\.description).sorted())"])
        health.set("assigned", false)
    }
}
