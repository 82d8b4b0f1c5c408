import Postgres
import Testing

@Suite("Queries")
struct QueryTests {
    @Test("parameters round-trip NULLs, unicode and quotes")
    func parametersRoundTrip() throws {
        let connection = try connectToFreshDatabase()
        try connection.execute("CREATE TABLE people (id int PRIMARY KEY, name text, city text)")
        let rows: [[String?]] = [
            ["1", "张伟", nil],
            ["2", "O'Brien; DROP TABLE people; --", "Zürich 🏫"],
            ["3", "", "tab\there\nnewline\\backslash"],
        ]
        for row in rows {
            let result = try connection.query("INSERT INTO people VALUES ($1, $2, $3)", row)
            #expect(result.affectedRows == 1)
        }
        let result = try connection.query("SELECT id, name, city FROM people ORDER BY id")
        #expect(result.rowCount == 3)
        #expect(result.columnNames == ["id", "name", "city"])
        for (index, row) in rows.enumerated() {
            #expect(result.int(index, 0) == Int(row[0]!))
            #expect(result.string(index, 1) == row[1])
            #expect(result.value(index, 2) == row[2])
        }
        #expect(result.column(named: "city") == 2)
        #expect(result.column(named: "missing") == nil)
    }

    @Test("a NULL parameter compares as SQL NULL")
    func nullParameter() throws {
        let connection = try connectToFreshDatabase()
        let result = try connection.query("SELECT $1::text IS NULL, $2::int + 1", [nil, "41"])
        #expect(result.value(0, 0) == "t")
        #expect(result.int(0, 1) == 42)
    }

    @Test("execute runs several statements; affected rows come from the command tag")
    func executeSeveralStatements() throws {
        let connection = try connectToFreshDatabase()
        try connection.execute("""
            CREATE TABLE IF NOT EXISTS counters (name text PRIMARY KEY, value bigint);
            CREATE TABLE IF NOT EXISTS counters (name text PRIMARY KEY, value bigint);
            INSERT INTO counters VALUES ('a', 1), ('b', 2), ('c', 3);
            """)
        let update = try connection.query("UPDATE counters SET value = value + 1 WHERE value >= $1", ["2"])
        #expect(update.affectedRows == 2)
        #expect(update.commandTag == "UPDATE 2")
        let sum = try connection.query("SELECT sum(value) FROM counters")
        #expect(sum.int(0, 0) == 8)
    }

    @Test("an SQL error carries its SQLSTATE and a one-line message")
    func sqlErrorHasState() throws {
        let connection = try connectToFreshDatabase()
        let error = try #require(throws: PGError.self) {
            try connection.query("SELECT * FROM no_such_table")
        }
        #expect(error.sqlState == "42P01")
        #expect(error.message == #"relation "no_such_table" does not exist"#)
        #expect(!error.isConnectionError)
        #expect(!error.description.contains("\n"))
        // The connection stays usable after a statement error.
        #expect(try connection.query("SELECT 1").int(0, 0) == 1)
    }

    @Test("a unique violation reports 23505 with the key in its detail")
    func uniqueViolation() throws {
        let connection = try connectToFreshDatabase()
        try connection.execute("CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)")
        let error = try #require(throws: PGError.self) {
            try connection.query("INSERT INTO t VALUES ($1)", ["1"])
        }
        #expect(error.sqlState == "23505")
        #expect(error.detail?.contains("(id)=(1)") == true)
    }

    @Test("a parameter with a NUL character is rejected before it is truncated")
    func nulParameterRejected() throws {
        let connection = try connectToFreshDatabase()
        #expect(throws: PGError.self) {
            try connection.query("SELECT $1::text", ["abc\u{0}def"])
        }
    }
}
