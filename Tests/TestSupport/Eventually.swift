import Foundation

/// A condition polled by ``eventually(timeout:poll:_:fileID:line:_:)`` never became true.
public struct ConditionTimeout: Error, CustomStringConvertible {
    /// What was waited for.
    public var what: String
    /// How long it was polled.
    public var timeout: Duration
    /// Where the wait was written.
    public var location: String
    /// The condition's last error, if its last evaluation threw.
    public var lastError: String?

    public var description: String {
        var text = "\(location): \(what) not met within \(timeout)"
        if let lastError { text += " (last error: \(lastError))" }
        return text
    }
}

/// Polls `condition` every `poll` until it returns true; errors it throws count as "not
/// yet" and the last one is reported.
///
/// - Throws: ``ConditionTimeout`` naming `what`, the location and the last error when
///   `timeout` passes first.
public func eventually(
    timeout: Duration,
    poll: Duration = .milliseconds(50),
    _ what: String = "condition",
    fileID: String = #fileID,
    line: Int = #line,
    _ condition: () throws -> Bool
) throws {
    let deadline = ContinuousClock.now + timeout
    var lastError: String?
    while true {
        do {
            if try condition() { return }
            lastError = nil
        } catch {
            lastError = String(describing: error)
        }
        if ContinuousClock.now >= deadline { break }
        Thread.sleep(forTimeInterval: poll.seconds)
    }
    throw ConditionTimeout(what: what, timeout: timeout, location: "\(fileID):\(line)", lastError: lastError)
}

/// The async form of ``eventually(timeout:poll:_:fileID:line:_:)``: sleeps with
/// `Task.sleep`, so waiting does not block one of the few cooperative threads. Swift picks
/// it only for an `async` condition closure; a synchronous closure selects the blocking form
/// (the compiler then warns that `await` does nothing).
public func eventually(
    timeout: Duration,
    poll: Duration = .milliseconds(50),
    _ what: String = "condition",
    fileID: String = #fileID,
    line: Int = #line,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    var lastError: String?
    while true {
        do {
            if try await condition() { return }
            lastError = nil
        } catch {
            lastError = String(describing: error)
        }
        if ContinuousClock.now >= deadline { break }
        try await Task.sleep(for: poll)
    }
    throw ConditionTimeout(what: what, timeout: timeout, location: "\(fileID):\(line)", lastError: lastError)
}

extension Duration {
    fileprivate var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
