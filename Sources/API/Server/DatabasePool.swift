import Dispatch
import Postgres
import Synchronization

/// A fixed set of libpq connections for request handlers. libpq calls block, so each body
/// runs on a Dispatch thread, never on the server's event loops or Swift's cooperative pool;
/// a request waits for a free connection when all are busy.
final class DatabasePool: Sendable {
    private struct State {
        var idle: [PGConnection]
        var waiters: [CheckedContinuation<PGConnection, Never>] = []
    }

    private let state: Mutex<State>
    private let queue = DispatchQueue(label: "hub-api.database", attributes: .concurrent)
    let size: Int

    init(conninfo: String, size: Int) throws {
        var connections: [PGConnection] = []
        for _ in 0..<size { connections.append(try PGConnection(conninfo: conninfo)) }
        self.size = size
        state = Mutex(State(idle: connections))
    }

    /// Runs `body` with a connection of its own. A connection left broken is reset for the next user.
    func run<T: Sendable>(_ body: @escaping @Sendable (PGConnection) throws -> T) async throws -> T {
        let connection = await acquire()
        defer { release(connection) }
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                do {
                    continuation.resume(returning: try body(connection))
                } catch {
                    if !connection.isHealthy { try? connection.reset() }
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    private func acquire() async -> PGConnection {
        await withCheckedContinuation { (continuation: CheckedContinuation<PGConnection, Never>) in
            let ready: PGConnection? = state.withLock { s in
                if let c = s.idle.popLast() { return c }
                s.waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    private func release(_ connection: PGConnection) {
        let waiter: CheckedContinuation<PGConnection, Never>? = state.withLock { s in
            if s.waiters.isEmpty {
                s.idle.append(connection)
                return nil
            }
            return s.waiters.removeFirst()
        }
        waiter?.resume(returning: connection)
    }
}
