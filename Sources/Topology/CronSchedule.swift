import HubCore

/// A five-field cron expression — minute, hour, day of month, month, day of week — read in a
/// fixed-offset time zone, with the classic semantics: each field is `*`, a value, a range
/// `a-b`, a step `*/n` or `a-b/n`, or a comma-separated list of those; day of week runs 0–7
/// (0 and 7 are Sunday); when both day fields are restricted a day matches either (Vixie cron).
public struct CronSchedule: Sendable, Hashable, CustomStringConvertible {
    public let expression: String
    let minutes: Set<Int>
    let hours: Set<Int>
    let daysOfMonth: Set<Int>
    let months: Set<Int>
    let daysOfWeek: Set<Int>
    let dayOfMonthRestricted: Bool
    let dayOfWeekRestricted: Bool

    public var description: String { expression }

    /// Parses `expression`.
    /// - Throws: ``CronError`` naming the field that is wrong.
    public init(_ expression: String) throws(CronError) {
        let fields = expression.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw CronError("cron \"\(expression)\" must have 5 fields (minute hour day-of-month month day-of-week), not \(fields.count)")
        }
        self.expression = expression
        minutes = try Self.field(fields[0], "minute", 0...59)
        hours = try Self.field(fields[1], "hour", 0...23)
        daysOfMonth = try Self.field(fields[2], "day of month", 1...31)
        months = try Self.field(fields[3], "month", 1...12)
        daysOfWeek = Set(try Self.field(fields[4], "day of week", 0...7).map { $0 % 7 })
        dayOfMonthRestricted = fields[2] != "*"
        dayOfWeekRestricted = fields[4] != "*"
    }

    private static func field(_ text: String, _ name: String, _ range: ClosedRange<Int>) throws(CronError) -> Set<Int> {
        var values: Set<Int> = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2, let base = parts.first, !base.isEmpty else {
                throw CronError("cron \(name) field \"\(text)\" is not understood")
            }
            var step = 1
            if parts.count == 2 {
                guard let s = Int(parts[1]), s > 0 else { throw CronError("cron \(name) step in \"\(item)\" must be a positive integer") }
                step = s
            }
            var low = range.lowerBound, high = range.upperBound
            if base != "*" {
                let bounds = base.split(separator: "-", omittingEmptySubsequences: false)
                guard bounds.count <= 2, let a = Int(bounds[0]) else {
                    throw CronError("cron \(name) field \"\(text)\" is not understood")
                }
                low = a
                if bounds.count == 2 {
                    guard let b = Int(bounds[1]) else { throw CronError("cron \(name) range \"\(base)\" is not understood") }
                    high = b
                } else if parts.count == 1 {
                    high = a
                }
                guard range.contains(low), range.contains(high), low <= high else {
                    throw CronError("cron \(name) value \"\(base)\" is outside \(range.lowerBound)–\(range.upperBound)")
                }
            }
            values.formUnion(stride(from: low, through: high, by: step))
        }
        return values
    }

    /// The first fire time strictly after `date`, in the given zone; nil if none within
    /// about five years (e.g. `0 0 30 2 *`).
    public func next(after date: CronTime, in zone: ScheduleTimeZone) -> CronTime? {
        let offset = Int64(zone.offsetSeconds)
        var t = floorDiv(date.secondsSinceEpoch + offset, 60) * 60 + 60
        let limit = t + 5 * 366 * 86_400
        while t < limit {
            let day = floorDiv(t, 86_400)
            guard matches(day: day) else { t = (day + 1) * 86_400; continue }
            let minuteOfDay = Int((t - day * 86_400) / 60)
            guard hours.contains(minuteOfDay / 60) else { t = day * 86_400 + Int64(minuteOfDay / 60 + 1) * 3600; continue }
            guard minutes.contains(minuteOfDay % 60) else { t += 60; continue }
            return CronTime(secondsSinceEpoch: t - offset)
        }
        return nil
    }

    /// The last fire time at or before `date`, in the given zone; nil if none within about
    /// five years.
    public func previous(atOrBefore date: CronTime, in zone: ScheduleTimeZone) -> CronTime? {
        let offset = Int64(zone.offsetSeconds)
        var t = floorDiv(date.secondsSinceEpoch + offset, 60) * 60
        let limit = t - 5 * 366 * 86_400
        while t > limit {
            let day = floorDiv(t, 86_400)
            guard matches(day: day) else { t = day * 86_400 - 60; continue }
            let minuteOfDay = Int((t - day * 86_400) / 60)
            guard hours.contains(minuteOfDay / 60) else { t = day * 86_400 + Int64(minuteOfDay / 60) * 3600 - 60; continue }
            guard minutes.contains(minuteOfDay % 60) else { t -= 60; continue }
            return CronTime(secondsSinceEpoch: t - offset)
        }
        return nil
    }

    private func matches(day: Int64) -> Bool {
        let date = CalendarDate(daysSinceEpoch: Int(day))
        let (month, dayOfMonth) = (date.month, date.day)
        guard months.contains(month) else { return false }
        let weekday = CalendarDate.isoWeekday(daysSinceEpoch: Int(day)) % 7  // cron: 0 = Sunday
        let domOK = daysOfMonth.contains(dayOfMonth), dowOK = daysOfWeek.contains(weekday)
        switch (dayOfMonthRestricted, dayOfWeekRestricted) {
        case (true, true): return domOK || dowOK
        case (true, false): return domOK
        case (false, true): return dowOK
        case (false, false): return true
        }
    }
}

/// A cron expression that cannot be read.
public struct CronError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A point in time as whole seconds since 1970-01-01T00:00:00Z: the resolution of schedules.
public struct CronTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var secondsSinceEpoch: Int64

    public init(secondsSinceEpoch: Int64) { self.secondsSinceEpoch = secondsSinceEpoch }

    public static func < (a: CronTime, b: CronTime) -> Bool { a.secondsSinceEpoch < b.secondsSinceEpoch }

    /// ISO 8601 in UTC, e.g. `2026-11-21T16:30:00Z`.
    public var description: String { formatted(in: .utc) }

    /// ISO 8601 with the zone's offset, e.g. `2026-11-22T00:30:00+08:00`.
    public func formatted(in zone: ScheduleTimeZone) -> String {
        let local = secondsSinceEpoch + Int64(zone.offsetSeconds)
        let day = floorDiv(local, 86_400)
        let date = CalendarDate(daysSinceEpoch: Int(day))
        let (y, m, d) = (date.year, date.month, date.day)
        let s = Int(local - day * 86_400)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let stamp = "\(y)-\(two(m))-\(two(d))T\(two(s / 3600)):\(two(s / 60 % 60)):\(two(s % 60))"
        if zone.offsetSeconds == 0 { return stamp + "Z" }
        let o = abs(zone.offsetSeconds)
        return stamp + (zone.offsetSeconds < 0 ? "-" : "+") + "\(two(o / 3600)):\(two(o / 60 % 60))"
    }

    /// Reads `YYYY-MM-DD`, `YYYY-MM-DDThh:mm[:ss]` (wall time in `zone`) or the same with a
    /// `Z` / `±hh:mm` suffix (which then wins over `zone`).
    public init?(parsing text: String, in zone: ScheduleTimeZone) {
        var body = Substring(text.trimmingCharacters(in: [" "]))
        var offset = zone.offsetSeconds
        if body.hasSuffix("Z") {
            offset = 0
            body = body.dropLast()
        } else if body.count > 10, let sign = body.dropFirst(10).lastIndex(where: { $0 == "+" || $0 == "-" }) {
            let parts = body[body.index(after: sign)...].split(separator: ":")
            guard parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]) else { return nil }
            offset = (h * 3600 + m * 60) * (body[sign] == "-" ? -1 : 1)
            body = body[..<sign]
        }
        let halves = body.split(separator: "T", maxSplits: 1, omittingEmptySubsequences: false)
        let date = halves[0].split(separator: "-", omittingEmptySubsequences: false).compactMap { Int($0) }
        guard date.count == 3, (1...12).contains(date[1]), (1...31).contains(date[2]) else { return nil }
        var time = [0, 0, 0]
        if halves.count == 2 {
            let parts = halves[1].split(separator: ":", omittingEmptySubsequences: false).compactMap { Int($0) }
            guard (2...3).contains(parts.count), (0...23).contains(parts[0]), (0...59).contains(parts[1]) else { return nil }
            time = parts + (parts.count == 2 ? [0] : [])
        }
        let days = daysSinceEpoch(year: date[0], month: date[1], day: date[2])
        secondsSinceEpoch = days * 86_400 + Int64(time[0] * 3600 + time[1] * 60 + time[2]) - Int64(offset)
    }
}

func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    a >= 0 ? a / b : -((-a + b - 1) / b)
}

/// Days since 1970-01-01 of a proleptic Gregorian date; unlike `CalendarDate` it accepts a day
/// past the month's end (it runs on into the next month).
func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int64 {
    let y = Int64(month <= 2 ? year - 1 : year)
    let era = floorDiv(y, 400)
    let yoe = y - era * 400
    let mp = Int64(month > 2 ? month - 3 : month + 9)
    let doy = (153 * mp + 2) / 5 + Int64(day) - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
}
