import Aggregation
import FailureIsolation
import Foundation
import HubCore
import HubCrypto
import HubStore
import Postgres
import Topology

/// The sink's exactly-once commit: one PostgreSQL transaction per batch, made of ordered
/// steps, each owning its SQL:
///
/// 1. the offset fence (``StoredOffsets/advance(_:schema:group:_:)``) — a zombie stops here —
///    and the key-generation fence (``KeyGenerations/fence(_:schema:expected:)``) — a partition
///    re-keyed since its slot map was loaded stops here;
/// 2. ``QuarantineStep`` — units stored once per source position;
/// 3. ``EntityStateStep`` — current state: the versions that win;
/// 4. ``AggregateStep`` — retraction and addition of the changed versions;
/// 5. ``SchoolRegionsStep``, ``ReplayResolutionStep``, ``SchoolClaimsStep``;
/// 6. ``QualityResultsStep`` — activity, monitor results and alerts.
///
/// Applying a batch twice is impossible (the offsets are compare-and-set) and would be
/// harmless anyway (a version not newer than the one in effect changes nothing; a known
/// source position is not quarantined again).
///
/// A batch whose commit fails deterministically (a value PostgreSQL refuses, a sum that would
/// overflow) is committed again with its poison units isolated (``PoisonIsolation``): the
/// steps run on parts of the batch in savepoints, each part seeing what the earlier ones
/// wrote, so the rest of the batch commits exactly as it would have at once.
public final class SinkCommitter {
    let db: PGConnection
    let schema: HubSchema
    let topology: Topology
    let bits: MonitorBits
    /// The outer person-code keys, to bring records of an older generation up to their
    /// partition's (``KeyGenerationAlignment``).
    let keyring: PersonCodeKeyring
    private let state: EntityStateStep
    private let quarantine: QuarantineStep
    private let aggregates: AggregateStep
    private let regions: SchoolRegionsStep
    private let replays: ReplayResolutionStep
    private let claims: SchoolClaimsStep
    private let quality: QualityResultsStep
    private var prepared = false

    /// - Parameter atRest: seals quarantined units' raw bytes at rest (nil: stored as they are).
    /// - Parameter keyring: the outer person-code keys (README, "Key rotation").
    public init(db: PGConnection, schema: HubSchema, topology: Topology, bits: MonitorBits, atRest: AtRestKeyring? = nil,
                keyring: PersonCodeKeyring = .empty) {
        self.db = db
        self.keyring = keyring
        self.schema = schema
        self.topology = topology
        self.bits = bits
        state = EntityStateStep(schema: schema)
        quarantine = QuarantineStep(schema: schema, atRest: atRest)
        aggregates = AggregateStep(schema: schema, topology: topology)
        regions = SchoolRegionsStep(schema: schema)
        replays = ReplayResolutionStep(schema: schema)
        claims = SchoolClaimsStep(schema: schema, topology: topology)
        quality = QualityResultsStep(schema: schema, topology: topology)
    }

    /// Moves the partitions of `required` to their newer key generation, one transaction each
    /// (skipping any already there: `hubctl keys rekey` may have got there first). Run it
    /// between commits; the caller then reloads offsets, slot maps and generations.
    /// - Throws: ``HubCore/KeyringError`` when a key needed is not configured.
    public func rekey(_ required: RekeyRequired) throws -> [KeyGenerations.RekeyOutcome] {
        try required.slots.sorted { ($0.key.type.wireCode, $0.key.partition) < ($1.key.type.wireCode, $1.key.partition) }
            .map { try KeyGenerations.rekey(db, schema: schema, slot: $0.key, to: $0.value, keyring: keyring) }
    }

    /// Session-local staging tables, emptied at every commit.
    private func prepareSession() throws {
        guard !prepared else { return }
        try db.execute([QuarantineStep.stagingSQL(schema), QualityResultsStep.stagingSQL, aggregates.stagingSQL].joined(separator: "\n"))
        prepared = true
    }

    /// Empties the staging tables between the parts of an isolating commit (a normal commit
    /// has one part, and `ON COMMIT DELETE ROWS` empties them after it).
    private func clearStaging() throws {
        let tables = ["stage_quarantine", "stage_quarantine_raw", "stage_quality", "stage_activity"]
            + aggregates.tables.map { "stage_\($0.definition.table)" }
        try db.execute("TRUNCATE " + tables.joined(separator: ", "))
    }

    /// Reconnects after a failure; the session's staging tables are made again on next use.
    public func reconnect() throws {
        prepared = false
        try db.reset()
    }

    /// Applies `batch` in one transaction. Throws ``FencedError`` when another instance owns
    /// one of its partitions now (nothing is applied), or a transient failure for the caller
    /// to retry; isolates the units of a deterministic failure. `beforeCommit` runs inside the
    /// transaction once every statement has run and before COMMIT (a test's crash point).
    /// `generations` is each owned partition's key generation as loaded with its filter;
    /// throws ``RekeyRequired`` (nothing applied) for records of a newer generation.
    public func commit(group: String, _ batch: SinkBatch, slots: EntitySlots, generations: [KeySlot: Int] = [:],
                       beforeCommit: () -> Void = {}) throws -> SinkCommitSummary {
        try prepareSession()
        let (batch, expected) = try KeyGenerationAlignment.align(batch, generations: generations, keyring: keyring)
        do {
            var summary = try db.transaction { db in
                try StoredOffsets.advance(db, schema: schema, group: group, batch.offsets)
                try KeyGenerations.fence(db, schema: schema, expected: expected)
                let summary = try apply(batch.records, partitions: batch.partitions, batch.quarantine, slots: slots)
                beforeCommit()
                return summary
            }
            // Durable now: the replaced versions and the slots found gone are gone for good.
            slots.retire(summary.retired)
            summary.retired = []
            return summary
        } catch where FailureClass.of(error) == .deterministic {
            return try commitIsolating(group: group, batch, slots: slots, expected: expected, failure: error,
                                       beforeCommit: beforeCommit)
        }
    }

    /// The steps, inside the open transaction. Applying a batch in parts, one after the other,
    /// gives the same state, aggregates and quality counts as applying it at once.
    func apply(_ records: [StandardRecord], partitions: [Int32], _ units: [QuarantineUnit],
               slots: EntitySlots) throws -> SinkCommitSummary {
        var summary = SinkCommitSummary()
        let storedAt = Int64(Date().timeIntervalSince1970 * 1_000_000)
        let quarantined = try quarantine.apply(db, units)
        summary.newQuarantined = quarantined.count
        summary.redeliveredCopies = units.count - quarantined.count
        let changes = try state.apply(db, records: records, partitions: partitions, slots: slots, storedAtMicros: storedAt)
        summary.retired = changes.retired
        summary.stateChanges = changes.changed.count
        summary.created = changes.created
        summary.staleVersions = changes.staleEntities
        summary.redeliveredCopies += changes.copies
        summary.aggregateRows = try aggregates.apply(db, changes)
        try regions.apply(db, records)
        try replays.apply(db, records)
        summary.claimsLogged = try claims.apply(db, changes)
        let deltas = quality.deltas(changes, quarantined: quarantined, bits: bits)
        for (k, c) in deltas.rows where c.failed > 0 { summary.newlyFailed[k.monitor, default: 0] += c.failed }
        summary.alerts = try quality.apply(db, deltas)
        return summary
    }

    /// One unit of a sink batch, by index: a standard record or a quarantine unit.
    enum Unit: Sendable {
        case record(Int)
        case quarantine(Int)
    }

    /// The commit of a batch whose one-transaction commit failed deterministically: a new
    /// transaction fences the offsets exactly as before; then ``PoisonIsolation`` applies the
    /// batch in savepoints, halving every part that fails, until each poison unit stands
    /// alone. A poison standard record becomes a quarantine unit (reason, column, SQLSTATE;
    /// never the value), a poison quarantine unit is stored without the details that were
    /// refused; everything else commits with the offsets, once.
    func commitIsolating(group: String, _ batch: SinkBatch, slots: EntitySlots, expected: [KeySlot: Int], failure: any Error,
                         beforeCommit: () -> Void) throws -> SinkCommitSummary {
        try db.transaction { db in
            try StoredOffsets.advance(db, schema: schema, group: group, batch.offsets)
            try KeyGenerations.fence(db, schema: schema, expected: expected)
            var summary = SinkCommitSummary()
            let units = batch.records.indices.map(Unit.record) + batch.quarantine.indices.map(Unit.quarantine)
            let outcome = try PoisonIsolation.apply(
                units, knownToFail: failure,
                attempt: { body in try db.transaction { _ in try body() } },
                apply: { part in
                    var records: [StandardRecord] = []
                    var partitions: [Int32] = []
                    var quarantine: [QuarantineUnit] = []
                    for unit in part {
                        switch unit {
                        case .record(let i):
                            records.append(batch.records[i])
                            partitions.append(i < batch.partitions.count ? batch.partitions[i] : -1)
                        case .quarantine(let i): quarantine.append(batch.quarantine[i])
                        }
                    }
                    try clearStaging()
                    summary.add(try apply(records, partitions: partitions, quarantine, slots: slots))
                },
                isolate: { unit, error in
                    switch unit {
                    case .record(let i):
                        try store(PoisonUnits.isolatedUnit(of: batch.records[i], failure: error), slots: slots, into: &summary)
                    case .quarantine(let i):
                        try store(PoisonUnits.reduced(batch.quarantine[i], failure: error), slots: slots, into: &summary)
                    }
                })
            summary.isolationAttempts = outcome.attempts
            beforeCommit()
            return summary
        }
    }

    /// Stores an isolated unit in its own savepoint; if even that is refused, without its
    /// raw bytes and parsed record (position, reason and the failure only).
    private func store(_ unit: QuarantineUnit, slots: EntitySlots, into summary: inout SinkCommitSummary) throws {
        var stored = unit
        do {
            try db.transaction { _ in
                try clearStaging()
                summary.add(try apply([], partitions: [], [unit], slots: slots))
            }
        } catch where FailureClass.of(error) == .deterministic {
            stored.raw = []
            stored.record = nil
            stored.detail = "stored without raw bytes: " + PoisonUnits.failureSummary(error)
            let bare = stored
            try db.transaction { _ in
                try clearStaging()
                summary.add(try apply([], partitions: [], [bare], slots: slots))
            }
        }
        summary.isolated.append(stored)
    }
}
