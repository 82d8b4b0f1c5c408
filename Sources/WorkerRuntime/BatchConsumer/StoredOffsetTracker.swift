import HubStore
import Kafka
import Logging
import Synchronization

/// For consumers whose offsets live in PostgreSQL with their results (sink, archive): knows
/// the stored next offset of each owned partition (the fence for the next commit), starts
/// assigned partitions from the database (retrying while it is down), forgets revoked ones,
/// and rewinds the consumer to the stored offsets after a failed commit.
///
/// The rebalance callbacks and `rewind` run on the polling thread only; the store is used on
/// that thread only.
public final class StoredOffsetTracker: KafkaRebalanceListener, @unchecked Sendable {
    private let store: any StoredOffsetStore
    private let group: String
    private let logger: Logger
    private let stop: StopSignal
    private let positions = Mutex<[TopicPartition: Int64]>([:])

    public init(store: any StoredOffsetStore, group: String, logger: Logger, stop: StopSignal) {
        self.store = store
        self.group = group
        self.logger = logger
        self.stop = stop
    }

    /// The stored next offset of a partition this instance owns; nil when not owned.
    public func expected(_ tp: TopicPartition) -> Int64? { positions.withLock { $0[tp] } }

    /// Records a committed next offset.
    public func set(_ tp: TopicPartition, _ offset: Int64) { positions.withLock { $0[tp] = offset } }

    public func partitionsAssigned(_ partitions: [TopicPartition]) -> [TopicPartitionOffset]? {
        var backoff = Backoff()
        while true {
            do {
                let loaded = try store.loadOffsets(group: group, partitions: partitions.map { ($0.topic, $0.partition) })
                let out = partitions.map { TopicPartitionOffset($0, offset: loaded[StoredOffsets.key($0.topic, $0.partition)] ?? 0) }
                for o in out { set(o.topicPartition, o.offset) }
                logger.info("partitions assigned", metadata: ["partitions": "\(out.map(\.description))"])
                return out
            } catch {
                try? store.reconnect()
                if stop.isStopping {
                    // Not owned (no positions recorded), so nothing will be committed for them.
                    return partitions.map { TopicPartitionOffset($0, offset: TopicPartitionOffset.beginning) }
                }
                let delay = backoff.next()
                logger.warning("cannot load stored offsets; retrying", metadata: ["error": "\(error)", "retry_in": "\(delay)"])
                sleep(delay, unless: stop)
            }
        }
    }

    public func partitionsRevoked(_ partitions: [TopicPartition]) {
        positions.withLock { m in for tp in partitions { m[tp] = nil } }
        store.forget(partitions: partitions.map { ($0.topic, $0.partition) })
        logger.info("partitions revoked", metadata: ["partitions": "\(partitions.map(\.description))"])
    }

    /// Seeks every assigned partition back to its stored offset so a failed batch is read
    /// again; with `reload`, first re-reads the stored offsets (after being fenced).
    public func rewind(_ consumer: KafkaConsumer, reload: Bool) throws {
        let assigned = try consumer.assignment()
        if reload {
            let loaded = try store.loadOffsets(group: group, partitions: assigned.map { ($0.topic, $0.partition) })
            for tp in assigned { set(tp, loaded[StoredOffsets.key(tp.topic, tp.partition)] ?? 0) }
        }
        for tp in assigned {
            guard let offset = expected(tp) else { continue }
            try consumer.seek(TopicPartitionOffset(tp, offset: offset), timeout: .seconds(10))
        }
    }
}

/// Sleeps in short steps so a stop request is noticed quickly.
public func sleep(_ d: Duration, unless stop: StopSignal) {
    let end = ContinuousClock.now + d
    while !stop.isStopping, ContinuousClock.now < end {
        Thread.sleep(forTimeInterval: 0.05)
    }
}

import Foundation
