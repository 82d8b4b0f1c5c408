import HubCore
import Testing

private func pattern(_ text: String) -> DateTimePattern {
    guard let p = DateTimePattern(text) else { fatalError("pattern \(text) not understood") }
    return p
}

private func date(_ y: Int, _ m: Int, _ d: Int) -> CalendarDate? { CalendarDate(year: y, month: m, day: d) }

/// 2026-09-01T00:00:00Z in microseconds, worked out independently (1788220800 s).
private let sept1Midnight: Int64 = 1_788_220_800_000_000

@Suite("DateTimePattern: dates")
struct DatePatternTests {
    static let unpaddedCases: [(String, CalendarDate?)] = [
        ("2010/3/4", date(2010, 3, 4)), ("2010/03/04", date(2010, 3, 4)), ("2010/12/31", date(2010, 12, 31)),
        ("2010/3/04", date(2010, 3, 4)), ("2010/10/1", date(2010, 10, 1)),
    ]

    @Test("YYYYMMDD")
    func compact() {
        let p = pattern("YYYYMMDD")
        #expect(p.date("20240229") == date(2024, 2, 29))
        #expect(p.date("19700101") == date(1970, 1, 1))
        #expect(p.date("20230229") == nil)
        #expect(p.date("2024022") == nil)
        #expect(p.date("202402290") == nil)
        #expect(p.date("2024-02-29") == nil)
        #expect(!p.hasTime)
    }

    @Test("YYYY-MM-DD needs both digits of month and day")
    func isoDate() {
        let p = pattern("YYYY-MM-DD")
        #expect(p.date("2010-03-04") == date(2010, 3, 4))
        #expect(p.date("2010-3-4") == nil)
        #expect(p.date("2010-03-4") == nil)
        #expect(p.date("2010/03/04") == nil)
        #expect(p.date("2010-03-04 ") == nil)
        #expect(p.date(" 2010-03-04") == nil)
        #expect(p.date("2010-03") == nil)
        #expect(p.date("") == nil)
    }

    @Test("YYYY/M/D takes padded and unpadded month and day", arguments: Self.unpaddedCases)
    func unpadded(text: String, expected: CalendarDate?) {
        #expect(pattern("YYYY/M/D").date(text) == expected)
    }

    @Test("YYYY/M/D rejects impossible or incomplete dates", arguments: [
        "2010/2/30", "2023/2/29", "2010/13/1", "2010/0/1", "2010/1/0", "2010/123/1", "2010/1/1x",
        "2010/1/", "2010/1", "2010//1", "10/1/1", "2010-1-1", "２０１０/1/1",
    ])
    func unpaddedInvalid(text: String) {
        #expect(pattern("YYYY/M/D").date(text) == nil)
    }

    @Test("a date pattern gives no timestamp for a time, and a time pattern gives a date")
    func dateAndTime() {
        #expect(pattern("YYYY-MM-DD hh:mm:ss").date("2026-09-01 08:00:00") == date(2026, 9, 1))
        #expect(pattern("YYYY-MM-DD").date("2026-09-01 08:00:00") == nil)
        #expect(pattern("iso8601").date("2026-09-01T00:00:00Z") == nil)
    }
}

@Suite("DateTimePattern: local times (Beijing, +08:00)")
struct LocalTimePatternTests {
    static let beijing: [(String, Int64)] = [
        ("2026-09-01 08:00:00", sept1Midnight),
        ("2026-09-01 00:00:00", sept1Midnight - 8 * 3_600_000_000),
        ("2026-09-01 23:59:59", sept1Midnight + (15 * 3600 + 59 * 60 + 59) * 1_000_000),
        ("1970-01-01 08:00:00", 0),
        ("1970-01-01 07:59:59", -1_000_000),
        ("2024-02-29 23:59:59", 1_709_222_399_000_000),
    ]

    @Test("YYYY-MM-DD hh:mm:ss is read as Beijing time", arguments: Self.beijing)
    func padded(text: String, micros: Int64) {
        let p = pattern("YYYY-MM-DD hh:mm:ss")
        #expect(p.hasTime)
        #expect(p.utcOffsetSeconds == 8 * 3600)
        #expect(p.timestampMicros(text) == micros)
    }

    @Test("YYYY-M-D h:m:s takes padded and unpadded parts", arguments: [
        "2026-9-1 8:0:0", "2026-09-01 08:00:00", "2026-9-01 8:00:0", "2026-09-1 08:0:00",
    ])
    func unpadded(text: String) {
        #expect(pattern("YYYY-M-D h:m:s").timestampMicros(text) == sept1Midnight)
    }

    @Test("invalid times and dates are nil", arguments: [
        "2026-09-01 24:00:00", "2026-09-01 23:60:00", "2026-09-01 23:59:60", "2026-02-30 08:00:00",
        "2026-09-01 08:00:00Z", "2026-09-01 08:00:00 ", "2026-09-01 08:00", "2026-09-01", "2026-09-01T08:00:00",
        "2026-09-01 8:00:00", "2026-09-01 08:00:00.5", "", "2026-09-01  08:00:00",
    ])
    func invalid(text: String) {
        #expect(pattern("YYYY-MM-DD hh:mm:ss").timestampMicros(text) == nil)
    }

    @Test("unpadded parts still take at most two digits")
    func unpaddedTooLong() {
        let p = pattern("YYYY-M-D h:m:s")
        #expect(p.timestampMicros("2026-9-1 008:0:0") == nil)
        #expect(p.timestampMicros("2026-9-1 8:0:") == nil)
        #expect(p.timestampMicros("2026-9-1 24:0:0") == nil)
    }

    @Test("another fixed offset can be configured")
    func otherOffset() {
        let utc = DateTimePattern("YYYY-MM-DD hh:mm:ss", utcOffsetSeconds: 0)
        #expect(utc?.timestampMicros("2026-09-01 00:00:00") == sept1Midnight)
    }
}

@Suite("DateTimePattern: iso8601")
struct ISO8601PatternTests {
    static let fractionCases: [(String, Int64)] = [
        (".5", 500_000), (".12", 120_000), (".123", 123_000), (".1234", 123_400), (".12345", 123_450),
        (".123456", 123_456), (".1234567", 123_456), (".12345678", 123_456), (".123456789", 123_456),
        (".999999999", 999_999), (",5", 500_000), (",000001", 1), (".0", 0),
    ]

    static let offsetCases: [(String, Int64)] = [
        ("2026-09-01T00:00:00Z", sept1Midnight),
        ("2026-09-01T08:00:00+08:00", sept1Midnight),
        ("2026-08-31T18:30:00-05:30", sept1Midnight),
        ("2026-03-05T10:20:30-05:30", 1_772_725_830_000_000),
        ("2000-01-01T00:00:00+00:00", 946_684_800_000_000),
        ("2000-01-01T00:00:00-00:00", 946_684_800_000_000),
        ("1969-12-31T23:59:59Z", -1_000_000),
    ]

    let iso = pattern("iso8601")

    @Test("Z and ±hh:mm offsets", arguments: Self.offsetCases)
    func offsets(text: String, micros: Int64) {
        #expect(iso.hasTime)
        #expect(iso.timestampMicros(text) == micros)
    }

    @Test("fractional seconds of 1 to 9 digits, truncated to microseconds", arguments: Self.fractionCases)
    func fractions(fraction: String, micros: Int64) {
        #expect(iso.timestampMicros("2026-09-01T00:00:00\(fraction)Z") == sept1Midnight + micros)
        #expect(iso.timestampMicros("2026-09-01T08:00:00\(fraction)+08:00") == sept1Midnight + micros)
    }

    @Test("strict: offset required, upper-case T and Z, hh:mm offset, real date and time", arguments: [
        "2026-09-01T00:00:00", "2026-09-01t00:00:00Z", "2026-09-01T00:00:00z", "2026-09-01T08:00:00+08",
        "2026-09-01T08:00:00+0800", "2026-09-01 00:00:00Z", "2026-09-01T00:00:00.Z", "2026-09-01T00:00Z",
        "20260901T000000Z", "2026-9-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-09-01T24:00:00Z",
        "2026-09-01T23:60:00Z", "2026-09-01T23:59:60Z", "2026-09-01T00:00:00Z ", " 2026-09-01T00:00:00Z",
        "2026-09-01T00:00:00+08:00x", "2026-09-01T00:00:00+24:00", "2026-09-01T00:00:00+08:60", "",
        "2026-09-01", "2026-09-01T00:00:00.5",
    ])
    func rejected(text: String) {
        #expect(iso.timestampMicros(text) == nil)
    }

    @Test("the keyword is case-insensitive")
    func keyword() {
        #expect(DateTimePattern("ISO8601")?.timestampMicros("2026-09-01T00:00:00Z") == sept1Midnight)
    }
}

@Suite("DateTimePattern: layouts")
struct PatternLayoutTests {
    static let understoodCases: [(String, Bool)] = [
        ("YYYYMMDD", false), ("DD.MM.YYYY", false), ("YYYY年M月D日", false), ("YYYY-MM-DD hh:mm", true),
        ("YYYY-MM-DD hh:mm:ss", true), ("DD.MM.YYYY hh:mm:ss", true), ("iso8601", true),
    ]

    @Test("patterns that are not understood", arguments: [
        "YYY-MM-DD", "YY-MM-DD", "YYYYY-MM-DD", "YYYY-MM", "YYYY-DD", "MM-DD", "YYYY-MMM-DD", "YYYY-MM-DDD",
        "YYYY-MM-DD-MM", "YYYY-MM-DD hh", "YYYY-MM-DD hh:ss", "YYYY-MM-DD mm:ss", "YYYY-MM-DD hhh:mm:ss", "",
    ])
    func notUnderstood(text: String) {
        #expect(DateTimePattern(text) == nil)
    }

    @Test("understood patterns and whether they have a time", arguments: Self.understoodCases)
    func understood(text: String, hasTime: Bool) {
        #expect(DateTimePattern(text)?.hasTime == hasTime)
        #expect(DateTimePattern(text)?.description == text)
    }

    @Test("literal characters, including non-ASCII ones, must match exactly")
    func literals() {
        let p = pattern("YYYY年M月D日")
        #expect(p.date("2024年2月29日") == date(2024, 2, 29))
        #expect(p.date("2024年02月29日") == date(2024, 2, 29))
        #expect(p.date("2024年2月29") == nil)
        #expect(p.date("2024-2-29") == nil)
        let dotted = pattern("DD.MM.YYYY hh:mm:ss")
        #expect(dotted.timestampMicros("01.09.2026 08:00:00") == sept1Midnight)
        #expect(dotted.date("29.02.2024") == nil)
        #expect(pattern("DD.MM.YYYY").date("29.02.2024") == date(2024, 2, 29))
    }
}

/// The parsers read a string's UTF-8 storage in place, so every read must stay inside it:
/// each prefix, each one-byte extension and each substitution of a valid value is read
/// without a trap, and only the complete value (or one that is still valid) gives a result.
@Suite("DateTimePattern: reads stay inside the value")
struct PatternBoundsTests {
    static let cases: [(pattern: String, value: String)] = [
        ("iso8601", "2026-09-01T08:00:00.123456+08:00"), ("iso8601", "2026-09-01T00:00:00Z"),
        ("YYYY-MM-DD hh:mm:ss", "2026-09-01 08:00:00"), ("YYYY年M月D日", "2024年2月29日"), ("YYYYMMDD", "20240229"),
    ]

    @Test("every prefix of a valid value is rejected, the value itself read", arguments: Self.cases)
    func prefixes(pattern text: String, value: String) {
        let p = pattern(text)
        let read: (String) -> Bool = { p.hasTime ? p.timestampMicros($0) != nil : p.date($0) != nil }
        #expect(read(value))
        let bytes = Array(value.utf8)
        for n in 0..<bytes.count {
            // A cut inside a multi-byte character repairs to U+FFFD: still not the literal.
            let prefix = String(decoding: bytes[..<n], as: UTF8.self)
            #expect(!read(prefix), "\(prefix)")
        }
        for extra in ["0", "Z", "年", " ", "\u{0}"] { #expect(!read(value + extra), "\(value + extra)") }
    }

    @Test("a digit replaced by any ASCII byte or a wide character never traps", arguments: Self.cases)
    func substitutions(pattern text: String, value: String) {
        let p = pattern(text)
        let chars = Array(value)
        var accepted = 0
        var acceptedForeign = 0
        for i in chars.indices {
            for replacement in (0x20...0x7E).map({ Character(UnicodeScalar(UInt8($0))) }) + ["年", "é", "😀"] {
                var mutated = chars
                mutated[i] = replacement
                let s = String(mutated)
                guard p.hasTime ? p.timestampMicros(s) != nil : p.date(s) != nil else { continue }
                accepted += 1
                if replacement == "é" || replacement == "😀" { acceptedForeign += 1 }
            }
        }
        // Some substitutions stay valid (another digit, or a literal replaced by itself); none
        // with a character that is neither a digit nor one of the pattern's literals does.
        #expect(accepted > 0)
        #expect(acceptedForeign == 0)
    }
}
