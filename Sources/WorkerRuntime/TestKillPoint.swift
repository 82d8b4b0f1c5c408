import Foundation
import Synchronization

/// Test-only crash points: places in the workers' loops where a test can make a worker stop
/// itself at an exact moment, so that redelivery is forced instead of hoped for. Off unless
/// `HUB_TEST_KILL_POINT` is set; never set it in production.
///
/// `HUB_TEST_KILL_POINT=NAME:N[:ACTION][,NAME:N[:ACTION]…]`: at the N-th time (counted from 1
/// in this process) the worker reaches point NAME it writes one line to standard error
/// (`test kill point NAME reached (occurrence N): …`) and sends itself SIGKILL (ACTION
/// `kill`, the default) or SIGSTOP (`stop`: a zombie that a test resumes with SIGCONT), or
/// (`lose-connection`, sink points only) loses its database connection right there: before
/// COMMIT the transaction is lost; after it, the reply is (the outcome is unknown to the sink).
///
/// The points are a contract with the tests (`Tests/IntegrationTests`): a new loop or store
/// keeps them at the same moments.
public enum TestKillPoint: String, CaseIterable, Sendable {
    /// Ingest: the batch's output is acknowledged by the broker; its raw offsets are not yet
    /// committed (a restart reads and re-sends the batch).
    case ingestAfterProduce = "ingest.after-produce"
    /// Transform: the same, for the standard zone and dead-letter output of a batch.
    case transformAfterProduce = "transform.after-produce"
    /// Sink: every statement of the batch's transaction has run; COMMIT has not (the
    /// transaction is open, and a restart reads the batch again from the stored offsets).
    case sinkBeforeCommit = "sink.before-commit"
    /// Sink: the batch is committed (state and offsets); nothing after it has happened yet
    /// (in-memory positions, metrics, alert publishing).
    case sinkAfterCommit = "sink.after-commit"

    /// The environment variable that arms the points.
    public static let variable = "HUB_TEST_KILL_POINT"

    enum Action: String {
        case kill, stop
        case loseConnection = "lose-connection"
    }

    struct Armed: Equatable {
        var point: TestKillPoint
        var occurrence: Int
        var action: Action
    }

    /// The armed points, read once from the environment.
    private static let armed: Result<[Armed], TestKillPointError> = parse(ProcessInfo.processInfo.environment[variable])
    private static let reached = Mutex<[TestKillPoint: Int]>([:])

    /// Throws when `HUB_TEST_KILL_POINT` is set but not understood (workers check it at start).
    public static func validate() throws(TestKillPointError) {
        _ = try armed.get()
    }

    /// Marks one arrival at `self`; stops the process here if this arrival is armed.
    /// `detail` (evaluated only then) goes into the line written before stopping, e.g. the
    /// batch's offsets, so that a test can tell what was in flight. Returns true when the
    /// armed action is `lose-connection`, which the caller carries out.
    @discardableResult
    public func reach(detail: @autoclosure () -> String = "") -> Bool {
        guard case .success(let points) = Self.armed, !points.isEmpty else { return false }
        let count = Self.reached.withLock { counts -> Int in
            counts[self, default: 0] += 1
            return counts[self, default: 0]
        }
        guard let hit = points.first(where: { $0.point == self && $0.occurrence == count }) else { return false }
        let text = detail()
        let what = switch hit.action {
        case .kill: "SIGKILL"
        case .stop: "SIGSTOP"
        case .loseConnection: "database connection lost"
        }
        let line = "test kill point \(rawValue) reached (occurrence \(count))\(text.isEmpty ? "" : ": " + text); \(what)\n"
        let bytes = Array(line.utf8)
        _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
        switch hit.action {
        case .kill: kill(getpid(), SIGKILL)
        case .stop: kill(getpid(), SIGSTOP)
        case .loseConnection: return true
        }
        return false
    }

    static func parse(_ value: String?) -> Result<[Armed], TestKillPointError> {
        guard let value, !value.trimmingCharacters(in: .whitespaces).isEmpty else { return .success([]) }
        var out: [Armed] = []
        for item in value.split(separator: ",") {
            let parts = item.trimmingCharacters(in: .whitespaces).split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2 || parts.count == 3,
                  let point = TestKillPoint(rawValue: parts[0]),
                  let n = Int(parts[1]), n > 0,
                  let action = parts.count == 3 ? Action(rawValue: parts[2]) : .kill
            else {
                return .failure(TestKillPointError(item: String(item)))
            }
            out.append(Armed(point: point, occurrence: n, action: action))
        }
        return .success(out)
    }
}

/// `HUB_TEST_KILL_POINT` holds an item that is not `NAME:N[:kill|stop|lose-connection]`.
public struct TestKillPointError: Error, CustomStringConvertible, Sendable {
    public var item: String
    public var description: String {
        "\(TestKillPoint.variable): '\(item)' is not NAME:N[:kill|stop|lose-connection] with NAME one of "
            + TestKillPoint.allCases.map(\.rawValue).joined(separator: ", ") + " and N ≥ 1 (test-only setting)"
    }
}
