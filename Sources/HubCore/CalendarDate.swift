/// A proleptic Gregorian calendar date, always a real one (the initialiser checks).
public struct CalendarDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Nil unless the date exists (year 1–9999, month 1–12, day within the month).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1,
              day <= CalendarDate.daysInMonth(year: year, month: month) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    public static func isLeapYear(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 (negative before it).
    public var daysSinceEpoch: Int {
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public init(daysSinceEpoch z0: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.year = yoe + era * 400 + (m <= 2 ? 1 : 0)
        self.month = m
        self.day = d
    }

    public static func < (a: CalendarDate, b: CalendarDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    /// ISO form, `YYYY-MM-DD`.
    public var description: String {
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }
}

extension CalendarDate {
    /// A date in ISO form `YYYY-MM-DD` (as PostgreSQL prints a `date`); nil unless it is one.
    public init?(iso text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count == 3, let y = parts[0], let m = parts[1], let d = parts[2] else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// Beijing time (UTC+8): the zone of SPEC's wall-clock values and of quality days.
    public static let beijingOffsetSeconds = 8 * 3600

    /// The calendar day, as days since 1970-01-01, of `epochSeconds` at a UTC offset. Beyond
    /// what 32 bits of days hold (±5.8 million years) the day is clamped, never a trap; callers
    /// keep to known times (``MessageTime``) and supported days anyway.
    public static func dayNumber(epochSeconds: Int64, utcOffsetSeconds: Int = beijingOffsetSeconds) -> Int32 {
        let (local, overflow) = epochSeconds.addingReportingOverflow(Int64(utcOffsetSeconds))
        guard !overflow else { return epochSeconds < 0 ? Int32.min : Int32.max }
        // Floor division without the subtraction that would overflow next to Int64.min.
        return Int32(clamping: local >= 0 ? local / 86_400 : (local + 1) / 86_400 - 1)
    }

    /// Days since 1970-01-01 of 0001-01-01 and 9999-12-31: the dates the hub represents (and
    /// PostgreSQL's `date` holds).
    public static let supportedDays: ClosedRange<Int32> = -719_162...2_932_896

    /// Whether a time (microseconds since the epoch) falls on a supported Beijing day, so its
    /// quality day is a real date.
    public static func isSupported(micros: Int64) -> Bool {
        supportedDays.contains(dayNumber(epochSeconds: micros / 1_000_000))
    }

    /// ISO weekday (1 = Monday … 7 = Sunday) of a day since 1970-01-01, a Thursday.
    public static func isoWeekday(daysSinceEpoch day: Int) -> Int {
        (day % 7 + 7 + 3) % 7 + 1
    }
}
