import HubCore
import Testing

@Suite("CalendarDate")
struct CalendarDateTests {
    @Test("known days since 1970-01-01", arguments: [
        (1970, 1, 1, 0), (1969, 12, 31, -1), (2000, 2, 29, 11_016), (2024, 2, 29, 19_782),
        (1900, 3, 1, -25_508), (1600, 2, 29, -135_081), (2100, 12, 31, 47_846),
        (1, 1, 1, -719_162), (9999, 12, 31, 2_932_896),
    ])
    func knownDays(year: Int, month: Int, day: Int, days: Int) throws {
        let date = try #require(CalendarDate(year: year, month: month, day: day))
        #expect(date.daysSinceEpoch == days)
        #expect(CalendarDate(daysSinceEpoch: days) == date)
    }

    @Test("every day from 1899 to 2101 round-trips and follows the previous one")
    func roundTrip() throws {
        var previous = try #require(CalendarDate(year: 1899, month: 1, day: 1))
        var expected = previous.daysSinceEpoch
        for days in (expected + 1)...(try #require(CalendarDate(year: 2101, month: 12, day: 31))).daysSinceEpoch {
            let date = CalendarDate(daysSinceEpoch: days)
            expected += 1
            #expect(date.daysSinceEpoch == expected)
            #expect(previous < date)
            // The successor of the previous day, computed by the calendar rules.
            let last = CalendarDate.daysInMonth(year: previous.year, month: previous.month)
            if previous.day < last {
                #expect((date.year, date.month, date.day) == (previous.year, previous.month, previous.day + 1))
            } else if previous.month < 12 {
                #expect((date.year, date.month, date.day) == (previous.year, previous.month + 1, 1))
            } else {
                #expect((date.year, date.month, date.day) == (previous.year + 1, 1, 1))
            }
            previous = date
        }
    }

    @Test("leap years follow the Gregorian rule")
    func leapYears() {
        #expect(CalendarDate.isLeapYear(2024))
        #expect(CalendarDate.isLeapYear(2000))
        #expect(CalendarDate.isLeapYear(1600))
        #expect(!CalendarDate.isLeapYear(2023))
        #expect(!CalendarDate.isLeapYear(1900))
        #expect(!CalendarDate.isLeapYear(2100))
        #expect(CalendarDate(year: 2024, month: 2, day: 29) != nil)
        #expect(CalendarDate(year: 2023, month: 2, day: 29) == nil)
    }

    @Test("impossible dates are nil", arguments: [
        (2024, 2, 30), (2024, 4, 31), (2024, 13, 1), (2024, 0, 1), (2024, 1, 0), (2024, 1, 32), (0, 1, 1), (10_000, 1, 1),
    ])
    func impossible(year: Int, month: Int, day: Int) {
        #expect(CalendarDate(year: year, month: month, day: day) == nil)
    }

    @Test("description is the ISO form, zero-padded")
    func description() {
        #expect(CalendarDate(year: 2024, month: 3, day: 5)?.description == "2024-03-05")
        #expect(CalendarDate(year: 7, month: 12, day: 31)?.description == "0007-12-31")
    }
}
