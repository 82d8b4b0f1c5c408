import Testing
import Topology

@Suite("Cron schedules")
struct CronScheduleTests {
    func t(_ s: String) -> CronTime { CronTime(parsing: s, in: .utc)! }

    @Test func dailyInShanghaiFiresAtHalfPastMidnightLocal() throws {
        let cron = try CronSchedule("30 0 * * *")
        let next = cron.next(after: t("2026-03-01T00:00:00Z"), in: .shanghai)
        #expect(next == t("2026-03-01T16:30:00Z"))  // 2026-03-02 00:30 +08:00
        #expect(next?.formatted(in: .shanghai) == "2026-03-02T00:30:00+08:00")
        #expect(cron.previous(atOrBefore: t("2026-03-01T16:30:00Z"), in: .shanghai) == t("2026-03-01T16:30:00Z"))
        #expect(cron.previous(atOrBefore: t("2026-03-01T16:29:00Z"), in: .shanghai) == t("2026-02-28T16:30:00Z"))
    }

    @Test func listsRangesAndSteps() throws {
        let cron = try CronSchedule("*/15 9-17 * * 1-5")
        #expect(cron.next(after: t("2026-11-20T17:45:00Z"), in: .utc) == t("2026-11-23T09:00:00Z"))  // Fri → Mon
        #expect(cron.next(after: t("2026-11-23T09:00:00Z"), in: .utc) == t("2026-11-23T09:15:00Z"))
        let list = try CronSchedule("5,10 0 1 1,7 *")
        #expect(list.next(after: t("2026-01-01T00:05:00Z"), in: .utc) == t("2026-01-01T00:10:00Z"))
        #expect(list.next(after: t("2026-01-01T00:10:00Z"), in: .utc) == t("2026-07-01T00:05:00Z"))
    }

    @Test func dayOfMonthOrDayOfWeekWhenBothRestricted() throws {
        let cron = try CronSchedule("0 0 13 * 5")  // the 13th, or any Friday
        #expect(cron.next(after: t("2026-11-01T00:00:00Z"), in: .utc) == t("2026-11-06T00:00:00Z"))
        #expect(cron.next(after: t("2026-11-06T00:00:00Z"), in: .utc) == t("2026-11-13T00:00:00Z"))
        #expect(try CronSchedule("0 0 * * 7").next(after: t("2026-11-22T00:00:00Z"), in: .utc) == t("2026-11-29T00:00:00Z"))
    }

    @Test func leapDayAndImpossibleDates() throws {
        #expect(try CronSchedule("0 12 29 2 *").next(after: t("2026-01-01"), in: .utc) == t("2028-02-29T12:00:00Z"))
        #expect(try CronSchedule("0 0 30 2 *").next(after: t("2026-01-01"), in: .utc) == nil)
    }

    @Test(arguments: ["* * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "*/0 * * * *", "5-1 * * * *", "a * * * *", "1,,2 * * * *"])
    func rejectsBadExpressions(_ text: String) {
        #expect(throws: CronError.self) { try CronSchedule(text) }
    }
}
