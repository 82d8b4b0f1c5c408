import FailureIsolation
import Testing

/// A store with savepoints, written plainly: applying a unit appends it; a poison unit (or a
/// total over `limit`) fails deterministically; a rolled-back attempt leaves nothing behind.
private final class ToyStore {
    struct Refused: ClassifiedFailure { var failureClass: FailureClass { .deterministic } }
    struct Unreachable: ClassifiedFailure { var failureClass: FailureClass { .transient } }

    var applied: [Int] = []
    var isolated: [Int] = []
    var attemptSizes: [Int] = []
    let poison: Set<Int>
    let limit: Int
    var unreachableAfterAttempts: Int?

    init(poison: Set<Int> = [], limit: Int = .max) {
        self.poison = poison
        self.limit = limit
    }

    func attempt(_ body: () throws -> Void) throws {
        let saved = applied
        do { try body() } catch {
            applied = saved
            throw error
        }
    }

    func apply(_ part: ArraySlice<Int>) throws {
        attemptSizes.append(part.count)
        if let n = unreachableAfterAttempts, attemptSizes.count > n { throw Unreachable() }
        for u in part {
            applied.append(u)
            if poison.contains(u) || applied.reduce(0, +) > limit { throw Refused() }
        }
    }

    func run(_ units: [Int]) throws -> PoisonIsolation.Outcome {
        try PoisonIsolation.apply(units, knownToFail: Refused(), attempt: attempt, apply: apply,
                                  isolate: { unit, _ in self.isolated.append(unit) })
    }
}

@Suite("Poison isolation (bisection)")
struct PoisonIsolationTests {
    @Test("one poison unit in the middle: everything else is applied, in order")
    func onePoison() throws {
        let store = ToyStore(poison: [500])
        let outcome = try store.run(Array(0..<1000))
        #expect(store.applied == Array(0..<500) + Array(501..<1000))
        #expect(store.isolated == [500])
        #expect(outcome.isolated == 1)
        // Two attempts per halving on the way down to the poison unit (1000 → 500 → … → 1).
        #expect(outcome.attempts == 18)
        #expect(store.attemptSizes.reduce(0, +) <= 2 * 1000)
    }

    @Test("several poison units, first and last included")
    func severalPoison() throws {
        let poison: Set<Int> = [0, 7, 8, 63, 99]
        let store = ToyStore(poison: poison)
        let outcome = try store.run(Array(0..<100))
        #expect(store.applied == (0..<100).filter { !poison.contains($0) })
        #expect(store.isolated == poison.sorted())
        #expect(outcome.isolated == 5)
    }

    @Test("a batch of one poison unit is isolated without another attempt")
    func single() throws {
        let store = ToyStore(poison: [3])
        let outcome = try store.run([3])
        #expect(store.isolated == [3])
        #expect(store.applied.isEmpty)
        #expect(outcome.attempts == 0)
    }

    @Test("a failure that needs two units together isolates the later one, as consecutive batches would")
    func interaction() throws {
        // 60 + 50 > 100: whichever comes second over the limit is refused.
        let store = ToyStore(limit: 100)
        _ = try store.run([60, 1, 2, 50, 3])
        #expect(store.isolated == [50])
        #expect(store.applied == [60, 1, 2, 3])
    }

    @Test("a transient failure stops the isolation at once")
    func transientStops() throws {
        let store = ToyStore(poison: [5])
        store.unreachableAfterAttempts = 1
        #expect(throws: ToyStore.Unreachable.self) { try store.run(Array(0..<10)) }
        #expect(store.isolated.isEmpty)
    }

    @Test("failures are classified by the error, unknown ones as transient")
    func classification() {
        struct Unknown: Error {}
        #expect(FailureClass.of(ToyStore.Refused()) == .deterministic)
        #expect(FailureClass.of(ToyStore.Unreachable()) == .transient)
        #expect(FailureClass.of(Unknown()) == .transient)
    }
}
