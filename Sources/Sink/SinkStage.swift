import Foundation
import HubCore
import HubStore
import Kafka
import Logging
import Metrics
import Postgres
import SinkCore
import WorkerRuntime

/// The sink's stage logic: decode the batch's standard-zone messages and dead letters, then
/// commit them with the new offsets in one fenced transaction (``SinkCommitter``, which
/// isolates a poison unit by bisection).
struct SinkStage: ExactlyOnceStage {
    /// The decoded batch, and how many of its messages this process had read before.
    struct Batch {
        var sink = SinkBatch()
        var readAgain = 0
    }

    let settings: WorkerSettings
    let db: PGConnection
    let partitionState: SinkPartitionState
    let committer: SinkCommitter
    var decoder: StdMessageDecoder
    /// Woken when a commit raised alerts, so the outbox is published at once.
    let alerts: SideJobTrigger
    let logger: Logger
    let metrics = StageMetrics(stage: "sink")
    private let recordsIn: Counter
    private let commits = Counter(label: "hub_sink_commits_total")
    private let fencedCommits = Counter(label: "hub_sink_fenced_total")
    private let commitTime = Timer(label: "hub_pg_transaction_duration_seconds", dimensions: [("stage", "sink")])
    private let redelivery = RedeliveryCounter()
    private let poison: PoisonReporter
    /// The arrays of the last committed batch, filled again by the next one (their capacity
    /// is bounded by the batch's record budget, 4 × `--batch-size`).
    private let spare = SpareBuffers<SinkBatch>()

    init(settings: WorkerSettings, db: PGConnection, partitionState: SinkPartitionState, committer: SinkCommitter,
         decoder: StdMessageDecoder, alerts: SideJobTrigger, logger: Logger) {
        self.settings = settings
        self.db = db
        self.partitionState = partitionState
        self.committer = committer
        self.decoder = decoder
        self.alerts = alerts
        self.logger = logger
        recordsIn = metrics.recordsConsumed()
        poison = PoisonReporter(stage: "sink", logger: logger)
    }

    /// A batch whose arrays are the last batch's, emptied in place.
    func makeBatch() -> Batch {
        var batch = Batch()
        if var arrays = spare.take() {
            arrays.removeAll()
            batch.sink = arrays
        }
        return batch
    }

    mutating func add(_ messages: [KafkaMessage], to batch: inout Batch) throws -> Int {
        batch.readAgain += redelivery.read(messages)
        for m in messages { decoder.decode(m, quarantineTopic: settings.quarantineTopic, into: &batch.sink) }
        return batch.sink.records.count + batch.sink.quarantine.count
    }

    func commit(_ batch: Batch, offsets: [OffsetAdvance], messages: Int) throws {
        defer { spare.keep(batch.sink) }
        var sink = batch.sink
        sink.offsets = offsets
        let started = ContinuousClock.now
        let summary: SinkCommitSummary
        do {
            summary = try committer.commit(group: settings.group, sink, slots: partitionState.slots,
                                           generations: partitionState.generations) {
                if TestKillPoint.sinkBeforeCommit.reach(detail: sink.offsetRanges) {
                    _ = try? db.execute("SELECT pg_terminate_backend(pg_backend_pid())")
                }
            }
        } catch let required as RekeyRequired {
            try rekey(required)
            throw FencedError()
        } catch let error as KeyringError {
            WorkerMain.fail("sink", error.description)
        }
        if TestKillPoint.sinkAfterCommit.reach(detail: sink.offsetRanges) { throw CommitReplyLost() }
        redelivery.committed(readAgain: batch.readAgain, copies: summary.redeliveredCopies, logger: logger)
        commits.increment()
        recordsIn.increment(by: sink.records.count + sink.quarantine.count)
        commitTime.record(since: started)
        for unit in summary.isolated { poison.isolated(unit) }
        for (monitor, n) in summary.newlyFailed {
            Counter(label: "hub_quality_failed_units_total", dimensions: [("monitor", monitor)]).increment(by: Int(n))
        }
        if !summary.alerts.isEmpty { alerts.wake() }
        logger.debug("committed", metadata: ["messages": "\(messages)", "changes": "\(summary.stateChanges)",
                                             "created": "\(summary.created)", "stale": "\(summary.staleVersions)",
                                             "quarantined": "\(summary.newQuarantined)", "copies": "\(summary.redeliveredCopies)"])
    }

    func fenced() {
        fencedCommits.increment()
        logger.warning("offsets or key generations moved on in the database; reloading them and the slot maps")
    }

    /// The transform publishes under a newer person-code key than these partitions' state
    /// (README, "Key rotation"): move the state first — exactly once, whoever gets there first,
    /// this sink or `hubctl keys rekey` — then the batch is read again over the reloaded state.
    private func rekey(_ required: RekeyRequired) throws {
        let outcomes: [KeyGenerations.RekeyOutcome]
        do {
            outcomes = try committer.rekey(required)
        } catch let error as KeyringError {
            WorkerMain.fail("sink", error.description)
        }
        for done in outcomes where !done.skipped {
            logger.notice("partition re-keyed by the sink for a newer person-code key generation", metadata: [
                "partition": "\(done.slot)", "from": "\(done.from)", "to": "\(done.to)", "entities": "\(done.entities)",
                "seconds": "\(done.seconds)"])
        }
    }

    func reconnect() throws { try committer.reconnect() }
}
