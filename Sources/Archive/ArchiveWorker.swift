import Decoding
import HubCrypto
import HubStore
import Standardization
import WorkerRuntime

/// The archive worker: ``ArchiveStage`` run by the exactly-once ``BatchConsumer`` over the raw
/// topics and the registry topic, exactly once like the sink: offsets live in PostgreSQL
/// (`sink_offsets` under the archive's group), each partition starts from its stored offset on
/// assignment, and every batch stores its rows and its new offsets in one transaction fenced
/// by compare-and-set. On a database failure the batch is dropped and the partitions rewound.
/// Retention runs beside the loop (``RetentionJob``), once `schemaReady` is open.
struct ArchiveWorker: PollLoopWorker {
    let context: WorkerContext
    let topics: [String]
    let zstdLevel: Int
    /// Per raw topic (with prefix), how its records name their school.
    let schoolReaders: [String: RecordSchool]
    /// Ingest's value limits, so the archive decodes exactly what Ingest would.
    let limits: DecodingLimits
    /// Seals stored values when at-rest keys are configured.
    let keyring: AtRestKeyring?
    let schemaReady: SideJobTrigger

    func run(stop: StopSignal) throws {
        let (settings, logger, health) = (context.settings, context.logger, context.health)
        let schema = HubSchema(name: settings.schema)
        let database = DatabaseAvailability(conninfo: settings.database, health: health, logger: logger, stop: stop)
        guard let db = database.connect() else { return }
        try database.retrying(db) { try schema.migrate(db, topology: context.topology) }
        let store = RawZoneStore(db: db, schema: schema)
        health.set("database", true)
        schemaReady.open()

        var stage = ArchiveStage(settings: settings, store: store, zstdLevel: zstdLevel, schoolReaders: schoolReaders, limits: limits,
                                 keyring: keyring, logger: logger)
        let positions = StoredOffsetTracker(store: store, group: settings.group, logger: logger, stop: stop)
        let consumer = try BatchConsumer(settings: settings, topics: topics, budget: .onePoll(messages: settings.batchSize),
                                         metrics: stage.metrics, listener: positions, logger: logger, health: health)
        try consumer.run(&stage, positions: positions, stop: stop)
    }
}
