import CRdKafka

/// Sends messages to Kafka. Thread-safe: any number of tasks or threads may call `send`.
///
/// Sending only enqueues; call ``flush(timeout:)`` at a point where you need every message
/// so far to be stored by the broker (before committing input offsets, before exiting).
/// Messages not flushed when the producer is deallocated may be lost.
public final class KafkaProducer: Sendable {
    private let client: KafkaClient

    /// Properties set unless the caller sets them.
    static let defaults: [String: String] = [
        "message.max.bytes": String(KafkaConfig.defaultMaxMessageBytes),
        // Idempotence keeps retried batches from duplicating or reordering messages.
        "enable.idempotence": "true",
    ]

    /// Creates the producer; it connects lazily. Throws a ``KafkaError`` carrying
    /// librdkafka's explanation when a property is unknown or invalid.
    public init(config: KafkaConfig) throws {
        client = try KafkaClient(kind: .producer, config: config, defaults: Self.defaults)
    }

    /// Enqueues one message for delivery.
    ///
    /// - Parameters:
    ///   - partition: nil lets the configured partitioner choose (by key hash).
    ///   - key: nil is a null key, `[]` a zero-length key.
    ///   - value: nil is a null value (tombstone), `[]` a zero-length value.
    ///   - timestampMs: CreateTime in milliseconds since 1970; nil uses the current time.
    ///   - timeout: when librdkafka's local queue is full, how long to wait for room
    ///     (serving delivery reports meanwhile) before throwing `_QUEUE_FULL`.
    /// Delivery failures are not thrown here but by the next ``flush(timeout:)``.
    public func send(
        topic: String, partition: Int32? = nil, key: [UInt8]?, value: [UInt8]?,
        headers: [KafkaHeader] = [], timestampMs: Int64? = nil, timeout: Duration = .seconds(30)
    ) throws {
        let handle = client.handle
        let deadline = ContinuousClock.now + timeout
        // Ownership of the headers passes to librdkafka only when produceva succeeds.
        var nativeHeaders = Self.makeHeaders(headers)
        defer { if let nativeHeaders { rd_kafka_headers_destroy(nativeHeaders) } }

        while true {
            let failure: OpaquePointer? = topic.withCString { topicName in
                withOptionalBytes(key) { keyBytes, keyCount in
                    withOptionalBytes(value) { valueBytes, valueCount in
                        var fields: [rd_kafka_vu_t] = []
                        fields.reserveCapacity(7)
                        var field = rd_kafka_vu_t()
                        field.vtype = RD_KAFKA_VTYPE_TOPIC
                        field.u.cstr = topicName
                        fields.append(field)
                        field = rd_kafka_vu_t()
                        field.vtype = RD_KAFKA_VTYPE_MSGFLAGS
                        field.u.i = RD_KAFKA_MSG_F_COPY
                        fields.append(field)
                        field = rd_kafka_vu_t()
                        field.vtype = RD_KAFKA_VTYPE_KEY
                        field.u.mem.ptr = keyBytes
                        field.u.mem.size = keyCount
                        fields.append(field)
                        field = rd_kafka_vu_t()
                        field.vtype = RD_KAFKA_VTYPE_VALUE
                        field.u.mem.ptr = valueBytes
                        field.u.mem.size = valueCount
                        fields.append(field)
                        if let partition {
                            field = rd_kafka_vu_t()
                            field.vtype = RD_KAFKA_VTYPE_PARTITION
                            field.u.i32 = partition
                            fields.append(field)
                        }
                        if let timestampMs {
                            field = rd_kafka_vu_t()
                            field.vtype = RD_KAFKA_VTYPE_TIMESTAMP
                            field.u.i64 = timestampMs
                            fields.append(field)
                        }
                        if let nativeHeaders {
                            field = rd_kafka_vu_t()
                            field.vtype = RD_KAFKA_VTYPE_HEADERS
                            field.u.headers = nativeHeaders
                            fields.append(field)
                        }
                        return rd_kafka_produceva(handle, fields, fields.count)
                    }
                }
            }
            guard let failure else {
                nativeHeaders = nil
                rd_kafka_poll(handle, 0)  // serve delivery reports so their queue stays short
                return
            }
            let code = rd_kafka_error_code(failure)
            let remaining = deadline - ContinuousClock.now
            if code == RD_KAFKA_RESP_ERR__QUEUE_FULL && remaining > .zero {
                rd_kafka_error_destroy(failure)
                rd_kafka_poll(handle, min(remaining, .milliseconds(100)).clampedMilliseconds)
                continue
            }
            if code == RD_KAFKA_RESP_ERR__FATAL, let fatal = KafkaError.clientFatalError(of: handle, context: "producing to \(topic)") {
                rd_kafka_error_destroy(failure)
                throw fatal
            }
            throw KafkaError(consuming: failure, context: "producing to \(topic)")
        }
    }

    /// Waits until every message sent so far has been delivered or has failed.
    ///
    /// Throws the first delivery failure since the previous flush (messages are retried by
    /// librdkafka before they fail), or `_TIMED_OUT` if messages are still outstanding.
    public func flush(timeout: Duration) throws {
        let code = rd_kafka_flush(client.handle, timeout.clampedMilliseconds)
        if let failure = client.context.takeDeliveryFailure() { throw failure }
        if let fatal = KafkaError.clientFatalError(of: client.handle, context: "flushing producer") { throw fatal }
        if code != RD_KAFKA_RESP_ERR_NO_ERROR {
            let outstanding = rd_kafka_outq_len(client.handle)
            throw KafkaError(code, context: "flushing producer (\(outstanding) messages or requests outstanding)")
        }
    }

    /// The number of partitions of `topic`, from a fresh metadata request.
    /// Throws `UNKNOWN_TOPIC_OR_PART` if the topic does not exist.
    public func partitionCount(topic: String, timeout: Duration) throws -> Int {
        guard let count = try client.partitionCount(topic: topic, timeout: timeout) else {
            throw KafkaError(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, context: "partition count of \(topic)")
        }
        return count
    }

    private static func makeHeaders(_ headers: [KafkaHeader]) -> OpaquePointer? {
        guard !headers.isEmpty, let native = rd_kafka_headers_new(headers.count) else { return nil }
        for header in headers {
            withOptionalBytes(header.value) { bytes, count in
                _ = rd_kafka_header_add(native, header.name, -1, bytes, count)
            }
        }
        return native
    }
}
