import Foundation
import HubCore

/// The truth's source of randomness: SplitMix64, so a seed names one data set exactly on
/// every machine. The seed of a run comes from `HUB_TEST_SEED` or is drawn fresh, and is
/// printed so that a failing run can be repeated.
struct TruthRandom {
    private var generator: SplitMix64

    init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    /// `HUB_TEST_SEED` when set (a decimal number), else a fresh seed; printed either way
    /// with the line that repeats the run.
    static func seed(for test: String) -> UInt64 {
        let environment = ProcessInfo.processInfo.environment["HUB_TEST_SEED"]
        let seed = environment.flatMap { UInt64($0.trimmingCharacters(in: .whitespaces)) } ?? UInt64.random(in: 1...UInt64.max)
        print("[\(test)] truth seed \(seed) (repeat with HUB_TEST_SEED=\(seed))")
        return seed
    }

    mutating func next() -> UInt64 { generator.next() }

    /// 0 ..< n (n > 0).
    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }

    /// lo ... hi.
    mutating func int(_ lo: Int, _ hi: Int) -> Int { lo + int(hi - lo + 1) }

    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool { Double(next() % 1_000_000) < p * 1_000_000 }

    mutating func pick<T>(_ items: [T]) -> T { items[int(items.count)] }

    mutating func seconds(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * Double(next() % 1000) / 1000 }
}
