/// Finds the units that make a batch fail deterministically and takes them out, so the rest
/// of the batch is applied — the sink's answer to a poison record, in the spirit of Kafka
/// Streams' exception handlers and Flink's side outputs, but without losing a unit.
///
/// It knows nothing about what a unit is or how it is stored: the caller says how to apply a
/// run of units, how to make an attempt undoable (a savepoint), and what to do with a unit
/// that fails on its own (quarantine it). A batch known to fail is split in halves, each half
/// attempted; a half that fails deterministically is split again, down to single units. A
/// transient failure stops everything at once: the caller retries the whole batch later.
///
/// Halves are applied in their original order, each seeing what the earlier ones wrote, so
/// the result equals applying the batch without its poison units as consecutive batches —
/// which a stream processor must already make equal to applying it at once.
///
/// Cost: a batch of n units with one poison unit takes about 2·log₂(n) attempts, whose sizes
/// add up to about 3n units (n/2 + n/2 + n/4 + n/4 + …, plus the failed attempts' partial work).
public enum PoisonIsolation {
    /// What an isolation did.
    public struct Outcome: Sendable, Hashable {
        /// Attempts made (successful and failed), not counting the caller's first one.
        public var attempts = 0
        /// Units handed to `isolate`.
        public var isolated = 0

        public init() {}
    }

    /// Applies `units` except those that fail on their own, which go to `isolate`.
    ///
    /// - Parameters:
    ///   - units: the batch; with `knownToFail` (its whole attempt already failed
    ///     deterministically, with `failure`) it is split at once.
    ///   - attempt: runs its body so that a throw undoes everything the body did (e.g. inside
    ///     a savepoint), and rethrows.
    ///   - apply: applies a run of consecutive units.
    ///   - isolate: takes one unit that fails deterministically on its own out of the batch,
    ///     with the error it failed with.
    /// - Throws: the first transient failure (from `attempt`, `apply` or `isolate`).
    public static func apply<Unit>(
        _ units: [Unit], knownToFail failure: (any Error)? = nil,
        attempt: (() throws -> Void) throws -> Void,
        apply: (ArraySlice<Unit>) throws -> Void,
        isolate: (Unit, any Error) throws -> Void
    ) throws -> Outcome {
        var outcome = Outcome()
        try run(units[...], failure, &outcome, attempt, apply, isolate)
        return outcome
    }

    private static func run<Unit>(
        _ slice: ArraySlice<Unit>, _ knownFailure: (any Error)?, _ outcome: inout Outcome,
        _ attempt: (() throws -> Void) throws -> Void,
        _ apply: (ArraySlice<Unit>) throws -> Void,
        _ isolate: (Unit, any Error) throws -> Void
    ) throws {
        guard let first = slice.first else { return }
        var failure = knownFailure
        if failure == nil {
            outcome.attempts += 1
            do {
                try withoutActuallyEscaping(apply) { apply in try attempt { try apply(slice) } }
                return
            } catch where FailureClass.of(error) == .deterministic {
                failure = error
            }
        }
        guard slice.count > 1 else {
            outcome.isolated += 1
            try isolate(first, failure ?? UnclassifiedFailure())
            return
        }
        let middle = slice.startIndex + slice.count / 2
        try run(slice[..<middle], nil, &outcome, attempt, apply, isolate)
        try run(slice[middle...], nil, &outcome, attempt, apply, isolate)
    }

    /// Stands in for a failure the caller did not pass along.
    struct UnclassifiedFailure: ClassifiedFailure {
        var failureClass: FailureClass { .deterministic }
    }
}
