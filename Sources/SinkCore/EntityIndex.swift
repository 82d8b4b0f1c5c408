import HubCore

/// The entities of one batch by identity: a table from ``EntityID`` to the entity's index in
/// the batch, built for every batch the state step applies.
///
/// A `Dictionary` hashed each key with the standard library's seeded SipHash (`Hasher`): a
/// tenth of the sink's CPU went to hashing in a profile of the pipeline, half of it here. Keys
/// are digests, so one word of the key, multiplied by a random odd number drawn once per
/// table, already spreads them; the multiplier keeps a sender who can choose attendance keys
/// (unkeyed SHA-256) from piling them onto one slot without knowing it. Open addressing with
/// linear probing, at most half full; an entity's identity is compared in the batch's own
/// entity array, so the table holds only 32-bit indices.
struct EntityIndex {
    /// Entity index per slot; -1 when empty.
    private var slots: [Int32]
    private let mask: Int
    private let shift: UInt64
    private let multiplier: UInt64

    /// A table for up to `capacity` entities.
    init(capacity: Int) {
        var size = 16
        while size < capacity * 2, size < 1 << 30 { size *= 2 }
        slots = Array(repeating: -1, count: size)
        mask = size - 1
        shift = UInt64(64 - size.trailingZeroBitCount)
        multiplier = UInt64.random(in: 1...UInt64.max) | 1
    }

    /// The first slot to look at for `id`: the high bits of the product (multiply-shift).
    private func home(_ id: EntityID) -> Int {
        Int(truncatingIfNeeded: ((id.key.w1 ^ UInt64(id.type.wireCode)) &* multiplier) >> shift) & mask
    }

    /// The index of `id` among `entities`, or nil.
    func find(_ id: EntityID, in entities: [StateChanges.Entity]) -> Int? {
        var i = home(id)
        for _ in 0...mask {
            let e = Int(slots[i])
            guard e >= 0 else { return nil }
            if e < entities.count, entities[e].id == id { return e }
            i = (i + 1) & mask
        }
        return nil
    }

    /// Records that `id` is entity `e`, which `entities` already holds at `e` (and the table
    /// not yet); grows when it would be more than half full.
    mutating func insert(_ id: EntityID, as e: Int, entities: [StateChanges.Entity]) {
        guard (e + 1) * 2 <= slots.count else {
            grow(entities)  // places every entity, `e` too
            return
        }
        place(id, Int32(truncatingIfNeeded: e))
    }

    private mutating func place(_ id: EntityID, _ e: Int32) {
        var i = home(id)
        while slots[i] >= 0 { i = (i + 1) & mask }
        slots[i] = e
    }

    /// Twice the size, every entity placed again (only when a batch outgrows its estimate).
    private mutating func grow(_ entities: [StateChanges.Entity]) {
        var bigger = EntityIndex(capacity: slots.count)
        for e in entities.indices { bigger.place(entities[e].id, Int32(truncatingIfNeeded: e)) }
        self = bigger
    }
}
