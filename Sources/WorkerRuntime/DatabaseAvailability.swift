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

    /// Runs `body` on `db`, retrying while it fails because the connection is down; `db` is
    /// re-opened before each retry. A dropped connection never comes back by itself: without
    /// the re-open, a sink that started while PostgreSQL was restarting retried its migration
    /// on the dead connection ("no connection to the server") until it was killed, seven
    /// minutes in the chaos test, while PostgreSQL had been back for all but four seconds.
    public func retrying(_ db: PGConnection, _ body: () throws -> Void) throws {
        var backoff = Backoff()
        while true {
            health.progressed()
            do {
                return try body()
            } catch let error as PGError where error.isConnectionError && !stop.isStopping {
                health.set("database", false)
                let delay = backoff.next()
                logger.warning("database unavailable; retrying", metadata: ["error": "\(error)", "retry_in": "\(delay)"])
                sleep(delay, unless: stop)
                // A failed re-open leaves the connection down: the next attempt fails fast
                // with a connection error and waits again.
                try? db.reset()
            }
        }
    }
}
