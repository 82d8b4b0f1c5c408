import Synchronization

/// Set once when the worker should stop: its loop finishes the batch in hand, commits, and
/// returns. Shared between the lifecycle (SIGTERM) and the worker thread.
public final class StopSignal: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    public func stop() { flag.store(true, ordering: .releasing) }

    public var isStopping: Bool { flag.load(ordering: .acquiring) }
}
