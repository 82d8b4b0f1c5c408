import CRdKafka

extension KafkaConfig {
    /// Checks every property the way librdkafka will when a client is made — unknown names,
    /// refused values, and what only a client's creation checks (TLS files, SASL mechanisms this
    /// build supports) — by creating and at once destroying a producer. Consumer-only properties
    /// are accepted (a producer only warns about them).
    ///
    /// - Returns: librdkafka's reason, on one line, or nil when the properties are usable.
    public func problem() -> String? {
        guard let conf = rd_kafka_conf_new() else { return "rd_kafka_conf_new failed" }
        var errorText = [CChar](repeating: 0, count: 512)
        for (name, value) in properties.sorted(by: { $0.key < $1.key }) {
            if rd_kafka_conf_set(conf, name, value, &errorText, errorText.count) != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                return KafkaClient.string(errorText)
            }
        }
        // Nothing to say about consumer-only properties or the connection attempt itself.
        rd_kafka_conf_set_log_cb(conf, nil)
        guard let handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            return KafkaClient.string(errorText)
        }
        rd_kafka_destroy(handle)
        return nil
    }
}
