import Decoding
import Foundation
import HubCore
import HubCrypto
import Kafka
import Logging
import Metrics
import Standardization
import Topology
import WorkerRuntime

/// Transform's stage logic: bring the registry up to date, standardise every record of the
/// batch's ingested messages (or, reading the raw topics with `--input raw`, of the raw
/// messages, decoded here as Ingest would: ``RawMessageReader``), then produce the standard-zone records in batches (one message
/// per destination partition, chosen by entity key, so one entity's versions meet in one sink
/// partition) and the quarantine units one message each, and wait for the acknowledgements.
struct TransformStage: AtLeastOnceStage {
    /// What one batch produced, and how many records it read.
    struct Batch {
        var output = TransformOutput()
        var records = 0
        var quarantined: [QuarantineReason: Int] = [:]
        /// Units quarantined while decoding raw messages (raw input only): not in ``records``.
        var quarantinedAtDecoding = 0
        /// Records over the internal message limit (raw input only), reported when committed.
        var isolated: [QuarantineUnit] = []
    }

    let settings: WorkerSettings
    let registryFollower: RegistryFollower
    let logger: Logger
    let metrics = StageMetrics(stage: "transform")
    private var publisher: TransformPublisher
    private let standardizers: [String: Standardizer]
    private let recordsIn: Counter
    private let recordsOut: [String: Counter]
    private let quarantinedUnits: [QuarantineReason: Counter]
    /// Set with `--input raw`.
    private let reader: RawMessageReader?
    private let poison: PoisonReporter
    /// The standard-zone arrays of the last committed batch, filled again by a later one
    /// (their capacity is bounded by the batch's record budget, 4 × `--batch-size`).
    private let spare = SpareBuffers<[String: [StandardRecord]]>()
    /// The consumer of the source topics (set by the worker once it exists), for the high
    /// watermarks its fetch responses reported.
    var source: KafkaConsumer?
    /// Which source messages were on the broker before the registry last caught up.
    private var fence = CatchUpFence()
    /// Registry catch-ups by when they ran (`batch_start`, `mid_batch`), and batches that
    /// needed none (`skipped`: the last catch-up covered their first messages).
    private let catchUps: [CatchUpMoment: Counter] = Dictionary(uniqueKeysWithValues: CatchUpMoment.allCases.map {
        ($0, Counter(label: "hub_reference_catchups_total", dimensions: [("stage", "transform"), ("at", $0.rawValue)]))
    })

    enum CatchUpMoment: String, CaseIterable {
        case batchStart = "batch_start", midBatch = "mid_batch", skipped
    }

    init(settings: WorkerSettings, topology: Topology, pseudonymizer: Pseudonymizer, keyring: PersonCodeKeyring, registryFollower: RegistryFollower,
         rawLimits: DecodingLimits? = nil, producer: KafkaProducer, logger: Logger) {
        self.settings = settings
        self.registryFollower = registryFollower
        self.logger = logger
        var standardizers: [String: Standardizer] = [:]
        var recordsOut: [String: Counter] = [:]
        for s in topology.streams {
            standardizers[settings.topic(s.sourceTopic)] = Standardizer(stream: s, pseudonymizer: pseudonymizer)
            recordsOut[settings.topic(s.outputTopic)] = metrics.recordsProduced(topic: settings.topic(s.outputTopic))
        }
        self.standardizers = standardizers
        self.recordsOut = recordsOut
        publisher = TransformPublisher(
            producer: producer, quarantineTopic: settings.quarantineTopic, keyring: keyring,
            monitorNames: Dictionary(topology.streams.map { (settings.topic($0.outputTopic), $0.monitors.map(\.name)) },
                                     uniquingKeysWith: { a, _ in a }),
            logger: logger)
        recordsIn = metrics.recordsConsumed()
        quarantinedUnits = metrics.quarantinedUnits()
        reader = rawLimits.map { RawMessageReader(limits: $0, settings: settings) }
        poison = PoisonReporter(stage: "transform", logger: logger)
    }

    /// `hub.ingested`, and with `--input raw` the raw topics before it (in order).
    var sourceTopics: [String] {
        guard reader != nil else { return [settings.ingestedTopic] }
        return standardizers.keys.sorted() + [settings.ingestedTopic]
    }

    /// Before each batch: the registry catches up with everything on the broker now, unless
    /// the last catch-up already covers the batch's first messages (they were on the broker
    /// before it began, so every registry message they may follow is held). A steady stream
    /// mostly polls what an earlier fetch reported, and saves a ListOffsets round per batch.
    mutating func prepare(_ first: [KafkaMessage]) throws {
        guard !fence.covers(first) else {
            catchUps[.skipped]?.increment()
            return
        }
        try catchUp()
        catchUps[.batchStart]?.increment()
    }

    /// Notes the source partitions' high watermarks, then brings the registry up to date.
    private mutating func catchUp() throws {
        if let source { try fence.note(source) }
        try registryFollower.catchUp()
    }

    /// A batch whose standard-zone arrays are the last committed batch's, emptied in place.
    func makeBatch() -> Batch {
        var batch = Batch()
        guard var arrays = spare.take() else { return batch }
        var i = arrays.values.startIndex
        while i != arrays.values.endIndex {
            arrays.values[i].removeAll(keepingCapacity: true)
            arrays.values.formIndex(after: &i)
        }
        batch.output.standard = arrays
        return batch
    }

    mutating func add(_ messages: [KafkaMessage], to batch: inout Batch) throws -> Int {
        // A batch goes on polling what the consumer fetches while it is filled: a message the
        // broker appended after the last catch-up began may come after a registry message the
        // registry does not hold yet (SPEC §1: the registry as of the message's time).
        if !fence.covers(messages) {
            // Waiting on the registry as before a batch (the consumer counts that one).
            try metrics.blocked(on: .reference) { try catchUp() }
            catchUps[.midBatch]?.increment()
        }
        // A libcrypto failure (never the record's fault) fails the batch; the consumer retries it.
        for message in messages { try standardize(message, into: &batch) }
        return batch.records
    }

    mutating func send(_ batch: Batch, messages: Int) throws {
        try publisher.send(batch.output)
    }

    mutating func publish(_ batch: Batch, messages: Int) throws {
        try publisher.awaitDelivery(of: batch.output)
        TestKillPoint.transformAfterProduce.reach(
            detail: "\(messages) messages, \(batch.records) records, \(batch.quarantinedAtDecoding) quarantined")
    }

    func committed(_ batch: Batch) {
        for (topic, records) in batch.output.standard { recordsOut[topic]?.increment(by: records.count) }
        for (reason, n) in batch.quarantined { quarantinedUnits[reason]?.increment(by: n) }
        for unit in batch.isolated { poison.isolated(unit) }
        recordsIn.increment(by: batch.records)
        spare.keep(batch.output.standard)
    }

    /// Standardises the records of the ingested messages one `hub.ingested` message holds (one,
    /// or an ingest bundle's) into the batch's output.
    private func standardize(_ message: KafkaMessage, into batch: inout Batch) throws(CryptoError) {
        if let reader, message.topic != settings.ingestedTopic {
            try standardize(raw: message, reader: reader, into: &batch)
            return
        }
        guard let value = message.value, let ingested = try? IngestedBundle.messages(decoding: value) else {
            logger.error("unreadable internal message skipped", metadata: [
                "topic": "\(message.topic)", "partition": "\(message.partition)", "offset": "\(message.offset)"])
            return
        }
        for one in ingested { try standardize(one, into: &batch) }
    }

    /// Decodes a raw message (`--input raw`) and standardises its records; what cannot be read
    /// is quarantined as Ingest would have.
    private func standardize(raw message: KafkaMessage, reader: RawMessageReader, into batch: inout Batch) throws(CryptoError) {
        let contents = reader.read(message, recordType: standardizers[message.topic]?.stream.recordType, logger: logger)
        for unit in contents.quarantined {
            batch.output.quarantine.append((unit.key, unit.encoded()))
            batch.quarantined[unit.reason, default: 0] += 1
            batch.quarantinedAtDecoding += 1
        }
        batch.isolated += contents.oversizedUnits
        if !contents.message.records.isEmpty { try standardize(contents.message, into: &batch) }
    }

    /// Standardises the records of one ingested message into the batch's output.
    private func standardize(_ ingested: IngestedMessage, into batch: inout Batch) throws(CryptoError) {
        guard let standardizer = standardizers[ingested.source.topic] else {
            logger.error("no stream for source topic; message skipped", metadata: ["source": "\(ingested.source.topic)"])
            return
        }
        let outputTopic = settings.topic(standardizer.stream.outputTopic)
        let asOf = ingested.registryAsOfMs ?? ingested.timestampMs
        // Looked up once per message, not per record: the registry (a copy is a retain) and
        // the output topic's array (a hash of its name). The array goes back when the message
        // is done, also when libcrypto fails; a topic without records gets no entry.
        let registry = registryFollower.registry
        var standard: [StandardRecord] = []
        var held = false
        if let existing = batch.output.standard.removeValue(forKey: outputTopic) {
            standard = existing  // the only reference left, so appending copies nothing
            held = true
        }
        defer { if held || !standard.isEmpty { batch.output.standard[outputTopic] = standard } }
        // Each record read where it lies: `for record in records` copied every record (a retain
        // of its field array and of its text's buffer, and their releases).
        try ingested.records.withUnsafeBufferPointer { records throws(CryptoError) in
            for i in records.indices {
                batch.records += 1
                var position = ingested.source
                position.row = records[i].row
                let outcome = try standardizer.standardize(records[i], source: position, registryAsOfMs: asOf,
                                                           registry: registry, replayed: ingested.registryAsOfMs != nil,
                                                           sourceTimestampMs: ingested.timestampMs)
                // Consumed, so the standard record moves into the output instead of being
                // copied out of the outcome, which was then destroyed.
                switch consume outcome {
                case .standard(let std):
                    standard.append(std)
                case .quarantine(let reason, let field, let detail, let school):
                    // The school field may hold anything (a name, an ID number): only a
                    // school code is kept; the raw bytes keep the rest.
                    let unit = QuarantineUnit(position: position, timestampMs: ingested.timestampMs,
                                              recordType: standardizer.stream.recordType, reason: reason, field: field,
                                              detail: detail, schoolCode: SchoolCode.dimension(school),
                                              raw: Array(records[i].text), record: records[i])
                        .fitted(to: settings.maxInternalValueBytes)
                    batch.output.quarantine.append((unit.key, unit.encoded()))
                    batch.quarantined[reason, default: 0] += 1
                }
            }
        }
    }
}
