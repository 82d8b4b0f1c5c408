import HubStore
import Logging
import Postgres
import WorkerRuntime

/// The archive's side job: deletes raw messages received more than `days` days ago (as
/// `hubctl dataspace purge`), at start and then hourly, on a connection of its own.
struct RetentionJob: SideJob {
    static let interval = Duration.seconds(3600)

    let settings: WorkerSettings
    let days: Int
    let logger: Logger
    private var db: PGConnection?

    init(settings: WorkerSettings, days: Int, logger: Logger) {
        self.settings = settings
        self.days = days
        self.logger = logger
    }

    mutating func run() {
        do {
            let connection = try db ?? PGConnection(conninfo: settings.database, pinnedSearchPath: true)
            db = connection
            let deleted = try RawZoneStore.purge(connection, schema: HubSchema(name: settings.schema), olderThanDays: days,
                                                 actor: "hub-archive")
            logger.info("retention applied", metadata: ["older_than_days": "\(days)", "deleted": "\(deleted)"])
        } catch {
            logger.warning("retention failed; retrying next hour", metadata: ["error": "\(error)"])
            db = nil  // connect again next time
        }
    }

    /// The job as the archive's side service, started once `schemaReady` is open.
    static func worker(settings: WorkerSettings, days: Int, logger: Logger, schemaReady: SideJobTrigger) -> SideJobWorker {
        SideJobWorker(name: "\(settings.stage)-retention", every: interval, trigger: schemaReady) {
            RetentionJob(settings: settings, days: days, logger: logger)
        }
    }
}
