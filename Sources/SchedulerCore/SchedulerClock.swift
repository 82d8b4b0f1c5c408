import Foundation
import Synchronization
import Topology

/// Where the scheduler reads the time from: which intervals are due, when a retry may start,
/// the times recorded on runs and task instances. Tests substitute a ``ManualClock`` so cron
/// periods and backoffs pass without waiting; attempt timeouts always run on real time.
public protocol SchedulerClock: Sendable {
    func now() -> CronTime
}

/// The wall clock.
public struct SystemClock: SchedulerClock {
    public init() {}
    public func now() -> CronTime { CronTime(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)) }
}

/// A clock that moves only when told to.
public final class ManualClock: SchedulerClock {
    private let current: Mutex<CronTime>

    public init(_ start: CronTime) { current = Mutex(start) }

    public func now() -> CronTime { current.withLock { $0 } }

    public func set(_ time: CronTime) { current.withLock { $0 = time } }

    public func advance(seconds: Int64) { current.withLock { $0.secondsSinceEpoch += seconds } }
}
