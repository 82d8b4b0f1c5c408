import Logging
import SchedulerCore
import Synchronization
import WorkerRuntime

/// Whether this scheduler instance holds the leader lock; set by the scheduling loop, read by
/// the side jobs only the leader runs. Taking the lead opens and wakes ``trigger``.
final class Leadership: Sendable {
    private let leading = Atomic<Bool>(false)
    let trigger = SideJobTrigger()

    var isLeading: Bool { leading.load(ordering: .acquiring) }

    func set(_ now: Bool) {
        leading.store(now, ordering: .releasing)
        if now {
            trigger.open()
            trigger.wake()
        }
    }
}

/// The leader's side job: deletes outputs past the retention period when it takes the lead,
/// then hourly while it leads; a failure is logged and tried again in an hour.
struct OutputRetentionJob: SideJob {
    let directory: String
    let days: Int
    let logger: Logger
    let leadership: Leadership

    mutating func run() {
        guard leadership.isLeading else { return }
        do {
            let summary = try OutputRetention.prune(directory, olderThanDays: days)
            if summary.deletedFiles > 0 {
                logger.info("output retention applied", metadata: [
                    "older_than_days": "\(days)", "files": "\(summary.deletedFiles)", "bytes": "\(summary.deletedBytes)"])
            }
        } catch {
            logger.warning("output retention failed; trying again in an hour", metadata: ["error": "\(error)"])
        }
    }

    static func worker(directory: String, days: Int, logger: Logger, leadership: Leadership) -> SideJobWorker {
        SideJobWorker(name: "scheduler-output-retention", every: .seconds(3600), trigger: leadership.trigger) {
            OutputRetentionJob(directory: directory, days: days, logger: logger, leadership: leadership)
        }
    }
}
