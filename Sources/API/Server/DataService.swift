import DataServices
import Foundation
import HubStore
import Logging
import Postgres
import Prometheus
import Synchronization
import Topology

/// Everything a request needs: the settings, the database pool, the suppression patterns,
/// names, the rate limiter and the audit. One per process, shared by all requests.
final class DataService: Sendable {
    let settings: APISettings
    let topology: Topology
    let schema: HubSchema
    let pool: DatabasePool
    let logger: Logger
    let registry: PrometheusCollectorRegistry
    let limiter: RateLimiter
    let suppression: SuppressionCache
    let health = HealthStateBox()
    /// Console sessions (also accepted by the API for GET, so the console can link to reports).
    let sessions: ConsoleSessions
    private let directory = Mutex<(names: NameDirectory, loaded: ContinuousClock.Instant?)>((.empty, nil))

    init(settings: APISettings, topology: Topology, logger: Logger, registry: PrometheusCollectorRegistry) throws {
        self.settings = settings
        self.topology = topology
        self.schema = HubSchema(name: settings.worker.schema)
        self.pool = try DatabasePool(conninfo: settings.worker.database, size: settings.databaseConnections)
        self.logger = logger
        self.registry = registry
        self.limiter = RateLimiter(perMinute: settings.rateLimitPerMinute)
        self.sessions = ConsoleSessions(lifetime: settings.sessionLifetime)
        self.suppression = SuppressionCache(pool: pool, schema: settings.worker.schema, k: settings.suppressionK)
    }

    var k: Int { settings.suppressionK }

    /// Runs `body` in a read-only transaction under the client's level role, so row-level
    /// security decides which rows it sees; the statement timeout bounds it.
    func asClient<T: Sendable>(_ client: APIClient, _ body: @escaping @Sendable (PGConnection) throws -> T) async throws -> T {
        let timeoutMs = Int(settings.requestTimeout.components.seconds) * 1000
        return try await pool.run { db in
            try db.transaction { db in
                try db.execute("SET TRANSACTION READ ONLY; SET LOCAL ROLE \(try db.quoteIdentifier(client.role)); SET LOCAL statement_timeout = \(timeoutMs)")
                return try body(db)
            }
        }
    }

    /// Runs `body` with hub-api's own login (authentication, audit, names, exact tables for
    /// the suppression pattern, operator actions).
    func asService<T: Sendable>(_ body: @escaping @Sendable (PGConnection) throws -> T) async throws -> T {
        try await pool.run(body)
    }

    func authenticate(token: String) async throws -> APIClient? {
        let schema = self.schema
        return try await asService { db in try APIClients.authenticate(token: token, db: db, schema: schema) }
    }

    /// One audit row, committed without waiting for the disk flush (a crash may lose the last
    /// fraction of a second of audit rows; it never blocks a request on fsync).
    func audit(_ entry: APIAudit.Entry) async {
        let schema = self.schema
        do {
            try await asService { db in
                try db.transaction { db in
                    try db.execute("SET LOCAL synchronous_commit = off")
                    try APIAudit.record(entry, db: db, schema: schema)
                }
            }
        } catch {
            logger.error("cannot record the audit row", metadata: ["endpoint": "\(entry.endpoint)", "error": "\(error)"])
        }
    }

    /// Names and the hierarchy, reloaded at most once a minute.
    func names() async -> NameDirectory {
        let cached = directory.withLock { $0 }
        if let loaded = cached.loaded, ContinuousClock.now - loaded < .seconds(60) { return cached.names }
        let schema = settings.worker.schema
        do {
            let fresh = try await asService { db in try NameDirectory.load(db, schema: schema) }
            directory.withLock { $0 = (fresh, .now) }
            return fresh
        } catch {
            logger.warning("cannot load region and school names", metadata: ["error": "\(error)"])
            return cached.names
        }
    }
}

/// Readiness of hub-api: the database answered the last check.
final class HealthStateBox: Sendable {
    private let ready = Atomic<Bool>(false)
    var isReady: Bool { ready.load(ordering: .relaxed) }
    func set(_ value: Bool) { ready.store(value, ordering: .relaxed) }
}
