import Decoding
import HubCore
import Kafka
import Standardization
import WorkerRuntime

/// The transform worker: ``TransformStage`` run by the at-least-once ``BatchConsumer`` over
/// `hub.ingested` (and, with `--input raw`, the raw topics, decoded here), after the registry
/// has been read. At-least-once; the sink makes redelivery
/// harmless. A batch that fails transiently (broker unreachable, a timeout) is read again from
/// the committed offsets after a backoff.
struct TransformWorker: PollLoopWorker {
    /// Messages taken per poll while filling a batch.
    static let pollChunk = 16

    let context: WorkerContext
    /// The person-code keys: generation 1 standardises, the current generation is published.
    let keyring: PersonCodeKeyring
    /// Set with `--input raw`: the raw topics are read and decoded with these limits.
    let rawLimits: DecodingLimits?

    func run(stop: StopSignal) throws {
        let (settings, logger) = (context.settings, context.logger)
        guard let base = keyring.base else { throw KeyringError.missing(generation: 1) }
        let registryFollower = try RegistryFollower(
            config: WorkerMain.kafkaConfig(settings, ["auto.offset.reset": "earliest"], logger: logger),
            topic: settings.registryTopic, logger: logger)
        try registryFollower.start()
        try registryFollower.catchUp()
        logger.info("registry loaded", metadata: ["schools": "\(registryFollower.registry.schoolCount)",
                                                  "messages": "\(registryFollower.registry.messageCount)"])
        var stage = TransformStage(settings: settings, topology: context.topology, pseudonymizer: base, keyring: keyring,
                                   registryFollower: registryFollower, rawLimits: rawLimits, producer: try WorkerMain.outputProducer(settings, logger: logger),
                                   logger: logger)
        // An ingested message carries up to a whole raw value's records (often hundreds): a
        // batch takes messages a few at a time until it holds 4 × batch-size records, so the
        // records in flight (and the worker's memory) stay bounded.
        let budget = PollBudget.chunked(messages: settings.batchSize, records: 4 * settings.batchSize) { _ in Self.pollChunk }
        let consumer = try BatchConsumer(
            settings: settings, topics: stage.sourceTopics, budget: budget, metrics: stage.metrics,
            listener: AssignmentLogger(logger: logger, health: context.health), logger: logger, health: context.health)
        stage.source = consumer.consumer
        try consumer.run(&stage, stop: stop)
    }
}
