import Foundation

/// The time zone a DAG's cron schedule is read in: an IANA zone with its full history of rules
/// (daylight saving included) through Foundation's `TimeZone`, or a fixed offset (`+08:00`).
public struct ScheduleTimeZone: Sendable, Hashable, CustomStringConvertible {
    public let identifier: String
    public let timeZone: TimeZone

    public static let utc = ScheduleTimeZone(identifier: "UTC", timeZone: TimeZone(secondsFromGMT: 0) ?? .gmt)
    public static let shanghai = ScheduleTimeZone(named: "Asia/Shanghai") ?? .utc

    public var description: String { identifier }

    init(identifier: String, timeZone: TimeZone) {
        self.identifier = identifier
        self.timeZone = timeZone
    }

    public static func == (a: ScheduleTimeZone, b: ScheduleTimeZone) -> Bool { a.identifier == b.identifier }
    public func hash(into hasher: inout Hasher) { hasher.combine(identifier) }

    /// `Asia/Shanghai`, `America/New_York`, any IANA name Foundation knows; `UTC`, `Z`, `GMT`;
    /// or a fixed offset `+08:00` / `-05:30`.
    public init?(named name: String) {
        switch name {
        case "UTC", "Etc/UTC", "Z", "GMT":
            self.init(identifier: "UTC", timeZone: TimeZone(secondsFromGMT: 0) ?? .gmt)
        default:
            if let sign = name.first, sign == "+" || sign == "-" {
                let parts = name.dropFirst().split(separator: ":", omittingEmptySubsequences: false)
                guard parts.count == 2, parts.allSatisfy({ $0.count == 2 }), let h = Int(parts[0]), let m = Int(parts[1]),
                      h <= 14, m < 60, let zone = TimeZone(secondsFromGMT: (h * 3600 + m * 60) * (sign == "-" ? -1 : 1))
                else { return nil }
                self.init(identifier: name, timeZone: zone)
            } else if let zone = TimeZone(identifier: name) {
                self.init(identifier: name, timeZone: zone)
            } else {
                return nil
            }
        }
    }

    /// The zone's offset from UTC at `seconds` since the epoch.
    public func offsetSeconds(at seconds: Int64) -> Int {
        timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    /// Where a wall-clock time of this zone falls: the instants whose local time is `wall`
    /// (seconds since 1970-01-01T00:00 on the local clock).
    public enum WallTime: Sendable, Equatable {
        /// Exactly one instant.
        case unique(Int64)
        /// Twice, as clocks go back: the earlier and the later instant.
        case repeated(Int64, Int64)
        /// Never, as clocks go forward; `after` is the first instant past the gap.
        case skipped(after: Int64)
    }

    /// Resolves a wall-clock time (offsets change at most once within a day either side).
    public func resolve(wall: Int64) -> WallTime {
        var offsets: [Int] = []
        for probe in [wall - 86_400, wall, wall + 86_400] {
            let o = offsetSeconds(at: probe)
            if !offsets.contains(o) { offsets.append(o) }
        }
        let instants = Set(offsets.map { wall - Int64($0) }.filter { wall - Int64(offsetSeconds(at: $0)) == $0 }).sorted()
        switch instants.count {
        case 0:
            // In a gap: the first instant whose local time is past `wall`. Between the instant
            // `wall` would be under the larger offset and under the smaller one; bisect.
            let low = wall - Int64(offsets.max() ?? 0), high = wall - Int64(offsets.min() ?? 0)
            var lo = low, hi = high  // local(lo) < wall ≤ local(hi) in the gap's sense
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2
                if mid + Int64(offsetSeconds(at: mid)) > wall { hi = mid } else { lo = mid }
            }
            return .skipped(after: hi)
        case 1: return .unique(instants[0])
        default: return .repeated(instants[0], instants[instants.count - 1])
        }
    }
}
