/// Numbers the distinct keys of a batch 0, 1, 2, … in order of first appearance, so that
/// per-record bookkeeping can key on a small integer. The key used last is tried first: a
/// batch's records come in runs of one school (a raw message is one school's upload), so most
/// lookups compare one key and hash none.
struct BatchNumbering<Key: Hashable & Sendable>: Sendable {
    /// The keys by number.
    private(set) var keys: [Key] = []
    private var numbers: [Key: Int] = [:]
    private var last = -1

    /// The number of `key`, and whether it was new (the caller then appends its own entry).
    mutating func number(of key: Key) -> (number: Int, isNew: Bool) {
        if last >= 0, last < keys.count, keys[last] == key { return (last, false) }
        if let n = numbers[key] {
            last = n
            return (n, false)
        }
        last = keys.count
        keys.append(key)
        numbers[key] = last
        return (last, true)
    }

    mutating func removeAll() {
        keys.removeAll(keepingCapacity: true)
        numbers.removeAll(keepingCapacity: true)
        last = -1
    }
}
