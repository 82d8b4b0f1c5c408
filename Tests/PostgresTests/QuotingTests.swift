import Postgres
import Testing

@Suite("Quoting identifiers and literals")
struct QuotingTests {
    static let hostile = [
        #"x"; DROP TABLE victims; --"#,
        "x'; DROP TABLE victims; --",
        #"back\slash\"#,
        "\"\"",
        "Ünïcödé 名前",
        "",
    ]

    @Test("a quoted literal evaluates to exactly the original text", arguments: hostile)
    func literal(_ text: String) throws {
        let connection = try connectToFreshDatabase()
        try connection.execute("CREATE TABLE victims (id int)")
        let quoted = try connection.quoteLiteral(text)
        let result = try connection.query("SELECT \(quoted)")
        #expect(result.value(0, 0) == text)
        #expect(try connection.query("SELECT count(*) FROM victims").int(0, 0) == 0)
    }

    @Test("a quoted identifier names exactly the original text", arguments: hostile.filter { !$0.isEmpty })
    func identifier(_ name: String) throws {
        let connection = try connectToFreshDatabase()
        try connection.execute("CREATE TABLE victims (id int)")
        let quoted = try connection.quoteIdentifier(name)
        try connection.execute("CREATE SCHEMA \(quoted)")
        let result = try connection.query("SELECT nspname FROM pg_namespace WHERE nspname = $1", [name])
        #expect(result.rowCount == 1)
        #expect(try connection.query("SELECT count(*) FROM victims").int(0, 0) == 0)
    }

    @Test("a role name with quotes works through CREATE ROLE")
    func createRole() throws {
        let connection = try connectToFreshDatabase()
        let name = "reader \"\(UInt32.random(in: 0...UInt32.max))\"; --"
        try connection.execute("CREATE ROLE \(try connection.quoteIdentifier(name)) PASSWORD \(try connection.quoteLiteral("p'w\\d"))")
        defer { try? connection.execute("DROP ROLE \(try connection.quoteIdentifier(name))") }
        #expect(try connection.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [name]).rowCount == 1)
    }
}
