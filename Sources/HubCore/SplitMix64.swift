/// SplitMix64: a small, fast, seedable generator, so a generated sample (`hubctl sample`) or a
/// test's inputs are the same for the same seed. Not for anything secret.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// 0 ..< n, from the next value modulo n (0 when n < 1).
    public mutating func int(_ n: Int) -> Int { n < 1 ? 0 : Int(next() % UInt64(n)) }
}
