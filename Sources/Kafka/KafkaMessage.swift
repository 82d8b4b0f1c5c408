import CRdKafka

/// A message read from Kafka, copied out of librdkafka's buffers.
public struct KafkaMessage: Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    /// CreateTime or LogAppendTime in milliseconds since 1970, nil if the broker gave none.
    public var timestampMs: Int64?
    /// nil is a null key, `[]` a zero-length one.
    public var key: [UInt8]?
    /// nil is a null value (a tombstone), `[]` a zero-length one; the two are different.
    public var value: [UInt8]?
    /// Headers in the order they were written; names may repeat.
    public var headers: [KafkaHeader]

    public init(
        topic: String, partition: Int32, offset: Int64, timestampMs: Int64? = nil,
        key: [UInt8]? = nil, value: [UInt8]?, headers: [KafkaHeader] = []
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.timestampMs = timestampMs
        self.key = key
        self.value = value
        self.headers = headers
    }

    /// The value of the header called `name` (compared case-insensitively). When the name
    /// occurs more than once the last occurrence wins, so a later stage can override an
    /// earlier one by appending. Returns nil both for a missing header and a null value.
    public func header(_ name: String) -> [UInt8]? {
        let wanted = name.lowercased()
        return headers.last { $0.name.lowercased() == wanted }?.value ?? nil
    }

    /// Where this message sits, for error messages and commits.
    public var topicPartition: TopicPartition { TopicPartition(topic: topic, partition: partition) }
}

extension KafkaMessage {
    /// Copies a message librdkafka returned without error; the caller still destroys it.
    init(copying message: UnsafePointer<rd_kafka_message_t>) {
        let native = message.pointee
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &timestampType)
        self.init(
            topic: native.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? "",
            partition: native.partition,
            offset: native.offset,
            timestampMs: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE || timestamp < 0 ? nil : timestamp,
            key: copyOptionalBytes(native.key, count: native.key_len),
            value: copyOptionalBytes(native.payload, count: native.len),
            headers: Self.copyHeaders(of: message)
        )
    }

    private static func copyHeaders(of message: UnsafePointer<rd_kafka_message_t>) -> [KafkaHeader] {
        var native: OpaquePointer?
        guard rd_kafka_message_headers(message, &native) == RD_KAFKA_RESP_ERR_NO_ERROR, let native else { return [] }
        var headers: [KafkaHeader] = []
        headers.reserveCapacity(rd_kafka_header_cnt(native))
        var index = 0
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        while rd_kafka_header_get_all(native, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
            headers.append(KafkaHeader(name: name.map { String(cString: $0) } ?? "", value: copyOptionalBytes(value, count: size)))
            index += 1
        }
        return headers
    }
}
