import Testing
import Topology

/// Issue 18: schedules follow the real rules of their zone, daylight saving included (two zones,
/// both transitions each), presets work, and impossible dates are refused instead of rolled over.
/// Expected instants worked out by hand from the zones' 2026 rules: New York goes from −05:00 to
/// −04:00 on 8 March at 02:00 and back on 1 November at 02:00; Berlin from +01:00 to +02:00 on
/// 29 March at 02:00 and back on 25 October at 03:00.
@Suite("Schedules in real time zones")
struct TimeZoneScheduleTests {
    let newYork = ScheduleTimeZone(named: "America/New_York")!
    let berlin = ScheduleTimeZone(named: "Europe/Berlin")!

    func t(_ s: String) -> CronTime { CronTime(parsing: s, in: .utc)! }

    @Test func newYorkSpringForward() throws {
        let daily = try CronSchedule("30 2 * * *")
        #expect(daily.next(after: t("2026-03-07T07:30:00Z"), in: newYork) == t("2026-03-08T07:00:00Z"),
                "02:30 does not exist on 8 March: the run fires as the clocks reach 03:00 EDT")
        #expect(daily.next(after: t("2026-03-08T07:00:00Z"), in: newYork) == t("2026-03-09T06:30:00Z"))
        #expect(t("2026-03-09T06:30:00Z").formatted(in: newYork) == "2026-03-09T02:30:00-04:00")
        let hourly = try CronSchedule("0 * * * *")
        #expect(hourly.next(after: t("2026-03-08T06:30:00Z"), in: newYork) == t("2026-03-08T07:00:00Z"))  // 03:00 EDT
        #expect(hourly.next(after: t("2026-03-08T07:00:00Z"), in: newYork) == t("2026-03-08T08:00:00Z"))  // 04:00 EDT
        // A daily run's data interval that day is 23 hours long.
        let dag = try Self.dag("@daily", zone: "America/New_York")
        let day = try #require(dag.interval(startingAtOrAfter: try CronTime.parse("2026-03-08", in: newYork)))
        #expect(day.start == t("2026-03-08T05:00:00Z") && day.end == t("2026-03-09T04:00:00Z"))
    }

    @Test func newYorkFallBack() throws {
        let daily = try CronSchedule("30 1 * * *")
        #expect(daily.next(after: t("2026-11-01T04:00:00Z"), in: newYork) == t("2026-11-01T05:30:00Z"), "first 01:30 (EDT)")
        #expect(daily.next(after: t("2026-11-01T05:30:00Z"), in: newYork) == t("2026-11-02T06:30:00Z"),
                "the second 01:30 (EST) that night does not fire again")
        #expect(daily.previous(atOrBefore: t("2026-11-01T06:45:00Z"), in: newYork) == t("2026-11-01T05:30:00Z"))
        let hourly = try CronSchedule("0 * * * *")
        #expect(hourly.next(after: t("2026-11-01T04:30:00Z"), in: newYork) == t("2026-11-01T05:00:00Z"))  // 01:00 EDT
        #expect(hourly.next(after: t("2026-11-01T05:00:00Z"), in: newYork) == t("2026-11-01T06:00:00Z"),
                "an hourly schedule fires in the repeated hour too (01:00 EST)")
        #expect(hourly.next(after: t("2026-11-01T06:00:00Z"), in: newYork) == t("2026-11-01T07:00:00Z"))  // 02:00 EST
        #expect(t("2026-11-01T06:00:00Z").formatted(in: newYork) == "2026-11-01T01:00:00-05:00")
        let dag = try Self.dag("0 0 * * *", zone: "America/New_York")
        let day = try #require(dag.interval(startingAtOrAfter: try CronTime.parse("2026-11-01", in: newYork)))
        #expect(day.end.secondsSinceEpoch - day.start.secondsSinceEpoch == 25 * 3600)
    }

    @Test func berlinBothTransitions() throws {
        let daily = try CronSchedule("30 2 * * *")
        #expect(daily.next(after: t("2026-03-28T01:30:00Z"), in: berlin) == t("2026-03-29T01:00:00Z"), "03:00 CEST, the end of the gap")
        #expect(daily.next(after: t("2026-03-29T01:00:00Z"), in: berlin) == t("2026-03-30T00:30:00Z"))
        #expect(daily.next(after: t("2026-10-24T12:00:00Z"), in: berlin) == t("2026-10-25T00:30:00Z"), "first 02:30 (CEST)")
        #expect(daily.next(after: t("2026-10-25T00:30:00Z"), in: berlin) == t("2026-10-26T01:30:00Z"))
        let midnight = try Self.dag("@midnight", zone: "Europe/Berlin")
        let spring = try #require(midnight.interval(startingAtOrAfter: try CronTime.parse("2026-03-29", in: berlin)))
        #expect(spring.start == t("2026-03-28T23:00:00Z") && spring.end == t("2026-03-29T22:00:00Z"))
        let autumn = try #require(midnight.interval(startingAtOrAfter: try CronTime.parse("2026-10-25", in: berlin)))
        #expect(autumn.end.secondsSinceEpoch - autumn.start.secondsSinceEpoch == 25 * 3600)
        // Previously the offset was fixed at start: a winter start would have fired an hour late all summer.
        #expect(try CronSchedule("0 6 * * *").next(after: t("2026-07-01T00:00:00Z"), in: berlin) == t("2026-07-01T04:00:00Z"))
    }

    @Test func presets() throws {
        #expect(try CronSchedule("@hourly").next(after: t("2026-05-05T10:20:00Z"), in: .utc) == t("2026-05-05T11:00:00Z"))
        #expect(try CronSchedule("@daily").next(after: t("2026-05-05T10:20:00Z"), in: .shanghai) == t("2026-05-05T16:00:00Z"))
        #expect(try CronSchedule("@weekly").next(after: t("2026-05-05T10:20:00Z"), in: .utc) == t("2026-05-10T00:00:00Z"))  // Sunday
        #expect(try CronSchedule("@monthly").next(after: t("2026-05-05T10:20:00Z"), in: .utc) == t("2026-06-01T00:00:00Z"))
        #expect(try CronSchedule("@yearly").next(after: t("2026-05-05T10:20:00Z"), in: .utc) == t("2027-01-01T00:00:00Z"))
        #expect(try CronSchedule("@annually").expression == "@annually")
        #expect(throws: CronError.self) { try CronSchedule("@reboot") }
        #expect(throws: CronError.self) { try CronSchedule("@fortnightly") }
    }

    @Test(arguments: [
        ("2026-02-30", "is not a date"), ("2026-02-29", "is not a date"), ("2026-13-01", "is not a date"),
        ("2026-04-31T00:00", "is not a date"), ("2026-03-01T24:00", "is not a time of day"), ("2026-03-01T10:60", "is not a time of day"),
        ("2026-3-1", "is not YYYY-MM-DD"), ("yesterday", "is not YYYY-MM-DD"),
    ])
    func invalidDatesAreRefused(text: String, reason: String) {
        do {
            _ = try CronTime.parse(text, in: .shanghai)
            Issue.record("\(text) was accepted")
        } catch {
            #expect(error.description.contains(reason), "\(error)")
        }
    }

    @Test func wallTimesAroundTransitions() throws {
        #expect(try CronTime.parse("2028-02-29", in: .utc) == t("2028-02-29T00:00:00Z"))
        #expect(throws: CronError.self) { try CronTime.parse("2026-03-08T02:30", in: newYork) }
        #expect(try CronTime.parse("2026-03-08T02:30-05:00", in: newYork) == t("2026-03-08T07:30:00Z"))
        #expect(try CronTime.parse("2026-11-01T01:30", in: newYork) == t("2026-11-01T05:30:00Z"), "the first 01:30")
        #expect(try CronTime.parse("2026-11-01T01:30-05:00", in: newYork) == t("2026-11-01T06:30:00Z"))
        #expect(try CronTime.parse("2026-07-01T12:00", in: berlin) == t("2026-07-01T10:00:00Z"))
        #expect(try CronTime.parse("2026-01-01T12:00", in: berlin) == t("2026-01-01T11:00:00Z"))
        #expect(ScheduleTimeZone(named: "Mars/Olympus_Mons") == nil)
        #expect(ScheduleTimeZone(named: "+05:30")?.offsetSeconds(at: 0) == 19_800)
    }

    static func dag(_ schedule: String, zone: String) throws -> DAGDefinition {
        let topology = try TopologyLoader.load(sources: [("dags.yaml", """
            dags:
              d:
                schedule: "\(schedule)"
                timezone: \(zone)
                tasks:
                  t: { type: sql, params: { sql: "SELECT 1" } }
            """)])
        return try #require(topology.dag("d"))
    }
}
