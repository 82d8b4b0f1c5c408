// Contract for the shared test services (implementation in progress).
// One broker and one PostgreSQL server per test process, on free ports, stopped by PID at exit.
import Foundation

public enum TestServices {
    /// The broker's bootstrap address, "127.0.0.1:PORT"; starts tansu on first use.
    public static func kafkaBootstrap() throws -> String { fatalError("not implemented yet") }
    /// Creates a topic with the given partition count on the shared broker.
    public static func createTopic(_ name: String, partitions: Int) throws { fatalError("not implemented yet") }
    /// Creates a fresh, empty database on the shared PostgreSQL server and returns a libpq
    /// conninfo string for it (superuser). Starts the server on first use.
    public static func createDatabase(prefix: String) throws -> String { fatalError("not implemented yet") }
    /// A name unique within this test run, e.g. for topics: "<prefix>-<random>".
    public static func uniqueName(_ prefix: String) -> String { "\(prefix)-\(UInt32.random(in: 0...UInt32.max))" }
}
