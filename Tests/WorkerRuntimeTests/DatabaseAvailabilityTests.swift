import Foundation
import Logging
import Postgres
import TestSupport
import Testing
@testable import WorkerRuntime

/// ``DatabaseAvailability/retrying(_:_:)`` against the real PostgreSQL server: a connection
/// the server dropped is re-opened, so a worker's start-up steps go on once the server is
/// back instead of retrying on a dead connection until they are killed.
@Suite("Database availability")
struct DatabaseAvailabilityTests {
    @Test("a step whose connection the server dropped runs again on a re-opened connection")
    func dropAndReopen() throws {
        let conninfo = try TestServices.createDatabase(prefix: "avail")
        let db = try PGConnection(conninfo: conninfo, pinnedSearchPath: true)
        let pid = try db.query("SELECT pg_backend_pid()").int(0, 0)
        let admin = try PGConnection(conninfo: conninfo)
        try admin.query("SELECT pg_terminate_backend($1::int)", [String(try #require(pid))])

        let stop = StopSignal()
        // Bounds the test if the step kept failing: stopping ends the retries with the error.
        let watchdog = Thread { Thread.sleep(forTimeInterval: 30); stop.stop() }
        watchdog.start()
        let availability = DatabaseAvailability(conninfo: conninfo, health: HealthState(), logger: Logger(label: "test"), stop: stop)
        var attempts = 0
        var newPid: Int?
        try availability.retrying(db) {
            attempts += 1
            newPid = try db.query("SELECT pg_backend_pid()").int(0, 0)
        }
        #expect(!stop.isStopping)
        #expect(attempts == 2)
        #expect(newPid != nil && newPid != pid)
        // The re-opened session keeps the pinned search path.
        let path = try db.query("SELECT current_setting('search_path')").string(0, 0)
        #expect(path?.replacingOccurrences(of: " ", with: "") == "pg_catalog,pg_temp", "search_path \(path ?? "nil")")
    }
}
