import HubCore

/// A Bloom filter of entity keys: "certainly never stored" or "maybe stored".
///
/// The sink keeps one per record type and partition it owns, filled from the state on
/// assignment and with every key it commits. A key the filter has never seen is new, so its
/// record goes straight into the state without a read; only "maybe" keys are probed. A false
/// "maybe" costs one probe; a false "new" is impossible as long as every stored key of the
/// partition was inserted, which the owner guarantees (it alone writes the partition, and
/// reloads the filter whenever it is fenced or assigned the partition).
///
/// Keys are digests (uniformly random), so their words serve directly as hash values. The
/// filter grows by adding layers of twice the size (a scalable Bloom filter): inserting never
/// needs the keys again. About 12 bits and 8 probes per key: ~0.3 % false positives.
struct KeyFilter: Sendable {
    private struct Layer: Sendable {
        var words: [UInt64]
        let mask: UInt64
        let capacity: Int
        var count = 0

        init(capacity: Int) {
            // The next power of two ≥ 12 bits per key, at least 4 KiB.
            var bits: UInt64 = 1 << 15
            while bits < UInt64(capacity) * 12 { bits <<= 1 }
            words = [UInt64](repeating: 0, count: Int(bits >> 6))
            mask = bits - 1
            self.capacity = capacity
        }

        @inline(__always)
        func contains(_ key: Digest32) -> Bool {
            var h = key.w1
            let step = key.w2 | 1
            for _ in 0..<KeyFilter.probes {
                let bit = h & mask
                guard words[Int(bit >> 6)] & (1 << (bit & 63)) != 0 else { return false }
                h &+= step
            }
            return true
        }

        @inline(__always)
        mutating func insert(_ key: Digest32) {
            var h = key.w1
            let step = key.w2 | 1
            for _ in 0..<KeyFilter.probes {
                let bit = h & mask
                words[Int(bit >> 6)] |= 1 << (bit & 63)
                h &+= step
            }
            count += 1
        }
    }

    static let probes = 8
    private var layers: [Layer]

    /// An empty filter sized for about `expected` keys before it grows.
    init(expected: Int) {
        layers = [Layer(capacity: max(expected, 4096))]
    }

    /// Keys inserted so far.
    var count: Int { layers.reduce(0) { $0 + $1.count } }

    /// Bytes of bit arrays held.
    var byteCount: Int { layers.reduce(0) { $0 + $1.words.count * 8 } }

    /// False when `key` was certainly never inserted.
    func mightContain(_ key: Digest32) -> Bool {
        for layer in layers where layer.contains(key) { return true }
        return false
    }

    mutating func insert(_ key: Digest32) {
        let last = layers.count - 1
        if layers[last].count >= layers[last].capacity {
            layers.append(Layer(capacity: layers[last].capacity * 2))
            layers[last + 1].insert(key)
        } else {
            layers[last].insert(key)
        }
    }
}
