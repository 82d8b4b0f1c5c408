import DataServices
import Testing

@Suite("Rate limit and request filters")
struct LimitsAndFiltersTests {
    @Test("a client gets its bucket, then waits; another client is not affected; tokens come back")
    func rateLimit() {
        let limiter = RateLimiter(perMinute: 3)
        let t0 = ContinuousClock.now
        for _ in 0..<3 { #expect(limiter.acquire(client: 1, now: t0) == nil) }
        #expect(limiter.acquire(client: 1, now: t0) == 20)
        #expect(limiter.acquire(client: 2, now: t0) == nil)
        #expect(limiter.acquire(client: 1, now: t0 + .seconds(20)) == nil)
        #expect(RateLimiter(perMinute: 0).acquire(client: 1) == nil)
    }

    @Test("filters take valid codes and name the parameter of a bad one")
    func filters() throws {
        let f = try RequestFilters(level: "school", region: "330106", grade: "21", gender: "9", from: "2024-02-29", to: "2024-03-01", limit: "10")
        #expect(f.level == .school && f.grade == 21 && f.gender == 9 && f.limit == 10)
        let bad: [(() throws -> RequestFilters, String)] = [
            ({ try RequestFilters(grade: "17") }, "grade"), ({ try RequestFilters(gender: "0") }, "gender"),
            ({ try RequestFilters(level: "country") }, "level"), ({ try RequestFilters(region: "330106'; --") }, "region"),
            ({ try RequestFilters(from: "2023-02-29") }, "from"), ({ try RequestFilters(limit: "10001") }, "limit"),
            ({ try RequestFilters(level: "city", region: "330106") }, "level"), ({ try RequestFilters(cursor: "!!", cursorFields: 2) }, "cursor"),
        ]
        for (make, parameter) in bad {
            do {
                _ = try make()
                Issue.record("\(parameter) accepted")
            } catch let e as FilterError {
                #expect(e.parameter == parameter)
                #expect(e.description.contains(parameter))
            }
        }
    }

    @Test("a cursor round-trips")
    func cursor() throws {
        let c = KeysetCursor.encode(["school", "3133010601", "11", "2"])
        let f = try RequestFilters(cursor: c, cursorFields: 4)
        #expect(f.cursor == ["school", "3133010601", "11", "2"])
    }
}
