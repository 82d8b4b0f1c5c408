import Synchronization

/// What `/readyz` reports: whether the worker is connected to its dependencies and has work
/// assigned. Workers update it from their loops; the HTTP server reads it.
public final class HealthState: Sendable {
    private struct State {
        var checks: [String: Bool] = [:]
    }

    private let state = Mutex(State())

    public init() {}

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
}
