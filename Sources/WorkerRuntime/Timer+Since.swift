import Metrics

extension Timer {
    /// Records the time elapsed since `start` (batch and commit latencies).
    public func record(since start: ContinuousClock.Instant) {
        let d = ContinuousClock.now - start
        recordNanoseconds(d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000)
    }
}
