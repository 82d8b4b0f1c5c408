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
        /// The stored version before the batch, when there was one.
        var old: StandardRecord?
        /// Where `old` is stored (to delete it when replaced).
        var oldLocation: String?
        /// Whether `best` replaced (or created) the entity.
        var changed = false
    }

    /// The batch's records, as given.
    public let records: [StandardRecord]
    var entities: [Entity] = []
    /// Per record, the index of its entity.
    var entityOfRecord: [Int32] = []
    /// Entities of the batch whose version changed, in batch order.
    var changed: [Int] = []
    /// Entities whose stored version was newer than anything the batch brought.
    public internal(set) var staleEntities = 0
    /// Records equal to a version already applied (the stored one, or another of the batch).
    public internal(set) var copies = 0

    init(records: [StandardRecord]) { self.records = records }

    /// The pairs (version before, version after) of every changed entity.
    public var replacements: [(old: StandardRecord?, new: StandardRecord)] {
        changed.map { (entities[$0].old, records[entities[$0].best]) }
    }

    /// Calls `body` with (version before, version after) of every changed entity, in batch
    /// order, without building the pairs (each a copy of two records).
    func forEachReplacement(_ body: (StandardRecord?, StandardRecord) throws -> Void) rethrows {
        for e in changed { try body(entities[e].old, records[entities[e].best]) }
    }

    /// Entities created (no stored version before).
    public var created: Int { changed.reduce(0) { $0 + (entities[$1].old == nil ? 1 : 0) } }

    /// The school of the version in effect after the batch for the entity of record `i`.
    func finalSchool(ofRecord i: Int) -> String {
        // In place: an entity holds its stored version, and this runs for every record.
        let e = Int(entityOfRecord[i])
        if !entities[e].changed, let school = entities[e].old?.schoolCode { return school }
        return records[entities[e].best].schoolCode
    }
}
