import Topology

/// The span of data a DAG run is for: `[start, end)` between two consecutive fire times of
/// its schedule. A scheduled run becomes due when its interval has ended, so the daily run
/// for a day starts just after that day.
public struct DataInterval: Sendable, Hashable, CustomStringConvertible {
    public var start: CronTime
    public var end: CronTime

    public init(start: CronTime, end: CronTime) {
        self.start = start
        self.end = end
    }

    public var description: String { "[\(start), \(end))" }
}

extension DAGDefinition {
    /// The interval that starts at the first fire time at or after `time`.
    public func interval(startingAtOrAfter time: CronTime) -> DataInterval? {
        guard let schedule else { return nil }
        let start = schedule.next(after: CronTime(secondsSinceEpoch: time.secondsSinceEpoch - 1), in: timeZone)
        guard let start, let end = schedule.next(after: start, in: timeZone) else { return nil }
        return DataInterval(start: start, end: end)
    }

    /// The interval that follows `interval`.
    public func interval(after interval: DataInterval) -> DataInterval? {
        guard let schedule, let end = schedule.next(after: interval.end, in: timeZone) else { return nil }
        return DataInterval(start: interval.end, end: end)
    }

    /// The most recent interval that has ended by `now`.
    public func latestCompleteInterval(at now: CronTime) -> DataInterval? {
        guard let schedule, let end = schedule.previous(atOrBefore: now, in: timeZone),
              let start = schedule.previous(atOrBefore: CronTime(secondsSinceEpoch: end.secondsSinceEpoch - 60), in: timeZone)
        else { return nil }
        return DataInterval(start: start, end: end)
    }

    /// Every interval whose start lies in `[from, to)`; for an unscheduled DAG, the one
    /// interval `[from, to)`.
    public func intervals(from: CronTime, to: CronTime, limit: Int = 10_000) -> [DataInterval] {
        guard schedule != nil else { return from < to ? [DataInterval(start: from, end: to)] : [] }
        var out: [DataInterval] = []
        var next = interval(startingAtOrAfter: from)
        while let i = next, i.start < to, out.count < limit {
            out.append(i)
            next = interval(after: i)
        }
        return out
    }
}
