import Foundation

/// The time zone a DAG's cron schedule is read in, as a fixed offset from UTC.
///
/// Fixed offsets are exact for the zones the hub runs in (Asia/Shanghai has had no daylight
/// saving since 1991); other IANA names are resolved once through Foundation at their current
/// offset, so a zone with daylight saving would drift by an hour across a change.
public struct ScheduleTimeZone: Sendable, Hashable, CustomStringConvertible {
    public var identifier: String
    public var offsetSeconds: Int

    public static let utc = ScheduleTimeZone(identifier: "UTC", offsetSeconds: 0)
    public static let shanghai = ScheduleTimeZone(identifier: "Asia/Shanghai", offsetSeconds: 8 * 3600)

    public var description: String { identifier }

    public init(identifier: String, offsetSeconds: Int) {
        self.identifier = identifier
        self.offsetSeconds = offsetSeconds
    }

    /// `Asia/Shanghai`, `UTC`, `Etc/UTC`, `+08:00` / `-05:30`, or another name Foundation knows.
    public init?(named name: String) {
        switch name {
        case "Asia/Shanghai", "PRC", "Asia/Chongqing": self = .shanghai
        case "UTC", "Etc/UTC", "Z", "GMT": self = .utc
        default:
            if let sign = name.first, sign == "+" || sign == "-" {
                let parts = name.dropFirst().split(separator: ":")
                guard parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]), h <= 14, m < 60 else { return nil }
                self.init(identifier: name, offsetSeconds: (h * 3600 + m * 60) * (sign == "-" ? -1 : 1))
            } else if let zone = TimeZone(identifier: name) {
                self.init(identifier: name, offsetSeconds: zone.secondsFromGMT())
            } else {
                return nil
            }
        }
    }
}
