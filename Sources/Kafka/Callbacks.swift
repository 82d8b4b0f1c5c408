import CRdKafka

// librdkafka's C callbacks. They are named top-level functions (never closure literals,
// which Swift 6 may infer as @MainActor and then trap on librdkafka's threads) and find
// their state through the client's opaque pointer.

/// Delivery report for one produced message (producer; served by rd_kafka_poll/flush).
func kafkaDeliveryReportCallback(
    _ client: OpaquePointer?, _ message: UnsafePointer<rd_kafka_message_t>?, _ opaque: UnsafeMutableRawPointer?
) {
    guard let message, let opaque, message.pointee.err != RD_KAFKA_RESP_ERR_NO_ERROR else { return }
    let topic = message.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? "?"
    let error = KafkaError(message.pointee.err, context: "delivery to \(topic)[\(message.pointee.partition)] failed")
    ClientContext.from(opaque).recordDeliveryFailure(error)
}

/// One log line from any librdkafka thread.
func kafkaLogCallback(
    _ client: OpaquePointer?, _ level: Int32, _ facility: UnsafePointer<CChar>?, _ text: UnsafePointer<CChar>?
) {
    guard let client, let opaque = rd_kafka_opaque(client) else { return }
    let entry = KafkaLogMessage(
        level: level,
        facility: facility.map { String(cString: $0) } ?? "",
        message: text.map { String(cString: $0) } ?? ""
    )
    ClientContext.from(opaque).logHandler(entry)
}

/// Group rebalance (consumer; served inside rd_kafka_consumer_poll and consumer_close).
func kafkaRebalanceCallback(
    _ client: OpaquePointer?, _ event: rd_kafka_resp_err_t,
    _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, _ opaque: UnsafeMutableRawPointer?
) {
    guard let client, let opaque else { return }
    let context = ClientContext.from(opaque)
    let current = partitions.map { NativePartitionList(adopting: rd_kafka_topic_partition_list_copy($0)) }
        ?? NativePartitionList(capacity: 0)

    switch event {
    case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
        // The listener may move the starting offsets (e.g. to positions kept in a database);
        // partitions it leaves out keep RD_KAFKA_OFFSET_INVALID = committed offset.
        if let listener = context.rebalanceListener, let offsets = listener.partitionsAssigned(current.partitions) {
            current.setOffsets(from: offsets)
        }
        let code = rd_kafka_assign(client, current.pointer)
        if code != RD_KAFKA_RESP_ERR_NO_ERROR {
            context.recordRebalanceFailure(KafkaError(code, context: "assigning \(current.partitions)"))
        }
        context.assignmentArrived()
    case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
        context.rebalanceListener?.partitionsRevoked(current.partitions)
        context.awaitAssignment()
        let code = rd_kafka_assign(client, nil)
        if code != RD_KAFKA_RESP_ERR_NO_ERROR {
            context.recordRebalanceFailure(KafkaError(code, context: "unassigning \(current.partitions)"))
        }
    default:
        // A rebalance error: drop the assignment so the group can recover on the next join.
        context.logHandler(KafkaLogMessage(
            level: 3, facility: "REBALANCE",
            message: "rebalance failed: \(String(cString: rd_kafka_err2str(event)))"
        ))
        rd_kafka_assign(client, nil)
    }
}

/// A client-level error (consumer with a connectivity handler; served inside consumer_poll).
/// Logged as librdkafka would log it without this callback; "all brokers down" also tells the
/// connectivity handler.
func kafkaErrorCallback(_ client: OpaquePointer?, _ code: Int32, _ reason: UnsafePointer<CChar>?, _ opaque: UnsafeMutableRawPointer?) {
    guard let opaque else { return }
    let context = ClientContext.from(opaque)
    let error = rd_kafka_resp_err_t(code)
    let text = reason.map { String(cString: $0) } ?? String(cString: rd_kafka_err2str(error))
    context.logHandler(KafkaLogMessage(level: 3, facility: "ERROR", message: "\(text) (\(String(cString: rd_kafka_err2name(error))))"))
    if error == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN { context.connectivityHandler?(false) }
}

/// librdkafka's statistics JSON (every `statistics.interval.ms`): connected when any broker
/// entry is in state `UP`. Broker states are upper case (`INIT`, `DOWN`, `CONNECT`, …, `UP`);
/// the consumer group's own `"state":"up"` is lower case, so a byte search is exact enough.
/// Returns 0: librdkafka frees the buffer.
func kafkaStatisticsCallback(_ client: OpaquePointer?, _ json: UnsafeMutablePointer<CChar>?, _ length: Int,
                             _ opaque: UnsafeMutableRawPointer?) -> Int32 {
    guard let opaque, let json, let handler = ClientContext.from(opaque).connectivityHandler else { return 0 }
    let bytes = UnsafeRawBufferPointer(start: json, count: length)
    handler(KafkaStatistics.anyBrokerUp(bytes))
    return 0
}

enum KafkaStatistics {
    static let brokerUp = Array(#""state":"UP""#.utf8)

    static func anyBrokerUp(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let needle = brokerUp
        guard bytes.count >= needle.count else { return false }
        var i = 0
        while i <= bytes.count - needle.count {
            if bytes[i] == needle[0] {
                var j = 1
                while j < needle.count, bytes[i + j] == needle[j] { j += 1 }
                if j == needle.count { return true }
            }
            i += 1
        }
        return false
    }
}
