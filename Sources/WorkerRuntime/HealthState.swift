import Synchronization

/// What the probes report. `/readyz`: whether the worker is connected to its dependencies and
/// has work assigned (workers set named checks from their loops, the Kafka client reports
/// `broker`). `/healthz`: whether the poll loop is still making progress — each pass of the loop
/// (and each wait of a retry backoff) calls ``progressed()``; a loop stuck longer than the stall
/// timeout (a hung database call, a deadlock) makes the process unhealthy, so an orchestrator
/// restarts it.
public final class HealthState: Sendable {
    private struct State {
        var checks: [String: Bool] = [:]
    }

    private let state = Mutex(State())
    private let clock = ContinuousClock()
    private let started: ContinuousClock.Instant
    /// Nanoseconds after `started` of the last progress.
    private let lastProgress = Atomic<Int64>(0)
    /// 0 = never stalled (the check is off).
    private let stallNanoseconds: Int64

    /// - Parameter stallTimeout: how long the loop may go without progress before `/healthz`
    ///   fails; nil turns the check off.
    public init(stallTimeout: Duration? = nil) {
        started = clock.now
        stallNanoseconds = stallTimeout.map { Self.nanoseconds($0) } ?? 0
    }

    /// Sets one named readiness check, e.g. `broker`, `database`, `assigned`.
    public func set(_ check: String, _ ok: Bool) {
        state.withLock { $0.checks[check] = ok }
    }

    /// Ready when every check reported so far is true and at least one was reported.
    public var isReady: Bool {
        state.withLock { !$0.checks.isEmpty && $0.checks.values.allSatisfy { $0 } }
    }

    public var summary: String {
        state.withLock { s in s.checks.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value ? "ok" : "down")" }.joined(separator: " ") }
    }

    /// The poll loop went round once (or waited out one backoff step): it is not stuck.
    public func progressed() {
        lastProgress.store(Self.nanoseconds(clock.now - started), ordering: .relaxed)
    }

    /// How long since the loop last made progress (since start, before the first pass).
    public var sinceProgress: Duration {
        (clock.now - started) - .nanoseconds(lastProgress.load(ordering: .relaxed))
    }

    /// False once the loop has made no progress for longer than the stall timeout.
    public var isLive: Bool {
        stallNanoseconds == 0 || Self.nanoseconds(sinceProgress) <= stallNanoseconds
    }

    static func nanoseconds(_ d: Duration) -> Int64 {
        let (seconds, attoseconds) = d.components
        return seconds.multipliedReportingOverflow(by: 1_000_000_000).overflow
            ? Int64.max : seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
