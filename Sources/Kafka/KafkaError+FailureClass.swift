import CRdKafka
import FailureIsolation

/// Which Kafka errors repeat for the same message: the message is too large for the
/// producer's `message.max.bytes` or the topic's `max.message.bytes`, or the broker refuses
/// the record itself. Everything else (timeouts, brokers down, leader changes, a full queue)
/// is transient. A fatal error is transient too as far as the input goes: the client must be
/// recreated (``KafkaError/isFatal``), and the same message may then go through.
extension KafkaError: ClassifiedFailure {
    public var failureClass: FailureClass {
        Self.deterministicCodes.contains(code) ? .deterministic : .transient
    }

    static let deterministicCodes: Set<Int32> = [
        RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE,
        RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE, RD_KAFKA_RESP_ERR_INVALID_RECORD,
    ].reduce(into: []) { $0.insert($1.rawValue) }

    /// The message is larger than the producer or the topic accepts.
    public var isMessageTooLarge: Bool {
        code == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE.rawValue || code == RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE.rawValue
    }
}
