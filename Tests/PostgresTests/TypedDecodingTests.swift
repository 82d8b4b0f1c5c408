import Postgres
import Testing

/// Typed binds and rows decoded by column name: every supported type round-trips through a
/// real server, NULL is an error unless the call site asks for an optional, and every error
/// names the column, the row and the statement.
@Suite("Typed binds and row decoding")
struct TypedDecodingTests {
    @Test("values bound by type come back decoded by type")
    func roundTrip() throws {
        let db = try connectToFreshDatabase()
        let r = try db.query("""
            SELECT $1::text AS s, $2::int AS i32, $3::bigint AS i64, $4::smallint AS i16, $5::float8 AS d,
                   $6::boolean AS b, $7::bytea AS bytes, $8::text AS absent, $9::bigint[] AS ids
            """, binds: ["张伟 'quoted'", Int32(-7), Int64.max, Int16(12), 2.5, true, PGBytea([0, 255, 16]), String?.none,
                         PGArray.integers([3, 1])])
        let row = try r.firstRow()
        #expect(try row.decode("s", as: String.self) == "张伟 'quoted'")
        #expect(try row.decode("i32", as: Int32.self) == -7)
        #expect(try row.decode("i64", as: Int64.self) == .max)
        #expect(try row.decode("i16", as: Int16.self) == 12)
        #expect(try row.decode("d", as: Double.self) == 2.5)
        #expect(try row.decode("b", as: Bool.self))
        #expect(try row.decode("bytes", as: [UInt8].self) == [0, 255, 16])
        #expect(try row.decode("bytes", as: PGBytea.self) == PGBytea([0, 255, 16]))
        #expect(try row.decodeIfPresent("absent", as: String.self) == nil)
        #expect(try row.decode("ids", as: PGTextArray.self).values == ["3", "1"])
        #expect(row.texts == ["张伟 'quoted'", "-7", "9223372036854775807", "12", "2.5", "t", "\\x00ff10", nil, "{3,1}"])
    }

    @Test("NULL where a value is required throws, naming the column, the row and the statement")
    func nullIsAnError() throws {
        let db = try connectToFreshDatabase()
        let r = try db.query("SELECT n FROM (VALUES (1), (NULL)) v(n) ORDER BY n")
        let error = try #require(throws: PGDecodingError.self) { try r.rows[1].decode("n", as: Int.self) }
        #expect(error.reason == .null && error.column == "n" && error.row == 1)
        #expect(error.description == "column n (row 1) is NULL where a value is required, in: SELECT n FROM (VALUES (1), (NULL)) v(n) ORDER BY n")
        #expect(try r.rows[1].decodeIfPresent("n", as: Int.self) == nil)
        #expect(try r.rows[0].decodeIfPresent("n", as: Int.self) == 1)
    }

    @Test("a value of the wrong type or width, or a missing column, is an error, never a default")
    func wrongTypeOrColumn() throws {
        let db = try connectToFreshDatabase()
        let row = try db.query("SELECT 'x'::text AS word, 70000 AS big, 1.5 AS fraction").firstRow()
        #expect(throws: PGDecodingError(column: "word", row: 0, reason: .unparsable("Int64"),
                                        statement: "SELECT 'x'::text AS word, 70000 AS big, 1.5 AS fraction")) {
            try row.decode("word", as: Int64.self)
        }
        #expect(throws: PGDecodingError.self) { try row.decode("big", as: Int16.self) }
        #expect(throws: PGDecodingError.self) { try row.decode("fraction", as: Int.self) }
        #expect(throws: PGDecodingError.self) { try row.decode("word", as: Bool.self) }
        let missing = try #require(throws: PGDecodingError.self) { try row.decode("nope", as: String.self) }
        #expect(missing.reason == .noSuchColumn)
    }

    @Test("firstRow and scalar require a row; scalar reads the one value")
    func firstRowAndScalar() throws {
        let db = try connectToFreshDatabase()
        #expect(try db.query("SELECT count(*) FROM generate_series(1, 4)").scalar(Int64.self) == 4)
        let none = try db.query("SELECT 1 AS one WHERE false")
        let error = try #require(throws: PGDecodingError.self) { try none.firstRow() }
        #expect(error.reason == .noRows && error.column == "one")
        #expect(throws: PGDecodingError.self) { try db.query("SELECT NULL::int AS n").scalar(Int.self) }
    }

    @Test("the statement named in errors is its first non-empty line, cut at 120 characters")
    func statementLine() throws {
        let db = try connectToFreshDatabase()
        #expect(try db.query("\n   SELECT 1 AS one\n   WHERE true").statement == "SELECT 1 AS one")
        let long = "SELECT " + String(repeating: "1 + ", count: 40) + "1 AS n"
        let statement = try #require(try db.query(long).statement)
        #expect(statement.count == 120 && statement.hasSuffix("…"))
    }
}
