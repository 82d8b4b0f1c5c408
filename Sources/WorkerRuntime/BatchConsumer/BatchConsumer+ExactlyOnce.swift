import HubStore
import Kafka
import Metrics
import Postgres

extension BatchConsumer {
    /// Runs `stage` until `stop`, its offsets kept in PostgreSQL: `positions` (this consumer's
    /// rebalance listener) holds the stored next offset of every owned partition, each batch
    /// commits its results with the advanced offsets, fenced by the stored ones. If the
    /// database fails, the batch is dropped, the partitions are rewound to the stored offsets
    /// and the loop retries with backoff — memory stays at one batch.
    public func run<Stage: ExactlyOnceStage>(_ stage: inout Stage, positions: StoredOffsetTracker, stop: StopSignal) throws {
        defer { close() }
        let retries = Counter(label: "hub_pg_transaction_retries_total", dimensions: [("stage", metrics.stage)])
        var backoff = Backoff()
        while !stop.isStopping {
            guard let first = try pollFirst() else { continue }
            var batch = stage.makeBatch()
            let filled = try fill(first, &stage, into: &batch, owns: { positions.expected($0) != nil })
            if filled.next.keys.contains(where: { positions.expected($0) == nil }) {
                // A rebalance took partitions away while the batch was filling: start again
                // from the stored offsets of what this instance still owns.
                try positions.rewind(consumer, reload: false)
                continue
            }
            let offsets = filled.next.compactMap { tp, next in
                positions.expected(tp).map { OffsetAdvance(topic: tp.topic, partition: tp.partition, expected: $0, next: next) }
            }
            if offsets.isEmpty { continue }
            let started = ContinuousClock.now
            do {
                try blocked(on: .commit) { try stage.commit(batch, offsets: offsets, messages: filled.messages) }
                metrics.committed(messages: filled.messages, since: started)
                for o in offsets { positions.set(TopicPartition(topic: o.topic, partition: o.partition), o.next) }
                health.set("database", true)
                backoff.reset()
            } catch is FencedError {
                stage.fenced()
                try rewindReloading(positions)
            } catch {
                retries.increment()
                health.set("database", false)
                let delay = backoff.next()
                try? stage.reconnect()
                // A lost connection leaves the COMMIT's outcome unknown: the stored offsets say
                // what happened, so they are read again. (Were the cached ones kept, the fence
                // would refuse the next attempt if the commit had gone through, and reload then.)
                if (error as? PGError)?.isConnectionError == true || error is CommitReplyLost {
                    logger.warning("commit outcome unknown (connection lost); reloading the stored offsets",
                                   metadata: ["error": "\(error)", "retry_in": "\(delay)"])
                    try rewindReloading(positions)
                } else {
                    logger.warning("commit failed; rewinding and retrying", metadata: ["error": "\(error)", "retry_in": "\(delay)"])
                    try positions.rewind(consumer, reload: false)
                }
                sleep(delay, unless: stop)
            }
        }
    }

    /// Seeks back to the stored offsets read again from the database (with whatever state the
    /// store keeps beside them); when the database cannot be read now, to the offsets known
    /// here — if those are stale, the fence refuses the next commit and this runs again.
    private func rewindReloading(_ positions: StoredOffsetTracker) throws {
        do {
            try positions.rewind(consumer, reload: true)
        } catch {
            logger.warning("cannot read the stored offsets now; rewinding to the known ones", metadata: ["error": "\(error)"])
            try positions.rewind(consumer, reload: false)
        }
    }
}
