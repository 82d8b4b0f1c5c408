import CRdKafka

/// Owns one `rd_kafka_t` and the callback state it points to.
///
/// librdkafka handles are thread-safe, so sharing this object is safe; which operations may
/// be called concurrently is decided by the public wrapper (producer: any; consumer: one
/// thread at a time).
final class KafkaClient: @unchecked Sendable {
    let handle: OpaquePointer
    let context: ClientContext

    enum Kind {
        case producer
        case consumer

        var native: rd_kafka_type_t { self == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER }
    }

    /// Creates the client: `defaults` first, then the caller's properties on top.
    init(
        kind: Kind, config: KafkaConfig, defaults: [String: String],
        rebalanceListener: (any KafkaRebalanceListener)? = nil
    ) throws {
        let reportsConnectivity = kind == .consumer && config.connectivityHandler != nil
        let context = ClientContext(logHandler: config.logHandler, rebalanceListener: rebalanceListener,
                                    connectivityHandler: reportsConnectivity ? config.connectivityHandler : nil)
        guard let conf = rd_kafka_conf_new() else { throw KafkaError.invalidConfiguration("rd_kafka_conf_new failed") }
        var confOwned = true
        defer { if confOwned { rd_kafka_conf_destroy(conf) } }

        var errorText = [CChar](repeating: 0, count: 512)
        var defaults = defaults
        if reportsConnectivity { defaults["statistics.interval.ms"] = defaults["statistics.interval.ms"] ?? "5000" }
        // Sorted so that the same configuration always fails on the same property first.
        for (name, value) in defaults.merging(config.properties, uniquingKeysWith: { $1 }).sorted(by: { $0.key < $1.key }) {
            if rd_kafka_conf_set(conf, name, value, &errorText, errorText.count) != RD_KAFKA_CONF_OK {
                throw KafkaError.invalidConfiguration(Self.string(errorText))
            }
        }
        rd_kafka_conf_set_opaque(conf, context.opaque)
        rd_kafka_conf_set_log_cb(conf, kafkaLogCallback)
        if reportsConnectivity {
            rd_kafka_conf_set_error_cb(conf, kafkaErrorCallback)
            rd_kafka_conf_set_stats_cb(conf, kafkaStatisticsCallback)
        }
        switch kind {
        case .producer: rd_kafka_conf_set_dr_msg_cb(conf, kafkaDeliveryReportCallback)
        case .consumer: rd_kafka_conf_set_rebalance_cb(conf, kafkaRebalanceCallback)
        }

        guard let handle = rd_kafka_new(kind.native, conf, &errorText, errorText.count) else {
            throw KafkaError.invalidConfiguration(Self.string(errorText))
        }
        confOwned = false  // rd_kafka_new took it
        self.handle = handle
        self.context = context
    }

    deinit {
        rd_kafka_destroy(handle)
    }

    static func string(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The number of partitions of `topic` from a fresh metadata request, nil if it does not exist.
    ///
    /// Asks for all topics rather than one so that the request can never auto-create the topic.
    func partitionCount(topic: String, timeout: Duration) throws -> Int? {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let code = rd_kafka_metadata(handle, 1, nil, &metadata, timeout.clampedMilliseconds)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            throw KafkaError(code, context: "fetching metadata for topic \(topic)")
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        let topics = UnsafeBufferPointer(start: metadata.pointee.topics, count: Int(metadata.pointee.topic_cnt))
        guard let entry = topics.first(where: { String(cString: $0.topic) == topic }) else { return nil }
        switch entry.err {
        case RD_KAFKA_RESP_ERR_NO_ERROR: return Int(entry.partition_cnt)
        case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART: return nil
        default: throw KafkaError(entry.err, context: "metadata for topic \(topic)")
        }
    }
}
