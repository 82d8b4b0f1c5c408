import CRdKafka

/// An error reported by librdkafka or by this wrapper.
///
/// `code` is librdkafka's `rd_kafka_resp_err_t`: negative values are local (client-side)
/// errors such as `-185` (`_TIMED_OUT`), positive values are broker error codes from the
/// Kafka protocol. Use ``isRetriable`` to decide whether trying again can help and
/// ``isFatal`` to decide whether the client must be thrown away.
public struct KafkaError: Error, CustomStringConvertible, Sendable {
    /// librdkafka's numeric error code (`rd_kafka_resp_err_t`).
    public var code: Int32
    /// librdkafka's symbolic name of the code, e.g. `_TIMED_OUT` or `UNKNOWN_TOPIC_OR_PART`.
    public var name: String
    /// A human-readable explanation, including where it happened when known.
    public var message: String
    /// The client instance is unusable after this error and must be recreated.
    public var isFatal: Bool
    /// The same operation may succeed if it is tried again later.
    public var isRetriable: Bool

    public init(code: Int32, name: String, message: String, isFatal: Bool = false, isRetriable: Bool = false) {
        self.code = code
        self.name = name
        self.message = message
        self.isFatal = isFatal
        self.isRetriable = isRetriable
    }

    public var description: String {
        var text = "KafkaError \(name) (\(code)): \(message)"
        if isFatal { text += " [fatal]" }
        if isRetriable { text += " [retriable]" }
        return text
    }

    /// The operation did not finish within its timeout.
    public var isTimeout: Bool {
        code == RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue || code == RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT.rawValue
    }

    /// The topic or partition does not exist (yet) on the broker.
    public var isUnknownTopicOrPartition: Bool {
        code == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART.rawValue
            || code == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC.rawValue
            || code == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION.rawValue
    }
}

extension KafkaError {
    /// Builds an error from a plain librdkafka error code; `context` says what was being done.
    init(_ code: rd_kafka_resp_err_t, context: String, detail: String? = nil) {
        let explanation = detail ?? String(cString: rd_kafka_err2str(code))
        self.init(
            code: code.rawValue,
            name: String(cString: rd_kafka_err2name(code)),
            message: "\(context): \(explanation)",
            isFatal: code == RD_KAFKA_RESP_ERR__FATAL,
            isRetriable: Self.retriableCodes.contains(code.rawValue)
        )
    }

    /// Builds an error from an `rd_kafka_error_t` and destroys it.
    init(consuming error: OpaquePointer, context: String) {
        defer { rd_kafka_error_destroy(error) }
        self.init(
            code: rd_kafka_error_code(error).rawValue,
            name: String(cString: rd_kafka_error_name(error)),
            message: "\(context): \(String(cString: rd_kafka_error_string(error)))",
            isFatal: rd_kafka_error_is_fatal(error) != 0,
            isRetriable: rd_kafka_error_is_retriable(error) != 0
        )
    }

    /// The client's fatal error, if one was raised (idempotent producer, static group membership).
    static func clientFatalError(of client: OpaquePointer, context: String) -> KafkaError? {
        var buffer = [CChar](repeating: 0, count: 512)
        let code = rd_kafka_fatal_error(client, &buffer, buffer.count)
        guard code != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        var error = KafkaError(code, context: context, detail: String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        error.isFatal = true
        error.isRetriable = false
        return error
    }

    /// A configuration problem found before or while creating a client.
    static func invalidConfiguration(_ detail: String) -> KafkaError {
        KafkaError(RD_KAFKA_RESP_ERR__INVALID_ARG, context: "invalid Kafka configuration", detail: detail)
    }

    /// Client-side conditions that usually clear up by themselves.
    private static let retriableCodes: Set<Int32> = [
        RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR__QUEUE_FULL, RD_KAFKA_RESP_ERR__TRANSPORT,
        RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__WAIT_COORD, RD_KAFKA_RESP_ERR__IN_PROGRESS,
        RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
        RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE,
        RD_KAFKA_RESP_ERR_NOT_COORDINATOR, RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS,
        RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS, RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION,
    ].reduce(into: []) { $0.insert($1.rawValue) }
}
