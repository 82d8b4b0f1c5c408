import Postgres
import TestSupport

/// A connection to a fresh database of its own, so tests can run in parallel.
func connectToFreshDatabase() throws -> PGConnection {
    try PGConnection(conninfo: TestServices.createDatabase(prefix: "pgtests"))
}
