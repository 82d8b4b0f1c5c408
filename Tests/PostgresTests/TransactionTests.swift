import Postgres
import Testing

@Suite("Transactions")
struct TransactionTests {
    struct Abort: Error {}

    private func count(_ connection: PGConnection) throws -> Int? {
        try connection.query("SELECT count(*) FROM items").int(0, 0)
    }

    private func freshTable() throws -> PGConnection {
        let connection = try connectToFreshDatabase()
        try connection.execute("CREATE TABLE items (id int PRIMARY KEY)")
        return connection
    }

    @Test("the body's writes are committed and its value returned")
    func commits() throws {
        let connection = try freshTable()
        let inserted = try connection.transaction { transaction in
            try transaction.query("INSERT INTO items SELECT generate_series(1, 10)").affectedRows
        }
        #expect(inserted == 10)
        #expect(try count(connection) == 10)
    }

    @Test("a throwing body rolls back and its error is rethrown")
    func rollsBackOnThrow() throws {
        let connection = try freshTable()
        #expect(throws: Abort.self) {
            try connection.transaction { transaction in
                try transaction.query("INSERT INTO items VALUES (1)")
                throw Abort()
            }
        }
        #expect(try count(connection) == 0)
        // The connection is out of the transaction and usable.
        try connection.query("INSERT INTO items VALUES (2)")
        #expect(try count(connection) == 1)
    }

    @Test("a statement error inside the body rolls everything back")
    func rollsBackOnStatementError() throws {
        let connection = try freshTable()
        let error = try #require(throws: PGError.self) {
            try connection.transaction { transaction in
                try transaction.query("INSERT INTO items VALUES (1)")
                try transaction.query("INSERT INTO items VALUES (1)")
            }
        }
        #expect(error.sqlState == "23505")
        #expect(try count(connection) == 0)
    }

    @Test("a swallowed statement error makes COMMIT throw instead of silently rolling back")
    func swallowedErrorIsNotCommitted() throws {
        let connection = try freshTable()
        #expect(throws: PGError.self) {
            try connection.transaction { transaction in
                try transaction.query("INSERT INTO items VALUES (1)")
                _ = try? transaction.query("SELECT * FROM missing")
            }
        }
        #expect(try count(connection) == 0)
    }

    @Test("a nested transaction is a savepoint: its rollback keeps the outer writes")
    func nestedUsesSavepoint() throws {
        let connection = try freshTable()
        try connection.transaction { outer in
            try outer.query("INSERT INTO items VALUES (1)")
            _ = try? outer.transaction { inner in
                try inner.query("INSERT INTO items VALUES (2)")
                throw Abort()
            }
            try outer.transaction { inner in
                try inner.query("INSERT INTO items VALUES (3)")
            }
        }
        let ids = try connection.query("SELECT id FROM items ORDER BY id")
        #expect((0..<ids.rowCount).map { ids.int($0, 0) } == [1, 3])
    }
}
