import Decoding
import Kafka
import WorkerRuntime

/// The ingest worker: ``IngestStage`` run by the at-least-once ``BatchConsumer`` over the raw
/// topics. A crash before the commit re-sends the batch, which downstream recognises by
/// source position; a batch that fails transiently (broker unreachable, a timeout) is read
/// again from the committed offsets after a backoff.
struct IngestWorker: PollLoopWorker {
    let context: WorkerContext
    let limits: DecodingLimits

    func run(stop: StopSignal) throws {
        let settings = context.settings
        var stage = IngestStage(settings: settings, topology: context.topology, limits: limits,
                                producer: try WorkerMain.outputProducer(settings, logger: context.logger), logger: context.logger)
        let consumer = try BatchConsumer(
            settings: settings, topics: stage.sourceTopics, budget: .onePoll(messages: settings.batchSize), metrics: stage.metrics,
            listener: AssignmentLogger(logger: context.logger, health: context.health), logger: context.logger, health: context.health)
        try consumer.run(&stage, stop: stop)
    }
}
