import Testing

/// How much of the machine a suite of pipeline tests needs. Suites run in parallel, and on
/// 2 cores a heavy run (thousands of records with workers killed on purpose) that overlaps
/// other pipelines measures their contention instead of its own faults. So pipeline suites
/// declare `.pipeline` (they may share the machine with each other) or `.heavy` (nothing
/// else that declares either runs at the same time).
///
/// Applied to a suite, the trait holds its lock for the whole suite; waiting is `await`ing,
/// so no test thread is blocked meanwhile.
struct PipelineLoad: SuiteTrait, TestTrait, TestScoping {
    let exclusive: Bool

    func provideScope(for test: Test, testCase: Test.Case?,
                             performing function: @Sendable () async throws -> Void) async throws {
        await PipelineLoadLock.shared.acquire(exclusive: exclusive)
        do {
            try await function()
        } catch {
            await PipelineLoadLock.shared.release(exclusive: exclusive)
            throw error
        }
        await PipelineLoadLock.shared.release(exclusive: exclusive)
    }
}

extension Trait where Self == PipelineLoad {
    /// A suite that runs pipelines and may share the machine with other such suites.
    static var pipeline: Self { PipelineLoad(exclusive: false) }
    /// A suite that must have the machine's pipelines to itself (chaos, backpressure).
    static var heavy: Self { PipelineLoad(exclusive: true) }
}

/// A readers–writer lock for suites: shared holders run together; an exclusive holder runs
/// alone. A waiting exclusive holder stops new shared holders from starting, and when it
/// is done every waiting shared holder goes first, so neither kind starves.
actor PipelineLoadLock {
    static let shared = PipelineLoadLock()

    private var sharedHolders = 0
    private var exclusiveHeld = false
    private var waitingShared: [CheckedContinuation<Void, Never>] = []
    private var waitingExclusive: [CheckedContinuation<Void, Never>] = []

    func acquire(exclusive: Bool) async {
        if exclusive {
            if !exclusiveHeld && sharedHolders == 0 {
                exclusiveHeld = true
                return
            }
            await withCheckedContinuation { waitingExclusive.append($0) }
        } else {
            if !exclusiveHeld && waitingExclusive.isEmpty {
                sharedHolders += 1
                return
            }
            await withCheckedContinuation { waitingShared.append($0) }
        }
    }

    /// Ownership passes to the next holders before they are resumed.
    func release(exclusive: Bool) {
        if exclusive { exclusiveHeld = false } else { sharedHolders -= 1 }
        guard !exclusiveHeld, sharedHolders == 0 else { return }
        if exclusive, !waitingShared.isEmpty {
            let readers = waitingShared
            waitingShared = []
            sharedHolders = readers.count
            for r in readers { r.resume() }
        } else if !waitingExclusive.isEmpty {
            exclusiveHeld = true
            waitingExclusive.removeFirst().resume()
        } else if !waitingShared.isEmpty {
            let readers = waitingShared
            waitingShared = []
            sharedHolders = readers.count
            for r in readers { r.resume() }
        }
    }
}
