/// A multimap from a key's 64-bit hash to the slots (row numbers, ``EntitySlots``) stored
/// under it: open addressing with linear probing, at most 70 % full, 16 bytes per entry.
///
/// Several entries may share a hash: two keys whose first eight bytes agree, or one key
/// with its current slot and a slot not yet known to be gone. A lookup yields all of them;
/// the caller tells the keys apart by the rows it reads. The slot is placed by the high bits
/// of the hash times a random odd number drawn per table (multiply-shift), so a sender who can
/// choose attendance keys (unkeyed SHA-256) cannot pile them into one run without knowing it.
/// Removal shifts later entries back (no tombstones), so lookups stay short however many
/// versions come and go.
struct SlotTable {
    struct Entry {
        var hash: UInt64
        /// 0 marks an empty place (slots start at 2^20).
        var slot: Int64
    }

    private var entries: [Entry]
    private var mask: Int
    private var shift: UInt64
    private let multiplier: UInt64
    private(set) var count = 0

    /// A table for about `expected` entries before it first grows.
    init(expected: Int) {
        self.init(size: Self.size(for: expected), multiplier: UInt64.random(in: 1...UInt64.max) | 1)
    }

    private init(size: Int, multiplier: UInt64) {
        entries = Array(repeating: Entry(hash: 0, slot: 0), count: size)
        mask = size - 1
        shift = UInt64(64 - size.trailingZeroBitCount)
        self.multiplier = multiplier
    }

    /// The smallest power of two holding `n` entries at most 70 % full (at least 16).
    private static func size(for n: Int) -> Int {
        var size = 16
        while size / 10 * 7 < n, size < 1 << 40 { size *= 2 }
        return size
    }

    var byteCount: Int { entries.count * MemoryLayout<Entry>.stride }

    private func home(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: (hash &* multiplier) >> shift) & mask }

    /// Calls `body` with every slot stored under `hash`.
    func forEachSlot(_ hash: UInt64, _ body: (Int64) -> Void) {
        var i = home(hash)
        for _ in 0...mask {
            let e = entries[i]
            guard e.slot != 0 else { return }
            if e.hash == hash { body(e.slot) }
            i = (i + 1) & mask
        }
    }

    /// Whether any slot is stored under `hash`.
    func contains(_ hash: UInt64) -> Bool {
        var found = false
        forEachSlot(hash) { _ in found = true }
        return found
    }

    /// Adds (`hash`, `slot`) unless it is there already; `slot` must not be 0.
    mutating func insert(_ hash: UInt64, _ slot: Int64) {
        guard slot != 0 else { return }
        if (count + 1) > entries.count / 10 * 7 { grow() }
        var i = home(hash)
        for _ in 0...mask {
            let e = entries[i]
            if e.slot == 0 {
                entries[i] = Entry(hash: hash, slot: slot)
                count += 1
                return
            }
            if e.slot == slot && e.hash == hash { return }
            i = (i + 1) & mask
        }
    }

    /// Removes (`hash`, `slot`) if present, moving back the entries after it whose probe
    /// sequence crosses the hole.
    mutating func remove(_ hash: UInt64, _ slot: Int64) {
        var i = home(hash)
        var found = -1
        for _ in 0...mask {
            let e = entries[i]
            if e.slot == 0 { return }
            if e.slot == slot && e.hash == hash {
                found = i
                break
            }
            i = (i + 1) & mask
        }
        guard found >= 0 else { return }
        var hole = found
        var j = (hole + 1) & mask
        for _ in 0...mask {
            let e = entries[j]
            guard e.slot != 0 else { break }
            // `e` may fill the hole when the hole lies on its way from home to `j`.
            if (j - home(e.hash)) & mask >= (j - hole) & mask {
                entries[hole] = e
                hole = j
            }
            j = (j + 1) & mask
        }
        entries[hole] = Entry(hash: 0, slot: 0)
        count -= 1
    }

    /// Twice the size, every entry placed again.
    private mutating func grow() {
        var bigger = SlotTable(size: entries.count * 2, multiplier: multiplier)
        for e in entries where e.slot != 0 { bigger.place(e) }
        bigger.count = count
        self = bigger
    }

    /// Places an entry known to be absent, in a table with room.
    private mutating func place(_ e: Entry) {
        var i = home(e.hash)
        while entries[i].slot != 0 { i = (i + 1) & mask }
        entries[i] = e
    }
}
