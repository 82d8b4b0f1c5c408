/// Beijing (UTC+8) civil time, written out from the calendar rules (no Foundation calendar,
/// nothing from the pipeline): days since 1970-01-01 and microseconds since the epoch.
struct TruthDate: Hashable, Comparable {
    var year: Int, month: Int, day: Int

    static func < (a: TruthDate, b: TruthDate) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }

    static func isLeap(_ y: Int) -> Bool { y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) }

    static func daysIn(_ y: Int, _ m: Int) -> Int {
        [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
    }

    var isReal: Bool { month >= 1 && month <= 12 && day >= 1 && day <= Self.daysIn(year, month) }

    /// Days since 1970-01-01.
    var dayNumber: Int {
        var days = 0
        if year >= 1970 {
            for y in 1970..<year { days += Self.isLeap(y) ? 366 : 365 }
        } else {
            for y in year..<1970 { days -= Self.isLeap(y) ? 366 : 365 }
        }
        for m in 1..<month { days += Self.daysIn(year, m) }
        return days + day - 1
    }

    init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    init(dayNumber n: Int) {
        var y = 1970, rest = n
        while rest < 0 { y -= 1; rest += Self.isLeap(y) ? 366 : 365 }
        while rest >= (Self.isLeap(y) ? 366 : 365) { rest -= Self.isLeap(y) ? 366 : 365; y += 1 }
        var m = 1
        while rest >= Self.daysIn(y, m) { rest -= Self.daysIn(y, m); m += 1 }
        self.init(year: y, month: m, day: rest + 1)
    }

    /// `YYYY-MM-DD`, the form PostgreSQL prints a date in.
    var iso: String { "\(year)-\(Self.two(month))-\(Self.two(day))" }
    var compact: String { "\(year)\(Self.two(month))\(Self.two(day))" }
    var slashed: String { "\(year)/\(month)/\(day)" }

    static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    func adding(days: Int) -> TruthDate { TruthDate(dayNumber: dayNumber + days) }

    /// ISO weekday, 1 = Monday … 7 = Sunday (1970-01-01 was a Thursday).
    var weekday: Int { ((dayNumber % 7) + 7 + 3) % 7 + 1 }

    /// Completed years from `self` to `later`.
    func years(to later: TruthDate) -> Int {
        later.year - year - ((later.month, later.day) < (month, day) ? 1 : 0)
    }
}

/// A moment as Beijing wall time plus microseconds.
struct TruthTime: Hashable, Comparable {
    /// Microseconds since the epoch, UTC.
    var micros: Int64

    static func < (a: TruthTime, b: TruthTime) -> Bool { a.micros < b.micros }

    static let beijingOffset: Int64 = 8 * 3600

    init(micros: Int64) { self.micros = micros }

    init(_ date: TruthDate, _ hour: Int, _ minute: Int, _ second: Int, micros: Int = 0) {
        let local = Int64(date.dayNumber) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        self.micros = (local - Self.beijingOffset) * 1_000_000 + Int64(micros)
    }

    var milliseconds: Int64 { micros / 1000 }

    /// Beijing calendar day.
    var beijingDate: TruthDate {
        let local = micros / 1_000_000 + Self.beijingOffset
        return TruthDate(dayNumber: Int(local >= 0 ? local / 86_400 : (local - 86_399) / 86_400))
    }

    /// Beijing wall clock: hour, minute, second, microsecond.
    var clock: (h: Int, m: Int, s: Int, us: Int) {
        let local = micros + Self.beijingOffset * 1_000_000
        let inDay = ((local % 86_400_000_000) + 86_400_000_000) % 86_400_000_000
        let s = Int(inDay / 1_000_000)
        return (s / 3600, s / 60 % 60, s % 60, Int(inDay % 1_000_000))
    }

    func adding(seconds: Int64) -> TruthTime { TruthTime(micros: micros + seconds * 1_000_000) }
}
