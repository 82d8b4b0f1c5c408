import Foundation
import HubCore

/// A cron schedule: five fields — minute, hour, day of month, month, day of week — or a preset
/// (`@yearly`/`@annually`, `@monthly`, `@weekly`, `@daily`/`@midnight`, `@hourly`), read on the
/// wall clock of a time zone with its real rules, daylight saving included. Each field is `*`,
/// a value, a range `a-b`, a step `*/n` or `a-b/n`, or a comma-separated list of those; day of
/// week runs 0–7 (0 and 7 are Sunday); when both day fields are restricted a day matches either
/// (Vixie cron).
///
/// Daylight saving, as cron itself does it: a fire time the clocks skip (02:30 on the night they
/// go forward) fires once, at the first instant after the gap; a fire time the clocks pass twice
/// (01:30 on the night they go back) fires once, at its first occurrence — unless the hour field
/// is `*`, whose schedule fires in every real hour, both passes included.
public struct CronSchedule: Sendable, Hashable, CustomStringConvertible {
    public let expression: String
    let minutes: Set<Int>
    let hours: Set<Int>
    let daysOfMonth: Set<Int>
    let months: Set<Int>
    let daysOfWeek: Set<Int>
    let dayOfMonthRestricted: Bool
    let dayOfWeekRestricted: Bool
    /// The hour field is `*` (or a step over all hours of `*/1`): fire in both passes of a repeated hour.
    let everyHour: Bool

    public var description: String { expression }

    /// The presets and the five fields each stands for.
    public static let presets: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]

    /// Parses `expression`.
    /// - Throws: ``CronError`` naming the field that is wrong.
    public init(_ expression: String) throws(CronError) {
        var text = expression.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("@") {
            guard let fields = Self.presets[text.lowercased()] else {
                throw CronError("cron preset \"\(text)\" is not one of \(Self.presets.keys.sorted().joined(separator: ", "))")
            }
            text = fields
        }
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw CronError("cron \"\(expression)\" must have 5 fields (minute hour day-of-month month day-of-week) or be a preset such as @daily, not \(fields.count) fields")
        }
        self.expression = expression
        minutes = try Self.field(fields[0], "minute", 0...59)
        hours = try Self.field(fields[1], "hour", 0...23)
        daysOfMonth = try Self.field(fields[2], "day of month", 1...31)
        months = try Self.field(fields[3], "month", 1...12)
        daysOfWeek = Set(try Self.field(fields[4], "day of week", 0...7).map { $0 % 7 })
        dayOfMonthRestricted = fields[2] != "*"
        dayOfWeekRestricted = fields[4] != "*"
        everyHour = hours.count == 24
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

    /// Offsets change by at most this much at once (daylight saving is 30 minutes to 2 hours).
    static let maxShift: Int64 = 3 * 3600

    /// The first fire time strictly after `date`, in the given zone; nil if none within about
    /// five years (e.g. `0 0 30 2 *`).
    public func next(after date: CronTime, in zone: ScheduleTimeZone) -> CronTime? {
        let t = date.secondsSinceEpoch
        var wall = Self.localMinute(t, zone) - Self.maxShift
        let limit = wall + 5 * 366 * 86_400
        var best: Int64?
        while let w = nextWall(atOrAfter: wall), w < limit {
            if let b = best, w > Self.localMinute(b, zone) + Self.maxShift { break }
            for instant in fireInstants(wall: w, zone) where instant > t {
                best = min(best ?? instant, instant)
            }
            wall = w + 60
        }
        return best.map { CronTime(secondsSinceEpoch: $0) }
    }

    /// The last fire time at or before `date`, in the given zone; nil if none within about
    /// five years.
    public func previous(atOrBefore date: CronTime, in zone: ScheduleTimeZone) -> CronTime? {
        let t = date.secondsSinceEpoch
        var wall = Self.localMinute(t, zone) + Self.maxShift
        let limit = wall - 5 * 366 * 86_400
        var best: Int64?
        while let w = previousWall(atOrBefore: wall), w > limit {
            if let b = best, w < Self.localMinute(b, zone) - Self.maxShift { break }
            for instant in fireInstants(wall: w, zone) where instant <= t {
                best = max(best ?? instant, instant)
            }
            wall = w - 60
        }
        return best.map { CronTime(secondsSinceEpoch: $0) }
    }

    /// The local wall-clock minute (seconds since 1970-01-01T00:00 local) of an instant.
    static func localMinute(_ t: Int64, _ zone: ScheduleTimeZone) -> Int64 {
        floorDiv(t + Int64(zone.offsetSeconds(at: t)), 60) * 60
    }

    /// The instants a matching wall-clock minute fires at (see the type's daylight-saving rules).
    func fireInstants(wall: Int64, _ zone: ScheduleTimeZone) -> [Int64] {
        switch zone.resolve(wall: wall) {
        case .unique(let t): return [t]
        case .skipped(let after): return [after]
        case .repeated(let first, let second): return everyHour ? [first, second] : [first]
        }
    }

    /// The first matching wall-clock minute at or after `wall` (within about five years).
    func nextWall(atOrAfter wall: Int64) -> Int64? {
        var t = floorDiv(wall + 59, 60) * 60
        let limit = t + 5 * 366 * 86_400
        while t < limit {
            let day = floorDiv(t, 86_400)
            guard matches(day: day) else { t = (day + 1) * 86_400; continue }
            let minuteOfDay = Int((t - day * 86_400) / 60)
            guard hours.contains(minuteOfDay / 60) else { t = day * 86_400 + Int64(minuteOfDay / 60 + 1) * 3600; continue }
            guard minutes.contains(minuteOfDay % 60) else { t += 60; continue }
            return t
        }
        return nil
    }

    /// The last matching wall-clock minute at or before `wall` (within about five years).
    func previousWall(atOrBefore wall: Int64) -> Int64? {
        var t = floorDiv(wall, 60) * 60
        let limit = t - 5 * 366 * 86_400
        while t > limit {
            let day = floorDiv(t, 86_400)
            guard matches(day: day) else { t = day * 86_400 - 60; continue }
            let minuteOfDay = Int((t - day * 86_400) / 60)
            guard hours.contains(minuteOfDay / 60) else { t = day * 86_400 + Int64(minuteOfDay / 60) * 3600 - 60; continue }
            guard minutes.contains(minuteOfDay % 60) else { t -= 60; continue }
            return t
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

    /// ISO 8601 with the zone's offset at that instant, e.g. `2026-11-22T00:30:00+08:00`.
    public func formatted(in zone: ScheduleTimeZone) -> String {
        let offset = zone.offsetSeconds(at: secondsSinceEpoch)
        let local = secondsSinceEpoch + Int64(offset)
        let day = floorDiv(local, 86_400)
        let date = CalendarDate(daysSinceEpoch: Int(day))
        let (y, m, d) = (date.year, date.month, date.day)
        let s = Int(local - day * 86_400)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let stamp = "\(y)-\(two(m))-\(two(d))T\(two(s / 3600)):\(two(s / 60 % 60)):\(two(s % 60))"
        if offset == 0 { return stamp + "Z" }
        let o = abs(offset)
        return stamp + (offset < 0 ? "-" : "+") + "\(two(o / 3600)):\(two(o / 60 % 60))"
    }

    /// Reads `YYYY-MM-DD`, `YYYY-MM-DDThh:mm[:ss]` (wall time in `zone`) or the same with a
    /// `Z` / `±hh:mm` suffix (which then wins over `zone`); nil when ``parse(_:in:)`` throws.
    public init?(parsing text: String, in zone: ScheduleTimeZone) {
        guard let t = try? Self.parse(text, in: zone) else { return nil }
        self = t
    }

    /// Reads a time as ``init(parsing:in:)`` does.
    /// - Throws: ``CronError`` saying why: not that shape, not a real date (`2026-02-30`), a
    ///   time of day out of range, or a wall time the zone's clocks skip. A wall time the clocks
    ///   pass twice means its first occurrence (give an offset for the second).
    public static func parse(_ text: String, in zone: ScheduleTimeZone) throws(CronError) -> CronTime {
        var body = Substring(text.trimmingCharacters(in: [" "]))
        var offset: Int?
        if body.hasSuffix("Z") {
            offset = 0
            body = body.dropLast()
        } else if body.count > 10, let sign = body.dropFirst(10).lastIndex(where: { $0 == "+" || $0 == "-" }) {
            let parts = body[body.index(after: sign)...].split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, parts.allSatisfy({ $0.count == 2 }), let h = Int(parts[0]), let m = Int(parts[1]), h <= 14, m < 60 else {
                throw CronError("\"\(text)\": the offset must be ±hh:mm")
            }
            offset = (h * 3600 + m * 60) * (body[sign] == "-" ? -1 : 1)
            body = body[..<sign]
        }
        let halves = body.split(separator: "T", maxSplits: 1, omittingEmptySubsequences: false)
        let dateParts = halves[0].split(separator: "-", omittingEmptySubsequences: false)
        guard dateParts.count == 3, dateParts[0].count == 4, dateParts[1].count == 2, dateParts[2].count == 2,
              let y = Int(dateParts[0]), let mo = Int(dateParts[1]), let d = Int(dateParts[2]) else {
            throw CronError("\"\(text)\" is not YYYY-MM-DD or YYYY-MM-DDThh:mm[:ss] (optionally with Z or ±hh:mm)")
        }
        guard let date = CalendarDate(year: y, month: mo, day: d) else {
            throw CronError("\"\(text)\": \(halves[0]) is not a date")
        }
        var time = [0, 0, 0]
        if halves.count == 2 {
            let parts = halves[1].split(separator: ":", omittingEmptySubsequences: false)
            guard (2...3).contains(parts.count), parts.allSatisfy({ $0.count == 2 }) else {
                throw CronError("\"\(text)\": the time must be hh:mm or hh:mm:ss")
            }
            let numbers = parts.compactMap { Int($0) }
            guard numbers.count == parts.count, (0...23).contains(numbers[0]), (0...59).contains(numbers[1]),
                  numbers.count == 2 || (0...59).contains(numbers[2]) else {
                throw CronError("\"\(text)\": \(halves[1]) is not a time of day")
            }
            time = numbers + (numbers.count == 2 ? [0] : [])
        }
        let wall = Int64(date.daysSinceEpoch) * 86_400 + Int64(time[0] * 3600 + time[1] * 60 + time[2])
        if let offset { return CronTime(secondsSinceEpoch: wall - Int64(offset)) }
        switch zone.resolve(wall: wall) {
        case .unique(let t), .repeated(let t, _): return CronTime(secondsSinceEpoch: t)
        case .skipped:
            throw CronError("\"\(text)\" does not exist in \(zone.identifier): the clocks skip it (daylight saving); give an offset")
        }
    }
}

func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    a >= 0 ? a / b : -((-a + b - 1) / b)
}
