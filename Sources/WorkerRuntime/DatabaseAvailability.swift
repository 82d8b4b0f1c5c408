import Logging
import Postgres

/// Waiting out an unavailable PostgreSQL: connect, or run a step, retrying with backoff and a
/// clear log line until it works or the worker is asked to stop.
public struct DatabaseAvailability {
    let conninfo: String
    let health: HealthState
    let logger: Logger
    let stop: StopSignal
    /// Whether the session's search path is pinned (``PGConnection/init(conninfo:pinnedSearchPath:)``).
    let pinnedSearchPath: Bool

    public init(conninfo: String, pinnedSearchPath: Bool = true, health: HealthState, logger: Logger, stop: StopSignal) {
        self.conninfo = conninfo
        self.pinnedSearchPath = pinnedSearchPath
        self.health = health
        self.logger = logger
        self.stop = stop
    }

    /// A connection, or nil when stopping first.
    public func connect() -> PGConnection? {
        var backoff = Backoff()
        while !stop.isStopping {
            health.progressed()
            do {
                let db = try PGConnection(conninfo: conninfo, pinnedSearchPath: pinnedSearchPath)
                health.set("database", true)
                return db
            } catch {
                health.set("database", false)
                let delay = backoff.next()
                logger.warning("database unavailable; retrying", metadata: ["error": "\(error)", "retry_in": "\(delay)"])
                sleep(delay, unless: stop)
            }
        }
        return nil
    }

    /// Runs `body`, retrying while it fails because the connection is down.
    public func retrying(_ body: () throws -> Void) throws {
        var backoff = Backoff()
        while true {
            health.progressed()
            do {
                return try body()
            } catch let error as PGError where error.isConnectionError && !stop.isStopping {
                let delay = backoff.next()
                logger.warning("database unavailable; retrying", metadata: ["error": "\(error)", "retry_in": "\(delay)"])
                sleep(delay, unless: stop)
            }
        }
    }
}
