import HubCore
import HubStore

/// What one sink transaction applies: standard records (with the std partition each came
/// from, and quality masks already in stable bits), quarantined units, and the consumed
/// offsets to advance.
public struct SinkBatch: Sendable {
    public var records: [StandardRecord] = []
    /// Per record, the partition of the std topic it was consumed from.
    public var partitions: [Int32] = []
    public var quarantine: [QuarantineUnit] = []
    public var offsets: [OffsetAdvance] = []

    public init() {}

    public mutating func append(_ record: StandardRecord, partition: Int32) {
        records.append(record)
        partitions.append(partition)
    }

    public var isEmpty: Bool { offsets.isEmpty }

    /// Empties the batch, keeping its arrays' capacity for the next one.
    public mutating func removeAll() {
        records.removeAll(keepingCapacity: true)
        partitions.removeAll(keepingCapacity: true)
        quarantine.removeAll(keepingCapacity: true)
        offsets.removeAll(keepingCapacity: true)
    }
}

/// What a commit did.
public struct SinkCommitSummary: Sendable {
    public var stateChanges = 0
    public var created = 0
    public var staleVersions = 0
    /// Units the sink already had: standard records whose version (so source position) is
    /// the one in effect or another record's of the same batch, and quarantine units already
    /// stored — redelivered or replayed copies, which change nothing.
    public var redeliveredCopies = 0
    public var newQuarantined = 0
    public var aggregateRows = 0
    public var claimsLogged = 0
    /// Alerts raised by this commit (to publish once it is durable).
    public var alerts: [QualityAlert] = []
    /// Per monitor, units that newly failed (positive changes only, for metrics).
    public var newlyFailed: [String: Int64] = [:]
    /// Units this commit isolated because they failed deterministically; they are in the
    /// quarantine now (standard records as units without raw bytes).
    public var isolated: [QuarantineUnit] = []
    /// Attempts the isolation made (0 when the batch committed at once).
    public var isolationAttempts = 0
    /// Slot pairs gone once this commit is durable; set by a batch applied at once only (the
    /// parts of an isolating commit do not add theirs: a part's probe may have seen an earlier
    /// part's deletions, which the commit might not keep).
    var retired: [EntitySlots.Retired] = []

    /// Adds what another part of the same commit did.
    mutating func add(_ other: SinkCommitSummary) {
        stateChanges += other.stateChanges
        created += other.created
        staleVersions += other.staleVersions
        redeliveredCopies += other.redeliveredCopies
        newQuarantined += other.newQuarantined
        aggregateRows += other.aggregateRows
        claimsLogged += other.claimsLogged
        alerts += other.alerts
        for (monitor, n) in other.newlyFailed { newlyFailed[monitor, default: 0] += n }
        isolated += other.isolated
    }
}
