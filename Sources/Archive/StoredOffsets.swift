import Foundation
import HubStore
import Kafka
import Logging
import Synchronization
import WorkerRuntime

/// The stored next offset of each partition this instance owns (the fence for the next
/// commit); absent = not owned.
final class StoredPositions: Sendable {
    private let map = Mutex<[TopicPartition: Int64]>([:])

    func expected(_ tp: TopicPartition) -> Int64? { map.withLock { $0[tp] } }
    func set(_ tp: TopicPartition, _ offset: Int64) { map.withLock { $0[tp] = offset } }
    func remove(_ tps: [TopicPartition]) { map.withLock { m in for tp in tps { m[tp] = nil } } }
}

/// Starts assigned partitions from the offsets stored with the raw zone (retrying while the
/// database is down), and forgets revoked ones.
final class StoredOffsetLoader: KafkaRebalanceListener, @unchecked Sendable {
    // Called only on the polling thread, inside poll(); the store is used on that thread only.
    private let store: RawZoneStore
    private let group: String
    private let positions: StoredPositions
    private let logger: Logger
    private let stop: StopSignal

    init(store: RawZoneStore, group: String, positions: StoredPositions, logger: Logger, stop: StopSignal) {
        self.store = store
        self.group = group
        self.positions = positions
        self.logger = logger
        self.stop = stop
    }

    func partitionsAssigned(_ partitions: [TopicPartition]) -> [TopicPartitionOffset]? {
        var backoff = Backoff()
        while true {
            do {
                let loaded = try store.loadOffsets(group: group, partitions: partitions.map { ($0.topic, $0.partition) })
                var out: [TopicPartitionOffset] = []
                for tp in partitions {
                    let offset = loaded["\(tp.topic)#\(tp.partition)"] ?? 0
                    positions.set(tp, offset)
                    out.append(TopicPartitionOffset(tp, offset: offset))
                }
                logger.info("partitions assigned", metadata: ["partitions": "\(out.map(\.description))"])
                return out
            } catch {
                try? store.reconnect()
                if stop.isStopping {
                    return partitions.map { TopicPartitionOffset($0, offset: TopicPartitionOffset.beginning) }
                }
                let delay = backoff.next()
                logger.warning("cannot load stored offsets; retrying", metadata: ["error": "\(error)", "retry_in": "\(delay)"])
                pause(delay, unless: stop)
            }
        }
    }

    func partitionsRevoked(_ partitions: [TopicPartition]) {
        positions.remove(partitions)
        logger.info("partitions revoked", metadata: ["partitions": "\(partitions.map(\.description))"])
    }
}
