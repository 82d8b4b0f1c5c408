import Foundation
import Postgres
import Synchronization

/// The broker and PostgreSQL server shared by every test in one test process.
///
/// When `HUB_TEST_SERVICES_DIR` is set (scripts/test.sh started the services before
/// `swift test`), the services described by its `services.env` are used. Otherwise the
/// first call starts them with `scripts/services.sh start` in a fresh directory under /tmp
/// and stops them by PID when the process exits (and, should the process crash first, a
/// watchdog left by the script stops them).
public enum TestServices {
    /// The broker's bootstrap address, "127.0.0.1:PORT"; starts the services on first use.
    public static func kafkaBootstrap() throws -> String {
        try services().kafkaBootstrap
    }

    /// Creates a topic with the given partition count on the shared broker (via the tansu
    /// CLI, so it does not depend on the Kafka module).
    public static func createTopic(_ name: String, partitions: Int) throws {
        let services = try services()
        try ServiceScript.run(["create-topic", services.directory, name, String(partitions)])
    }

    /// Creates a fresh, empty database on the shared PostgreSQL server and returns a libpq
    /// conninfo string for it (superuser). Starts the server on first use.
    public static func createDatabase(prefix: String) throws -> String {
        let services = try services()
        let name = databaseName(prefix)
        let admin = try PGConnection(conninfo: services.postgresConninfo)
        try admin.execute("CREATE DATABASE \(try admin.quoteIdentifier(name))")
        return "host=127.0.0.1 port=\(services.postgresPort) user=postgres dbname=\(name)"
    }

    /// A conninfo for the server's `postgres` database as the superuser, for tests that
    /// create roles or inspect the whole server.
    public static func postgresAdminConninfo() throws -> String {
        try services().postgresConninfo
    }

    /// A name unique within this test run, e.g. for topics: "<prefix>-<random>".
    public static func uniqueName(_ prefix: String) -> String {
        "\(prefix)-\(UInt32.random(in: 0...UInt32.max))"
    }

    /// The directory holding `services.env` (with `BROKER_PID`, `PG_DATA`, ...), for fault
    /// tests that stop, pause or restart a service.
    public static var servicesDirectory: String {
        get throws { try services().directory }
    }

    /// All of `services.env`, e.g. `PG_DATA`, `BROKER_PID`, `PG_LOG`.
    public static func environmentValue(_ key: String) throws -> String? {
        try services().values[key]
    }

    private static let state = Mutex<Result<LocalServices, ServicesError>?>(nil)

    /// The services, started or attached to once per process. Serialized by the mutex, so
    /// concurrent first calls start exactly one set; a failure is remembered so that every
    /// test reports it quickly instead of retrying the start.
    static func services() throws -> LocalServices {
        try state.withLock { state in
            if state == nil {
                state = Result { try LocalServices.attachOrStart() }
                    .mapError { $0 as? ServicesError ?? ServicesError(String(describing: $0)) }
            }
            return try state!.get()
        }
    }

    /// Database names are identifiers: lowercase letters, digits and underscores, ≤ 63 bytes.
    private static func databaseName(_ prefix: String) -> String {
        let cleaned = prefix.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" }
        return "\(String(cleaned).prefix(40))_\(UInt32.random(in: 0...UInt32.max))"
    }
}
