import Foundation
import Logging
import ServiceLifecycle

/// A worker whose main loop is blocking (librdkafka polls, libpq calls): it runs on a
/// dedicated thread, not on the cooperative pool, and returns when `stop` is set after
/// finishing and committing the batch in hand.
public protocol PollLoopWorker: Sendable {
    func run(stop: StopSignal) throws
}

/// Adapts a `PollLoopWorker` to swift-service-lifecycle: graceful shutdown (SIGTERM) sets the
/// stop signal; `run()` returns when the loop has drained.
public struct PollLoopService: Service, CustomStringConvertible {
    private let worker: any PollLoopWorker
    private let name: String
    private let stop = StopSignal()

    public init(name: String, worker: any PollLoopWorker) {
        self.name = name
        self.worker = worker
    }

    /// Just the stage name: the lifecycle logs this, and the worker's settings (connection
    /// strings) must not be reflected into logs.
    public var description: String { "PollLoopService(\(name))" }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let thread = Thread { [worker, stop] in
                    do {
                        try worker.run(stop: stop)
                        continuation.resume()
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }
                thread.name = name
                thread.stackSize = 8 << 20
                thread.start()
            }
        } onGracefulShutdown: { [stop] in
            stop.stop()
        }
    }
}
