import Foundation
import Synchronization

/// Work a worker does beside its poll loop on a schedule (publishing the alert outbox,
/// applying retention): run by ``SideJobWorker`` on a thread of its own, with its own
/// database connection, so a slow job never holds up a batch and no connection is shared
/// between threads.
public protocol SideJob {
    /// Does the work once; failures are the job's to log (it runs again at the next turn).
    mutating func run()
}

/// How the poll loop and its side jobs meet: a job waits until the loop has opened the
/// trigger (the schema is migrated, say), and the loop can ask for a turn now (``wake()``)
/// rather than at the next interval.
public final class SideJobTrigger: Sendable {
    private let isOpen = Atomic<Bool>(false)
    private let woken = Atomic<Bool>(false)

    public init() {}

    /// Lets the jobs start.
    public func open() { isOpen.store(true, ordering: .releasing) }

    /// Asks for a turn as soon as possible.
    public func wake() { woken.store(true, ordering: .releasing) }

    var opened: Bool { isOpen.load(ordering: .acquiring) }

    func takeWake() -> Bool { woken.exchange(false, ordering: .acquiringAndReleasing) }
}

/// Runs a ``SideJob`` once the trigger is open, then every `interval` and whenever woken,
/// until the worker stops — and, with `finalTurn`, once more on the way out. In the worker's
/// `ServiceGroup` a side job is listed before the poll loop, so a graceful stop ends the poll
/// loop first (the group stops services in reverse order): the final turn sees its last commit.
public struct SideJobWorker: PollLoopWorker {
    let name: String
    let interval: Duration
    let finalTurn: Bool
    let trigger: SideJobTrigger
    let makeJob: @Sendable () -> any SideJob

    public init(name: String, every interval: Duration, finalTurn: Bool = false, trigger: SideJobTrigger,
                job makeJob: @escaping @Sendable () -> any SideJob) {
        self.name = name
        self.interval = interval
        self.finalTurn = finalTurn
        self.trigger = trigger
        self.makeJob = makeJob
    }

    public func run(stop: StopSignal) throws {
        while !trigger.opened {
            if stop.isStopping { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        var job = makeJob()
        var due = ContinuousClock.now
        while !stop.isStopping {
            if trigger.takeWake() || ContinuousClock.now >= due {
                due = ContinuousClock.now + interval
                job.run()
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        if finalTurn { job.run() }
    }

    /// The job as a service of the worker's group.
    public var service: PollLoopService { PollLoopService(name: name, worker: self) }
}
