import Decoding
import HubCore
import Kafka
import Logging

/// How a worker reads a raw Kafka message: hub-ingest, and hub-transform with `--input raw`.
extension RawMessageReader {
    /// A reader whose internal limit is this worker's (message.max.bytes less the framing reserve).
    public init(limits: DecodingLimits, settings: WorkerSettings) {
        self.init(limits: limits, internalLimit: settings.maxInternalValueBytes,
                  internalLimitOrigin: "message.max.bytes less \(WorkerSettings.messageFramingBytes)")
    }

    /// Reads `message` of a stream of `recordType` (nil when no stream reads its topic), and
    /// logs each quarantined unit at debug level by position and reason (never its content).
    public func read(_ message: KafkaMessage, recordType: RecordType?, logger: Logger) -> Contents {
        let contents = read(
            value: message.value, headers: message.headers.map { ($0.name, $0.value) },
            source: SourcePosition(topic: message.topic, partition: message.partition, offset: message.offset, row: 0),
            timestampMs: message.timestampMs ?? 0, recordType: recordType)
        for unit in contents.quarantined {
            logger.debug("quarantined", metadata: ["reason": "\(unit.reason.rawValue)", "topic": "\(message.topic)",
                                                   "partition": "\(message.partition)", "offset": "\(message.offset)",
                                                   "row": "\(unit.position.row)"])
        }
        return contents
    }
}
