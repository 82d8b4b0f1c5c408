/// Whether doing the same work again can succeed: the one question every stage asks of a
/// failure before it decides between retrying and isolating.
///
/// The answer comes from the error itself (``ClassifiedFailure``): PostgreSQL errors by their
/// SQLSTATE, Kafka errors by their code, the hub's own guards by what they reject. An error
/// that does not say is transient: retrying an unknown failure only costs time, while
/// isolating would quarantine units that may be fine.
public enum FailureClass: Sendable, Hashable, CustomStringConvertible {
    /// The cause lies outside the input — a broker or database unreachable, a timeout, a
    /// serialization failure or deadlock, a lost connection, a server shutting down. The same
    /// input succeeds later: rewind and retry with backoff.
    case transient
    /// The same input fails the same way every time — a value the database refuses (SQLSTATE
    /// classes 22 and 23), a message too large for an internal topic, a record a guard
    /// rejects. Retrying would never end: isolate the unit that causes it, quarantine it with
    /// its reason, and let everything else go on.
    case deterministic

    /// The class of `error`: its own verdict when it is a ``ClassifiedFailure``, otherwise
    /// ``transient``.
    public static func of(_ error: any Error) -> FailureClass {
        (error as? any ClassifiedFailure)?.failureClass ?? .transient
    }

    public var description: String {
        switch self {
        case .transient: "transient"
        case .deterministic: "deterministic"
        }
    }
}

/// An error that knows whether retrying the same input can help.
public protocol ClassifiedFailure: Error {
    var failureClass: FailureClass { get }
}
