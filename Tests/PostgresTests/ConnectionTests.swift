import Postgres
import TestSupport
import Testing

@Suite("Connections")
struct ConnectionTests {
    @Test("a closed port gives a one-line connection error")
    func closedPort() throws {
        let error = try #require(throws: PGError.self) {
            try PGConnection(conninfo: "host=127.0.0.1 port=1 user=postgres dbname=postgres connect_timeout=5")
        }
        #expect(error.isConnectionError)
        #expect(error.message.contains("Connection refused"))
        #expect(!error.description.contains("\n"))
    }

    @Test("a malformed conninfo is reported, not crashed on")
    func malformedConninfo() throws {
        let error = try #require(throws: PGError.self) {
            try PGConnection(conninfo: "host=127.0.0.1 nonsense_option=1")
        }
        #expect(error.message.contains("nonsense_option"))
    }

    @Test("a terminated backend surfaces as a connection error, and reset reconnects")
    func terminatedBackend() throws {
        let connection = try connectToFreshDatabase()
        #expect(connection.isHealthy)
        let admin = try PGConnection(conninfo: TestServices.postgresAdminConninfo())
        let killed = try admin.query("SELECT pg_terminate_backend($1)", [String(connection.backendPID())])
        #expect(killed.value(0, 0) == "t")

        let error = try #require(throws: PGError.self) {
            try connection.query("SELECT 1")
        }
        #expect(error.isConnectionError)
        #expect(!connection.isHealthy)

        try connection.reset()
        #expect(connection.isHealthy)
        #expect(try connection.query("SELECT 1").int(0, 0) == 1)
    }

    @Test("dates read as text are ISO whatever the database's DateStyle, with a pinned search path or without")
    func isoDatesWhateverTheDefault() throws {
        let conninfo = try TestServices.createDatabase(prefix: "pgtests")
        let first = try PGConnection(conninfo: conninfo)
        let database = try #require(first.query("SELECT current_database()").value(0, 0))
        try first.execute("ALTER DATABASE \"\(database)\" SET datestyle = 'SQL, DMY'")
        for pinned in [false, true] {
            let connection = try PGConnection(conninfo: conninfo, pinnedSearchPath: pinned)
            #expect(try connection.query("SELECT (date '2026-09-01')::text").value(0, 0) == "2026-09-01")
            #expect(try connection.query("SELECT current_setting('datestyle')").value(0, 0) == "ISO, YMD")
            if pinned {
                #expect(try connection.query("SELECT replace(current_setting('search_path'), ' ', '')").value(0, 0) == "pg_catalog,pg_temp")
            }
        }
        // A session that asks for another style in its own conninfo gets it.
        let told = try PGConnection(conninfo: conninfo + " options='-c datestyle=SQL,DMY'")
        #expect(try told.query("SELECT (date '2026-09-01')::text").value(0, 0) == "01/09/2026")
    }

    @Test("a connection can be moved to another thread")
    func movesAcrossThreads() async throws {
        let connection = try connectToFreshDatabase()
        let pid = connection.backendPID()
        let value = try await Task.detached {
            try connection.query("SELECT pg_backend_pid()").int(0, 0)
        }.value
        #expect(value == Int(pid))
    }
}
