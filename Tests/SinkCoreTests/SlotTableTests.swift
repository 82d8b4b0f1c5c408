import Testing
@testable import SinkCore

/// The slot map's table against a plain model (a dictionary of sets), under random inserts
/// and removals with many shared hashes, through several growths.
@Suite("Slot table")
struct SlotTableTests {
    /// A small deterministic generator (xorshift), so a failure repeats.
    struct Rng {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
    }

    @Test("inserts, removals and lookups agree with a model, for hashes shared by many slots", arguments: [1, 2, 3])
    func agreesWithModel(seed: UInt64) {
        var rng = Rng(state: 0x9E37_79B9_7F4A_7C15 &* seed)
        var table = SlotTable(expected: 0)
        var model: [UInt64: Set<Int64>] = [:]
        // Few distinct hashes: long runs, equal hashes side by side, removals from their middle.
        let hashes = (0..<300).map { _ in rng.next() }
        var nextSlot: Int64 = 1 << 20
        for step in 0..<20_000 {
            let h = hashes[Int(rng.next() % UInt64(hashes.count))]
            if rng.next() % 3 == 0, let slot = model[h]?.randomElement(using: &rng) {
                table.remove(h, slot)
                model[h]?.remove(slot)
            } else {
                table.insert(h, nextSlot)
                model[h, default: []].insert(nextSlot)
                nextSlot += 1
            }
            if step % 997 == 0 {
                for h in hashes {
                    var seen: [Int64] = []
                    table.forEachSlot(h) { seen.append($0) }
                    #expect(seen.count == Set(seen).count)
                    #expect(Set(seen) == (model[h] ?? []))
                }
            }
        }
        #expect(table.count == model.values.reduce(0) { $0 + $1.count })
        for h in hashes {
            var seen = Set<Int64>()
            table.forEachSlot(h) { seen.insert($0) }
            #expect(seen == (model[h] ?? []))
            #expect(table.contains(h) == !(model[h] ?? []).isEmpty)
        }
    }

    @Test("a pair inserted twice is held once; removing an absent pair changes nothing")
    func idempotent() {
        var table = SlotTable(expected: 4)
        table.insert(42, 1 << 20)
        table.insert(42, 1 << 20)
        table.insert(42, (1 << 20) + 1)
        table.remove(42, 7)
        table.remove(43, 1 << 20)
        var seen: [Int64] = []
        table.forEachSlot(42) { seen.append($0) }
        #expect(seen.sorted() == [1 << 20, (1 << 20) + 1])
        #expect(table.count == 2)
    }

    @Test("it grows to hold a million pairs, at most 70 % full")
    func grows() {
        var table = SlotTable(expected: 0)
        var rng = Rng(state: 7)
        for i in 0..<1_000_000 { table.insert(rng.next(), Int64(1 << 20) + Int64(i)) }
        #expect(table.count == 1_000_000)
        #expect(table.byteCount == 16 * (1 << 21))
    }
}

extension SlotTableTests.Rng: RandomNumberGenerator {}
