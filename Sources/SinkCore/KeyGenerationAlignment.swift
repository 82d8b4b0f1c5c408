import HubCore
import HubStore

/// Brings a batch's records to the key generation of the partition each belongs to, before
/// the commit (README, "Key rotation"): while a rotation runs, records of the old and the new
/// generation are in flight together.
///
/// - A record of an older generation than its partition's state is chained up with the outer
///   keys (its codes become the ones the re-keyed state holds), then applied as usual.
/// - A record of a newer generation means the transform already publishes under a key the
///   partition's state has not been moved to: the commit stops (``RekeyRequired``), the sink
///   re-keys that partition itself (``HubStore/KeyGenerations/rekey(_:schema:slot:to:keyring:)``,
///   the same exactly-once step `hubctl keys rekey` runs) and reloads. Waiting for an operator
///   instead would stall every partition this sink owns until someone runs the command.
///
/// The commit then holds the partitions' generation rows and checks they are still the ones
/// used here (``HubStore/KeyGenerations/fence(_:schema:expected:)``).
enum KeyGenerationAlignment {
    /// The batch with every record at its partition's generation, and the generation each
    /// written partition must still have at commit time.
    static func align(_ batch: SinkBatch, generations: [KeySlot: Int], keyring: PersonCodeKeyring)
        throws -> (batch: SinkBatch, expected: [KeySlot: Int]) {
        var out = batch
        var expected: [KeySlot: Int] = [:]
        var newer: [KeySlot: Int] = [:]
        // A batch holds runs of one partition's records, so the slot's generation is looked up
        // once per run; each record is read in place (enumerating copied every record, and the
        // two lookups per record were 2 % of the sink's CPU).
        let records = batch.records.span
        var last: (slot: KeySlot, stored: Int)?
        for i in records.indices {
            let slot = KeySlot(type: records[i].type, partition: i < batch.partitions.count ? batch.partitions[i] : -1)
            let stored: Int
            if let last, last.slot == slot {
                stored = last.stored
            } else {
                stored = generations[slot] ?? 1
                expected[slot] = stored
                last = (slot, stored)
            }
            let generation = records[i].keyGeneration
            if generation > stored {
                newer[slot] = max(newer[slot] ?? 0, generation)
            } else if generation < stored {
                out.records[i] = try keyring.raise(records[i], to: stored)
            }
        }
        if let (slot, target) = newer.min(by: { $0.key.partition < $1.key.partition }) {
            guard keyring.canChain(from: generations[slot] ?? 1, to: target) else {
                throw KeyringError("records of key generation \(target) arrived for \(slot), stored at generation "
                                   + "\(generations[slot] ?? 1): the sink needs the keys up to generation \(target) "
                                   + "(HUB_PERSON_CODE_KEY_FILES)", missingGeneration: target)
            }
            throw RekeyRequired(slots: newer)
        }
        return (out, expected)
    }
}

/// Records of a newer key generation than their partitions' state: those partitions are
/// re-keyed (to the generation given) before the batch is applied.
public struct RekeyRequired: Error, CustomStringConvertible, Sendable {
    public var slots: [KeySlot: Int]
    public var description: String {
        "records of a newer person-code key generation for " + slots.map { "\($0.key) (→ \($0.value))" }.sorted().joined(separator: ", ")
    }
}
