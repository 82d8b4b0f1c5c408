/// A period the monitoring scenarios are evaluated and reported for: a calendar month
/// (`2026-09`) or a school term (`2026-2027-1`). Term 1 of school year Y–Y+1 runs from
/// 1 September Y to 31 January Y+1, term 2 from 1 February to 31 August Y+1, so the terms of
/// a year cover every day once.
public struct ReportingPeriod: Sendable, Hashable, Comparable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable, Codable {
        case month, term
    }

    public let kind: Kind
    /// `YYYY-MM` or `YYYY-YYYY-N`.
    public let id: String
    /// The first day.
    public let start: CalendarDate
    /// The day after the last.
    public let end: CalendarDate

    public var description: String { id }
    public var lastDay: CalendarDate { CalendarDate(daysSinceEpoch: end.daysSinceEpoch - 1) }

    public func contains(_ day: CalendarDate) -> Bool { start <= day && day < end }

    /// The calendar month holding `day`.
    public static func month(containing day: CalendarDate) -> ReportingPeriod {
        month(year: day.year, month: day.month)
    }

    /// The term holding `day`.
    public static func term(containing day: CalendarDate) -> ReportingPeriod {
        switch day.month {
        case 9...12: term(firstYear: day.year, number: 1)
        case 1: term(firstYear: day.year - 1, number: 1)
        default: term(firstYear: day.year - 1, number: 2)
        }
    }

    /// The period of `kind` holding `day`.
    public static func containing(_ day: CalendarDate, kind: Kind) -> ReportingPeriod {
        kind == .month ? month(containing: day) : term(containing: day)
    }

    /// `2026-09` or `2026-2027-1`; nil for anything else (years 1900–9998).
    public init?(id: String) {
        let parts = id.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }) else { return nil }
        switch parts.count {
        case 2:
            guard parts[0].count == 4, parts[1].count == 2, let y = Int(parts[0]), let m = Int(parts[1]),
                  (1900...9998).contains(y), (1...12).contains(m) else { return nil }
            self = Self.month(year: y, month: m)
        case 3:
            guard parts[0].count == 4, parts[1].count == 4, parts[2].count == 1, let y = Int(parts[0]), let y2 = Int(parts[1]),
                  let n = Int(parts[2]), (1900...9998).contains(y), y2 == y + 1, n == 1 || n == 2 else { return nil }
            self = Self.term(firstYear: y, number: n)
        default:
            return nil
        }
    }

    /// The period of the same kind just before this one.
    public var previous: ReportingPeriod {
        ReportingPeriod.containing(CalendarDate(daysSinceEpoch: start.daysSinceEpoch - 1), kind: kind)
    }

    public static func < (a: ReportingPeriod, b: ReportingPeriod) -> Bool {
        (a.start, a.kind.rawValue) < (b.start, b.kind.rawValue)
    }

    private init(kind: Kind, id: String, start: CalendarDate, end: CalendarDate) {
        self.kind = kind
        self.id = id
        self.start = start
        self.end = end
    }

    private static func month(year: Int, month: Int) -> ReportingPeriod {
        let start = CalendarDate(daysSinceEpoch: CalendarDate.firstOfMonth(year, month))
        let next = month == 12 ? CalendarDate.firstOfMonth(year + 1, 1) : CalendarDate.firstOfMonth(year, month + 1)
        return ReportingPeriod(kind: .month, id: String(start.description.prefix(7)), start: start,
                               end: CalendarDate(daysSinceEpoch: next))
    }

    private static func term(firstYear y: Int, number: Int) -> ReportingPeriod {
        let (s, e) = number == 1 ? (CalendarDate.firstOfMonth(y, 9), CalendarDate.firstOfMonth(y + 1, 2))
                                 : (CalendarDate.firstOfMonth(y + 1, 2), CalendarDate.firstOfMonth(y + 1, 9))
        return ReportingPeriod(kind: .term, id: "\(y)-\(y + 1)-\(number)", start: CalendarDate(daysSinceEpoch: s),
                               end: CalendarDate(daysSinceEpoch: e))
    }
}

extension CalendarDate {
    /// Days since 1970-01-01 of the first day of a month. Callers keep the year within
    /// 1900–9999, so the date exists; the epoch stands in for one that does not.
    fileprivate static func firstOfMonth(_ year: Int, _ month: Int) -> Int {
        CalendarDate(year: year, month: month, day: 1)?.daysSinceEpoch ?? 0
    }
}
