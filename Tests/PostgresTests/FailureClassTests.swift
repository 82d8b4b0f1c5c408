import FailureIsolation
@testable import Postgres
import Testing

/// Which PostgreSQL failures repeat for the same input (isolate the unit) and which do not
/// (retry): the SQLSTATE class decides, as the server reports it.
@Suite("PostgreSQL failure classes")
struct PGFailureClassTests {
    private func failure(_ body: () throws -> Void) -> PGError? {
        do {
            try body()
            return nil
        } catch {
            return error as? PGError
        }
    }

    @Test("a NUL in a COPY is 22021 and deterministic; the summary does not quote the value")
    func nulInCopy() throws {
        let db = try connectToFreshDatabase()
        try db.execute("CREATE TABLE t (id int, class_name text)")
        let error = failure {
            try db.copyIn("COPY t (id, class_name) FROM STDIN") { w in
                w.row(["1", "ok"])
                w.row(["2", "secret\u{0}name"])
            }
        }
        #expect(error?.sqlState == "22021")
        // The line fails its encoding check before it is split into columns: no column.
        #expect(error?.column == nil)
        #expect(error?.failureClass == .deterministic)
        #expect(error.map { FailureClass.of($0) } == .deterministic)
        #expect(error?.conditionSummary.contains("secret") == false)
        // The connection is still usable.
        try db.execute("SELECT 1")
    }

    @Test("a NUL in a query parameter is refused before it is sent, as a deterministic 22021")
    func nulInParameter() throws {
        let db = try connectToFreshDatabase()
        let error = failure { try db.query("SELECT $1::text", ["a\u{0}b"]) }
        #expect(error?.sqlState == "22021")
        #expect(error?.failureClass == .deterministic)
    }

    @Test("out-of-range numbers and dates, and integrity violations, are deterministic")
    func dataAndIntegrity() throws {
        let db = try connectToFreshDatabase()
        try db.execute("CREATE TABLE n (k int PRIMARY KEY, v bigint NOT NULL)")
        try db.execute("INSERT INTO n VALUES (1, 9223372036854775800)")
        let overflow = failure { try db.execute("UPDATE n SET v = v + 100") }
        #expect(overflow?.sqlState == "22003")
        #expect(overflow?.failureClass == .deterministic)
        let date = failure { try db.execute("SELECT '0000-01-01'::date") }
        #expect(date?.sqlState?.hasPrefix("22") == true)
        #expect(date?.failureClass == .deterministic)
        let duplicate = failure { try db.execute("INSERT INTO n VALUES (1, 0)") }
        #expect(duplicate?.sqlState == "23505")
        #expect(duplicate?.failureClass == .deterministic)
        let tooLong = failure {
            try db.execute("CREATE TABLE i (k text PRIMARY KEY); INSERT INTO i SELECT string_agg(md5(g::text), '') FROM generate_series(1, 200) g")
        }
        #expect(tooLong?.sqlState == "54000")
        #expect(tooLong?.failureClass == .deterministic)
    }

    @Test("a value a column refuses in a COPY names the column, not the value")
    func copyColumn() throws {
        let db = try connectToFreshDatabase()
        try db.execute("CREATE TABLE d (id int, day date)")
        let error = failure {
            try db.copyIn("COPY d (id, day) FROM STDIN") { w in w.row(["1", "2026-13-45"]) }
        }
        #expect(error?.sqlState?.hasPrefix("22") == true)
        #expect(error?.column == "day")
        #expect(error?.failureClass == .deterministic)
        #expect(error?.conditionSummary.contains("2026-13-45") == false)
    }

    @Test("a date before year 1 from the COPY writer is refused by the server as deterministic, not a trap")
    func negativeYear() throws {
        let db = try connectToFreshDatabase()
        try db.execute("CREATE TABLE d (day date, at timestamptz)")
        let error = failure {
            try db.copyIn("COPY d (day, at) FROM STDIN") { w in
                w.field(year: -5, month: 1, day: 1)
                w.field(year: -5, month: 1, day: 1, millisecondOfDay: 0)
                w.endRow()
            }
        }
        #expect(error?.failureClass == .deterministic)
    }

    @Test("connection loss, serialization failures, deadlocks, shutdowns and missing tables are transient",
          arguments: ["08006", "40001", "40P01", "53100", "57P01", "57014", "58030", "42P01", "XX000"])
    func transientStates(_ state: String) {
        #expect(PGError(sqlState: state, message: "x").failureClass == .transient)
    }

    @Test("an error without a SQLSTATE, or on a broken connection, is transient")
    func withoutState() throws {
        #expect(PGError(message: "server closed the connection unexpectedly").failureClass == .transient)
        #expect(PGError(sqlState: "22021", message: "x", isConnectionError: true).failureClass == .transient)
        let refused = failure { _ = try PGConnection(conninfo: "host=127.0.0.1 port=1 connect_timeout=2") }
        #expect(refused?.failureClass == .transient)
    }

    @Test("the column of a COPY error is read from its context, up to the colon")
    func copyContextColumn() {
        #expect(PGError.copyColumn(context: "COPY current_state, line 3, column class_name: \"x\"") == "class_name")
        #expect(PGError.copyColumn(context: "COPY t, line 1") == nil)
        #expect(PGError.copyColumn(context: "") == nil)
    }
}
