import CRdKafka

extension KafkaAdmin {
    /// One admin request and its reply, the part every admin call shares: options with the
    /// request timeout (and the operation timeout, for requests the broker carries out before it
    /// answers), a reply queue, `send`, then the result event — its error thrown with `context` —
    /// which `read` inspects while it is alive. `client` stays alive for the whole exchange.
    static func request<Result>(_ client: KafkaClient, _ operation: rd_kafka_admin_op_t, timeout: Duration, operationTimeout: Bool,
                                context: String, send: (_ options: OpaquePointer?, _ queue: OpaquePointer?) -> Void,
                                read: (_ event: OpaquePointer) throws -> Result) throws -> Result {
        let handle = client.handle
        let timeoutMs = timeout.clampedMilliseconds
        var errorText = [CChar](repeating: 0, count: 512)
        let options = rd_kafka_AdminOptions_new(handle, operation)
        defer { rd_kafka_AdminOptions_destroy(options) }
        rd_kafka_AdminOptions_set_request_timeout(options, timeoutMs, &errorText, errorText.count)
        if operationTimeout {
            rd_kafka_AdminOptions_set_operation_timeout(options, timeoutMs, &errorText, errorText.count)
        }

        let queue = rd_kafka_queue_new(handle)
        defer { rd_kafka_queue_destroy(queue) }
        send(options, queue)
        guard let event = rd_kafka_queue_poll(queue, timeoutMs) else {
            throw KafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT, context: context)
        }
        defer { rd_kafka_event_destroy(event) }
        let eventError = rd_kafka_event_error(event)
        if eventError != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(eventError, context: context, detail: String(cString: rd_kafka_event_error_string(event)))
        }
        return try read(event)
    }
}
