import Postgres
import Testing

@Suite("COPY FROM STDIN")
struct CopyInTests {
    /// Values that need every escape the text format has, plus NULL and the empty string
    /// (which must stay distinct from NULL) and text that looks like an escape.
    static let awkward: [String?] = [
        "plain", "tab\tinside", "line\nbreak", "carriage\rreturn", "back\\slash", "\\N",
        "", nil, "\\.", "多字节 ✓ 🎓", " leading and trailing ", "\r\n\t\\",
    ]

    @Test("100k rows with tabs, newlines, backslashes and NULLs round-trip exactly")
    func roundTripsAwkwardValues() throws {
        let connection = try connectToFreshDatabase()
        try connection.execute("CREATE TABLE copied (id bigint PRIMARY KEY, a text, b text)")
        let rowCount = 100_000
        func expected(_ id: Int) -> (String?, String?) {
            let a = Self.awkward[id % Self.awkward.count]
            let b = Self.awkward[(id / Self.awkward.count) % Self.awkward.count].map { "\($0)#\(id)" }
            return (a, b)
        }
        let copied = try connection.copyIn("COPY copied (id, a, b) FROM STDIN") { writer in
            for id in 0..<rowCount {
                let (a, b) = expected(id)
                if id.isMultiple(of: 2) {
                    writer.row([String(id), a, b])
                } else {
                    writer.field(id)
                    writer.field(a)
                    writer.field(b)
                    writer.endRow()
                }
            }
        }
        #expect(copied == rowCount)

        let result = try connection.query("SELECT id, a, b FROM copied ORDER BY id")
        try #require(result.rowCount == rowCount)
        var mismatches = 0
        for row in 0..<rowCount {
            let (a, b) = expected(row)
            if result.int(row, 0) != row || result.value(row, 1) != a || result.value(row, 2) != b {
                mismatches += 1
            }
        }
        #expect(mismatches == 0)
    }

    @Test("integer fields cover the whole Int64 range and other widths")
    func integerFields() throws {
        let connection = try connectToFreshDatabase()
        try connection.execute("CREATE TABLE numbers (n numeric)")
        try connection.copyIn("COPY numbers FROM STDIN") { writer in
            writer.field(Int64.min); writer.endRow()
            writer.field(Int64.max); writer.endRow()
            writer.field(0); writer.endRow()
            writer.field(Int8(-7)); writer.endRow()
            writer.field(UInt64.max); writer.endRow()
        }
        let result = try connection.query("SELECT n::text FROM numbers")
        #expect((0..<result.rowCount).map { result.value($0, 0) } == [
            "-9223372036854775808", "9223372036854775807", "0", "-7", "18446744073709551615",
        ])
    }

    @Test("date, timestamp and optional integer fields are written as PostgreSQL reads them")
    func dateAndTimestampFields() throws {
        let connection = try connectToFreshDatabase()
        try connection.execute("CREATE TABLE times (d date, t timestamptz, n int, s text)")
        try connection.copyIn("COPY times FROM STDIN") { writer in
            writer.field(year: 2026, month: 9, day: 1)
            writer.field(year: 2026, month: 9, day: 1, millisecondOfDay: 86_399_999)
            writer.field(Int16(-3) as Int16?)
            writer.field("control\u{01}byte")
            writer.endRow()
            writer.field(year: 987, month: 12, day: 31)
            writer.field(year: 1970, month: 1, day: 1, millisecondOfDay: 7)
            writer.field(nil as Int64?)
            writer.field(nil as String?)
            writer.endRow()
        }
        let result = try connection.query("""
            SELECT d::text, to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS'), n, s FROM times ORDER BY d DESC
            """)
        #expect(result.value(0, 0) == "2026-09-01")
        #expect(result.value(0, 1) == "2026-09-01 23:59:59.999")
        #expect(result.int(0, 2) == -3)
        #expect(result.value(0, 3) == "control\u{01}byte")
        #expect(result.value(1, 0) == "0987-12-31")
        #expect(result.value(1, 1) == "1970-01-01 00:00:00.007")
        #expect(result.value(1, 2) == nil && result.value(1, 3) == nil)
    }

    @Test("binary COPY: every field kind, NULLs, a field larger than the buffer and rows across many flushes round-trip exactly")
    func binaryRoundTrip() throws {
        let connection = try connectToFreshDatabase()
        try connection.execute("""
            CREATE TABLE bin (id int, s smallint, b bigint, f boolean, d date, t timestamptz, raw bytea, txt text, k bytea)
            """)
        let rowCount = 20_000  // ~3 MB: a dozen flushes of the 256 KiB batch
        let big = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }  // larger than the buffer and the batch
        let copied = try connection.copyInBinary("COPY bin (id, s, b, f, d, t, raw, txt, k) FROM STDIN WITH (FORMAT binary)") { w in
            for id in 0..<rowCount {
                w.beginRow(fields: 9)
                w.int32(Int32(id))
                w.int16(id % 3 == 0 ? nil : Int16(id % 30_000 - 15_000))
                w.int64(Int64(id) * -3_000_000_007)
                w.bool(id.isMultiple(of: 2))
                w.date(daysSince1970: id % 5 == 0 ? nil : Int32(id % 40_000 - 20_000))
                w.timestamp(microsSince1970: Int64(id) * 1_000_003 - 5_000_000_000)
                if id == 7 {
                    w.bytes(big)
                } else if id % 4 == 1 {
                    w.null()
                } else {
                    w.bytes((0..<(id % 50)).lazy.map { UInt8($0) })  // not contiguous: the other copy path
                }
                w.text(id % 6 == 0 ? nil : "多字节 ✓ #\(id)")
                w.bytes(words: UInt64(id), 0x0102_0304_0506_0708, 0, UInt64.max)
            }
        }
        #expect(copied == rowCount)
        // The expected values computed again by PostgreSQL, row by row.
        let mismatches = try connection.query("""
            SELECT count(*) FROM bin WHERE
                s IS DISTINCT FROM (CASE WHEN id % 3 = 0 THEN NULL ELSE id % 30000 - 15000 END)
                OR b <> id::bigint * -3000000007
                OR f <> (id % 2 = 0)
                OR d IS DISTINCT FROM (CASE WHEN id % 5 = 0 THEN NULL ELSE date '1970-01-01' + (id % 40000 - 20000) END)
                OR t <> to_timestamp(0) + (id::bigint * 1000003 - 5000000000) * interval '1 microsecond'
                OR txt IS DISTINCT FROM (CASE WHEN id % 6 = 0 THEN NULL ELSE '多字节 ✓ #' || id END)
                OR k <> int8send(id::bigint) || '\\x0102030405060708'::bytea || '\\x0000000000000000'::bytea
                        || '\\xffffffffffffffff'::bytea
                OR (id <> 7 AND raw IS DISTINCT FROM (CASE WHEN id % 4 = 1 THEN NULL ELSE (
                    SELECT coalesce(string_agg(set_byte('\\x00'::bytea, 0, i), ''::bytea ORDER BY i), ''::bytea)
                    FROM generate_series(0, id % 50 - 1) i) END))
            """)
        #expect(mismatches.int(0, 0) == 0)
        let large = try connection.query("""
            SELECT length(raw), (SELECT count(*) FROM generate_series(0, 299999) i WHERE get_byte(raw, i) <> (i * 7) % 256)
            FROM bin WHERE id = 7
            """)
        #expect(large.int(0, 0) == 300_000 && large.int(0, 1) == 0)
        #expect(try connection.query("SELECT count(*) FROM bin").int(0, 0) == rowCount)
    }

    @Test("a throwing body aborts the COPY; nothing is loaded and the connection stays usable")
    func throwingBodyAborts() throws {
        struct Stop: Error {}
        let connection = try connectToFreshDatabase()
        try connection.execute("CREATE TABLE copied (id int)")
        #expect(throws: Stop.self) {
            try connection.copyIn("COPY copied FROM STDIN") { writer in
                for id in 0..<50_000 { writer.row([String(id)]) }
                throw Stop()
            }
        }
        #expect(try connection.query("SELECT count(*) FROM copied").int(0, 0) == 0)
    }

    @Test("a rejected row fails the whole COPY with the server's SQLSTATE")
    func badRowFails() throws {
        let connection = try connectToFreshDatabase()
        try connection.execute("CREATE TABLE copied (id int)")
        let error = try #require(throws: PGError.self) {
            try connection.copyIn("COPY copied FROM STDIN") { writer in
                writer.row(["1"])
                writer.row(["not a number"])
            }
        }
        #expect(error.sqlState == "22P02")
        #expect(try connection.query("SELECT count(*) FROM copied").int(0, 0) == 0)
    }

    @Test("a statement that is not COPY FROM STDIN is refused")
    func notACopy() throws {
        let connection = try connectToFreshDatabase()
        #expect(throws: PGError.self) {
            try connection.copyIn("SELECT 1") { _ in }
        }
        #expect(try connection.query("SELECT 2").int(0, 0) == 2)
    }
}
