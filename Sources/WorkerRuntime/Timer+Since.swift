import Metrics

extension Timer {
    /// Records the time elapsed since `start` (batch and commit latencies).
    public func record(since start: ContinuousClock.Instant) {
        record(ContinuousClock.now - start)
    }

    /// Records a duration measured by the caller.
    public func record(_ d: Duration) {
        recordNanoseconds(d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000)
    }
}
