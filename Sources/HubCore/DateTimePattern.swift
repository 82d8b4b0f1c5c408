/// A date or date-time layout a data steward writes in a topology, e.g. `YYYYMMDD`,
/// `YYYY/M/D`, `YYYY-MM-DD hh:mm:ss` — or the keyword `iso8601`.
///
/// Tokens: `YYYY` four-digit year; `MM`/`DD`/`hh`/`mm`/`ss` exactly two digits; `M`/`D`/`h`/
/// `m`/`s` one or two digits (zero-padded or not); any other character is literal. Date-times
/// without an offset of their own are read at a fixed UTC offset (Beijing time, +08:00, by
/// default). `iso8601` is the extended form with a required offset (`Z` or `±hh:mm`) and
/// optional fractional seconds, compared at microsecond precision.
public struct DateTimePattern: Sendable, Hashable, CustomStringConvertible {
    enum Token: Sendable, Hashable {
        case year, month(padded: Bool), day(padded: Bool)
        case hour(padded: Bool), minute(padded: Bool), second(padded: Bool)
        case literal(UInt8)
    }

    public let description: String
    let tokens: [Token]
    let isISO8601: Bool
    public let utcOffsetSeconds: Int

    public var hasTime: Bool {
        isISO8601 || tokens.contains { if case .hour = $0 { return true } else { return false } }
    }

    /// Nil when the pattern is not understood (a date part is missing or repeated).
    public init?(_ pattern: String, utcOffsetSeconds: Int = 8 * 3600) {
        self.description = pattern
        self.utcOffsetSeconds = utcOffsetSeconds
        if pattern.lowercased() == "iso8601" {
            self.tokens = []
            self.isISO8601 = true
            return
        }
        self.isISO8601 = false
        let b = Array(pattern.utf8)
        var tokens: [Token] = []
        var i = 0
        func run(_ c: UInt8) -> Int {
            var n = 0
            while i + n < b.count, b[i + n] == c { n += 1 }
            return n
        }
        while i < b.count {
            let c = b[i]
            let n = run(c)
            switch (c, n) {
            case (UInt8(ascii: "Y"), 4): tokens.append(.year)
            case (UInt8(ascii: "M"), 1...2): tokens.append(.month(padded: n == 2))
            case (UInt8(ascii: "D"), 1...2): tokens.append(.day(padded: n == 2))
            case (UInt8(ascii: "h"), 1...2): tokens.append(.hour(padded: n == 2))
            case (UInt8(ascii: "m"), 1...2): tokens.append(.minute(padded: n == 2))
            case (UInt8(ascii: "s"), 1...2): tokens.append(.second(padded: n == 2))
            case (UInt8(ascii: "Y"), _), (UInt8(ascii: "M"), _), (UInt8(ascii: "D"), _),
                 (UInt8(ascii: "h"), _), (UInt8(ascii: "m"), _), (UInt8(ascii: "s"), _):
                return nil
            default:
                for _ in 0..<n { tokens.append(.literal(c)) }
            }
            i += n
        }
        func count(_ match: (Token) -> Bool) -> Int { tokens.filter(match).count }
        let years = count { $0 == .year }
        let months = count { if case .month = $0 { return true } else { return false } }
        let days = count { if case .day = $0 { return true } else { return false } }
        let hours = count { if case .hour = $0 { return true } else { return false } }
        let minutes = count { if case .minute = $0 { return true } else { return false } }
        let seconds = count { if case .second = $0 { return true } else { return false } }
        guard years == 1, months == 1, days == 1, hours <= 1, minutes == hours, seconds <= hours else { return nil }
        self.tokens = tokens
    }

    /// The calendar date of `text`, if it matches the pattern and is a real date.
    public func date(_ text: String) -> CalendarDate? {
        guard !isISO8601 else { return nil }
        return Self.withBytes(of: text) { parts($0)?.date }
    }

    /// Microseconds since the Unix epoch (UTC), if `text` matches and is a real date and time.
    public func timestampMicros(_ text: String) -> Int64? {
        Self.withBytes(of: text) { b in
            if isISO8601 { return DateTimePattern.parseISO8601(b) }
            guard let p = parts(b) else { return nil }
            let seconds = Int64(p.date.daysSinceEpoch) * 86_400 + Int64(p.secondOfDay) - Int64(utcOffsetSeconds)
            return seconds * 1_000_000
        }
    }

    /// `text`'s UTF-8 bytes, read in place: a native string lends its storage (a small one a
    /// stack copy), so parsing a value allocates nothing. Copying them into an array was two
    /// allocations per student record in Transform.
    private static func withBytes<R>(of text: String, _ body: (UnsafeBufferPointer<UInt8>) -> R?) -> R? {
        var text = text
        return text.withUTF8(body)
    }

    private func parts(_ b: UnsafeBufferPointer<UInt8>) -> (date: CalendarDate, secondOfDay: Int)? {
        var i = 0
        var y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0
        func digits(min: Int, max: Int) -> Int? {
            var v = 0, n = 0
            while n < max, i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                v = v * 10 + Int(b[i] - 0x30)
                i += 1
                n += 1
            }
            return n >= min ? v : nil
        }
        for t in tokens {
            switch t {
            case .year: guard let v = digits(min: 4, max: 4) else { return nil }; y = v
            case .month(let padded): guard let v = digits(min: padded ? 2 : 1, max: 2) else { return nil }; mo = v
            case .day(let padded): guard let v = digits(min: padded ? 2 : 1, max: 2) else { return nil }; d = v
            case .hour(let padded): guard let v = digits(min: padded ? 2 : 1, max: 2) else { return nil }; h = v
            case .minute(let padded): guard let v = digits(min: padded ? 2 : 1, max: 2) else { return nil }; mi = v
            case .second(let padded): guard let v = digits(min: padded ? 2 : 1, max: 2) else { return nil }; s = v
            case .literal(let c):
                guard i < b.count, b[i] == c else { return nil }
                i += 1
            }
        }
        guard i == b.count, h < 24, mi < 60, s < 60,
              let date = CalendarDate(year: y, month: mo, day: d) else { return nil }
        return (date, h * 3600 + mi * 60 + s)
    }

    /// `YYYY-MM-DDThh:mm:ss[.f…](Z|±hh:mm)`.
    static func parseISO8601(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
        var i = 0
        func fixed(_ n: Int) -> Int? {
            guard i + n <= b.count else { return nil }
            var v = 0
            for k in 0..<n {
                let c = b[i + k]
                guard c >= 0x30, c <= 0x39 else { return nil }
                v = v * 10 + Int(c - 0x30)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        let dash = UInt8(ascii: "-"), colon = UInt8(ascii: ":")
        guard let y = fixed(4), expect(dash), let mo = fixed(2), expect(dash), let d = fixed(2),
              expect(UInt8(ascii: "T")), let h = fixed(2), expect(colon), let mi = fixed(2), expect(colon), let s = fixed(2),
              h < 24, mi < 60, s < 60, let date = CalendarDate(year: y, month: mo, day: d) else { return nil }
        var micros = 0
        if i < b.count, b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: ",") {
            i += 1
            var n = 0
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                if n < 6 { micros = micros * 10 + Int(b[i] - 0x30) }
                n += 1
                i += 1
            }
            guard n > 0 else { return nil }
            for _ in n..<max(n, 6) { micros *= 10 }
        }
        guard i < b.count else { return nil }
        var offset = 0
        if b[i] == UInt8(ascii: "Z") {
            i += 1
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            let sign = b[i] == UInt8(ascii: "-") ? -1 : 1
            i += 1
            guard let oh = fixed(2), expect(colon), let om = fixed(2), oh < 24, om < 60 else { return nil }
            offset = sign * (oh * 3600 + om * 60)
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let seconds = Int64(date.daysSinceEpoch) * 86_400 + Int64(h * 3600 + mi * 60 + s) - Int64(offset)
        return seconds * 1_000_000 + Int64(micros)
    }
}
