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
