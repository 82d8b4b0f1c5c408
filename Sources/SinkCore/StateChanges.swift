import HubCore

/// An entity of the standard zone: its record type and key.
struct EntityID: Hashable, Sendable {
    var type: RecordType
    var key: Digest32

    static func == (a: EntityID, b: EntityID) -> Bool { a.key == b.key && a.type == b.type }

    /// Keys are digests: one random word is as good a hash as hashing all of them.
    func hash(into hasher: inout Hasher) {
        hasher.combine(key.w1)
        hasher.combine(type.wireCode)
    }
}

/// What the state step decided for a batch, for the steps that follow it: per entity, the
/// stored version it had (if any) and the version it has now.
public struct StateChanges: Sendable {
    struct Entity: Sendable {
        var id: EntityID
        /// The std partition the entity's records came from.
        var partition: Int32
        /// The batch's newest record of the entity (index into `records`).
        var best: Int
        /// The stored version before the batch (index into `storedVersions`), -1 when none.
        /// Kept out of line: an entity small enough to copy freely, and the ~270-byte version
        /// read in place (copying it for each entity showed as memmove in the sink's profile).
        var stored: Int32 = -1
        /// Where the stored version is (to delete it when replaced), and its slot (0: none).
        var oldLocation: String?
        var oldSlot: Int64 = 0
        /// Whether `best` replaced (or created) the entity.
        var changed = false

        var hasStoredVersion: Bool { stored >= 0 }

        /// The map's pair for `slot` of this entity, to retire once the batch commits.
        func pair(slot: Int64) -> EntitySlots.Retired {
            .init(part: .init(type: id.type, partition: partition), hash: id.key.w0, slot: slot)
        }
    }

    /// The batch's records, as given.
    public let records: [StandardRecord]
    var entities: [Entity] = []
    /// The stored versions the probe read, for the entities that had one.
    var storedVersions: [StandardRecord] = []
    /// Per record, the index of its entity.
    var entityOfRecord: [Int32] = []
    /// Entities of the batch whose version changed, in batch order.
    var changed: [Int] = []
    /// Slot pairs this batch proves gone once it commits: replaced versions, and slots the
    /// map named that the probe did not find (``EntitySlots``).
    var retired: [EntitySlots.Retired] = []
    /// Entities whose stored version was newer than anything the batch brought.
    public internal(set) var staleEntities = 0
    /// Records equal to a version already applied (the stored one, or another of the batch).
    public internal(set) var copies = 0

    init(records: [StandardRecord]) { self.records = records }

    /// The pairs (version before, version after) of every changed entity, as copies.
    public var replacements: [(old: StandardRecord?, new: StandardRecord)] {
        var pairs: [(old: StandardRecord?, new: StandardRecord)] = []
        forEachReplacement { pairs.append(($0?.pointee, $1.pointee)) }
        return pairs
    }

    /// Calls `body` with (version before, version after) of every changed entity, in batch
    /// order, as pointers into the batch's records and the stored versions, valid during the
    /// call. Passed by value, the compiler copied each record (~270 bytes, a retain per string)
    /// before every call into the counting code of another module, which could for all it
    /// knows write that memory (seen in the release build's disassembly and in the sink's
    /// profile); the counting code reads the fields where the records lie.
    func forEachReplacement<E: Error>(_ body: (UnsafePointer<StandardRecord>?, UnsafePointer<StandardRecord>) throws(E) -> Void)
        throws(E) {
        try records.withUnsafeBufferPointer { records throws(E) in
            try storedVersions.withUnsafeBufferPointer { stored throws(E) in
                guard let newBase = records.baseAddress else { return }
                for e in changed {
                    // Always in range (set in the state step); kept so that no read leaves the buffers.
                    let best = entities[e].best, k = Int(entities[e].stored)
                    guard records.indices.contains(best) else { continue }
                    if k >= 0 {
                        guard stored.indices.contains(k), let oldBase = stored.baseAddress else { continue }
                        try body(oldBase + k, newBase + best)
                    } else {
                        try body(nil, newBase + best)
                    }
                }
            }
        }
    }

    /// Entities created (no stored version before).
    public var created: Int { changed.reduce(0) { $0 + (entities[$1].hasStoredVersion ? 0 : 1) } }

    /// The school of the version in effect after the batch for the entity of record `i`.
    func finalSchool(ofRecord i: Int) -> String {
        // In place: this runs for every record.
        let e = Int(entityOfRecord[i])
        let k = Int(entities[e].stored)
        if !entities[e].changed, k >= 0 { return storedVersions[k].schoolCode }
        return records[entities[e].best].schoolCode
    }
}
